/* SPDX-License-Identifier: GPL-2.0 */
/* scamem internals: for mm/gup.c, and what the KUnit tests stub out. */
#ifndef _MM_SCAMEM_INTERNAL_H
#define _MM_SCAMEM_INTERNAL_H

#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/scamem.h>

/* Page flags of every page page_scamem() finds (see mm/scamem.c). */
#define SCAMEM_PAGE_FLAGS	(BIT(PG_private) | BIT(PG_private_2))
/* Low bit of page->private on a scamem page; descriptors are aligned. */
#define SCAMEM_PAGE_TAG		1UL

/*
 * A cheap first test for the GUP fast paths: false for every page that is
 * not in a scamem; true for scamem pages and some page cache pages.
 */
static inline bool page_maybe_scamem(const struct page *page)
{
	return (READ_ONCE(page->flags.f) & SCAMEM_PAGE_FLAGS) ==
	       SCAMEM_PAGE_FLAGS;
}

/*
 * page_scamem(), inline for the GUP and unpin fast paths.  Page cache,
 * anon, slab and free pages use ->private their own way: only a page with
 * neither a mapping nor a type can be a scamem's.
 */
static __always_inline struct scamem *__page_scamem(const struct page *page)
{
	unsigned long private;

	if (!page_maybe_scamem(page) || page->mapping || page_has_type(page))
		return NULL;
	private = page_private(page);
	if (!(private & SCAMEM_PAGE_TAG))
		return NULL;
	return (struct scamem *)(private & ~SCAMEM_PAGE_TAG);
}

#ifndef CONFIG_SCAMEM
/* Without an MMU there are no scamems; mm/gup.c still asks. */
static inline void scamem_init(void)
{
}

static inline bool scamem_pin_mapped_page(struct page *page, int refs)
{
	return false;
}

static inline bool scamem_add_pin(struct page *page)
{
	return false;
}

static inline bool scamem_unpin_page(struct page *page, int refs)
{
	return false;
}

static inline unsigned long scamem_unpin_pages(struct page **pages,
					       unsigned long npages)
{
	return 0;
}
#else
void __init scamem_init(void);

long scamem_gup(struct vm_area_struct *vma, unsigned long start,
		unsigned long nr_pages, unsigned int gup_flags,
		struct page **pages);
void scamem_untag_page(struct page *page);
void scamem_put_many_atomic(struct scamem *sm, int nr);
void scamem_release_atomic(struct scamem *sm);
bool scamem_pin_mapped_page(struct page *page, int refs);

/* Take @nr references on a scamem reached without one; see below. */
static __always_inline bool scamem_tryget_many(struct scamem *sm, int nr)
{
	int old;

	if (!__refcount_add_not_zero_acquire(nr, &sm->refcount, &old))
		return false;
	scamem_ref_traced(sm, nr, old, _THIS_IP_);
	return true;
}

/* Whether @page still belongs to @sm, whose reference the caller holds. */
static __always_inline bool scamem_page_still_in(const struct page *page,
						 const struct scamem *sm)
{
	return page_maybe_scamem(page) &&
	       page_private(page) == ((unsigned long)sm | SCAMEM_PAGE_TAG);
}

/**
 * __scamem_pin_page - pin a page's scamem, read from the page
 * @page: A page found through a page table entry, which the caller checks
 *	again afterwards or holds the lock of; __page_scamem(@page) returned
 *	@sm.
 * @sm: The scamem @page pointed to, reached without a reference.
 * @refs: Number of pins.
 *
 * @sm may be dying meanwhile, or @page may have just left it and its
 * descriptor been reused for another scamem.  Descriptors are
 * SLAB_TYPESAFE_BY_RCU, so under RCU @sm stays a scamem; a reference taken
 * on it counts only if @page still points to it afterwards.  A page points
 * to a scamem only while that scamem owns it, so the reference is then on
 * the page's owner, whichever incarnation of the descriptor that is.
 *
 * Context: In an RCU read-side critical section (GUP-fast has interrupts
 * off); not NMI.
 * Return: true if the pins were taken on @sm; false if @page is not (or
 * no longer) part of a live scamem.
 */
