/* SPDX-License-Identifier: GPL-2.0 */
/* scamem internals: for mm/gup.c, and what the KUnit tests stub out. */
#ifndef _MM_SCAMEM_INTERNAL_H
#define _MM_SCAMEM_INTERNAL_H

#include <linux/jump_label_ratelimit.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/scamem.h>

/* Page flags of every page page_scamem() finds (see mm/scamem.c). */
#define SCAMEM_PAGE_FLAGS	(BIT(PG_private) | BIT(PG_private_2))
/* Low bits of page->private on a scamem page; descriptors are aligned. */
#define SCAMEM_PAGE_TAG		1UL
/* Being tagged: not yet the scamem's (see scamem_tag_pages()). */
#define SCAMEM_PAGE_PENDING	2UL
/*
 * The most references GUP pins may leave on a scamem: the rest, up to
 * where refcount_t saturates, is headroom for what cannot fail (a new VMA
 * on split or fork, folio_add_pin()).
 */
#define SCAMEM_PIN_LIMIT	(INT_MAX / 2)

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
 * The back-pointer of a page that page_maybe_scamem() found flagged.
 * scamem_tag_pages() writes ->private before it sets the flags: read in
 * the other order, the flags vouch for the pointer.
 */
static __always_inline unsigned long scamem_page_private(const struct page *page)
{
	smp_rmb();	/* the flags, then ->private */
	return READ_ONCE(page->private);
}

/*
 * page_scamem(), inline for the GUP and unpin fast paths.  Page cache,
 * anon, slab and free pages use ->private their own way: only a page with
 * neither a mapping nor a type can be a scamem's.  A page still being
 * tagged is not yet its scamem's.
 */
static __always_inline struct scamem *__page_scamem(const struct page *page)
{
	unsigned long private;

	if (!page_maybe_scamem(page) || page->mapping || page_has_type(page))
		return NULL;
	private = scamem_page_private(page);
	if ((private & (SCAMEM_PAGE_TAG | SCAMEM_PAGE_PENDING)) !=
	    SCAMEM_PAGE_TAG)
		return NULL;
	return (struct scamem *)(private & ~SCAMEM_PAGE_TAG);
}

#ifdef CONFIG_SCAMEM
extern struct static_key_false_deferred scamem_tagged;

/*
 * Whether any scamem has tags on its pages, or is putting them there:
 * scamem_tag_pages() counts a scamem in scamem_tagged before it marks a
 * page, and scamem_free() counts it out after its last page is untagged
 * (the key itself goes off a second later, so that mapping and freeing
 * scamems in a loop does not patch code each time).  While none has,
 * GUP and unpin can leave the pages they hold alone, for the price of a
 * no-op.  What orders the test against the tagger:
 *
 * - With jump labels, the test is code.  scamem_count_tagged() returns
 *   once every other CPU has taken an interrupt after the patching: a
 *   CPU that ran the unpatched test (nothing tagged) ran it before that
 *   interrupt, and so did it take the pins it did not look at, which the
 *   interrupt's return to the tagger (a release in smp_call_function()'s
 *   handler, an acquire in its wait) makes visible to the tagger's check
 *   for pins.  Once the test passes, a full barrier comes before the
 *   pages' flags are read, as below.
 * - Without, the test is a load of the count, after a full barrier that
 *   pairs with the one in scamem_tag_pages() (see
 *   gup_pins_may_be_scamem()).
 */
static __always_inline bool scamem_any_tagged(void)
{
	return static_branch_unlikely(&scamem_tagged.key);
}
#else
static __always_inline bool scamem_any_tagged(void)
{
	return false;
}
#endif

/*
 * For unpin_user_pages(): whether a pin it is given may be a scamem pin,
 * asked once for the whole array.  A scamem pin holds its page's tag, and
 * the tag its scamem's count in scamem_tagged: from before the tag was
 * committed (the smp_mb() in scamem_tag_pages()) until after the scamem
 * is freed, which cannot happen while the pin holds it.  Whoever took the
 * pin saw the committed tag first: on the page, or through the mapping
 * scamem_mmap() made after tagging (under the mmap lock).  With jump
 * labels, the tagger patched the test and interrupted every CPU before
 * it committed a tag, so this CPU runs the patched test.  Without, the
 * read barrier orders what this CPU saw before this load; pages handed
 * over by another thread come with a release and an acquire, which carry
 * the order along on every architecture.
 */
