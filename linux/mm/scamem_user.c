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
 * by GUP once it has taken them as page pins.
 *
 * scamem_revoke() takes a scamem away from userspace: it empties every
 * scamem VMA of it, found in the rmap tree of the file it is mapped
 * through, and faults and GUP on them fail from then on.  mmap_region()
 * checks with scamem_mmap_complete() that a new scamem VMA is still
 * scamem's, and not revoked, once it is linked.
 *
 * See Documentation/mm/scamem.rst.
 */

#include <kunit/static_stub.h>
#include <kunit/visibility.h>
#include <linux/cacheflush.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/scamem.h>
#include <linux/slab.h>

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

/* The entry of a scamem page: special, so that nothing looks at the page. */
static pte_t scamem_mk_pte(struct page *page, pgprot_t prot)
{
	return pte_mkspecial(mk_pte(page, prot));
}

/*
 * The mapping is populated at mmap time; a fault means that someone zapped
 * it (zap_special_vma_range(), unmap_mapping_range(), scamem_revoke()).
 * The VMA still holds its reference, so the page is still there to map
 * again, unless the scamem was revoked.
 *
 * The flag is read under the page table lock, after a full barrier: a
 * revoke sets it, then (smp_mb()) walks the page tables to zap.  If that
 * walk found the page table, it took this lock, before us (and we see the
 * flag its unlock published) or after us (and it zaps what we map).  If
 * the walk found no page table, the table was allocated after it looked,
 * by this fault or another, and the barriers on both sides (ours after
 * the table is in place, the revoke's before it looks) make us see the
 * flag.
 */
static vm_fault_t scamem_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	const struct scamem *sm = vma->vm_private_data;
	struct page *page = *scamem_vma_pages(vma, vmf->address);
	vm_fault_t ret = VM_FAULT_NOPAGE;
	spinlock_t *ptl;	/* the page table lock */
	pte_t *pte;

	pte = get_locked_pte(vma->vm_mm, vmf->address, &ptl);
	if (!pte)
		return VM_FAULT_OOM;
	smp_mb();	/* the page table in place, then the flag */
	if (scamem_revoked(sm)) {
		ret = VM_FAULT_SIGBUS;
	} else if (pte_none(ptep_get(pte))) {
		set_pte_at(vma->vm_mm, vmf->address, pte,
			   scamem_mk_pte(page, vma->vm_page_prot));
		update_mmu_cache(vma, vmf->address, pte);
	}
	pte_unmap_unlock(pte, ptl);
	return ret;
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

/*
 * VMAs that scamem_mmap() has mapped and whose ->mmap has not returned to
 * mmap_region() yet, with the scamem each took a reference on.  Whatever
 * the driver does to the VMA after scamem_mmap(), mmap_region() finds the
 * reference here: scamem_mmap_abort() drops it if ->mmap failed,
 * scamem_mmap_complete() checks that the VMA is still scamem's.  An entry
 * lives for the length of one ->mmap, so the list is short, and empty
 * unless an mmap() of a scamem is under way.
 */
struct scamem_mmap_pending {
	struct list_head node;
	const struct vm_area_struct *vma;
	struct scamem *sm;
};

static LIST_HEAD(scamem_mmaps_pending);
static DEFINE_SPINLOCK(scamem_mmaps_lock);

static void scamem_mmap_pending_add(struct scamem_mmap_pending *p,
				    const struct vm_area_struct *vma,
				    struct scamem *sm)
{
	p->vma = vma;
	p->sm = sm;
	spin_lock(&scamem_mmaps_lock);
	list_add(&p->node, &scamem_mmaps_pending);
	spin_unlock(&scamem_mmaps_lock);
}

/* The scamem whose reference scamem_mmap() took for @vma, or NULL. */
static struct scamem *scamem_mmap_pending_take(const struct vm_area_struct *vma)
{
	struct scamem_mmap_pending *p, *found = NULL;
	struct scamem *sm = NULL;

