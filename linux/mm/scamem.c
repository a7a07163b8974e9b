// SPDX-License-Identifier: GPL-2.0
/*
 * scamem: a refcounted set of pages that are owned, mapped and freed
 * together.
 *
 * The owners of a scamem (a vm_struct, a user mapping, a GUP pin) each hold
 * a reference on the scamem, never on its pages: the pages go back to the
 * page allocator when the last reference is dropped, whichever it is.
 *
 * Once its scamem is mapped to userspace, each page points back to it
 * through page->private, tagged and flagged with PG_private and
 * PG_private_2 so that page_scamem() can tell a scamem page from any other
 * page without a search.  Those two flags mean
 * something only on page cache pages, which have ->mapping set; PG_private
 * alone is not enough, perf's AUX buffer keeps an odd page order in
 * ->private of its own pages.  A page type would be cleaner, but it shares
 * its word with _mapcount, and vmalloc pages are still mapped with
 * vm_insert_page() by drivers that have not moved to scamem.
 *
 * See Documentation/mm/scamem.rst.
 */

#include <kunit/static_stub.h>
#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/scamem.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "internal.h"
#include "scamem_internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/scamem.h>

EXPORT_TRACEPOINT_SYMBOL_GPL(scamem_ref);

/**
 * scamem_trace_ref - report a reference count change to scamem:scamem_ref
 * @sm: The scamem.
 * @capacity: Its capacity, read while it was certainly alive.
 * @delta: The change.
 * @old: The count before it.
 * @caller: The code that made it.
 *
 * For scamem_ref_traced(), which calls it only while the event is on:
 * out of line, so that scamem_get() costs a patched-out branch otherwise.
 *
 * Context: Any context.
 */
void scamem_trace_ref(const struct scamem *sm, unsigned int capacity,
		      int delta, int old, unsigned long caller)
{
	trace_scamem_ref(sm, capacity, delta, old + delta, caller);
}
EXPORT_SYMBOL_GPL(scamem_trace_ref);

/*
 * Page flags are updated atomically: pfn walkers that hold no reference
 * of the page's owner set them at any time, memory-failure's
 * TestSetPageHWPoison() among them, and a page being tagged or untagged
 * may be mapped per page by a driver (vm_insert_page() holds a page
 * reference), whose fault and write-tracking paths may lock or dirty it
 * meanwhile.  ->private is the owner's alone, and is written before the
 * flags that make it meaningful to page_scamem(), which reads them in the
 * other order (scamem_page_private()).  It need not be cleared at untag,
 * the page allocator does that; the flags must be, or page checking calls
 * the page bad.
 */
static void scamem_tag_page(struct page *page, unsigned long tag)
{
	WRITE_ONCE(page->private, tag);
	smp_wmb();	/* ->private, then the flags */
	atomic_long_or(SCAMEM_PAGE_FLAGS, (atomic_long_t *)&page->flags.f);
}

void scamem_untag_page(struct page *page)
{
	atomic_long_andnot(SCAMEM_PAGE_FLAGS,
			   (atomic_long_t *)&page->flags.f);
}

/*
 * Tagging is lazy.  Only GUP and unpin, which hold a page and need its
 * scamem, read the back-pointer, and they meet a scamem's pages only once
 * scamem_mmap() has mapped it: tagging every page of every vmalloc area
 * when it is allocated, and untagging it when it is freed, would cost
 * vmalloc() and vfree() a pass over the pages for areas that never reach
 * userspace.  So the first scamem_mmap() tags them.
 *
 * The hard part is a page pin taken before that.  A driver may map the
 * same pages per page (remap_vmalloc_range(), vm_insert_page()), and GUP
 * pins such a page as itself while it is untagged: that pin must be
 * unpinned as a page pin, and unpin tells the two kinds apart by the tag
 * alone.  So a scamem is tagged only while none of its pages is pinned,
 * and from then on every pin of its pages is a scamem pin.  The tagger
 * marks each page pending, then checks for pins; GUP pins the page, then
 * checks for a tag (scamem_pinned_folio_maybe_scamem()).  A full barrier
 * on each side: either the tagger sees the pin and backs off (-EBUSY),
 * or GUP sees the mark.  A GUP that sees a pending mark cannot know yet
 * which: it waits for the tagger (scamem_wait_tagging()) and looks again.
 * One tagger at a time, under a mutex: it is the first mmap of a scamem.
 */