static __always_inline bool scamem_unpin_may_find_scamem(void)
{
	if (!IS_ENABLED(CONFIG_JUMP_LABEL))
		smp_rmb();	/* the tag GUP read, then the count */
	return scamem_any_tagged();
}

/*
 * For GUP, once it has pinned @folio as a page: whether the page may be a
 * scamem's after all, and its pin must go to the scamem.  Only order-0
 * pages without a mapping can be (not anon, not page cache).  GUP looks
 * at its pins together, each of them after a full barrier that follows
 * all of its pins, and only once it has seen there that some scamem is
 * tagged (scamem_any_tagged()): no barrier and no count here.  Paired
 * with the smp_mb() in scamem_tag_pages(), which comes after the tagger
 * counts itself and marks its pages: for the count, and for each mark,
 * either the tagger sees this pin and backs off, or GUP sees the store.
 */
static __always_inline bool scamem_pinned_folio_maybe_scamem(struct folio *folio)
{
	if (READ_ONCE(folio->mapping))
		return false;
	/* One load: order-0 (no PG_head), and both flags set. */
	return (READ_ONCE(folio->flags.f) &
		(BIT(PG_head) | SCAMEM_PAGE_FLAGS)) == SCAMEM_PAGE_FLAGS;
}

/**
 * struct scamem_pageable - what a pageable scamem has beyond a scamem
 * @lock: Serializes pins, unpins and purges: @pins, the page array, @vmaps.
 * @file: The shmem file that holds the contents; nobody else's.
 * @memcg: The creator's memory cgroup, charged for every page the object
 *	allocates or swaps in, whoever pins it; NULL without memcg.
 * @size: Size in bytes.
 * @nr_pinned: How many pages have a pin.
 * @vmaps: The kernel mappings of scamem_vmap_range(), each holding pins.
 * @pins: Pin count of each page.
 */
struct scamem_pageable {
	struct mutex lock;	/* @pins, @nr_pinned, @vmaps, the page array */
	struct file *file;
	struct mem_cgroup *memcg;
	loff_t size;
	unsigned int nr_pinned;
	struct list_head vmaps;
	unsigned int pins[];
};

#ifndef CONFIG_SCAMEM
/* Without an MMU there are no scamems; mm/gup.c still asks. */
static inline void scamem_init(void)
{
}

static inline int scamem_pin_mapped_page(struct page *page, int refs)
{
	return -ENOENT;
}