	/*
	 * Without the lock first, for every other mmap(): an entry for @vma
	 * was added by this task (->mmap runs in the task that calls mmap(),
	 * under its mmap lock) and only this task removes it, so if there is
	 * one the list is not empty for us.  list_empty() reads ->next once;
	 * others may add or remove their entries meanwhile, which tells us
	 * nothing either way, and a task that migrated since it added its
	 * entry sees its own stores.
	 */
	if (list_empty(&scamem_mmaps_pending))
		return NULL;
	spin_lock(&scamem_mmaps_lock);
	list_for_each_entry(p, &scamem_mmaps_pending, node) {
		if (p->vma == vma) {
			list_del(&p->node);
			found = p;
			break;
		}
	}
	spin_unlock(&scamem_mmaps_lock);
	if (found) {
		sm = found->sm;
		kfree(found);
	}
	return sm;
}

/**
 * scamem_mmap_abort - undo scamem_mmap() on a VMA whose ->mmap failed
 * @vma: The VMA, its partial mapping unmapped already.
 *
 * No ->close is called for a VMA whose ->mmap failed, so the reference
 * that scamem_mmap() took for it is dropped here.
 *
 * Context: From mmap_region(), the mmap lock held for writing.
 */
void scamem_mmap_abort(struct vm_area_struct *vma)
{
	struct scamem *sm = scamem_mmap_pending_take(vma);

	if (sm)
		scamem_put(sm);
}

/*
 * A driver replaced scamem's vm_ops or vm_private_data after
 * scamem_mmap(): the mmap fails, and the VMA's reference is dropped
 * exactly once.  With scamem's vm_ops still in place, by their ->close at
 * the munmap, once vm_private_data is the scamem again; with the driver's,
 * here, after the pages are unmapped, and the driver's ->close runs at
 * the munmap on what the driver installed.
 */
static int scamem_mmap_taken_over(struct vm_area_struct *vma,
				  struct scamem *sm)
{
	pr_warn_ratelimited("scamem: %ps replaced the vm_ops or vm_private_data of a scamem VMA; mmap fails\n",
			    vma->vm_file->f_op->mmap);
	if (vma->vm_ops == &scamem_vm_ops) {
		/* scamem_revoke() may be comparing it: see scamem_zap_vmas(). */
		WRITE_ONCE(vma->vm_private_data, sm);
		return -EINVAL;
	}
	zap_vma_range(vma, vma->vm_start, vma->vm_end - vma->vm_start);
	scamem_put(sm);
	return -EINVAL;
}

/**
 * scamem_mmap_complete - check a VMA that scamem_mmap() mapped
 * @vma: A VMA whose ->mmap succeeded, now linked into its file's rmap
 *	tree.
 *
 * The VMA must still be scamem's: its vm_ops are what drops its reference
 * on the scamem, and its vm_private_data is the scamem.  And its scamem
 * must not have been revoked meanwhile: scamem_revoke() finds the VMAs to
 * unmap in the rmap tree, which it may have walked before the VMA was
 * linked.  The caller unmaps the VMA if this fails; its ->close drops the
 * reference then.
 *
 * Context: From mmap_region(), the mmap lock held for writing.
 * Return: 0 if the VMA is not a scamem VMA or is fine; -EINVAL if its
 * driver took it over; -ENODEV if its scamem was revoked.
 */
int scamem_mmap_complete(struct vm_area_struct *vma)
{
	struct scamem *sm = scamem_mmap_pending_take(vma);

	if (!sm)
		return 0;
	if (vma->vm_ops != &scamem_vm_ops || vma->vm_private_data != sm)
		return scamem_mmap_taken_over(vma, sm);
	/*
	 * The VMA was linked under i_mmap_lock_write(); scamem_revoke() sets
	 * the flag before it takes i_mmap_lock_read() to walk the tree.  If
	 * its walk came after the link it found the VMA and zapped it (and
	 * faults will see the flag); if before, its unlock published the
	 * flag to our lock and we see it now.
	 */
	if (scamem_revoked(sm))
		return -ENODEV;
	return 0;
}

