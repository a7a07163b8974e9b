// SPDX-License-Identifier: GPL-2.0
/*
 * scamem in user address spaces: mapping a scamem into a VMA, and GUP on
 * such a VMA.
 *
 * A scamem VMA holds one reference on its scamem, taken by ->open and
 * dropped by ->close, so splitting, mremap, fork and exit stay balanced
 * without any per-page bookkeeping.  Its page table entries are special
 * (VM_PFNMAP): faulting, zapping and unmapping never look at the pages,
 * let alone their refcount or mapcount.
 *
 * GUP finds the pages through the VMA rather than the page tables (GUP-fast,
 * which has no VMA, takes a few from the special entries), and a pin takes
 * a reference on the scamem for each pinned page.  Unpinning
 * finds the scamem again through the page.  Every pin of a scamem page is
 * a scamem pin, whichever mapping it came through, so that unpin never has
 * to guess: pins through a legacy vm_insert_page() mapping are routed here
 * from try_grab_folio() as well.
 *
 * See Documentation/mm/scamem.rst.
 */

#include <kunit/static_stub.h>
#include <kunit/visibility.h>
#include <linux/cacheflush.h>
#include <linux/export.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/scamem.h>

#include "internal.h"
#include "scamem_internal.h"

static void scamem_vm_open(struct vm_area_struct *vma)
{
	scamem_get(vma->vm_private_data);
}

static void scamem_vm_close(struct vm_area_struct *vma)
{
	scamem_put(vma->vm_private_data);
}

/* A scamem VMA's vm_pgoff is its index in the scamem, as a file offset. */
static struct page **scamem_vma_pages(const struct vm_area_struct *vma,
				      unsigned long addr)
{
	const struct scamem *sm = vma->vm_private_data;

	return &sm->pages[linear_page_index(vma, addr)];
}

/*
 * The mapping is populated at mmap time; a fault means that someone zapped
 * it (zap_special_vma_range(), unmap_mapping_range()).  The VMA still holds its
 * reference, so the page is still there to map again.
 */
static vm_fault_t scamem_vm_fault(struct vm_fault *vmf)
{
	struct page *page = *scamem_vma_pages(vmf->vma, vmf->address);

	return vmf_insert_pfn(vmf->vma, vmf->address, page_to_pfn(page));
}

static const struct vm_operations_struct scamem_vm_ops = {
	.open = scamem_vm_open,
	.close = scamem_vm_close,
	.fault = scamem_vm_fault,
};

/**
 * vma_scamem - the scamem a VMA maps
 * @vma: Any VMA.
 *
 * Context: The caller holds the mmap lock or the VMA lock.
 * Return: The scamem mapped by @vma (kept alive by the VMA's reference as
 * long as the lock is held), or NULL if @vma was not set up by
 * scamem_mmap().
 */
struct scamem *vma_scamem(const struct vm_area_struct *vma)
{
	if (vma->vm_ops != &scamem_vm_ops)
		return NULL;
	return vma->vm_private_data;
}
EXPORT_SYMBOL_GPL(vma_scamem);

#ifdef CONFIG_DEBUG_VM
/*
 * The scamem of the page mapped at the start of a VM_PFNMAP VMA, if any.
 * The mmap lock keeps the page table, and the VMA's reference (if the VMA
 * is what it claims to be) the scamem.
 */
static struct scamem *scamem_mapped_at_start(struct vm_area_struct *vma)
{
	struct follow_pfnmap_args args = {
		.vma = vma,
		.address = vma->vm_start,
	};
	struct scamem *sm = NULL;

	if (!(vma->vm_flags & VM_PFNMAP) || follow_pfnmap_start(&args))
		return NULL;
	if (pfn_valid(args.pfn))
		sm = page_scamem(pfn_to_page(args.pfn));
	follow_pfnmap_end(&args);
	return sm;
}