static DEFINE_MUTEX(scamem_tag_mutex);

/*
 * How many scamems have tags, or are being tagged: while none has, GUP
 * and unpin need not look at a page's flags (see scamem_any_tagged()).
 * It changes only at a scamem's first scamem_mmap() and at its free; the
 * last decrement waits a second before it patches the tests back.
 */
DEFINE_STATIC_KEY_DEFERRED_FALSE(scamem_tagged, HZ);

#if IS_ENABLED(CONFIG_KUNIT)
/* How many scamems are counted tagged, once the deferred decrement is done. */
VISIBLE_IF_KUNIT int scamem_nr_tagged(void)
{
	static_key_deferred_flush(&scamem_tagged);
	return static_key_count(&scamem_tagged.key.key);
}
EXPORT_SYMBOL_IF_KUNIT(scamem_nr_tagged);
#endif

#if IS_ENABLED(CONFIG_KUNIT)
/*
 * Where the KUnit tests pin a page underfoot: called between the pending
 * mark and the check for pins.
 */
VISIBLE_IF_KUNIT void scamem_tag_test_window(struct scamem *sm)
{
	KUNIT_STATIC_STUB_REDIRECT(scamem_tag_test_window, sm);
}
EXPORT_SYMBOL_IF_KUNIT(scamem_tag_test_window);
#else
static inline void scamem_tag_test_window(struct scamem *sm)
{
}
#endif

static bool scamem_pages_pinned(const struct scamem *sm, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (folio_maybe_dma_pinned(page_folio(sm->pages[i])))
			return true;
		cond_resched();
	}
	return false;
}

/*
 * Count a scamem in, before any of its pages is marked.  The first one
 * patches the tests of scamem_any_tagged(), and then waits until every
 * other CPU has been interrupted: x86's and arm64's patching does that
 * itself, not every architecture's does, and the ordering against GUP
 * rests on it (see scamem_any_tagged()).  Later ones find the tests
 * patched by one that did.
 */
static void scamem_count_tagged(void)
{
	static_branch_inc(&scamem_tagged.key);
	if (IS_ENABLED(CONFIG_JUMP_LABEL) &&
	    static_key_count(&scamem_tagged.key.key) == 1)
		kick_all_cpus_sync();
}

/* A scamem's pages have no tags left: count it out, after them. */
static void scamem_count_untagged(void)
{
	smp_mb__before_atomic();	/* the untagging, then the count */
	static_branch_slow_dec_deferred(&scamem_tagged);
}

/* Mark pages[0...nr) pending, or take the mark back (untag). */
static void scamem_mark_pages(struct scamem *sm, unsigned int nr, bool mark)
{
	unsigned long tag = (unsigned long)sm | SCAMEM_PAGE_TAG;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (mark)
			scamem_tag_page(sm->pages[i], tag | SCAMEM_PAGE_PENDING);
		else
			scamem_untag_page(sm->pages[i]);
		cond_resched();
	}
}

/* Make the pending marks on pages[0...nr) the scamem's tags. */
static void scamem_commit_pages(struct scamem *sm, unsigned int nr)
{
	unsigned long tag = (unsigned long)sm | SCAMEM_PAGE_TAG;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		WRITE_ONCE(sm->pages[i]->private, tag);
		cond_resched();
	}
}