/*
 * Unmap every VMA of @sm that is mapped through @mapping.  This is
 * unmap_mapping_range()'s walk, over the VMAs of @sm only: others that
 * the file maps (other scamems, a driver's own mappings) are left alone.
 * Walking the same rmap tree under the same lock, it inherits what keeps
 * truncation correct: fork() links the child's VMA after the parent's
 * before it copies the entries, and mremap() moves entries under the rmap
 * locks, so an entry copied or moved while we walk is met in its new
 * place.  A VMA's vm_ops and vm_private_data do not change once it is
 * linked, except that scamem_mmap_taken_over() may set the latter back
 * to the scamem: either value is fine to compare against, as that VMA
 * is unmapped by the failing mmap().
 */
static void scamem_zap_vmas(struct scamem *sm, struct address_space *mapping)
{
	struct vm_area_struct *vma;

	i_mmap_lock_read(mapping);
	mapping_rmap_tree_foreach(vma, mapping, 0, ULONG_MAX) {
		if (vma->vm_ops != &scamem_vm_ops ||
		    READ_ONCE(vma->vm_private_data) != sm)
			continue;
		zap_vma_range(vma, vma->vm_start, vma->vm_end - vma->vm_start);
	}
	i_mmap_unlock_read(mapping);
}

/**
 * scamem_revoke - take a scamem away from userspace
 * @sm: The scamem; the caller holds a reference.
 *
 * For a driver that must withdraw user access to its buffer (device reset
 * or removal, a permission change): the pages are unmapped from every
 * scamem VMA of @sm, a fault on any of them gets SIGBUS from now on, GUP
 * on them (GUP-fast, pin_user_pages() and get_user_pages() alike) fails
 * with -EFAULT, and scamem_mmap() of @sm fails with -ENODEV.  The driver
 * need not call unmap_mapping_range() itself, and must not rely on it
 * alone: a scamem VMA faults its pages back in after a plain zap.
 *
 * Pins cannot be revoked: pages pinned before (or while) scamem_revoke()
 * runs stay pinned, allocated and intact until they are unpinned, and the
 * device or the kernel may keep accessing them through the pins.  The
 * VMAs stay too (empty), holding their references until they are
 * unmapped; so does the owner's.  A revoke cannot be undone.
 *
 * A pageable scamem cannot be revoked (it warns): its VMAs are ordinary
 * shmem mappings, which fault pages back in.
 *
 * Only scamem VMAs are revoked: a per-page mapping of the same pages
 * (remap_vmalloc_range(), vm_insert_page()) is the driver's to unmap with
 * unmap_mapping_range(), as always.
 *
 * Context: Process context; may sleep.  Takes the i_mmap lock of the
 * file @sm is mapped through.
 */
void scamem_revoke(struct scamem *sm)
{
	struct address_space *mapping;

	/* Its VMAs are shmem's, which refill on fault: not revocable. */
	if (WARN_ON_ONCE(READ_ONCE(sm->flags) & SCAMEM_PAGEABLE))
		return;
	WRITE_ONCE(sm->revoked, true);
	/*
	 * The flag before the mapping and the page tables: pairs with the
	 * smp_mb() in scamem_mmap() (it sees the flag, or we see the mapping
	 * it recorded) and with the one in scamem_vm_fault().
	 */
	smp_mb();
	mapping = READ_ONCE(sm->mapping);
	if (mapping)
		scamem_zap_vmas(sm, mapping);
}
EXPORT_SYMBOL_GPL(scamem_revoke);

struct scamem_populate {
	struct mm_struct *mm;
	struct page **pages;
	pgprot_t prot;
};

static int scamem_set_pte(pte_t *pte, unsigned long addr, void *data)
{
	struct scamem_populate *p = data;

	set_pte_at(p->mm, addr, pte, scamem_mk_pte(*p->pages++, p->prot));
	return 0;
}

/*
 * Map every page now, one page table lock per page table: the pages are
 * resident already, so waiting for faults would only make each first touch
 * a trip through the fault handler.  See "Populating a mapping" in
 * Documentation/mm/scamem.rst for the measurements.  The revoked flag is
 * not looked at: the VMA is not linked yet, and scamem_mmap_complete()
 * looks once it is.
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

/*
 * Record the file @sm is mapped through, for scamem_revoke() to walk its
 * rmap tree.  One file's address_space per scamem: the first mapping
 * decides, and its inode is held until @sm is freed, since a revoke may
 * come after every mapping is gone.
 */