static __always_inline bool __scamem_pin_page(struct page *page,
					      struct scamem *sm, int refs)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_any_held(),
			 "scamem lookup outside an RCU read-side section");
	if (!scamem_tryget_many(sm, refs))
		return false;			/* dying */
	if (likely(scamem_page_still_in(page, sm)))
		return true;
	scamem_put_many_atomic(sm, refs);	/* reused meanwhile */
	return false;
}

/**
 * scamem_add_pin - pin a page that the caller has pinned already
 * @page: A page pinned by GUP.
 *
 * A pinned page that is in a scamem is a scamem pin (see
 * scamem_unpin_page()), and that pin keeps the scamem alive: no lookup
 * under RCU, no check of the count.
 *
 * Context: Any context but NMI.
 * Return: true if the pin was added to the page's scamem; false if the
 * caller has a page pin to add to.
 */
static __always_inline bool scamem_add_pin(struct page *page)
{
	struct scamem *sm = __page_scamem(page);

	if (!sm)
		return false;
	scamem_get(sm);
	return true;
}

/*
 * Drop @nr pins of @sm.  The count is dropped here; only the last put, and
 * a traced one, leave the caller's code.
 */
static __always_inline void scamem_unpin(struct scamem *sm, int nr)
{
	if (tracepoint_enabled(scamem_ref))
		scamem_put_many_atomic(sm, nr);
	else if (refcount_sub_and_test(nr, &sm->refcount))
		scamem_release_atomic(sm);
}

/**
 * scamem_unpin_page - unpin a page that may be a scamem pin
 * @page: A page pinned by GUP.
 * @refs: Number of pins to drop.
 *
 * A pinned page that is in a scamem is a scamem pin: pins are routed to
 * the scamem whenever it is live, and a page pinned as itself while its
 * scamem was dying left the scamem first (scamem_pin_mapped_page()).  The
 * pin being dropped keeps the scamem alive until then: no RCU, no check
 * of the count.
 *
 * Context: Any context but NMI.
 * Return: true if the pins were scamem pins and are dropped; false if the
 * caller has a page pin to drop.
 */
static __always_inline bool scamem_unpin_page(struct page *page, int refs)
{
	struct scamem *sm = __page_scamem(page);

	if (!sm)
		return false;
	scamem_unpin(sm, refs);
	return true;
}

/**
 * scamem_unpin_pages - unpin a run of pages of one scamem at once
 * @pages: Pages pinned by GUP.
 * @npages: Number of entries in @pages, at least 1.
 *
 * The pages a pin of a scamem mapping returns come in runs of one
 * scamem; a run is unpinned with one reference update.
 *
 * Context: Any context but NMI.
 * Return: How many leading entries of @pages were scamem pins of the
 * scamem of @pages[0], now dropped; 0 if @pages[0] is not a scamem pin.
 */
static __always_inline unsigned long scamem_unpin_pages(struct page **pages,
							unsigned long npages)
{
	struct scamem *sm = __page_scamem(pages[0]);
	unsigned long private, nr;

	if (!sm)
		return 0;
	/* Same back-pointer, same scamem: every such pin is its. */
	private = page_private(pages[0]);
	for (nr = 1; nr < npages && pages[nr]; nr++)
		if (!page_maybe_scamem(pages[nr]) ||
		    page_private(pages[nr]) != private)
			break;
	scamem_unpin(sm, nr);
	return nr;
}
#endif /* CONFIG_SCAMEM */

#if IS_ENABLED(CONFIG_KUNIT)
struct scamem *scamem_alloc_descriptor(unsigned int capacity, gfp_t gfp,
				       int nid);
struct page **scamem_alloc_array(size_t size, gfp_t gfp, int nid);
unsigned int scamem_alloc_bulk(gfp_t gfp, int nid, unsigned int nr,
			       struct page **pages);
struct page *scamem_alloc_one(gfp_t gfp, int nid);
void scamem_flush_deferred(void);
#endif

#endif /* _MM_SCAMEM_INTERNAL_H */