static inline void scamem_wait_tagging(void)
{
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
int scamem_tag_pages(struct scamem *sm);
int scamem_pin_mapped_page(struct page *page, int refs);
void scamem_wait_tagging(void);
void scamem_put_many(struct scamem *sm, int nr);
void scamem_pageable_free(struct scamem *sm);
int scamem_pageable_mmap(struct scamem *sm, struct vm_area_struct *vma,
			 unsigned long pgoff);

/**
 * scamem_tryget_pins - take pins on a scamem that may be dying or full
 * @sm: The scamem, reached without a reference of one's own.
 * @nr: Number of pins, at most SCAMEM_PIN_LIMIT.
 *
 * A full scamem is not a dying one: callers must not treat its pages as
 * leaving it.
 *
 * Context: Any context but NMI.
 * Return: 0 if the pins were taken; -ENOENT if @sm is being freed;
 * -ENOMEM if they would take the count past SCAMEM_PIN_LIMIT.
 */
static __always_inline int scamem_tryget_pins(struct scamem *sm, int nr)
{
	int old;

	if (__refcount_add_not_zero_limited_acquire(nr, &sm->refcount, &old,
						    SCAMEM_PIN_LIMIT)) {
		scamem_ref_traced(sm, nr, old, _THIS_IP_);
		return 0;
	}
	return old ? -ENOMEM : -ENOENT;
}

/*
 * Whether scamem_revoke() has been called on @sm.  Set once and never
 * cleared while @sm lives: a byte store and load, single-copy atomic on
 * every architecture; callers order it as their comments say.
 */
static __always_inline bool scamem_revoked(const struct scamem *sm)
{
	return READ_ONCE(sm->revoked);
}

/* Whether @page still belongs to @sm, whose reference the caller holds. */
static __always_inline bool scamem_page_still_in(const struct page *page,
						 const struct scamem *sm)
{
	return page_maybe_scamem(page) &&
	       scamem_page_private(page) ==
	       ((unsigned long)sm | SCAMEM_PAGE_TAG);
}

/*
 * Whether @page, which the caller holds and __page_scamem() found in a
 * scamem, is in that scamem still.  Held, the page cannot be freed, and
 * only its freeing lets its ->private change once the tag is committed:
 * all that can change is its flags, cleared when the scamem dies or lets
 * the page go.  So the flags alone answer, read after whatever the caller
 * took on the scamem, whose descriptor is not reused while they are set.
 */
static __always_inline bool scamem_held_page_still_in(const struct page *page)
{
	return page_maybe_scamem(page);
}

/**
 * __scamem_pin_page - pin a page's scamem, read from the page
 * @page: A page the caller holds (a reference of its own, or the page
 *	table lock of a mapping that holds one), so that it cannot be freed
 *	and reused meanwhile; __page_scamem(@page) returned @sm.
 * @sm: The scamem @page pointed to, reached without a reference.
 * @refs: Number of pins.
 *
 * Held, @page can join no scamem but its own (held, it cannot be freed
 * and reallocated into another), and leave it only when that scamem dies,
 * so @sm is, or was, a real scamem of @page.  It may be dying meanwhile and its
 * descriptor reused for another scamem: descriptors are
 * SLAB_TYPESAFE_BY_RCU, so under RCU @sm stays a scamem, and a reference
 * taken on it counts only if @page still points to it afterwards.
 *
 * Context: In an RCU read-side critical section (GUP-fast has interrupts
 * off); not NMI.
 * Return: 0 if the pins were taken on @sm; -ENOENT if @page is not (or
 * no longer) part of a live scamem; -ENOMEM if @sm is full.
 */
static __always_inline int __scamem_pin_page(struct page *page,
					     struct scamem *sm, int refs)
{
	int err;

	RCU_LOCKDEP_WARN(!rcu_read_lock_any_held(),
			 "scamem lookup outside an RCU read-side section");
	err = scamem_tryget_pins(sm, refs);
	if (err)
		return err;
	if (likely(scamem_page_still_in(page, sm)))
		return 0;
	scamem_put_many_atomic(sm, refs);	/* reused meanwhile */
	return -ENOENT;
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
	/*
	 * Same back-pointer, same scamem: every such pin is its.  The pins
	 * being dropped hold the tags still (a pinned page is neither tagged
	 * nor untagged, see scamem_tag_pages()), so the flags and ->private
	 * of the pages after the first need no ordering between them.
	 */
	private = (unsigned long)sm | SCAMEM_PAGE_TAG;
	for (nr = 1; nr < npages && pages[nr]; nr++)
		if (!page_maybe_scamem(pages[nr]) ||
		    READ_ONCE(pages[nr]->private) != private)
			break;
	scamem_unpin(sm, nr);
	return nr;
}
#endif /* CONFIG_SCAMEM */

#if IS_ENABLED(CONFIG_KUNIT)
void scamem_tag_test_window(struct scamem *sm);
int scamem_nr_tagged(void);
int scamem_populate(struct scamem *sm, struct vm_area_struct *vma);
#ifdef CONFIG_HAVE_GUP_FAST
void gup_fast_test_window(struct page **pages, unsigned long nr, pte_t *ptep);
#endif
struct scamem *scamem_alloc_descriptor(unsigned int capacity, gfp_t gfp,
				       int nid);
struct page **scamem_alloc_array(size_t size, gfp_t gfp, int nid);
unsigned int scamem_alloc_bulk(gfp_t gfp, int nid, unsigned int nr,
			       struct page **pages);
struct page *scamem_alloc_one(gfp_t gfp, int nid);
void *scamem_vmap_pages(struct page **pages, unsigned int count,
			pgprot_t prot);
void scamem_flush_deferred(void);
struct folio *scamem_pageable_read_folio(struct scamem *sm, pgoff_t index);
int scamem_pageable_write_folio(struct scamem *sm, pgoff_t index, loff_t end,
				struct folio **foliop);
pgoff_t scamem_pageable_pin_resident(struct scamem *sm, pgoff_t index,
				     pgoff_t last);
#endif

#endif /* _MM_SCAMEM_INTERNAL_H */