static int scamem_set_mapping(struct scamem *sm,
			      struct address_space *mapping)
{
	struct address_space *old = NULL;

	if (try_cmpxchg(&sm->mapping, &old, mapping)) {
		ihold(mapping->host);
		return 0;
	}
	return old == mapping ? 0 : -EINVAL;
}

/* VMAs whose page table entries are not scamem's to decide. */
#define SCAMEM_MMAP_REFUSED	(VM_IO | VM_PFNMAP | VM_MIXEDMAP)

/*
 * Whether @vma can be a scamem VMA.  A private mapping would need
 * copy-on-write of pages it cannot own.  A shared mapping of a file opened
 * read-only lacks VM_SHARED but can never become writable: VM_MAYSHARE
 * says shared.  A VMA that its driver made VM_IO, VM_PFNMAP or
 * VM_MIXEDMAP already has entries or rules of its own (a VM_MIXEDMAP VMA
 * that became VM_PFNMAP too would hit a BUG_ON() in vmf_insert_pfn()).
 */
static bool scamem_vma_mappable(const struct vm_area_struct *vma)
{
	return (vma->vm_flags & VM_MAYSHARE) &&
	       !(vma->vm_flags & SCAMEM_MMAP_REFUSED);
}

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
 * scamem), and its vm_ops and vm_private_data are scamem's.  A driver
 * that changes either afterwards gets its mmap() failed with -EINVAL, and
 * if its ->mmap fails after this succeeded, the reference is dropped; see
 * scamem_mmap_complete() and scamem_mmap_abort().  All mappings of @sm go
 * through one file's address_space (the first one's), so that
 * scamem_revoke() can find them.
 *
 * Context: Process context, from ->mmap (the mmap lock is held), and only
 * there: a VMA already linked into its mm is refused with a warning.
 * The first scamem_mmap() of @sm makes its pages point back to it, which
 * GUP needs and nothing else does (see scamem_tag_pages()).  It fails with
 * -EBUSY while a page of @sm is pinned through a per-page mapping of the
 * same pages (remap_vmalloc_range(), vm_insert_page()), whose pin must
 * stay a page pin; a driver maps a buffer one way or the other.
 *
 * A pageable scamem (scamem_create_pageable()) is mapped differently:
 * see scamem_pageable_mmap().
 *
 * Return: 0 on success; -EINVAL if @vma is not shared or is already
 * VM_IO, VM_PFNMAP or VM_MIXEDMAP, if @sm has borrowed pages or is mapped
 * through another file's address_space, or if the range does not fit in
 * @sm; -ENODEV if @sm was revoked; -EBUSY if a page of @sm is pinned as a
 * page; -ENOMEM if memory or page tables could not be allocated.
 */
int scamem_mmap(struct scamem *sm, struct vm_area_struct *vma,
		unsigned long pgoff)
{
	unsigned long nr = vma_pages(vma);
	struct scamem_mmap_pending *pending;
	int err;

	if (IS_ENABLED(CONFIG_SCAMEM_PAGEABLE) &&
	    (READ_ONCE(sm->flags) & SCAMEM_PAGEABLE))
		return scamem_pageable_mmap(sm, vma, pgoff);
	if (!scamem_vma_mappable(vma) ||
	    (READ_ONCE(sm->flags) & SCAMEM_BORROWED))
		return -EINVAL;
	/*
	 * Only from ->mmap, before mmap_region() links the VMA: it is
	 * mmap_region() that takes the pending entry back.  Called on a VMA
	 * already in the tree (from a fault or an ioctl), the entry would
	 * stay behind and could be taken for another VMA later allocated at
	 * the same address.
	 */
	if (WARN_ON_ONCE(vma_lookup(vma->vm_mm, vma->vm_start) == vma))
		return -EINVAL;
	if (pgoff >= sm->nr_pages || nr > sm->nr_pages - pgoff)
		return -EINVAL;
	err = scamem_set_mapping(sm, vma->vm_file->f_mapping);
	if (err)
		return err;
	/*
	 * The mapping before the flag: pairs with the smp_mb() in
	 * scamem_revoke(), so that a revoke either is seen here or finds the
	 * mapping to walk (and the VMA in it, or scamem_mmap_complete() sees
	 * the flag).
	 */
	smp_mb();
	if (scamem_revoked(sm))
		return -ENODEV;
	pending = kmalloc_obj(*pending);
	if (!pending)
		return -ENOMEM;

	/* GUP and unpin find @sm from its pages from here on. */
	err = scamem_tag_pages(sm);
	if (err)
		goto free_pending;
	vma->vm_pgoff = pgoff;
	vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	/* Only ever set: GUP-fast may take its special entries from now on. */
	WRITE_ONCE(sm->flags, sm->flags | SCAMEM_MMAPPED);
	err = scamem_populate(sm, vma);
	if (err)
		goto free_pending;	/* mmap's error path zaps the rest */
	vma->vm_ops = &scamem_vm_ops;
	vma->vm_private_data = scamem_get(sm);
	scamem_mmap_pending_add(pending, vma, sm);
	return 0;

free_pending:
	kfree(pending);
	return err;
}
EXPORT_SYMBOL_GPL(scamem_mmap);