/**
 * scamem_tag_pages - make the pages of a scamem point back to it
 * @sm: The scamem; the caller holds a reference.
 *
 * For scamem_mmap(), before the first user mapping: from then on
 * page_scamem() finds @sm from its pages, and every GUP pin of them is a
 * pin of @sm.  Pages added later by scamem_add_pages() are tagged as they
 * come.  Borrowed pages are never tagged.
 *
 * Context: Process context; may sleep.
 * Return: 0 if the pages are tagged (now or before); -EBUSY if a page is
 * pinned as a page, through a per-page mapping of the same pages.
 */
int scamem_tag_pages(struct scamem *sm)
{
	unsigned int nr;
	int err = 0;

	/* Tagged: the pages' tags are visible too (the store releases them). */
	if (smp_load_acquire(&sm->tagged) || (sm->flags & SCAMEM_BORROWED))
		return 0;
	mutex_lock(&scamem_tag_mutex);
	if (sm->tagged)
		goto unlock;
	nr = sm->nr_pages;
	/* Counted before any mark, the smp_mb() below orders both. */
	scamem_count_tagged();
	scamem_mark_pages(sm, nr, true);
	scamem_tag_test_window(sm);
	smp_mb();	/* the count and the marks, then the pins: see above */
	if (scamem_pages_pinned(sm, nr)) {
		scamem_mark_pages(sm, nr, false);
		scamem_count_untagged();
		err = -EBUSY;
		goto unlock;
	}
	scamem_commit_pages(sm, nr);
	/* scamem_add_pages() tags what it adds from now on. */
	smp_store_release(&sm->tagged, true);
unlock:
	mutex_unlock(&scamem_tag_mutex);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(scamem_tag_pages);

/**
 * scamem_wait_tagging - wait until no scamem is being tagged
 *
 * For GUP, which found a page pending (see scamem_tag_pages()) and must
 * know how it ends before it can pin the page either way.
 *
 * Context: Process context; may sleep.  No page table lock held.
 */
void scamem_wait_tagging(void)
{
	mutex_lock(&scamem_tag_mutex);
	mutex_unlock(&scamem_tag_mutex);
}

/**
 * page_scamem - the scamem a page belongs to
 * @page: Any page.
 *
 * Pages are found only once their scamem has been mapped to userspace by
 * scamem_mmap(): until then nothing needs the back-pointer, and nothing
 * pays for it.
 *
 * Context: Any context.  The caller must keep the scamem alive (hold a
 * reference, a pin, or a mapping of it) for the result to stay valid.
 * Return: The scamem @page is part of, or NULL if it is not part of one
 * or its scamem was never mapped.
 */
struct scamem *page_scamem(const struct page *page)
{
	return __page_scamem(page);
}
EXPORT_SYMBOL_GPL(page_scamem);

/*
 * Descriptors come from caches of their own, one per power-of-two number
 * of inline page pointers, sized to fit: no kmalloc rounding on top of
 * the header.  SLAB_TYPESAFE_BY_RCU lets a freed descriptor be reused at
 * once (a kfree_rcu() per vfree() costs more than the rest of scamem)
 * while GUP and unpin, which look a page's scamem up without a reference,
 * still find a scamem there and re-check the page after taking one (see
 * __scamem_pin_page()).
 */
#define SCAMEM_INLINE_MAX	256
#define SCAMEM_NR_CACHES	(ilog2(SCAMEM_INLINE_MAX) + 1)

static struct kmem_cache *scamem_caches[SCAMEM_NR_CACHES] __ro_after_init;

/* The cache of a descriptor; a large set uses the smallest, for its header. */
static inline struct kmem_cache *scamem_cache(unsigned int capacity)
{
	if (capacity > SCAMEM_INLINE_MAX)
		return scamem_caches[0];
	return scamem_caches[order_base_2(capacity)];
}

static bool scamem_array_inline(unsigned int capacity)
{
	return capacity <= SCAMEM_INLINE_MAX;
}

/**
 * scamem_init - create the descriptor caches
 *
 * Context: Boot, after the slab allocator and before the first vmalloc().
 */
void __init scamem_init(void)
{
	struct kmem_cache_args args = {
		.use_freeptr_offset = true,
		.freeptr_offset = offsetof(struct scamem, freeptr),
	};
	slab_flags_t flags = SLAB_TYPESAFE_BY_RCU | SLAB_PANIC;
	unsigned int i;

	for (i = 0; i < SCAMEM_NR_CACHES; i++) {
		size_t size = struct_size_t(struct scamem, inline_pages, 1U << i);
		char name[16];

		/* The slab allocator keeps a copy of the name. */
		snprintf(name, sizeof(name), "scamem-%u", 1U << i);
		scamem_caches[i] = kmem_cache_create(name, size, &args, flags);
	}
}

/*
 * The allocation sites, one function each so that the KUnit tests can make
 * each of them fail in turn.
 */
VISIBLE_IF_KUNIT
struct scamem *scamem_alloc_descriptor(unsigned int capacity, gfp_t gfp,
				       int nid)
{
	KUNIT_STATIC_STUB_REDIRECT(scamem_alloc_descriptor, capacity, gfp, nid);
	return kmem_cache_alloc_node_noprof(scamem_cache(capacity), gfp, nid);
}
EXPORT_SYMBOL_IF_KUNIT(scamem_alloc_descriptor);

/*
 * kvmalloc() refuses more than INT_MAX bytes; vmalloc() itself does not,
 * and a vmalloc area of more than 1 TiB needs an array that large.
 */
VISIBLE_IF_KUNIT
struct page **scamem_alloc_array(size_t size, gfp_t gfp, int nid)
{
	KUNIT_STATIC_STUB_REDIRECT(scamem_alloc_array, size, gfp, nid);
	if (size > INT_MAX)
		return __vmalloc_node_noprof(size, 1, gfp, nid,
					     __builtin_return_address(0));
	return kvmalloc_node_noprof(size, gfp, nid);
}
EXPORT_SYMBOL_IF_KUNIT(scamem_alloc_array);

VISIBLE_IF_KUNIT
unsigned int scamem_alloc_bulk(gfp_t gfp, int nid, unsigned int nr,
			       struct page **pages)
{
	KUNIT_STATIC_STUB_REDIRECT(scamem_alloc_bulk, gfp, nid, nr, pages);
	return alloc_pages_bulk_node_noprof(gfp, nid, nr, pages);
}
EXPORT_SYMBOL_IF_KUNIT(scamem_alloc_bulk);

VISIBLE_IF_KUNIT
struct page *scamem_alloc_one(gfp_t gfp, int nid)
{
	KUNIT_STATIC_STUB_REDIRECT(scamem_alloc_one, gfp, nid);
	return alloc_pages_node_noprof(nid, gfp, 0);
}
EXPORT_SYMBOL_IF_KUNIT(scamem_alloc_one);

/* The kernel mapping of scamem_vmap(), a failure site of its own. */
VISIBLE_IF_KUNIT
void *scamem_vmap_pages(struct page **pages, unsigned int count,
			pgprot_t prot)
{
	KUNIT_STATIC_STUB_REDIRECT(scamem_vmap_pages, pages, count, prot);
	return vmap(pages, count, VM_MAP, prot);
}
EXPORT_SYMBOL_IF_KUNIT(scamem_vmap_pages);

/*
 * The page array is nobody's business once the pages are gone.  kfree()
 * finds the descriptor's cache from its slab, which costs less than
 * working it out from the capacity again.
 */
static void scamem_free_descriptor(struct scamem *sm)
{
	if (sm->pages != sm->inline_pages)
		kvfree(sm->pages);
	kfree(sm);
}

/*
 * Every field but the count, which a freed descriptor keeps at zero for
 * lockless readers until scamem_create() publishes it.  Cheaper than
 * __GFP_ZERO on the whole descriptor: vmalloc() of one page pays for it.
 */
static void scamem_init_descriptor(struct scamem *sm, unsigned int capacity)
{
	sm->nr_pages = 0;
	sm->capacity = capacity;
	WRITE_ONCE(sm->flags, 0);	/* GUP-fast may read a reused one */
	sm->order = 0;
	WRITE_ONCE(sm->revoked, false);	/* GUP-fast may read a reused one */
	sm->tagged = false;
	sm->ops = NULL;
	sm->private = NULL;
	sm->mapping = NULL;
}

/**
 * scamem_create - allocate an empty scamem descriptor
 * @capacity: Number of pages it will hold; at least 1.
 * @gfp: Allocation flags of the pages; the descriptor uses their reclaim
 *	flags only.
 * @nid: Preferred node, or NUMA_NO_NODE.
 *
 * For page allocators that fill the page array themselves (vmalloc, with
 * its high-order and mempolicy rules): write the pages to
 * @sm->pages[scamem_nr_pages(sm)...] and publish them with
 * scamem_add_pages().  Everyone else wants scamem_alloc().
 *
 * Context: Process context; may sleep if @gfp allows.
 * Return: A scamem holding no pages with one reference, or NULL if
 * @capacity is 0 or memory is short.
 */
struct scamem *scamem_create_noprof(unsigned int capacity, gfp_t gfp, int nid)
{
	gfp_t meta_gfp = gfp & GFP_RECLAIM_MASK;
	size_t array_size = array_size(capacity, sizeof(struct page *));
	struct scamem *sm;

	if (!capacity)
		return NULL;
	sm = scamem_alloc_descriptor(capacity, meta_gfp, nid);
	if (!sm)
		return NULL;
	scamem_init_descriptor(sm, capacity);
	/* Zeroed: the bulk page allocator fills only the NULL slots. */
	if (scamem_array_inline(capacity)) {
		sm->pages = sm->inline_pages;
		/* One-page sets are common: spare them a memset() call. */
		sm->inline_pages[0] = NULL;
		if (capacity > 1)
			memset(&sm->inline_pages[1], 0,
			       array_size - sizeof(struct page *));
	} else {
		sm->pages = scamem_alloc_array(array_size,
					       meta_gfp | __GFP_ZERO, nid);
		if (!sm->pages) {
			scamem_free_descriptor(sm);
			return NULL;
		}
	}
	/* Last: a lockless reader may meet a reused descriptor any time. */
	refcount_set_release(&sm->refcount, 1);
	trace_scamem_create(sm);
	return sm;
}
EXPORT_SYMBOL_GPL(scamem_create_noprof);

/**
 * scamem_add_pages - publish pages written to a scamem's page array
 * @sm: A scamem from scamem_create() that nobody else can see yet.
 * @nr: How many pages were written after the last published one.
 *
 * From here on the scamem owns the pages and frees them on its last put.
 * If @sm->flags has SCAMEM_BORROWED, the pages are references the caller
 * hands over rather than pages it allocated: page_scamem() does not find
 * them, and the last put drops those references.  Pages added to a scamem
 * that is mapped to userspace already are tagged here (see
 * scamem_tag_pages()); new pages, nobody can have pinned them.
 *
 * Context: Any context.
 */
void scamem_add_pages(struct scamem *sm, unsigned int nr)
{
	unsigned long tag = (unsigned long)sm | SCAMEM_PAGE_TAG;
	struct page **pages = sm->pages + sm->nr_pages;
	unsigned int i;

	if (WARN_ON_ONCE(nr > sm->capacity - sm->nr_pages))
		nr = sm->capacity - sm->nr_pages;
	/* Pairs with scamem_tag_pages(): tagged, it saw none of these. */
	if (smp_load_acquire(&sm->tagged))
		for (i = 0; i < nr; i++)
			scamem_tag_page(pages[i], tag);
	WRITE_ONCE(sm->nr_pages, sm->nr_pages + nr);
}
EXPORT_SYMBOL_GPL(scamem_add_pages);

/**
 * scamem_borrow_pages - make a scamem of pages the caller holds
 * @pages: The pages; the array stays the caller's.
 * @nr_pages: Number of pages; at least 1.
 *
 * For pages that belong to someone else (page cache pages, pages of
 * another allocator) but should live as long as a scamem: the scamem takes
 * over one reference on each page and drops it at its last put.
 * page_scamem() does not find borrowed pages.
 *
 * Context: Process context; may sleep.
 * Return: The scamem with one reference, or NULL (the page references stay
 * the caller's) if @nr_pages is 0 or too large, or memory is short.
 */
struct scamem *scamem_borrow_pages_noprof(struct page **pages,
					  unsigned int nr_pages)
{
	struct scamem *sm = scamem_create_noprof(nr_pages, GFP_KERNEL,
						 NUMA_NO_NODE);

	if (!sm)
		return NULL;
	sm->flags |= SCAMEM_BORROWED;
	memcpy(sm->pages, pages, array_size(nr_pages, sizeof(*pages)));
	scamem_add_pages(sm, nr_pages);
	return sm;
}
EXPORT_SYMBOL_GPL(scamem_borrow_pages_noprof);

/*
 * Untag and free pages[first...last): put semantics, in batches.  A
 * scamem never mapped to userspace has no tags to clear.
 */
static void scamem_free_pages(struct scamem *sm, unsigned int first,
			      unsigned int last)
{
	struct page **pages = sm->pages;
	unsigned int i;

	if (sm->tagged)
		for (i = first; i < last; i++)
			scamem_untag_page(pages[i]);
	free_pages_bulk(sm->pages + first, last - first);
}

/**
 * scamem_shrinkable - whether scamem_shrink() may free the tail of a scamem
 * @sm: The scamem; the caller holds a reference.
 * @nr_pages: How many pages would be kept.
 *
 * Only if the caller's reference is the only one (someone else's pages
 * stay theirs) and no page to be freed has a reference besides the
 * scamem's: a driver's per-page mapping, through which GUP could be
 * pinning the scamem unseen, or a FOLL_GET reference.  For owners that
 * must prepare the shrink (vrealloc() unmaps the tail) and so ask first.
 *
 * Context: Any context.
 * Return: true if the pages from index @nr_pages on can go.
 */
bool scamem_shrinkable(const struct scamem *sm, unsigned int nr_pages)
{
	unsigned int i;

	if (!nr_pages || nr_pages >= sm->nr_pages || !scamem_exclusive(sm))
		return false;
	for (i = nr_pages; i < sm->nr_pages; i++)
		if (page_ref_count(sm->pages[i]) != 1)
			return false;
	return true;
}

/**
 * scamem_shrink - free the pages at the end of a scamem
 * @sm: The scamem; the caller must hold the only reference.
 * @nr_pages: How many pages to keep, at least 1.
 *
 * The owner's ->shrink hook runs first, while the pages are intact.  The
 * page count is lowered before the pages are freed, so that a concurrent
 * reader of scamem_nr_pages() never walks into freed pages it would not
 * have seen anyway.  Does nothing (and warns) if someone else holds a
 * reference: their pages must stay.  Callers check scamem_shrinkable()
 * first.
 *
 * Context: Process context; may sleep.
 */
void scamem_shrink(struct scamem *sm, unsigned int nr_pages)
{
	unsigned int old = sm->nr_pages;

	if (WARN_ON_ONCE(!nr_pages || !scamem_exclusive(sm)) ||
	    nr_pages >= old)
		return;
	if (sm->ops && sm->ops->shrink)
		sm->ops->shrink(sm, nr_pages);
	WRITE_ONCE(sm->nr_pages, nr_pages);
	scamem_free_pages(sm, nr_pages, old);
}

/* Bulk first, then one page at a time: returns how many were allocated. */
static unsigned int scamem_alloc_pages(struct scamem *sm, gfp_t gfp, int nid)
{
	unsigned int want = sm->capacity, done;

	/* The bulk allocator gives up early; the fallback reclaims. */
	done = scamem_alloc_bulk(gfp | __GFP_NOWARN, nid, want, sm->pages);
	while (done < want) {
		struct page *page = scamem_alloc_one(gfp, nid);

		if (!page)
			break;
		sm->pages[done++] = page;
	}
	return done;
}

/**
 * scamem_alloc - allocate a scamem and its pages
 * @nr_pages: Number of pages; at least 1.
 * @gfp: Allocation flags of the pages (__GFP_ZERO, __GFP_ACCOUNT, node
 *	and reclaim modifiers are honoured; __GFP_MOVABLE is not, see
 *	below).
 * @nid: Preferred node, or NUMA_NO_NODE for the local one.
 *
 * The pages are never movable: scamem pages cannot migrate yet, and a
 * FOLL_LONGTERM pin of a movable page would retry its migration for ever.
 *
 * Context: Process context; may sleep if @gfp allows.
 * Return: A scamem holding @nr_pages order-0 pages with one reference,
 * or NULL (with nothing left allocated) if @nr_pages is 0, or memory is
 * short.
 */
struct scamem *scamem_alloc_noprof(unsigned int nr_pages, gfp_t gfp, int nid)
{
	struct scamem *sm;
	unsigned int done;

	gfp &= ~__GFP_MOVABLE;
	sm = scamem_create_noprof(nr_pages, gfp, nid);
	if (!sm)
		return NULL;
	done = scamem_alloc_pages(sm, gfp, nid);
	scamem_add_pages(sm, done);
	if (done < nr_pages) {
		scamem_put(sm);
		return NULL;
	}
	return sm;
}
EXPORT_SYMBOL_GPL(scamem_alloc_noprof);

/* The pages go back before the descriptor that keeps them reachable. */
static void scamem_free(struct scamem *sm)
{
	trace_scamem_free(sm);
	if (IS_ENABLED(CONFIG_SCAMEM_PAGEABLE) && (sm->flags & SCAMEM_PAGEABLE)) {
		/* Its pages are shmem's: only pinned ones were in the array. */
		scamem_pageable_free(sm);
		scamem_free_descriptor(sm);
		return;
	}
	scamem_free_pages(sm, 0, sm->nr_pages);
	if (sm->tagged)
		scamem_count_untagged();
	/* Held for scamem_revoke(), which may outlive every mapping. */
	if (sm->mapping)
		iput(sm->mapping->host);
	scamem_free_descriptor(sm);
}

static LLIST_HEAD(scamem_deferred);

static void scamem_free_deferred(struct work_struct *work)
{
	struct llist_node *node = llist_del_all(&scamem_deferred);
	struct scamem *sm, *next;

	llist_for_each_entry_safe(sm, next, node, free_node)
		scamem_free(sm);
}

static DECLARE_WORK(scamem_free_work, scamem_free_deferred);

#if IS_ENABLED(CONFIG_KUNIT)
/* Lets the tests see the effect of a deferred free. */
void scamem_flush_deferred(void)
{
	flush_work(&scamem_free_work);
}
EXPORT_SYMBOL_IF_KUNIT(scamem_flush_deferred);
#endif

/* The owner's last word, before the pages go. */
static void scamem_release(struct scamem *sm)
{
	if (sm->ops && sm->ops->release)
		sm->ops->release(sm);
}

/*
 * Drop @nr references for the code at @caller; true if they were the last
 * and ->release has run.
 */
static bool scamem_put_last(struct scamem *sm, int nr, unsigned long caller)
{
	bool traced = tracepoint_enabled(scamem_ref);
	/* Before the put: then someone else's may free it. */
	unsigned int capacity = traced ? sm->capacity : 0;
	bool last;
	int old;

	last = __refcount_sub_and_test(nr, &sm->refcount, &old);
	if (traced)
		scamem_trace_ref(sm, capacity, -nr, old, caller);
	if (!last)
		return false;
	scamem_release(sm);
	return true;
}

static void scamem_free_later(struct scamem *sm)
{
	if (llist_add(&sm->free_node, &scamem_deferred))
		schedule_work(&scamem_free_work);
}

static void __scamem_put(struct scamem *sm, int nr, unsigned long caller)
{
	if (!scamem_put_last(sm, nr, caller))
		return;
	if (unlikely(in_interrupt() || irqs_disabled())) {
		scamem_free_later(sm);
		return;
	}
	might_sleep();
	scamem_free(sm);
}

/**
 * scamem_put - drop a reference on a scamem
 * @sm: The scamem.
 *
 * The last put calls the owner's ->release, then returns the pages to the
 * page allocator and frees the descriptor.  In interrupt context or with
 * interrupts disabled the freeing is deferred to a workqueue.
 *
 * A put on a scamem whose count is already zero is caught by refcount_t,
 * which warns and saturates the count: nothing is released or freed
 * twice.  A put too many while others still hold references cannot be
 * caught: it frees the pages under them, as with any reference count.
 *
 * Context: Process context, may sleep; or interrupt context, or
 * interrupts disabled.  Under a spinlock with interrupts enabled, where
 * the kernel cannot tell that sleeping is not allowed, use
 * scamem_put_atomic().
 */
void scamem_put(struct scamem *sm)
{
	__scamem_put(sm, 1, _RET_IP_);
}
EXPORT_SYMBOL_GPL(scamem_put);

/**
 * scamem_put_atomic - drop a reference on a scamem from any context
 * @sm: The scamem.
 *
 * Like scamem_put(), but the last put only calls ->release and leaves the
 * freeing to a workqueue.  For the holders that cannot know their context:
 * GUP pins are released from I/O completions and under locks.
 *
 * Context: Any context but NMI.
 */
void scamem_put_atomic(struct scamem *sm)
{
	if (scamem_put_last(sm, 1, _RET_IP_))
		scamem_free_later(sm);
}
EXPORT_SYMBOL_GPL(scamem_put_atomic);

/* scamem_put() of @nr references at once: for pageable unpin. */
void scamem_put_many(struct scamem *sm, int nr)
{
	__scamem_put(sm, nr, _RET_IP_);
}

/* scamem_put_atomic() of @nr references at once: for unpin. */
void scamem_put_many_atomic(struct scamem *sm, int nr)
{
	if (scamem_put_last(sm, nr, _RET_IP_))
		scamem_free_later(sm);
}

/* What scamem_put_atomic() does after the last put: for inline unpin. */
void scamem_release_atomic(struct scamem *sm)
{
	scamem_release(sm);
	scamem_free_later(sm);
}

/**
 * scamem_vmap - map pages of a scamem into contiguous kernel space
 * @sm: The scamem; the mapping takes a reference of its own.
 * @first: Index of the first page to map.
 * @count: Number of pages to map.
 * @prot: Page protection, usually PAGE_KERNEL.
 *
 * Context: Process context; may sleep.
 * Return: The address of the mapping, or NULL if the range is outside
 * @sm or mapping failed.
 */
void *scamem_vmap(struct scamem *sm, unsigned int first, unsigned int count,
		  pgprot_t prot)
{
	void *addr;

	/* A pageable scamem's array has holes: scamem_vmap_range(). */
	if (WARN_ON_ONCE(sm->flags & SCAMEM_PAGEABLE))
		return NULL;
	if (!count || first >= sm->nr_pages || count > sm->nr_pages - first)
		return NULL;
	scamem_get(sm);
	addr = scamem_vmap_pages(&sm->pages[first], count, prot);
	if (!addr)
		scamem_put(sm);
	return addr;
}
EXPORT_SYMBOL_GPL(scamem_vmap);

/**
 * scamem_vunmap - undo scamem_vmap()
 * @sm: The scamem that was mapped.
 * @addr: The address scamem_vmap() returned.
 *
 * Drops the reference the mapping held, which may free @sm.
 *
 * Context: Process context; may sleep.
 */
void scamem_vunmap(struct scamem *sm, const void *addr)
{
	vunmap(addr);
	scamem_put(sm);
}
EXPORT_SYMBOL_GPL(scamem_vunmap);