/**
 * scamem_check_vma - catch a driver that took over a scamem VMA
 * @vma: A VMA whose ->mmap just returned successfully.
 *
 * A scamem VMA whose vm_ops or vm_private_data were replaced after
 * scamem_mmap() would never drop its reference, and GUP would not find
 * its scamem.  remap_pfn_range() of scamem pages (perf's vmalloc ring
 * buffer) is not that: it sets VM_IO, which scamem_mmap() does not, and
 * such a driver keeps its buffer alive itself, as it always had to.  Only
 * the first page is looked at: this is a debugging aid for driver
 * writers, not a guarantee.
 *
 * Context: From mmap_region(), the mmap lock held for writing.
 */
void scamem_check_vma(struct vm_area_struct *vma)
{
	struct scamem *sm;

	if (vma->vm_flags & VM_IO)
		return;
	sm = scamem_mapped_at_start(vma);
	if (!sm)
		return;
	WARN_ONCE(vma->vm_ops != &scamem_vm_ops ||
		  vma->vm_private_data != sm,
		  "scamem: %ps maps scamem pages but replaced the vm_ops or vm_private_data that scamem_mmap() set\n",
		  vma->vm_file ? vma->vm_file->f_op->mmap : NULL);
}
#endif

struct scamem_populate {
	struct mm_struct *mm;
	struct page **pages;
	pgprot_t prot;
};

static int scamem_set_pte(pte_t *pte, unsigned long addr, void *data)
{
	struct scamem_populate *p = data;

	set_pte_at(p->mm, addr, pte, pte_mkspecial(mk_pte(*p->pages++, p->prot)));
	return 0;
}

/*
 * Map every page now, one page table lock per page table: the pages are
 * resident already, so waiting for faults would only make each first touch
 * a trip through the fault handler.  See "Populating a mapping" in
 * Documentation/mm/scamem.rst for the measurements.
 */
VISIBLE_IF_KUNIT int scamem_populate(struct scamem *sm,
				     struct vm_area_struct *vma)
{
	struct scamem_populate p = {
		.mm = vma->vm_mm,
		.pages = &sm->pages[vma->vm_pgoff],
		.prot = vma->vm_page_prot,
	};

	KUNIT_STATIC_STUB_REDIRECT(scamem_populate, sm, vma);
	return apply_to_page_range(vma->vm_mm, vma->vm_start,
				   vma->vm_end - vma->vm_start,
				   scamem_set_pte, &p);
}
EXPORT_SYMBOL_IF_KUNIT(scamem_populate);

/**
 * scamem_mmap - map a scamem into a user VMA
 * @sm: The scamem; the VMA takes a reference of its own.
 * @vma: A shared VMA, from a driver's ->mmap.
 * @pgoff: Index of the page of @sm to map at @vma->vm_start.
 *
 * Maps the pages of @sm from @pgoff on over the whole of @vma, at once.
 * The VMA holds one reference on @sm for as long as it exists (splits and
 * fork give each new VMA its own), so the owner may drop its reference at
 * any time: the pages go when the last mapping or pin does.  GUP and
 * pin_user_pages() on the VMA take references on @sm, not on the pages.
 *
 * The VMA becomes VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP, its vm_pgoff
 * becomes @pgoff (the file offset of a scamem VMA is its index in the
 * scamem), and its vm_ops and vm_private_data are scamem's: the caller must
 * not change them afterwards, nor fail its ->mmap after this succeeded (no
 * ->close would drop the reference).
 *
 * Context: Process context, from ->mmap (the mmap lock is held).
 * Return: 0 on success; -EINVAL if @vma is not shared, @sm has borrowed
 * pages, or the range does not fit in @sm; -ENOMEM if page tables could
 * not be allocated.
 */