/**
 * scamem_gup - GUP on a scamem VMA
 * @vma: A VMA for which vma_scamem() is not NULL.
 * @start: The first user address, in @vma.
 * @nr_pages: How many pages are wanted from @start.
 * @gup_flags: FOLL_* flags; GUP has checked them against @vma.
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
 * Return: How many pages were handled, up to the end of @vma; -EFAULT if
 * the scamem was revoked; -ENOMEM if the pins would take the scamem past
 * SCAMEM_PIN_LIMIT.
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

	/*
	 * Under the mmap lock, a GUP that comes after scamem_revoke() sees
	 * its flag; one that races with it is a GUP from before.
	 */
	if (scamem_revoked(sm))
		return -EFAULT;
	if (!pages)
		return nr;
	/*
	 * refcount_t saturates; a pin must fail instead, with headroom left
	 * for new VMAs.  The VMA's reference keeps the count above zero.
	 */
	if ((gup_flags & FOLL_PIN) &&
	    (nr > SCAMEM_PIN_LIMIT || scamem_tryget_pins(sm, nr)))
		return -ENOMEM;
	/* A loop each: a pin of many pages is a copy of the array. */
	if (gup_flags & FOLL_GET) {
		for (i = 0; i < nr; i++) {
			pages[i] = from[i];
			get_page(pages[i]);
			flush_dcache_page(pages[i]);
		}
		return nr;
	}
	for (i = 0; i < nr; i++) {
		pages[i] = from[i];
		flush_dcache_page(pages[i]);
	}
	return nr;
}

/**
 * scamem_pin_mapped_page - pin a scamem page that a page table holds
 * @page: A page of a per-page (vm_insert_page()) mapping, which the caller
 *	has pinned as a page, and whose flags it looked at after that
 *	(scamem_pinned_folio_maybe_scamem()).  The page pin keeps it
 *	allocated.
 * @refs: Number of pins.
 *
 * Pins the page's scamem (see __scamem_pin_page()); the caller then drops
 * its page pin.  A page whose scamem is dying leaves it here and now, so
 * that the caller can keep its page pin: the page reference keeps it
 * after the scamem, and a pinned page that is still in a scamem is always
 * a scamem pin (see scamem_unpin_page()).  A full scamem keeps its page:
 * the pin fails.  A page still being tagged (see scamem_tag_pages()) may
 * end up either way: the caller must wait and look again.
 *
 * Context: Any context but NMI.
 * Return: 0 if the pins were taken on the page's scamem; -ENOENT if the
 * caller keeps its page pin; -ENOMEM if the scamem is full; -EAGAIN if
 * the page is being tagged.
 */
int scamem_pin_mapped_page(struct page *page, int refs)
{
	struct scamem *sm;
	int err = -ENOENT;

	if (page_maybe_scamem(page) &&
	    (scamem_page_private(page) & SCAMEM_PAGE_PENDING))
		return -EAGAIN;
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