int scamem_mmap(struct scamem *sm, struct vm_area_struct *vma,
		unsigned long pgoff)
{
	unsigned long nr = vma_pages(vma);
	int err;

	/*
	 * A private mapping would need copy-on-write of pages it cannot own.
	 * A shared mapping of a file opened read-only lacks VM_SHARED but can
	 * never become writable: VM_MAYSHARE says shared.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE) ||
	    (READ_ONCE(sm->flags) & SCAMEM_BORROWED))
		return -EINVAL;
	if (pgoff >= sm->nr_pages || nr > sm->nr_pages - pgoff)
		return -EINVAL;

	vma->vm_pgoff = pgoff;
	vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	/* Only ever set: GUP-fast may take its special entries from now on. */
	WRITE_ONCE(sm->flags, sm->flags | SCAMEM_MMAPPED);
	err = scamem_populate(sm, vma);
	if (err)
		return err;	/* mmap's error path zaps what was mapped */
	vma->vm_ops = &scamem_vm_ops;
	vma->vm_private_data = scamem_get(sm);
	return 0;
}
EXPORT_SYMBOL_GPL(scamem_mmap);

/**
 * scamem_gup - GUP on a scamem VMA
 * @vma: A VMA for which vma_scamem() is not NULL.
 * @start: The first user address, in @vma.
 * @nr_pages: How many pages are wanted from @start.
 * @gup_flags: FOLL_* flags; check_vma_flags() has accepted them.
 * @pages: Where to store the pages, or NULL.
 *
 * The pages come from the scamem, not from the page tables: the VMA says
 * which page is at which address, and nothing needs faulting in.  FOLL_PIN
 * takes one reference on the scamem per page.  FOLL_GET takes a reference
 * on each page, because such references are dropped by put_page(),
 * folio_put(), release_pages() and more, none of which could tell them
 * from the page's own.
 *
 * Context: The mmap lock is held.
 * Return: How many pages were handled, up to the end of @vma, or -ENOMEM
 * if the pins would take the scamem past SCAMEM_PIN_LIMIT.
 */
long scamem_gup(struct vm_area_struct *vma, unsigned long start,
		unsigned long nr_pages, unsigned int gup_flags,
		struct page **pages)
{
	struct scamem *sm = vma->vm_private_data;
	/* @start may be unaligned: ptrace and /proc/pid/mem pass any byte. */
	unsigned long nr = min(nr_pages,
			       (vma->vm_end - (start & PAGE_MASK)) >> PAGE_SHIFT);
	struct page **from = scamem_vma_pages(vma, start);
	unsigned long i;

	if (!pages)
		return nr;
	/*
	 * refcount_t saturates; a pin must fail instead, with headroom left
	 * for new VMAs.  The VMA's reference keeps the count above zero.
	 */
	if ((gup_flags & FOLL_PIN) &&
	    (nr > SCAMEM_PIN_LIMIT || scamem_tryget_pins(sm, nr)))
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		pages[i] = from[i];
		if (gup_flags & FOLL_GET)
			get_page(pages[i]);
		flush_dcache_page(pages[i]);
	}
	return nr;
}

/**
 * scamem_pin_mapped_page - pin a scamem page that a page table holds
 * @page: A page of a per-page (vm_insert_page()) mapping, found under the
 *	page table lock: the mapping's page reference keeps it allocated.
 * @refs: Number of pins.
 *
 * Pins the page's scamem (see __scamem_pin_page()).  A page whose scamem
 * is dying leaves it here and now, so that the caller can pin the page
 * itself: the page reference keeps it after the scamem, and a pinned page
 * that is still in a scamem is always a scamem pin (see
 * scamem_unpin_page()).  A full scamem keeps its page: the pin fails.
 *
 * Context: Any context but NMI.
 * Return: 0 if the pins were taken on the page's scamem; -ENOENT if the
 * caller pins the page itself; -ENOMEM if the scamem is full.
 */
int scamem_pin_mapped_page(struct page *page, int refs)
{
	struct scamem *sm;
	int err = -ENOENT;

	/* The scamem may be freed and its descriptor reused meanwhile. */
	rcu_read_lock();
	sm = __page_scamem(page);
	if (sm)
		err = __scamem_pin_page(page, sm, refs);
	rcu_read_unlock();
	/* Held: its back-pointer can only go, and only its dying scamem's. */
	if (err == -ENOENT && __page_scamem(page))
		scamem_untag_page(page);
	return err;
}
