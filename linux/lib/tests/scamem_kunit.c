// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for scamem, the refcounted page-set descriptor.
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/nodemask.h>
#include <linux/scamem.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#include "../../mm/page_alloc.h"
#include "../../mm/scamem_internal.h"

/*
 * Background allocations may move the free-page count a little: by up to
 * 66 pages in the debug guest once it had memory cgroups (their per-cpu
 * charge caches), where 64 had been enough.
 */
#define FREE_PAGES_SLACK	96

static const unsigned int page_counts[] = { 1, 2, 17, 512, 1024 };
/* Large enough to stand out of the free-page noise. */
static const unsigned int large_page_counts[] = { 256, 1024, 4096 };

static void page_count_to_desc(const unsigned int *count, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u pages", *count);
}

KUNIT_ARRAY_PARAM(scamem_sizes, page_counts, page_count_to_desc);
KUNIT_ARRAY_PARAM(scamem_large_sizes, large_page_counts, page_count_to_desc);

/*
 * Pages in the buddy allocator, once the frees already under way have
 * landed: scamem's deferred frees, slab pages of SLAB_TYPESAFE_BY_RCU
 * caches and kfree_rcu() batches waiting for a grace period, the per-cpu
 * lists.
 */
static long free_pages_now(void)
{
	scamem_flush_deferred();
	kvfree_rcu_barrier();
	rcu_barrier();
	drain_all_pages(NULL);
	return global_zone_page_state(NR_FREE_PAGES);
}

/* A scamem of @nr pages, or the end of the test. */
static struct scamem *test_scamem_alloc(struct kunit *test, unsigned int nr)
{
	struct scamem *sm = scamem_alloc(nr, GFP_KERNEL, NUMA_NO_NODE);

	KUNIT_ASSERT_NOT_NULL(test, sm);
	return sm;
}

/* A scamem whose pages point back to it, as after its first mmap. */
static struct scamem *test_scamem_alloc_tagged(struct kunit *test,
					       unsigned int nr)
{
	struct scamem *sm = test_scamem_alloc(test, nr);

	KUNIT_ASSERT_EQ(test, scamem_tag_pages(sm), 0);
	return sm;
}

/* Whether @page carries neither scamem flag: nothing to untag. */
static bool test_page_untagged(const struct page *page)
{
	return !(READ_ONCE(page->flags.f) & SCAMEM_PAGE_FLAGS);
}

static void scamem_alloc_should_hold_the_requested_pages(struct kunit *test)
{
	unsigned int nr = *(const unsigned int *)test->param_value, i;
	struct scamem *sm = test_scamem_alloc(test, nr);

	KUNIT_EXPECT_EQ(test, scamem_nr_pages(sm), nr);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	for (i = 0; i < nr; i++) {
		struct page *page = scamem_page(sm, i);

		KUNIT_ASSERT_NOT_NULL(test, page);
		KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
		KUNIT_EXPECT_FALSE(test, PageCompound(page));
	}
	scamem_put(sm);
}

static void page_scamem_should_find_the_scamem_of_every_page(struct kunit *test)
{
	unsigned int nr = *(const unsigned int *)test->param_value, i;
	struct scamem *sm = test_scamem_alloc_tagged(test, nr);

	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_PTR_EQ(test, page_scamem(sm->pages[i]), sm);
	scamem_put(sm);
}

/* Nothing needs the back-pointer before the first mmap: nobody pays. */
static void pages_of_an_unmapped_scamem_should_stay_untagged(struct kunit *test)
{
	unsigned int nr = *(const unsigned int *)test->param_value, i;
	struct scamem *sm = test_scamem_alloc(test, nr);

	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_NULL(test, page_scamem(sm->pages[i]));
		KUNIT_EXPECT_TRUE(test, test_page_untagged(sm->pages[i]));
	}
	scamem_put(sm);
}

static struct scamem *tagging_sm;
static int tagging_counted;
static struct page *tagging_pinned;
static bool tagging_found;

/*
 * A GUP that pins a page between the pending marks and the check: it saw
 * no tag, so its pin is a page pin, and the tagger must back off.  It pins
 * by hand (what try_grab_folio() does to an order-0 page).
 */
static void pin_while_tagging(struct scamem *sm)
{
	tagging_pinned = sm->pages[1];
	/* A pending mark is not a tag. */
	tagging_found = !!page_scamem(tagging_pinned);
	page_ref_add(tagging_pinned, GUP_PIN_COUNTING_BIAS);
}

static void pin_during_tagging_should_make_it_back_off(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 4);
	unsigned int i;

	tagging_sm = sm;
	tagging_counted = scamem_nr_tagged();
	kunit_activate_static_stub(test, scamem_tag_test_window,
				   pin_while_tagging);
	KUNIT_EXPECT_EQ(test, scamem_tag_pages(sm), -EBUSY);
	kunit_deactivate_static_stub(test, scamem_tag_test_window);
	KUNIT_EXPECT_FALSE(test, tagging_found);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_NULL(test, page_scamem(sm->pages[i]));
		KUNIT_EXPECT_TRUE(test, test_page_untagged(sm->pages[i]));
	}
	KUNIT_EXPECT_FALSE(test, sm->tagged);
	KUNIT_EXPECT_EQ(test, scamem_nr_tagged(), tagging_counted);
	/* Once the page pin is gone, so is the reason to back off. */
	page_ref_sub(tagging_pinned, GUP_PIN_COUNTING_BIAS);
	KUNIT_EXPECT_EQ(test, scamem_tag_pages(sm), 0);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_PTR_EQ(test, page_scamem(sm->pages[i]), sm);
	scamem_put(sm);
}

/*
 * GUP and unpin skip the pages' flags while no scamem is tagged: the
 * count must hold a scamem from its tagging to its free, once.
 */
static void tagged_scamem_should_be_counted_until_freed(struct kunit *test)
{
	int before = scamem_nr_tagged();
	struct scamem *sm = test_scamem_alloc(test, 4);

	KUNIT_EXPECT_EQ(test, scamem_nr_tagged(), before);
	KUNIT_ASSERT_EQ(test, scamem_tag_pages(sm), 0);
	KUNIT_EXPECT_EQ(test, scamem_nr_tagged(), before + 1);
	KUNIT_ASSERT_EQ(test, scamem_tag_pages(sm), 0);
	KUNIT_EXPECT_EQ(test, scamem_nr_tagged(), before + 1);
	scamem_put(sm);
	KUNIT_EXPECT_EQ(test, scamem_nr_tagged(), before);
}

/* Pages that join a mapped scamem are tagged as they join. */
static void pages_added_to_a_tagged_scamem_should_be_tagged(struct kunit *test)
{
	struct scamem *sm = scamem_create(2, GFP_KERNEL, NUMA_NO_NODE);

	KUNIT_ASSERT_NOT_NULL(test, sm);
	sm->pages[0] = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sm->pages[0]);
	scamem_add_pages(sm, 1);
	KUNIT_ASSERT_EQ(test, scamem_tag_pages(sm), 0);
	sm->pages[1] = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sm->pages[1]);
	scamem_add_pages(sm, 1);
	KUNIT_EXPECT_PTR_EQ(test, page_scamem(sm->pages[0]), sm);
	KUNIT_EXPECT_PTR_EQ(test, page_scamem(sm->pages[1]), sm);
	scamem_put(sm);
}

static void scamem_page_out_of_range_should_return_null(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 4);

	KUNIT_EXPECT_NOT_NULL(test, scamem_page(sm, 3));
	KUNIT_EXPECT_NULL(test, scamem_page(sm, 4));
	KUNIT_EXPECT_NULL(test, scamem_page(sm, UINT_MAX));
	scamem_put(sm);
}

static void page_scamem_of_other_pages_should_be_null(struct kunit *test)
{
	struct page *plain = alloc_page(GFP_KERNEL);
	void *slab = kmalloc(64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, plain);
	KUNIT_ASSERT_NOT_NULL(test, slab);
	KUNIT_EXPECT_NULL(test, page_scamem(plain));
	KUNIT_EXPECT_NULL(test, page_scamem(virt_to_page(slab)));
	/* A page whose ->private is used by someone else. */
	set_page_private(plain, 0x1235);
	KUNIT_EXPECT_NULL(test, page_scamem(plain));
	SetPagePrivate(plain);
	set_page_private(plain, 0x1234);
	KUNIT_EXPECT_NULL(test, page_scamem(plain));
	/* perf's AUX pages: PG_private and an odd page order. */
	set_page_private(plain, 3);
	KUNIT_EXPECT_NULL(test, page_scamem(plain));
	ClearPagePrivate(plain);
	set_page_private(plain, 0);
	kfree(slab);
	__free_page(plain);
}

static void scamem_alloc_of_zero_pages_should_fail(struct kunit *test)
{
	KUNIT_EXPECT_NULL(test, scamem_alloc(0, GFP_KERNEL, NUMA_NO_NODE));
	KUNIT_EXPECT_NULL(test, scamem_create(0, GFP_KERNEL, NUMA_NO_NODE));
}

static void scamem_alloc_larger_than_memory_should_fail(struct kunit *test)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;
	long before = free_pages_now();

	KUNIT_EXPECT_NULL(test, scamem_alloc(UINT_MAX, gfp, NUMA_NO_NODE));
	KUNIT_EXPECT_NULL(test, scamem_alloc(INT_MAX / sizeof(void *) + 1,
					     gfp, NUMA_NO_NODE));
	KUNIT_EXPECT_GE(test, free_pages_now(), before - FREE_PAGES_SLACK);
}

static size_t array_size_asked;

static struct page **array_records_size(size_t size, gfp_t gfp, int nid)
{
	array_size_asked = size;
	return NULL;
}

/*
 * vmalloc() takes any number of pages that fits its unsigned int count
 * (and memory), so a scamem must take their array: past the 2 GiB that
 * kvmalloc() refuses, too.
 */
static void scamem_create_should_ask_for_arrays_kvmalloc_refuses(struct kunit *test)
{
	unsigned int nr = INT_MAX / sizeof(struct page *) + 1;

	kunit_activate_static_stub(test, scamem_alloc_array, array_records_size);
	array_size_asked = 0;
	KUNIT_EXPECT_NULL(test, scamem_create(nr, GFP_KERNEL, NUMA_NO_NODE));
	KUNIT_EXPECT_EQ(test, array_size_asked,
			(size_t)nr * sizeof(struct page *));
	KUNIT_EXPECT_NULL(test, scamem_create(UINT_MAX, GFP_KERNEL, NUMA_NO_NODE));
	KUNIT_EXPECT_EQ(test, array_size_asked,
			(size_t)UINT_MAX * sizeof(struct page *));
}

static gfp_t bulk_gfp_asked;

static unsigned int bulk_records_gfp(gfp_t gfp, int nid, unsigned int nr,
				     struct page **pages)
{
	bulk_gfp_asked = gfp;
	return alloc_pages_bulk_node(gfp, nid, nr, pages);
}

/*
 * scamem pages cannot migrate yet: movable ones would make every
 * FOLL_LONGTERM pin of them retry migration for ever.
 */
static void scamem_alloc_should_not_ask_for_movable_pages(struct kunit *test)
{
	struct scamem *sm;
	unsigned int i;

	kunit_activate_static_stub(test, scamem_alloc_bulk, bulk_records_gfp);
	sm = scamem_alloc(4, GFP_KERNEL | __GFP_MOVABLE, NUMA_NO_NODE);
	KUNIT_ASSERT_NOT_NULL(test, sm);
	KUNIT_EXPECT_FALSE(test, !!(bulk_gfp_asked & __GFP_MOVABLE));
	for (i = 0; i < 4; i++) {
		struct folio *folio = page_folio(scamem_page(sm, i));

		KUNIT_EXPECT_TRUE(test, folio_is_longterm_pinnable(folio));
	}
	scamem_put(sm);
}

static void scamem_alloc_with_gfp_zero_should_give_zeroed_pages(struct kunit *test)
{
	struct scamem *sm = scamem_alloc(64, GFP_KERNEL | __GFP_ZERO,
					 NUMA_NO_NODE);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, sm);
	for (i = 0; i < scamem_nr_pages(sm); i++) {
		void *addr = kmap_local_page(scamem_page(sm, i));

		KUNIT_EXPECT_TRUE(test, mem_is_zero(addr, PAGE_SIZE));
		kunmap_local(addr);
	}
	scamem_put(sm);
}

static void scamem_alloc_should_honour_the_node(struct kunit *test)
{
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		struct scamem *sm = scamem_alloc(32, GFP_KERNEL | __GFP_THISNODE,
						 nid);
		unsigned int i;

		KUNIT_ASSERT_NOT_NULL(test, sm);
		for (i = 0; i < scamem_nr_pages(sm); i++)
			KUNIT_EXPECT_EQ(test, page_to_nid(scamem_page(sm, i)), nid);
		scamem_put(sm);
	}
}

/* A test owner: counts ->release calls and checks the pages then. */
struct test_owner {
	int releases;
	unsigned int pages_intact;
};

static void test_owner_release(struct scamem *sm)
{
	struct test_owner *owner = sm->private;
	unsigned int i;

	owner->releases++;
	for (i = 0; i < scamem_nr_pages(sm); i++) {
		u8 *addr = kmap_local_page(scamem_page(sm, i));

		if (page_ref_count(scamem_page(sm, i)) == 1 && addr[0] == (u8)i)
			owner->pages_intact++;
		kunmap_local(addr);
	}
}

static const struct scamem_ops test_owner_ops = {
	.release = test_owner_release,
};

static void fill_first_bytes(struct scamem *sm)
{
	unsigned int i;

	for (i = 0; i < scamem_nr_pages(sm); i++) {
		u8 *addr = kmap_local_page(scamem_page(sm, i));

		addr[0] = i;
		kunmap_local(addr);
	}
}

static void release_should_run_once_at_the_last_put(struct kunit *test)
{
	struct test_owner owner = { };
	struct scamem *sm = test_scamem_alloc(test, 8);

	scamem_set_owner(sm, &test_owner_ops, &owner);
	fill_first_bytes(sm);
	scamem_get(sm);
	KUNIT_EXPECT_TRUE(test, scamem_tryget(sm));
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 3);
	scamem_put(sm);
	scamem_put(sm);
	KUNIT_EXPECT_EQ(test, owner.releases, 0);
	scamem_put(sm);
	KUNIT_EXPECT_EQ(test, owner.releases, 1);
	KUNIT_EXPECT_EQ(test, owner.pages_intact, 8);
}

static void last_put_should_return_the_pages(struct kunit *test)
{
	unsigned int nr = *(const unsigned int *)test->param_value;
	long before, allocated, after;
	struct scamem *sm;

	before = free_pages_now();
	sm = test_scamem_alloc(test, nr);
	allocated = free_pages_now();
	scamem_get(sm);
	scamem_put(sm);
	/* Not the last put: the pages are still taken. */
	KUNIT_EXPECT_LT(test, free_pages_now() - allocated, FREE_PAGES_SLACK);
	scamem_put(sm);
	after = free_pages_now();

	KUNIT_EXPECT_GE(test, before - allocated, (long)nr - FREE_PAGES_SLACK);
	KUNIT_EXPECT_LE(test, before - allocated, (long)nr + FREE_PAGES_SLACK);
	KUNIT_EXPECT_GE(test, after - allocated, (long)nr - FREE_PAGES_SLACK);
	KUNIT_EXPECT_GE(test, after, before - FREE_PAGES_SLACK);
}

static DEFINE_SPINLOCK(test_lock);

static void put_atomic_should_release_now_and_free_later(struct kunit *test)
{
	struct test_owner owner = { };
	struct scamem *sm = test_scamem_alloc_tagged(test, 256);
	struct page *first;
	long allocated;
	bool kept;

	scamem_set_owner(sm, &test_owner_ops, &owner);
	fill_first_bytes(sm);
	allocated = free_pages_now();
	first = scamem_page(sm, 0);
	spin_lock_irq(&test_lock);
	scamem_put_atomic(sm);
	/* The free is queued on this CPU, which cannot run it yet. */
	kept = page_scamem(first) == sm && page_ref_count(first) == 1;
	spin_unlock_irq(&test_lock);
	KUNIT_EXPECT_EQ(test, owner.releases, 1);
	KUNIT_EXPECT_EQ(test, owner.pages_intact, 256);
	KUNIT_EXPECT_TRUE(test, kept);
	KUNIT_EXPECT_GE(test, free_pages_now(),
			allocated + 256 - FREE_PAGES_SLACK);
}

/*
 * The last put with interrupts off (a driver's spin_lock_irqsave()
 * section): nothing may sleep there, so the free waits for a worker.
 */
static void put_with_interrupts_off_should_free_later(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc_tagged(test, 256);
	struct page *first = scamem_page(sm, 0);
	unsigned long flags;
	long allocated;
	bool kept;

	allocated = free_pages_now();
	local_irq_save(flags);
	scamem_put(sm);
	/* The free is queued on this CPU, which cannot run it yet. */
	kept = page_scamem(first) == sm && page_ref_count(first) == 1;
	local_irq_restore(flags);
	KUNIT_EXPECT_TRUE(test, kept);
	KUNIT_EXPECT_GE(test, free_pages_now(),
			allocated + 256 - FREE_PAGES_SLACK);
}

/*
 * A put after the last one finds the count at zero: refcount_t warns and
 * saturates it, and nothing is released or freed a second time.  One put
 * too many while others still hold references cannot be told from a
 * rightful one (see "Lifetime" in Documentation/mm/scamem.rst).
 */
static void put_after_the_last_should_warn_and_free_nothing_twice(struct kunit *test)
{
	struct test_owner owner = { };
	struct scamem *sm = test_scamem_alloc_tagged(test, 2);
	struct page *first = scamem_page(sm, 0);
	unsigned long flags;
	unsigned int count;
	bool kept;

	scamem_set_owner(sm, &test_owner_ops, &owner);
	/* With interrupts off the free stays queued: the descriptor is ours. */
	local_irq_save(flags);
	scamem_put_atomic(sm);
	scamem_put(sm);		/* refcount_t warns: underflow */
	count = refcount_read(&sm->refcount);
	kept = page_scamem(first) == sm && page_ref_count(first) == 1;
	refcount_set(&sm->refcount, 0);	/* as the queued free left it */
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, owner.releases, 1);
	KUNIT_EXPECT_EQ(test, count, REFCOUNT_SATURATED);
	KUNIT_EXPECT_TRUE(test, kept);
	scamem_flush_deferred();
}

static void vmap_should_map_the_range_and_hold_a_reference(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 8);
	u8 *addr;
	unsigned int i;

	fill_first_bytes(sm);
	addr = scamem_vmap(sm, 2, 5, PAGE_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, addr);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 2);
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_EQ(test, addr[i * PAGE_SIZE], 2 + i);
	scamem_vunmap(sm, addr);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
}

static void *fail_vmap_pages(struct page **pages, unsigned int count,
			     pgprot_t prot)
{
	return NULL;
}

/* A vmap() that fails takes nothing: the reference goes back. */
static void vmap_that_fails_should_drop_its_reference(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 4);

	kunit_activate_static_stub(test, scamem_vmap_pages, fail_vmap_pages);
	KUNIT_EXPECT_NULL(test, scamem_vmap(sm, 0, 4, PAGE_KERNEL));
	kunit_deactivate_static_stub(test, scamem_vmap_pages);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
}

static void vmap_outside_the_scamem_should_fail(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 8);

	KUNIT_EXPECT_NULL(test, scamem_vmap(sm, 0, 0, PAGE_KERNEL));
	KUNIT_EXPECT_NULL(test, scamem_vmap(sm, 8, 1, PAGE_KERNEL));
	KUNIT_EXPECT_NULL(test, scamem_vmap(sm, 4, 5, PAGE_KERNEL));
	KUNIT_EXPECT_NULL(test, scamem_vmap(sm, 1, UINT_MAX, PAGE_KERNEL));
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
}

static void sets_of_up_to_256_pages_should_keep_their_array_inline(struct kunit *test)
{
	struct scamem *one = test_scamem_alloc(test, 1);
	struct scamem *odd = test_scamem_alloc(test, 17);
	struct scamem *most = test_scamem_alloc(test, 256);
	struct scamem *large = test_scamem_alloc(test, 257);

	KUNIT_EXPECT_PTR_EQ(test, one->pages, &one->inline_pages[0]);
	KUNIT_EXPECT_PTR_EQ(test, odd->pages, &odd->inline_pages[0]);
	KUNIT_EXPECT_PTR_EQ(test, most->pages, &most->inline_pages[0]);
	KUNIT_EXPECT_PTR_NE(test, large->pages, &large->inline_pages[0]);
	/* Sized caches: a header and the array, not a kmalloc bucket. */
	KUNIT_EXPECT_EQ(test, ksize(one), struct_size(one, inline_pages, 1));
	KUNIT_EXPECT_EQ(test, ksize(odd), struct_size(odd, inline_pages, 32));
	KUNIT_EXPECT_EQ(test, ksize(most), struct_size(most, inline_pages, 256));
	scamem_put(one);
	scamem_put(odd);
	scamem_put(most);
	scamem_put(large);
}

struct shrink_owner {
	unsigned int shrunk_to, pages_seen;
};

static void shrink_owner_shrink(struct scamem *sm, unsigned int nr_pages)
{
	struct shrink_owner *owner = sm->private;

	owner->shrunk_to = nr_pages;
	owner->pages_seen = scamem_nr_pages(sm);
}

static const struct scamem_ops shrink_owner_ops = {
	.shrink = shrink_owner_shrink,
};

static void shrink_should_free_the_tail_and_keep_the_head(struct kunit *test)
{
	struct shrink_owner owner = {};
	struct scamem *sm = test_scamem_alloc_tagged(test, 1024);
	long before;

	scamem_set_owner(sm, &shrink_owner_ops, &owner);
	fill_first_bytes(sm);
	before = free_pages_now();
	scamem_shrink(sm, 100);
	KUNIT_EXPECT_EQ(test, scamem_nr_pages(sm), 100);
	KUNIT_EXPECT_EQ(test, owner.shrunk_to, 100);
	KUNIT_EXPECT_EQ(test, owner.pages_seen, 1024);
	KUNIT_EXPECT_GE(test, free_pages_now() - before, 924L - FREE_PAGES_SLACK);
	KUNIT_EXPECT_PTR_EQ(test, page_scamem(scamem_page(sm, 99)), sm);
	KUNIT_EXPECT_EQ(test, *(u8 *)page_address(scamem_page(sm, 99)), 99);
	scamem_put(sm);
}

static void shrink_of_a_shared_scamem_should_keep_every_page(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc_tagged(test, 64);
	struct shrink_owner owner = { };

	scamem_set_owner(sm, &shrink_owner_ops, &owner);
	scamem_get(sm);
	scamem_shrink(sm, 10);		/* warns: someone else holds pages */
	KUNIT_EXPECT_EQ(test, scamem_nr_pages(sm), 64);
	KUNIT_EXPECT_EQ(test, owner.shrunk_to, 0);
	KUNIT_EXPECT_PTR_EQ(test, page_scamem(scamem_page(sm, 63)), sm);
	scamem_put(sm);
	scamem_put(sm);
}

static void borrowed_pages_should_get_their_reference_back(struct kunit *test)
{
	struct page *pages[4];
	struct scamem *sm;
	int i;

	for (i = 0; i < 4; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
		get_page(pages[i]);	/* the reference the scamem takes over */
	}
	sm = scamem_borrow_pages(pages, 4);
	KUNIT_ASSERT_NOT_NULL(test, sm);
	KUNIT_EXPECT_TRUE(test, sm->flags & SCAMEM_BORROWED);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_PTR_EQ(test, scamem_page(sm, i), pages[i]);
		KUNIT_EXPECT_NULL(test, page_scamem(pages[i]));
		KUNIT_EXPECT_EQ(test, page_ref_count(pages[i]), 2);
	}
	scamem_put(sm);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, page_ref_count(pages[i]), 1);
		__free_page(pages[i]);
	}
}

/* vmalloc on scamem: every area that owns pages is one scamem. */

struct vmalloc_kind {
	const char *name;
	void *(*alloc)(unsigned long size);
	unsigned long size;
	bool zeroed;
};

static void *vmalloc_32_wrapper(unsigned long size)
{
	return vmalloc_32(size);
}

static void *vmalloc_user_wrapper(unsigned long size)
{
	return vmalloc_user(size);
}

static void *vzalloc_wrapper(unsigned long size)
{
	return vzalloc(size);
}

static void *vmalloc_wrapper(unsigned long size)
{
	return vmalloc(size);
}

static void *vmalloc_huge_wrapper(unsigned long size)
{
	return vmalloc_huge(size, GFP_KERNEL);
}

static void *kvmalloc_wrapper(unsigned long size)
{
	return kvmalloc(size, GFP_KERNEL | __GFP_NOWARN);
}

static void *vmalloc_node_wrapper(unsigned long size)
{
	return vmalloc_node(size, first_memory_node);
}

static const struct vmalloc_kind vmalloc_kinds[] = {
	{ "vmalloc 1 page", vmalloc_wrapper, PAGE_SIZE },
	{ "vmalloc 16 pages", vmalloc_wrapper, 16 * PAGE_SIZE },
	{ "vmalloc 1 MiB", vmalloc_wrapper, SZ_1M },
	{ "vmalloc 3 bytes", vmalloc_wrapper, 3 },
	{ "vzalloc", vzalloc_wrapper, 64 * PAGE_SIZE, true },
	{ "vmalloc_user", vmalloc_user_wrapper, 64 * PAGE_SIZE, true },
	{ "vmalloc_32", vmalloc_32_wrapper, 64 * PAGE_SIZE },
	{ "vmalloc_node", vmalloc_node_wrapper, 64 * PAGE_SIZE },
	{ "vmalloc_huge 4 MiB", vmalloc_huge_wrapper, SZ_4M },
	{ "kvmalloc 8 MiB", kvmalloc_wrapper, SZ_8M },
};

static void vmalloc_kind_to_desc(const struct vmalloc_kind *kind, char *desc)
{
	strscpy(desc, kind->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vmalloc_kind, vmalloc_kinds, vmalloc_kind_to_desc);

static void vmalloc_area_should_be_one_scamem_of_its_pages(struct kunit *test)
{
	const struct vmalloc_kind *kind = test->param_value;
	unsigned int nr, i, group;
	struct scamem *sm;
	void *addr;

	addr = kind->alloc(kind->size);
	KUNIT_ASSERT_NOT_NULL(test, addr);
	if (!is_vmalloc_addr(addr)) {	/* kvmalloc found a kmalloc buffer */
		kvfree(addr);
		kunit_skip(test, "kvmalloc did not use vmalloc");
	}
	sm = vmalloc_to_scamem(addr);
	KUNIT_ASSERT_NOT_NULL(test, sm);
	KUNIT_EXPECT_PTR_EQ(test, vmalloc_to_scamem(addr + kind->size - 1), sm);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);

	group = 1U << sm->order;
	nr = ALIGN(PAGE_ALIGN(kind->size) >> PAGE_SHIFT, group);
	KUNIT_EXPECT_EQ(test, scamem_nr_pages(sm), nr);
	for (i = 0; i < scamem_nr_pages(sm); i++) {
		struct page *page = scamem_page(sm, i);

		KUNIT_EXPECT_PTR_EQ(test, page, vmalloc_to_page(addr + i * PAGE_SIZE));
		/* Never mapped to userspace: vmalloc() paid for no tag. */
		KUNIT_EXPECT_TRUE(test, test_page_untagged(page));
		KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
		/* Huge areas: each group is one physically contiguous run. */
		if (group > 1)
			KUNIT_EXPECT_EQ(test, page_to_pfn(page),
					page_to_pfn(scamem_page(sm, i & ~(group - 1))) +
					(i & (group - 1)));
	}
	if (kind->zeroed)
		KUNIT_EXPECT_TRUE(test, mem_is_zero(addr, kind->size));
	kunit_info(test, "%u pages, order %u", nr, sm->order);
	kvfree(addr);
}

static void vmalloc_huge_should_use_large_groups(struct kunit *test)
{
	void *addr;
	struct scamem *sm;

	if (!IS_ENABLED(CONFIG_HAVE_ARCH_HUGE_VMALLOC))
		kunit_skip(test, "no huge vmalloc on this architecture");
	addr = vmalloc_huge(SZ_4M, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, addr);
	sm = vmalloc_to_scamem(addr);
	KUNIT_ASSERT_NOT_NULL(test, sm);
	KUNIT_EXPECT_EQ(test, sm->order, PMD_SHIFT - PAGE_SHIFT);
	vfree(addr);
}

static void vrealloc_shrink_should_shrink_the_scamem(struct kunit *test)
{
	u8 *p = vmalloc(16 * PAGE_SIZE), *q;
	struct scamem *sm;

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x5a, 16 * PAGE_SIZE);
	sm = vmalloc_to_scamem(p);
	KUNIT_ASSERT_NOT_NULL(test, sm);
	q = vrealloc(p, 4 * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_PTR_EQ(test, vmalloc_to_scamem(q), sm);
	KUNIT_EXPECT_EQ(test, scamem_nr_pages(sm), 4);
	KUNIT_EXPECT_EQ(test, q[4 * PAGE_SIZE - 1], 0x5a);
	vfree(q);
}

static void vrealloc_shrink_should_keep_a_tail_page_referenced_elsewhere(struct kunit *test)
{
	u8 *p = vmalloc(16 * PAGE_SIZE), *q;
	struct scamem *sm;
	struct page *tail;

	KUNIT_ASSERT_NOT_NULL(test, p);
	sm = vmalloc_to_scamem(p);
	KUNIT_ASSERT_NOT_NULL(test, sm);
	tail = vmalloc_to_page(p + 15 * PAGE_SIZE);
	get_page(tail);			/* as a per-page mapping of it would */
	q = vrealloc(p, 4 * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, scamem_nr_pages(sm), 16);
	/* Grown back in place: the tail must still be mapped. */
	q = vrealloc(q, 16 * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	q[15 * PAGE_SIZE] = 0x77;
	KUNIT_EXPECT_EQ(test, *(u8 *)page_address(tail), 0x77);
	put_page(tail);
	vfree(q);
}

static void vrealloc_grow_should_move_to_a_new_scamem(struct kunit *test)
{
	u8 *p = vmalloc(4 * PAGE_SIZE), *q;
	struct scamem *sm;

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0xa5, 4 * PAGE_SIZE);
	q = vrealloc(p, 64 * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	sm = vmalloc_to_scamem(q);
	KUNIT_ASSERT_NOT_NULL(test, sm);
	KUNIT_EXPECT_EQ(test, scamem_nr_pages(sm), 64);
	KUNIT_EXPECT_EQ(test, q[0], 0xa5);
	KUNIT_EXPECT_EQ(test, q[4 * PAGE_SIZE - 1], 0xa5);
	vfree(q);
}

static void vrealloc_shrink_should_keep_pages_someone_holds(struct kunit *test)
{
	u8 *p = vmalloc(16 * PAGE_SIZE), *q;
	struct scamem *sm;

	KUNIT_ASSERT_NOT_NULL(test, p);
	sm = vmalloc_get_scamem(p);
	KUNIT_ASSERT_NOT_NULL(test, sm);
	q = vrealloc(p, 4 * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, scamem_nr_pages(sm), 16);
	vfree(q);
	scamem_put(sm);
}

/* vread_iter() is how /proc/kcore reads vmalloc memory. */
static void vread_should_read_the_pages_and_zeros_past_a_shrink(struct kunit *test)
{
	u8 *p = vmalloc(8 * PAGE_SIZE), *buf;
	struct kvec kvec;
	struct iov_iter iter;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	buf = kunit_kmalloc(test, 8 * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < 8 * PAGE_SIZE; i++)
		p[i] = i % 251;
	p = vrealloc(p, 2 * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);

	memset(buf, 0xff, 8 * PAGE_SIZE);
	kvec.iov_base = buf;
	kvec.iov_len = 8 * PAGE_SIZE;
	iov_iter_kvec(&iter, ITER_DEST, &kvec, 1, 8 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, vread_iter(&iter, (char *)p, 8 * PAGE_SIZE),
			8 * PAGE_SIZE);
	for (i = 0; i < 2 * PAGE_SIZE; i++)
		if (buf[i] != i % 251)
			break;
	KUNIT_EXPECT_EQ(test, i, 2 * PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, mem_is_zero(buf + 2 * PAGE_SIZE, 6 * PAGE_SIZE));
	vfree(p);
}

static void vfree_while_held_should_keep_the_pages(struct kunit *test)
{
	const unsigned int nr = 256;
	u8 *p = vmalloc(nr * PAGE_SIZE), *map;
	long vmalloc_before, vmalloc_during, free_held;
	struct scamem *sm;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < nr; i++)
		p[i * PAGE_SIZE] = i;
	sm = vmalloc_get_scamem(p);
	KUNIT_ASSERT_NOT_NULL(test, sm);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 2);
	vmalloc_before = global_node_page_state(NR_VMALLOC);

	vfree(p);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	/* Per-cpu counter drift is a few pages; a wrong count is 256 off. */
	vmalloc_during = global_node_page_state(NR_VMALLOC);
	KUNIT_EXPECT_LT(test, abs(vmalloc_during - vmalloc_before),
			FREE_PAGES_SLACK);

	/* The pages are still ours: read and write them through a new map. */
	map = scamem_vmap(sm, 0, nr, PAGE_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, map);
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_EQ(test, map[i * PAGE_SIZE], (u8)i);
		map[i * PAGE_SIZE + 1] = ~i;
	}
	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_EQ(test, map[i * PAGE_SIZE + 1], (u8)~i);
	scamem_vunmap(sm, map);

	free_held = free_pages_now();
	scamem_put(sm);
	KUNIT_EXPECT_GE(test, free_pages_now() - free_held,
			(long)nr - FREE_PAGES_SLACK);
	KUNIT_EXPECT_LT(test, abs(global_node_page_state(NR_VMALLOC) -
				  (vmalloc_during - nr)), FREE_PAGES_SLACK);
}

static void vmap_put_pages_should_borrow_the_pages(struct kunit *test)
{
	struct page **pages = kvmalloc_array(4, sizeof(*pages), GFP_KERNEL);
	struct page *mine[4];
	struct scamem *sm;
	void *addr;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	for (i = 0; i < 4; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		mine[i] = pages[i];
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
		get_page(pages[i]);	/* vmap takes this one over */
	}
	addr = vmap(pages, 4, VM_MAP | VM_MAP_PUT_PAGES, PAGE_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, addr);
	sm = vmalloc_to_scamem(addr);
	KUNIT_ASSERT_NOT_NULL(test, sm);
	KUNIT_EXPECT_TRUE(test, sm->flags & SCAMEM_BORROWED);
	KUNIT_EXPECT_EQ(test, scamem_nr_pages(sm), 4);
	/* The array was handed over: it is gone. */
	vfree(addr);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, page_ref_count(mine[i]), 1);
		__free_page(mine[i]);
	}
}

static struct scamem *fail_descriptor(unsigned int capacity, gfp_t gfp,
				      int nid);

/* On failure the pages and their array stay the caller's, as upstream. */
static void vmap_put_pages_that_fails_should_leave_the_pages(struct kunit *test)
{
	struct page **pages = kvmalloc_array(4, sizeof(*pages), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	for (i = 0; i < 4; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
	}
	kunit_activate_static_stub(test, scamem_alloc_descriptor,
				   fail_descriptor);
	KUNIT_EXPECT_NULL(test, vmap(pages, 4, VM_MAP | VM_MAP_PUT_PAGES,
				     PAGE_KERNEL));
	kunit_deactivate_static_stub(test, scamem_alloc_descriptor);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, page_ref_count(pages[i]), 1);
		KUNIT_EXPECT_NULL(test, page_scamem(pages[i]));
		__free_page(pages[i]);
	}
	kvfree(pages);
}

/* A failed grow leaves the area as it was, its scamem included. */
static void vrealloc_grow_that_fails_should_keep_the_area(struct kunit *test)
{
	unsigned long huge = (totalram_pages() + 1) << PAGE_SHIFT;
	struct scamem *sm;
	u8 *buf;

	buf = vmalloc(2 * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	buf[0] = 0x5a;
	buf[2 * PAGE_SIZE - 1] = 0xa5;
	sm = vmalloc_to_scamem(buf);
	KUNIT_EXPECT_NULL(test, vrealloc(buf, huge, GFP_KERNEL | __GFP_NOWARN));
	KUNIT_EXPECT_PTR_EQ(test, vmalloc_to_scamem(buf), sm);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	KUNIT_EXPECT_EQ(test, scamem_nr_pages(sm), 2);
	KUNIT_EXPECT_EQ(test, buf[0], 0x5a);
	KUNIT_EXPECT_EQ(test, buf[2 * PAGE_SIZE - 1], 0xa5);
	vfree(buf);
}

/* Allocation failure, one site at a time: nothing may be left behind. */

static struct scamem *fail_descriptor(unsigned int capacity, gfp_t gfp,
				      int nid)
{
	return NULL;
}

static unsigned int bulk_gives_half(gfp_t gfp, int nid, unsigned int nr,
				    struct page **pages)
{
	return alloc_pages_bulk_node(gfp, nid, nr / 2, pages);
}

static unsigned int bulk_gives_none(gfp_t gfp, int nid, unsigned int nr,
				    struct page **pages)
{
	return 0;
}

static struct page *one_fails(gfp_t gfp, int nid)
{
	return NULL;
}

/* More than FREE_PAGES_SLACK, so that a leak of them shows. */
#define ONES_BEFORE_FAILING	100
static int ones_left;

static struct page *one_fails_after_a_few(gfp_t gfp, int nid)
{
	return ones_left-- > 0 ? alloc_pages_node(nid, gfp, 0) : NULL;
}

static void fail_at_descriptor(struct kunit *test)
{
	kunit_activate_static_stub(test, scamem_alloc_descriptor,
				   fail_descriptor);
}

static struct page **fail_array(size_t size, gfp_t gfp, int nid)
{
	return NULL;
}

static void fail_at_array(struct kunit *test)
{
	kunit_activate_static_stub(test, scamem_alloc_array, fail_array);
}

static void fail_after_half_in_bulk(struct kunit *test)
{
	kunit_activate_static_stub(test, scamem_alloc_bulk, bulk_gives_half);
	kunit_activate_static_stub(test, scamem_alloc_one, one_fails);
}

static void fail_at_first_fallback(struct kunit *test)
{
	kunit_activate_static_stub(test, scamem_alloc_bulk, bulk_gives_none);
	kunit_activate_static_stub(test, scamem_alloc_one, one_fails);
}

static void fail_at_later_fallback(struct kunit *test)
{
	kunit_activate_static_stub(test, scamem_alloc_bulk, bulk_gives_none);
	kunit_activate_static_stub(test, scamem_alloc_one,
				   one_fails_after_a_few);
}

struct alloc_failure {
	const char *name;
	void (*arm)(struct kunit *test);
};

static const struct alloc_failure alloc_failures[] = {
	{ "descriptor", fail_at_descriptor },
	{ "page array", fail_at_array },
	{ "bulk gives half, fallback fails", fail_after_half_in_bulk },
	{ "bulk gives none, fallback fails at once", fail_at_first_fallback },
	{ "bulk gives none, fallback fails later", fail_at_later_fallback },
};

static void alloc_failure_to_desc(const struct alloc_failure *f, char *desc)
{
	strscpy(desc, f->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(alloc_failure, alloc_failures, alloc_failure_to_desc);

static void alloc_failure_should_leave_nothing_behind(struct kunit *test)
{
	const struct alloc_failure *f = test->param_value;
	long before;

	f->arm(test);
	ones_left = ONES_BEFORE_FAILING;
	before = free_pages_now();
	KUNIT_EXPECT_NULL(test, scamem_alloc(512, GFP_KERNEL, NUMA_NO_NODE));
	KUNIT_EXPECT_GE(test, free_pages_now(), before - FREE_PAGES_SLACK);
}

static struct kunit_case scamem_test_cases[] = {
	KUNIT_CASE_PARAM(scamem_alloc_should_hold_the_requested_pages,
			 scamem_sizes_gen_params),
	KUNIT_CASE_PARAM(page_scamem_should_find_the_scamem_of_every_page,
			 scamem_sizes_gen_params),
	KUNIT_CASE_PARAM(pages_of_an_unmapped_scamem_should_stay_untagged,
			 scamem_sizes_gen_params),
	KUNIT_CASE(pin_during_tagging_should_make_it_back_off),
	KUNIT_CASE(tagged_scamem_should_be_counted_until_freed),
	KUNIT_CASE(pages_added_to_a_tagged_scamem_should_be_tagged),
	KUNIT_CASE(scamem_page_out_of_range_should_return_null),
	KUNIT_CASE(page_scamem_of_other_pages_should_be_null),
	KUNIT_CASE(scamem_alloc_of_zero_pages_should_fail),
	KUNIT_CASE(scamem_alloc_larger_than_memory_should_fail),
	KUNIT_CASE(scamem_create_should_ask_for_arrays_kvmalloc_refuses),
	KUNIT_CASE(scamem_alloc_should_not_ask_for_movable_pages),
	KUNIT_CASE(scamem_alloc_with_gfp_zero_should_give_zeroed_pages),
	KUNIT_CASE(scamem_alloc_should_honour_the_node),
	KUNIT_CASE(release_should_run_once_at_the_last_put),
	KUNIT_CASE_PARAM(last_put_should_return_the_pages,
			 scamem_large_sizes_gen_params),
	KUNIT_CASE(put_atomic_should_release_now_and_free_later),
	KUNIT_CASE(put_with_interrupts_off_should_free_later),
	KUNIT_CASE(put_after_the_last_should_warn_and_free_nothing_twice),
	KUNIT_CASE(vmap_should_map_the_range_and_hold_a_reference),
	KUNIT_CASE(vmap_outside_the_scamem_should_fail),
	KUNIT_CASE(vmap_that_fails_should_drop_its_reference),
	KUNIT_CASE(sets_of_up_to_256_pages_should_keep_their_array_inline),
	KUNIT_CASE(shrink_should_free_the_tail_and_keep_the_head),
	KUNIT_CASE(shrink_of_a_shared_scamem_should_keep_every_page),
	KUNIT_CASE(borrowed_pages_should_get_their_reference_back),
	KUNIT_CASE_PARAM(alloc_failure_should_leave_nothing_behind,
			 alloc_failure_gen_params),
	KUNIT_CASE_PARAM(vmalloc_area_should_be_one_scamem_of_its_pages,
			 vmalloc_kind_gen_params),
	KUNIT_CASE(vmalloc_huge_should_use_large_groups),
	KUNIT_CASE(vrealloc_shrink_should_shrink_the_scamem),
	KUNIT_CASE(vrealloc_shrink_should_keep_a_tail_page_referenced_elsewhere),
	KUNIT_CASE(vrealloc_grow_should_move_to_a_new_scamem),
	KUNIT_CASE(vrealloc_shrink_should_keep_pages_someone_holds),
	KUNIT_CASE(vread_should_read_the_pages_and_zeros_past_a_shrink),
	KUNIT_CASE(vfree_while_held_should_keep_the_pages),
	KUNIT_CASE(vmap_put_pages_should_borrow_the_pages),
	KUNIT_CASE(vmap_put_pages_that_fails_should_leave_the_pages),
	KUNIT_CASE(vrealloc_grow_that_fails_should_keep_the_area),
	{}
};

static struct kunit_suite scamem_test_suite = {
	.name = "scamem",
	.test_cases = scamem_test_cases,
};

/*
 * User mappings and GUP.  Each case attaches an mm to the test thread and
 * maps an anonymous-inode file whose ->mmap maps a scamem: directly with
 * scamem_mmap(), through remap_vmalloc_scamem(), or page by page as
 * remap_vmalloc_range() and the drivers that predate scamem do.
 */

static int test_scamem_mmap(struct file *file, struct vm_area_struct *vma)
{
	return scamem_mmap(file->private_data, vma, vma->vm_pgoff);
}

static int test_vmalloc_mmap(struct file *file, struct vm_area_struct *vma)
{
	return remap_vmalloc_scamem(vma, file->private_data, vma->vm_pgoff);
}

/* What every driver that has not opted in does: a mapping page by page. */
static int test_remap_vmalloc_mmap(struct file *file,
				   struct vm_area_struct *vma)
{
	return remap_vmalloc_range(vma, file->private_data, vma->vm_pgoff);
}

/* The open-coded loop of kcov and friends: a reference on every page. */
static int test_legacy_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long off;
	int err;

	for (off = 0; off < vma->vm_end - vma->vm_start; off += PAGE_SIZE) {
		err = vm_insert_page(vma, vma->vm_start + off,
				     vmalloc_to_page(file->private_data + off));
		if (err)
			return err;
	}
	return 0;
}

/* What perf's vmalloc ring buffer and udlfb do: no reference at all. */
static int test_pfnmap_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct scamem *sm = file->private_data;

	return remap_pfn_range(vma, vma->vm_start,
			       page_to_pfn(scamem_page(sm, 0)), PAGE_SIZE,
			       vma->vm_page_prot);
}

static const struct file_operations test_pfnmap_fops = {
	.mmap = test_pfnmap_mmap,
};

static const struct file_operations test_scamem_fops = {
	.mmap = test_scamem_mmap,
};

static const struct file_operations test_vmalloc_fops = {
	.mmap = test_vmalloc_mmap,
};

static const struct file_operations test_legacy_fops = {
	.mmap = test_legacy_mmap,
};

static const struct file_operations test_remap_vmalloc_fops = {
	.mmap = test_remap_vmalloc_mmap,
};

/* One page that is in no scamem (yet), mapped with a reference. */
static int test_page_mmap(struct file *file, struct vm_area_struct *vma)
{
	return vm_insert_page(vma, vma->vm_start, file->private_data);
}

static const struct file_operations test_page_fops = {
	.mmap = test_page_mmap,
};

/* mmap() @nr pages of a test file at @addr (with MAP_FIXED) or anywhere. */
static long test_mmap_at(struct kunit *test, const struct file_operations *fops,
			 void *private, unsigned long addr, unsigned int nr,
			 unsigned long prot, unsigned long flags,
			 unsigned long pgoff)
{
	struct file *file;

	KUNIT_ASSERT_EQ(test, kunit_attach_mm(), 0);
	file = anon_inode_getfile("scamem-test", fops, private, O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	addr = vm_mmap(file, addr, (unsigned long)nr << PAGE_SHIFT, prot, flags,
		       pgoff << PAGE_SHIFT);
	fput(file);
	return addr;
}

/* mmap() @nr pages of a test file; returns the address or -errno. */
static long test_mmap(struct kunit *test, const struct file_operations *fops,
		      void *private, unsigned int nr, unsigned long prot,
		      unsigned long flags, unsigned long pgoff)
{
	return test_mmap_at(test, fops, private, 0, nr, prot, flags, pgoff);
}

static unsigned long test_map_shared(struct kunit *test,
				     const struct file_operations *fops,
				     void *private, unsigned int nr)
{
	long addr = test_mmap(test, fops, private, nr, PROT_READ | PROT_WRITE,
			      MAP_SHARED, 0);

	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	return addr;
}

static void test_unmap(unsigned long addr, unsigned int nr)
{
	vm_munmap(addr, (unsigned long)nr << PAGE_SHIFT);
}

/* Write a byte through the user mapping of every page, as a user would. */
static void test_user_fill(struct kunit *test, unsigned long addr,
			   unsigned int nr, u8 seed)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		u8 val = seed + i;

		KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)addr +
						   i * PAGE_SIZE, &val, 1), 0);
	}
}

static unsigned int test_count_bytes(struct page **pages, unsigned int nr,
				     u8 seed)
{
	unsigned int i, good = 0;

	for (i = 0; i < nr; i++) {
		u8 *addr = kmap_local_page(pages[i]);

		good += addr[0] == (u8)(seed + i);
		kunmap_local(addr);
	}
	return good;
}

/* Pages whose refcount is not 1 or that are mapped by page count. */
static unsigned int test_pages_touched(struct page **pages, unsigned int nr)
{
	unsigned int i, touched = 0;

	for (i = 0; i < nr; i++)
		touched += page_ref_count(pages[i]) != 1 ||
			   folio_mapcount(page_folio(pages[i])) != 0;
	return touched;
}

/* pin_user_pages() wants the mmap lock held, as GUP callers do. */
static long test_pin_user_pages(unsigned long addr, unsigned int nr,
				unsigned int flags, struct page **pages)
{
	long ret;

	mmap_read_lock(current->mm);
	ret = pin_user_pages(addr, nr, flags, pages);
	mmap_read_unlock(current->mm);
	return ret;
}

static struct scamem *test_vma_scamem(unsigned long addr)
{
	struct scamem *sm;

	mmap_read_lock(current->mm);
	sm = vma_scamem(vma_lookup(current->mm, addr));
	mmap_read_unlock(current->mm);
	return sm;
}

static void scamem_mmap_should_hold_one_reference_per_vma(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 8);
	unsigned long addr;

	addr = test_map_shared(test, &test_scamem_fops, sm, 8);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 2);
	/* A hole in the middle splits the VMA in two. */
	vm_munmap(addr + 3 * PAGE_SIZE, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 3);
	test_unmap(addr, 8);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
}

static void scamem_mmap_should_not_touch_page_refcounts(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 16);
	struct page **pinned;
	unsigned long addr;

	pinned = kunit_kcalloc(test, 16, sizeof(*pinned), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pinned);
	KUNIT_EXPECT_EQ(test, test_pages_touched(sm->pages, 16), 0);
	addr = test_map_shared(test, &test_scamem_fops, sm, 16);
	KUNIT_EXPECT_EQ(test, test_pages_touched(sm->pages, 16), 0);
	test_user_fill(test, addr, 16, 7);
	KUNIT_EXPECT_EQ(test, test_pages_touched(sm->pages, 16), 0);
	KUNIT_ASSERT_EQ(test, test_pin_user_pages(addr, 16, FOLL_WRITE, pinned), 16);
	KUNIT_EXPECT_EQ(test, test_pages_touched(sm->pages, 16), 0);
	unpin_user_pages(pinned, 16);
	test_unmap(addr, 16);
	KUNIT_EXPECT_EQ(test, test_pages_touched(sm->pages, 16), 0);
	KUNIT_EXPECT_EQ(test, test_count_bytes(sm->pages, 16, 7), 16);
	scamem_put(sm);
}

static void scamem_mmap_at_an_offset_should_map_from_that_page(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 8);
	long addr;

	addr = test_mmap(test, &test_scamem_fops, sm, 3, PROT_READ | PROT_WRITE,
			 MAP_SHARED, 5);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	test_user_fill(test, addr, 3, 40);
	KUNIT_EXPECT_EQ(test, test_count_bytes(&sm->pages[5], 3, 40), 3);
	test_unmap(addr, 3);
	scamem_put(sm);
}

static void zapped_mapping_should_fault_back_in(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 4);
	struct vm_area_struct *vma;
	unsigned long addr;

	addr = test_map_shared(test, &test_scamem_fops, sm, 4);
	mmap_read_lock(current->mm);
	vma = vma_lookup(current->mm, addr);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	zap_special_vma_range(vma, addr, 4 * PAGE_SIZE);
	mmap_read_unlock(current->mm);
	test_user_fill(test, addr, 4, 90);
	KUNIT_EXPECT_EQ(test, test_count_bytes(sm->pages, 4, 90), 4);
	KUNIT_EXPECT_EQ(test, test_pages_touched(sm->pages, 4), 0);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 2);
	test_unmap(addr, 4);
	scamem_put(sm);
}

static void scamem_mmap_of_borrowed_pages_should_fail(struct kunit *test)
{
	struct page *pages[2] = { alloc_page(GFP_KERNEL), alloc_page(GFP_KERNEL) };
	struct scamem *sm;

	KUNIT_ASSERT_NOT_NULL(test, pages[0]);
	KUNIT_ASSERT_NOT_NULL(test, pages[1]);
	sm = scamem_borrow_pages(pages, 2);
	KUNIT_ASSERT_NOT_NULL(test, sm);
	KUNIT_EXPECT_EQ(test, test_mmap(test, &test_scamem_fops, sm, 2,
					PROT_READ, MAP_SHARED, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
}

struct refused_mmap {
	const char *desc;
	unsigned long flags;
	unsigned int nr;
	unsigned long pgoff;
};

static const struct refused_mmap refused_mmaps[] = {
	{ "MAP_PRIVATE", MAP_PRIVATE, 4, 0 },
	{ "longer than the scamem", MAP_SHARED, 9, 0 },
	{ "offset past the end", MAP_SHARED, 1, 8 },
	{ "offset plus length past the end", MAP_SHARED, 4, 6 },
};

static void refused_mmap_desc(const struct refused_mmap *r, char *desc)
{
	strscpy(desc, r->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(refused_mmap, refused_mmaps, refused_mmap_desc);

static void scamem_mmap_out_of_bounds_should_fail(struct kunit *test)
{
	const struct refused_mmap *r = test->param_value;
	struct scamem *sm = test_scamem_alloc(test, 8);
	long addr;

	addr = test_mmap(test, &test_scamem_fops, sm, r->nr,
			 PROT_READ | PROT_WRITE, r->flags, r->pgoff);
	KUNIT_EXPECT_EQ(test, addr, -EINVAL);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
}

enum test_pin_kind { PIN, PIN_FAST, PIN_LONGTERM, PIN_REMOTE };

static const enum test_pin_kind pin_kinds[] = {
	PIN, PIN_FAST, PIN_LONGTERM, PIN_REMOTE,
};

static void pin_kind_desc(const enum test_pin_kind *kind, char *desc)
{
	static const char * const names[] = {
		"pin_user_pages", "pin_user_pages_fast",
		"FOLL_LONGTERM", "pin_user_pages_remote",
	};

	strscpy(desc, names[*kind], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pin_kind, pin_kinds, pin_kind_desc);

static long test_pin(enum test_pin_kind kind, unsigned long addr,
		     unsigned int nr, unsigned int flags, struct page **pages)
{
	struct mm_struct *mm = current->mm;
	long ret;

	switch (kind) {
	case PIN_FAST:
		return pin_user_pages_fast(addr, nr, flags, pages);
	case PIN_LONGTERM:
		return test_pin_user_pages(addr, nr, flags | FOLL_LONGTERM, pages);
	case PIN_REMOTE:
		mmap_read_lock(mm);
		ret = pin_user_pages_remote(mm, addr, nr, flags, pages, NULL);
		mmap_read_unlock(mm);
		return ret;
	default:
		return test_pin_user_pages(addr, nr, flags, pages);
	}
}

static void pin_should_take_scamem_references_not_page_ones(struct kunit *test)
{
	enum test_pin_kind kind = *(const enum test_pin_kind *)test->param_value;
	struct scamem *sm = test_scamem_alloc(test, 32);
	struct page **pinned;
	unsigned long addr;
	unsigned int i;

	pinned = kunit_kcalloc(test, 32, sizeof(*pinned), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pinned);
	addr = test_map_shared(test, &test_scamem_fops, sm, 32);
	KUNIT_ASSERT_EQ(test, test_pin(kind, addr, 32, FOLL_WRITE, pinned), 32);
	for (i = 0; i < 32; i++)
		KUNIT_EXPECT_PTR_EQ(test, pinned[i], sm->pages[i]);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 2 + 32);
	KUNIT_EXPECT_EQ(test, test_pages_touched(sm->pages, 32), 0);
	unpin_user_pages(pinned, 32);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 2);
	test_unmap(addr, 32);
	scamem_put(sm);
}

static void unpin_of_mixed_runs_should_drop_what_each_pin_took(struct kunit *test)
{
	struct scamem *a = test_scamem_alloc(test, 4);
	struct scamem *b = test_scamem_alloc(test, 4);
	unsigned long addr_a, addr_b, anon;
	struct page *pinned[10];
	int anon_refs;

	addr_a = test_map_shared(test, &test_scamem_fops, a, 4);
	addr_b = test_map_shared(test, &test_scamem_fops, b, 4);
	anon = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(anon));
	/* a a a a, an anonymous page, b b b b, a again. */
	KUNIT_ASSERT_EQ(test, test_pin_user_pages(addr_a, 4, FOLL_WRITE, pinned), 4);
	KUNIT_ASSERT_EQ(test, test_pin_user_pages(anon, 1, FOLL_WRITE, pinned + 4), 1);
	anon_refs = page_ref_count(pinned[4]);
	KUNIT_ASSERT_EQ(test, test_pin_user_pages(addr_b, 4, FOLL_WRITE, pinned + 5), 4);
	KUNIT_ASSERT_EQ(test, test_pin_user_pages(addr_a + PAGE_SIZE, 1, FOLL_WRITE,
						  pinned + 9), 1);
	KUNIT_EXPECT_EQ(test, scamem_refcount(a), 2 + 5);
	KUNIT_EXPECT_EQ(test, scamem_refcount(b), 2 + 4);
	unpin_user_pages(pinned, 10);
	KUNIT_EXPECT_EQ(test, scamem_refcount(a), 2);
	KUNIT_EXPECT_EQ(test, scamem_refcount(b), 2);
	KUNIT_EXPECT_EQ(test, page_ref_count(pinned[4]),
			anon_refs - GUP_PIN_COUNTING_BIAS);
	test_unmap(addr_a, 4);
	test_unmap(addr_b, 4);
	vm_munmap(anon, PAGE_SIZE);
	scamem_put(a);
	scamem_put(b);
}

/*
 * GUP-fast takes a run of entries of one scamem with one reference update:
 * a run must end where the next scamem's mapping begins.
 */
static void fast_pin_across_two_scamems_should_pin_each(struct kunit *test)
{
	struct scamem *a = test_scamem_alloc(test, 8);
	struct scamem *b = test_scamem_alloc(test, 4);
	struct page *pinned[8];
	unsigned long addr;
	long addr_b;
	unsigned int i;

	/* a a a a b b b b: b replaces the second half of a's mapping. */
	addr = test_map_shared(test, &test_scamem_fops, a, 8);
	addr_b = test_mmap_at(test, &test_scamem_fops, b, addr + 4 * PAGE_SIZE,
			      4, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			      0);
	KUNIT_ASSERT_EQ(test, addr_b, (long)(addr + 4 * PAGE_SIZE));
	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(addr, 8, FOLL_WRITE, pinned), 8);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_PTR_EQ(test, pinned[i], a->pages[i]);
		KUNIT_EXPECT_PTR_EQ(test, pinned[4 + i], b->pages[i]);
	}
	KUNIT_EXPECT_EQ(test, scamem_refcount(a), 2 + 4);
	KUNIT_EXPECT_EQ(test, scamem_refcount(b), 2 + 4);
	unpin_user_pages(pinned, 8);
	KUNIT_EXPECT_EQ(test, scamem_refcount(a), 2);
	KUNIT_EXPECT_EQ(test, scamem_refcount(b), 2);
	test_unmap(addr, 8);
	KUNIT_EXPECT_EQ(test, scamem_refcount(a), 1);
	KUNIT_EXPECT_EQ(test, scamem_refcount(b), 1);
	scamem_put(a);
	scamem_put(b);
}

static void pinned_pages_should_outlive_owner_and_mapping(struct kunit *test)
{
	struct test_owner owner = { };
	struct scamem *sm = test_scamem_alloc(test, 8);
	struct page *pinned[8];
	unsigned long addr;

	scamem_set_owner(sm, &test_owner_ops, &owner);
	addr = test_map_shared(test, &test_scamem_fops, sm, 8);
	KUNIT_ASSERT_EQ(test, test_pin_user_pages(addr, 8, FOLL_WRITE, pinned), 8);
	scamem_put(sm);
	test_unmap(addr, 8);
	KUNIT_EXPECT_EQ(test, owner.releases, 0);
	/* Written through the pins alone; ->release checks every page. */
	fill_first_bytes(sm);
	unpin_user_pages(pinned, 7);
	KUNIT_EXPECT_EQ(test, owner.releases, 0);
	unpin_user_page(pinned[7]);
	KUNIT_EXPECT_EQ(test, owner.releases, 1);
	KUNIT_EXPECT_EQ(test, owner.pages_intact, 8);
	scamem_flush_deferred();
}

static void pinned_vmalloc_buffer_should_outlive_vfree(struct kunit *test)
{
	const unsigned int nr = 1024;
	long before, during, after;
	struct page **pinned;
	unsigned long addr;
	struct scamem *sm;
	void *buf;

	pinned = kunit_kcalloc(test, nr, sizeof(*pinned), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pinned);
	before = free_pages_now();
	buf = vmalloc_user(nr * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	sm = vmalloc_to_scamem(buf);
	KUNIT_ASSERT_NOT_NULL(test, sm);
	addr = test_map_shared(test, &test_vmalloc_fops, buf, nr);
	KUNIT_EXPECT_PTR_EQ(test, test_vma_scamem(addr), sm);
	test_user_fill(test, addr, nr, 3);
	KUNIT_ASSERT_EQ(test, test_pin_user_pages(addr, nr, FOLL_WRITE, pinned), nr);
	vfree(buf);
	test_unmap(addr, nr);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), nr);
	during = free_pages_now();
	KUNIT_EXPECT_EQ(test, test_count_bytes(pinned, nr, 3), nr);
	unpin_user_pages(pinned, nr);
	after = free_pages_now();
	/* Still allocated after vfree() and munmap(): the pins hold them. */
	KUNIT_EXPECT_GE(test, before - during, (long)nr - FREE_PAGES_SLACK);
	KUNIT_EXPECT_GE(test, after - during, (long)nr - FREE_PAGES_SLACK);
}

static void get_user_pages_should_take_page_references(struct kunit *test)
{
	struct test_owner owner = { };
	struct scamem *sm = test_scamem_alloc(test, 4);
	struct page *got[4];
	unsigned long addr;
	unsigned int i;

	scamem_set_owner(sm, &test_owner_ops, &owner);
	addr = test_map_shared(test, &test_scamem_fops, sm, 4);
	mmap_read_lock(current->mm);
	KUNIT_ASSERT_EQ(test, get_user_pages_remote(current->mm, addr, 4,
						    FOLL_WRITE, got, NULL), 4);
	mmap_read_unlock(current->mm);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 2);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_PTR_EQ(test, got[i], sm->pages[i]);
		KUNIT_EXPECT_EQ(test, page_ref_count(got[i]), 2);
	}
	test_unmap(addr, 4);
	fill_first_bytes(sm);
	scamem_put(sm);
	/* The scamem is gone; each page lives on with our reference. */
	KUNIT_EXPECT_EQ(test, owner.releases, 1);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, page_ref_count(got[i]), 1);
		KUNIT_EXPECT_NULL(test, page_scamem(got[i]));
	}
	KUNIT_EXPECT_EQ(test, test_count_bytes(got, 4, 0), 4);
	for (i = 0; i < 4; i++)
		put_page(got[i]);
}

static void write_pin_of_a_read_only_mapping_should_fail(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 2);
	struct page *pinned[2];
	long addr;

	addr = test_mmap(test, &test_scamem_fops, sm, 2, PROT_READ, MAP_SHARED, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_EXPECT_EQ(test, test_pin_user_pages(addr, 2, FOLL_WRITE, pinned), -EFAULT);
	mmap_read_lock(current->mm);
	KUNIT_EXPECT_EQ(test, get_user_pages_remote(current->mm, addr, 2,
						    FOLL_WRITE | FOLL_FORCE,
						    pinned, NULL), -EFAULT);
	mmap_read_unlock(current->mm);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 2);
	KUNIT_ASSERT_EQ(test, test_pin_user_pages(addr, 2, 0, pinned), 2);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 4);
	unpin_user_pages(pinned, 2);
	test_unmap(addr, 2);
	scamem_put(sm);
}

/*
 * A buffer mapped both ways: once scamem_mmap() has tagged its pages,
 * pins through the per-page mapping are scamem pins too.
 */
static void pin_through_a_legacy_mapping_should_pin_the_scamem(struct kunit *test)
{
	struct page *pinned[4];
	unsigned long addr;
	struct scamem *sm;
	unsigned int i;
	void *buf;

	buf = vmalloc_user(4 * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	sm = vmalloc_to_scamem(buf);
	KUNIT_ASSERT_NOT_NULL(test, sm);
	addr = test_map_shared(test, &test_vmalloc_fops, buf, 4);
	test_unmap(addr, 4);
	addr = test_map_shared(test, &test_legacy_fops, buf, 4);
	KUNIT_EXPECT_NULL(test, test_vma_scamem(addr));
	KUNIT_ASSERT_EQ(test, test_pin_user_pages(addr, 4, FOLL_WRITE, pinned), 4);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1 + 4);
	for (i = 0; i < 4; i++)	/* the scamem's and the page table's */
		KUNIT_EXPECT_EQ(test, page_ref_count(pinned[i]), 2);
	unpin_user_pages(pinned, 4);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	test_unmap(addr, 4);
	vfree(buf);
}

/* ptrace and /proc/pid/mem ask for any byte, the last page's included. */
static void gup_of_an_unaligned_address_should_take_its_page(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 4);
	struct page *page;
	unsigned long addr;

	addr = test_map_shared(test, &test_scamem_fops, sm, 4);
	mmap_read_lock(current->mm);
	KUNIT_ASSERT_EQ(test, get_user_pages_remote(current->mm,
						    addr + 4 * PAGE_SIZE - 5, 1,
						    0, &page, NULL), 1);
	mmap_read_unlock(current->mm);
	KUNIT_EXPECT_PTR_EQ(test, page, scamem_page(sm, 3));
	put_page(page);
	test_unmap(addr, 4);
	scamem_put(sm);
}

/* GUP-fast must not take what the slow path refuses (a VM_PFNMAP VMA). */
static void pin_of_a_remap_pfn_range_mapping_should_fail(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 1);
	struct page *page;
	unsigned long addr;

	addr = test_map_shared(test, &test_pfnmap_fops, sm, 1);
	KUNIT_EXPECT_EQ(test, pin_user_pages_fast(addr, 1, FOLL_WRITE, &page),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, test_pin_user_pages(addr, 1, FOLL_WRITE, &page),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	test_unmap(addr, 1);
	scamem_put(sm);
}

/* Pins the first page of a legacy mapping while its scamem dies. */
struct dying_pin {
	unsigned long addr;
	struct page *page;
	long pinned;
	bool still_in_scamem;
};

static void dying_pin_release(struct scamem *sm)
{
	struct dying_pin *pin = sm->private;

	pin->pinned = test_pin_user_pages(pin->addr, 1, FOLL_WRITE, &pin->page);
	pin->still_in_scamem = pin->pinned == 1 && page_scamem(pin->page);
}

static const struct scamem_ops dying_pin_ops = {
	.release = dying_pin_release,
};

static void pin_of_a_dying_scamem_should_pin_the_page_itself(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 2);
	struct dying_pin pin = { };
	void *vaddr;

	vaddr = scamem_vmap(sm, 0, 2, PAGE_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vaddr);
	pin.addr = test_map_shared(test, &test_legacy_fops, vaddr, 2);
	scamem_vunmap(sm, vaddr);
	scamem_set_owner(sm, &dying_pin_ops, &pin);
	scamem_put(sm);		/* the last: the pin comes from ->release */

	KUNIT_ASSERT_EQ(test, pin.pinned, 1);
	/* It left the scamem before it was pinned, so unpin cannot mistake it. */
	KUNIT_EXPECT_FALSE(test, pin.still_in_scamem);
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(page_folio(pin.page)));
	/* The page table's reference and the pin; the scamem's went at free. */
	KUNIT_EXPECT_EQ(test, page_ref_count(pin.page), 1 + GUP_PIN_COUNTING_BIAS);
	unpin_user_page(pin.page);
	KUNIT_EXPECT_EQ(test, page_ref_count(pin.page), 1);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(page_folio(pin.page)));
	test_unmap(pin.addr, 2);
}

/*
 * Pins at the limit: the count keeps headroom above the most pins GUP
 * takes, for the references of new VMAs and of folio_add_pin().  The
 * tests set the count by hand to what that many pins would leave.
 */
static void pin_at_the_pin_limit_should_fail_cleanly(struct kunit *test)
{
	enum test_pin_kind kind = *(const enum test_pin_kind *)test->param_value;
	struct scamem *sm = test_scamem_alloc(test, 1);
	struct page *page;
	unsigned long addr;
	long ret;

	addr = test_map_shared(test, &test_scamem_fops, sm, 1);
	refcount_set(&sm->refcount, SCAMEM_PIN_LIMIT);
	ret = test_pin(kind, addr, 1, FOLL_WRITE, &page);
	KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), SCAMEM_PIN_LIMIT);
	KUNIT_EXPECT_PTR_EQ(test, page_scamem(sm->pages[0]), sm);
	if (ret == 1)
		unpin_user_page(page);
	refcount_set(&sm->refcount, 2);
	test_unmap(addr, 1);
	scamem_put(sm);
}

static const int full_counts[] = { SCAMEM_PIN_LIMIT, INT_MAX };

static void full_count_desc(const int *count, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "count %d", *count);
}

KUNIT_ARRAY_PARAM(full_count, full_counts, full_count_desc);

/* A full scamem is not a dying one: its page must stay in it. */
static void pin_through_a_legacy_mapping_at_the_limit_should_fail_cleanly(struct kunit *test)
{
	int full = *(const int *)test->param_value;
	struct page *page;
	unsigned long addr;
	struct scamem *sm;
	void *buf;
	long ret;

	buf = vmalloc_user(PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	sm = vmalloc_to_scamem(buf);
	KUNIT_ASSERT_EQ(test, scamem_tag_pages(sm), 0);
	addr = test_map_shared(test, &test_legacy_fops, buf, 1);
	refcount_set(&sm->refcount, full);
	ret = test_pin_user_pages(addr, 1, FOLL_WRITE, &page);
	KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), full);
	KUNIT_EXPECT_PTR_EQ(test, page_scamem(vmalloc_to_page(buf)), sm);
	if (ret == 1)
		unpin_user_page(page);
	refcount_set(&sm->refcount, 1);
	test_unmap(addr, 1);
	vfree(buf);
}

/*
 * Two legacy mappings side by side: a page of a buffer never mapped the
 * scamem way, then one of a tagged buffer.  Returns the address.
 */
static unsigned long test_map_untagged_then_tagged(struct kunit *test,
						   void *untagged, void *tagged)
{
	unsigned long addr = test_map_shared(test, &test_legacy_fops,
					     untagged, 2);
	long fixed;

	KUNIT_ASSERT_EQ(test, scamem_tag_pages(vmalloc_to_scamem(tagged)), 0);
	fixed = test_mmap_at(test, &test_legacy_fops, tagged, addr + PAGE_SIZE,
			     1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			     0);
	KUNIT_ASSERT_EQ(test, fixed, (long)(addr + PAGE_SIZE));
	return addr;
}

/*
 * GUP routes a call's page pins to their scamems after it took them all:
 * the one that cannot be routed ends what it returns, and no page pin of
 * it or after it is left.
 */
static void pin_up_to_a_full_scamem_should_return_the_pages_before(struct kunit *test)
{
	void *untagged = vmalloc_user(2 * PAGE_SIZE);
	void *tagged = vmalloc_user(PAGE_SIZE);
	struct page *pinned[2], *page;
	unsigned long addr;
	struct scamem *sm;

	KUNIT_ASSERT_NOT_NULL(test, untagged);
	KUNIT_ASSERT_NOT_NULL(test, tagged);
	sm = vmalloc_to_scamem(tagged);
	page = vmalloc_to_page(tagged);
	addr = test_map_untagged_then_tagged(test, untagged, tagged);
	refcount_set(&sm->refcount, SCAMEM_PIN_LIMIT);
	KUNIT_ASSERT_EQ(test, test_pin_user_pages(addr, 2, FOLL_WRITE, pinned),
			1);
	KUNIT_EXPECT_PTR_EQ(test, pinned[0], vmalloc_to_page(untagged));
	KUNIT_EXPECT_EQ(test, page_ref_count(pinned[0]),
			2 + GUP_PIN_COUNTING_BIAS);
	/* The scamem's reference and the page table's: no pin left. */
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 2);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), SCAMEM_PIN_LIMIT);
	KUNIT_EXPECT_PTR_EQ(test, page_scamem(page), sm);
	unpin_user_page(pinned[0]);
	KUNIT_EXPECT_EQ(test, page_ref_count(pinned[0]), 2);
	refcount_set(&sm->refcount, 1);
	test_unmap(addr, 2);
	vfree(tagged);
	vfree(untagged);
}

/*
 * Map @nr pages of @legacy page by page, then @sm over the second one:
 * a range that enters a scamem VMA from a per-page one.
 */
static unsigned long test_map_scamem_into_legacy(struct kunit *test,
						 void *legacy,
						 unsigned int nr,
						 struct scamem *sm)
{
	unsigned long addr = test_map_shared(test, &test_legacy_fops, legacy,
					     nr);
	long fixed = test_mmap_at(test, &test_scamem_fops, sm,
				  addr + PAGE_SIZE, 1, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_FIXED, 0);

	KUNIT_ASSERT_EQ(test, fixed, (long)(addr + PAGE_SIZE));
	return addr;
}

/*
 * Page pins before a scamem VMA's pins are routed before those are taken:
 * each pin counts once, on the scamem of its page.
 */
static void pins_through_legacy_then_scamem_mapping_should_count_once(struct kunit *test)
{
	void *legacy = vmalloc_user(2 * PAGE_SIZE);
	struct scamem *sm = test_scamem_alloc(test, 1), *legacy_sm;
	struct page *pinned[2];
	unsigned long addr;

	KUNIT_ASSERT_NOT_NULL(test, legacy);
	legacy_sm = vmalloc_to_scamem(legacy);
	KUNIT_ASSERT_EQ(test, scamem_tag_pages(legacy_sm), 0);
	addr = test_map_scamem_into_legacy(test, legacy, 2, sm);
	KUNIT_ASSERT_EQ(test, test_pin_user_pages(addr, 2, FOLL_WRITE, pinned),
			2);
	KUNIT_EXPECT_PTR_EQ(test, pinned[0], vmalloc_to_page(legacy));
	KUNIT_EXPECT_PTR_EQ(test, pinned[1], sm->pages[0]);
	/* One pin more on each scamem; the pages hold none of their own. */
	KUNIT_EXPECT_EQ(test, scamem_refcount(legacy_sm), 1 + 1);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1 + 1 + 1);
	KUNIT_EXPECT_EQ(test, page_ref_count(pinned[0]), 2);
	KUNIT_EXPECT_EQ(test, page_ref_count(pinned[1]), 1);
	unpin_user_pages(pinned, 2);
	KUNIT_EXPECT_EQ(test, scamem_refcount(legacy_sm), 1);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1 + 1);
	test_unmap(addr, 2);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
	vfree(legacy);
}

/*
 * A range across a scamem VMA: the pages on either side of it are pinned
 * through the page tables, as pages, and its own through its scamem.
 */
static void pin_across_a_scamem_vma_should_pin_each_side_its_way(struct kunit *test)
{
	void *legacy = vmalloc_user(3 * PAGE_SIZE);
	struct scamem *sm = test_scamem_alloc(test, 1);
	struct page *pinned[3];
	unsigned long addr;

	KUNIT_ASSERT_NOT_NULL(test, legacy);
	addr = test_map_scamem_into_legacy(test, legacy, 3, sm);
	KUNIT_ASSERT_EQ(test, test_pin_user_pages(addr, 3, FOLL_WRITE, pinned),
			3);
	KUNIT_EXPECT_PTR_EQ(test, pinned[0], vmalloc_to_page(legacy));
	KUNIT_EXPECT_PTR_EQ(test, pinned[1], sm->pages[0]);
	KUNIT_EXPECT_PTR_EQ(test, pinned[2],
			    vmalloc_to_page(legacy + 2 * PAGE_SIZE));
	/* The area's and the mapping's references, and a page pin. */
	KUNIT_EXPECT_EQ(test, page_ref_count(pinned[0]),
			2 + GUP_PIN_COUNTING_BIAS);
	KUNIT_EXPECT_EQ(test, page_ref_count(pinned[2]),
			2 + GUP_PIN_COUNTING_BIAS);
	/* The caller's, the VMA's and the pin; the page holds none. */
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1 + 1 + 1);
	KUNIT_EXPECT_EQ(test, page_ref_count(pinned[1]), 1);
	unpin_user_pages(pinned, 3);
	KUNIT_EXPECT_EQ(test, page_ref_count(pinned[0]), 2);
	KUNIT_EXPECT_EQ(test, page_ref_count(pinned[2]), 2);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1 + 1);
	test_unmap(addr, 3);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
	vfree(legacy);
}

static int populate_fails(struct scamem *sm, struct vm_area_struct *vma)
{
	return -ENOMEM;
}

/*
 * Page tables may run out while scamem_mmap() fills them: mmap fails, and
 * takes no reference; the scamem maps fine afterwards.
 */
static void scamem_mmap_that_cannot_populate_should_fail_cleanly(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 4);
	unsigned long addr;
	long ret;

	kunit_activate_static_stub(test, scamem_populate, populate_fails);
	ret = test_mmap(test, &test_scamem_fops, sm, 4, PROT_READ | PROT_WRITE,
			MAP_SHARED, 0);
	KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	kunit_deactivate_static_stub(test, scamem_populate);
	addr = test_map_shared(test, &test_scamem_fops, sm, 4);
	test_user_fill(test, addr, 4, 3);
	KUNIT_EXPECT_EQ(test, test_count_bytes(sm->pages, 4, 3), 4);
	test_unmap(addr, 4);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
}

static void vma_split_at_the_pin_limit_should_not_saturate(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 4);
	unsigned long addr;

	addr = test_map_shared(test, &test_scamem_fops, sm, 4);
	refcount_set(&sm->refcount, SCAMEM_PIN_LIMIT);
	vm_munmap(addr + PAGE_SIZE, PAGE_SIZE);	/* two VMAs now */
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), SCAMEM_PIN_LIMIT + 1);
	refcount_set(&sm->refcount, 3);
	test_unmap(addr, 4);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
}

/* The page vm_normal_page() finds at @addr: NULL for special entries. */
static struct page *test_normal_page(unsigned long addr)
{
	struct mm_struct *mm = current->mm;
	struct page *page = NULL;
	spinlock_t *ptl;	/* the page table lock */
	pte_t *pte;

	mmap_read_lock(mm);
	pte = get_locked_pte(mm, addr, &ptl);
	if (pte) {
		page = vm_normal_page(vma_lookup(mm, addr), addr, ptep_get(pte));
		pte_unmap_unlock(pte, ptl);
	}
	mmap_read_unlock(mm);
	return page;
}

/* Whether a page table entry maps @addr, without faulting it in. */
static bool test_mapped(unsigned long addr)
{
	struct mm_struct *mm = current->mm;
	bool mapped = false;
	spinlock_t *ptl;	/* the page table lock */
	pte_t *pte;

	mmap_read_lock(mm);
	pte = get_locked_pte(mm, addr, &ptl);
	if (pte) {
		mapped = !pte_none(ptep_get(pte));
		pte_unmap_unlock(pte, ptl);
	}
	mmap_read_unlock(mm);
	return mapped;
}

static unsigned long test_vm_flags(unsigned long addr)
{
	unsigned long flags;

	mmap_read_lock(current->mm);
	flags = vma_lookup(current->mm, addr)->vm_flags;
	mmap_read_unlock(current->mm);
	return flags;
}

/* Upstream behaviour for every driver that did not ask for scamem. */
static void remap_vmalloc_range_should_map_page_by_page(struct kunit *test)
{
	struct page *pinned[4];
	unsigned long addr;
	struct scamem *sm;
	unsigned int i;
	void *buf;

	buf = vmalloc_user(4 * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	sm = vmalloc_to_scamem(buf);
	addr = test_map_shared(test, &test_remap_vmalloc_fops, buf, 4);
	KUNIT_EXPECT_NULL(test, test_vma_scamem(addr));
	KUNIT_EXPECT_EQ(test, test_vm_flags(addr) & (VM_PFNMAP | VM_MIXEDMAP),
			VM_MIXEDMAP);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	for (i = 0; i < 4; i++) {
		struct page *page = vmalloc_to_page(buf + i * PAGE_SIZE);

		/* The scamem's reference and the page table's; one mapcount. */
		KUNIT_EXPECT_EQ(test, page_ref_count(page), 2);
		KUNIT_EXPECT_EQ(test, folio_mapcount(page_folio(page)), 1);
		KUNIT_EXPECT_PTR_EQ(test, test_normal_page(addr + i * PAGE_SIZE),
				    page);
	}
	test_user_fill(test, addr, 4, 60);
	KUNIT_EXPECT_EQ(test, test_count_bytes(sm->pages, 4, 60), 4);
	/* Pins are page pins, as in 7.3: the scamem never sees them. */
	KUNIT_ASSERT_EQ(test, test_pin_user_pages(addr, 4, FOLL_WRITE, pinned), 4);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_PTR_EQ(test, pinned[i], sm->pages[i]);
		KUNIT_EXPECT_EQ(test, page_ref_count(pinned[i]),
				2 + GUP_PIN_COUNTING_BIAS);
		KUNIT_EXPECT_NULL(test, page_scamem(pinned[i]));
	}
	unpin_user_pages(pinned, 4);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, page_ref_count(sm->pages[i]), 2);
	test_unmap(addr, 4);
	KUNIT_EXPECT_EQ(test, test_pages_touched(sm->pages, 4), 0);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	vfree(buf);
}

/*
 * A page pin taken through a per-page mapping must be unpinned as a page
 * pin: the first scamem mapping, which would make it look like a scamem
 * pin, waits until it is gone.
 */
static void remap_vmalloc_scamem_of_pages_pinned_as_pages_should_fail(struct kunit *test)
{
	unsigned long legacy, addr;
	struct page *pinned;
	struct scamem *sm;
	void *buf;

	buf = vmalloc_user(2 * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	sm = vmalloc_to_scamem(buf);
	legacy = test_map_shared(test, &test_remap_vmalloc_fops, buf, 2);
	KUNIT_ASSERT_EQ(test, test_pin_user_pages(legacy + PAGE_SIZE, 1,
						  FOLL_WRITE, &pinned), 1);
	KUNIT_EXPECT_EQ(test, test_mmap(test, &test_vmalloc_fops, buf, 2,
					PROT_READ | PROT_WRITE, MAP_SHARED, 0),
			-EBUSY);
	KUNIT_EXPECT_NULL(test, page_scamem(pinned));
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	unpin_user_page(pinned);
	KUNIT_EXPECT_EQ(test, page_ref_count(pinned), 2);
	/* Unpinned, the buffer maps; later pins are the scamem's. */
	addr = test_map_shared(test, &test_vmalloc_fops, buf, 2);
	KUNIT_ASSERT_EQ(test, test_pin_user_pages(legacy + PAGE_SIZE, 1,
						  FOLL_WRITE, &pinned), 1);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 2 + 1);
	KUNIT_EXPECT_EQ(test, page_ref_count(pinned), 2);
	unpin_user_page(pinned);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 2);
	test_unmap(addr, 2);
	test_unmap(legacy, 2);
	vfree(buf);
}

static void remap_vmalloc_scamem_should_map_the_scamem(struct kunit *test)
{
	unsigned long addr;
	struct scamem *sm;
	void *buf;

	buf = vmalloc_user(4 * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	sm = vmalloc_to_scamem(buf);
	addr = test_map_shared(test, &test_vmalloc_fops, buf, 4);
	KUNIT_EXPECT_PTR_EQ(test, test_vma_scamem(addr), sm);
	KUNIT_EXPECT_EQ(test, test_vm_flags(addr) & (VM_PFNMAP | VM_MIXEDMAP),
			VM_PFNMAP);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 2);
	KUNIT_EXPECT_EQ(test, test_pages_touched(sm->pages, 4), 0);
	KUNIT_EXPECT_NULL(test, test_normal_page(addr));
	test_unmap(addr, 4);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	vfree(buf);
}

/* Not the start of a vmalloc_user() buffer: refused, nothing taken. */
static void remap_vmalloc_scamem_of_other_memory_should_fail(struct kunit *test)
{
	void *user = vmalloc_user(2 * PAGE_SIZE);
	void *plain = vmalloc(PAGE_SIZE);

	KUNIT_ASSERT_NOT_NULL(test, user);
	KUNIT_ASSERT_NOT_NULL(test, plain);
	KUNIT_EXPECT_EQ(test, test_mmap(test, &test_vmalloc_fops, plain, 1,
					PROT_READ, MAP_SHARED, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, test_mmap(test, &test_vmalloc_fops,
					user + PAGE_SIZE, 1, PROT_READ,
					MAP_SHARED, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, scamem_refcount(vmalloc_to_scamem(plain)), 1);
	KUNIT_EXPECT_EQ(test, scamem_refcount(vmalloc_to_scamem(user)), 1);
	vfree(plain);
	vfree(user);
}

/*
 * A driver's ->mmap around scamem_mmap(): VMA flags it sets before, what
 * it does after.  The test drivers below read it from the file.
 */
struct test_driver {
	struct scamem *sm;
	unsigned long flags;	/* set on the VMA before scamem_mmap() */
	int mmap_ret;		/* what scamem_mmap() returned */
	int closes;		/* calls of the driver's own ->close */
};

static int test_flags_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct test_driver *drv = file->private_data;

	vm_flags_set(vma, drv->flags);
	drv->mmap_ret = scamem_mmap(drv->sm, vma, vma->vm_pgoff);
	return drv->mmap_ret;
}

static const struct file_operations test_flags_fops = {
	.mmap = test_flags_mmap,
};

struct refused_flags {
	const char *desc;
	unsigned long flags;
};

static const struct refused_flags refused_flags[] = {
	{ "VM_IO", VM_IO },
	{ "VM_PFNMAP", VM_PFNMAP },
	{ "VM_MIXEDMAP", VM_MIXEDMAP },
};

static void refused_flags_desc(const struct refused_flags *r, char *desc)
{
	strscpy(desc, r->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(refused_flags, refused_flags, refused_flags_desc);

static void scamem_mmap_of_a_special_vma_should_fail(struct kunit *test)
{
	const struct refused_flags *r = test->param_value;
	struct test_driver drv = { .flags = r->flags };
	long addr;

	drv.sm = test_scamem_alloc(test, 2);
	addr = test_mmap(test, &test_flags_fops, &drv, 2,
			 PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_EXPECT_EQ(test, drv.mmap_ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, addr, -EINVAL);
	KUNIT_EXPECT_EQ(test, scamem_refcount(drv.sm), 1);
	scamem_put(drv.sm);
}

static void test_driver_close(struct vm_area_struct *vma)
{
	struct test_driver *drv = vma->vm_private_data;

	drv->closes++;
}

static const struct vm_operations_struct test_driver_vm_ops = {
	.close = test_driver_close,
};

/* rdmavt's shape: the remap, then vm_ops and vm_private_data of its own. */
static int test_takeover_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct test_driver *drv = file->private_data;

	drv->mmap_ret = scamem_mmap(drv->sm, vma, vma->vm_pgoff);
	vma->vm_ops = &test_driver_vm_ops;
	vma->vm_private_data = drv;
	return drv->mmap_ret;
}

static const struct file_operations test_takeover_fops = {
	.mmap = test_takeover_mmap,
};

/* Only vm_private_data: scamem's ->close would put the driver's data. */
static int test_private_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct test_driver *drv = file->private_data;

	drv->mmap_ret = scamem_mmap(drv->sm, vma, vma->vm_pgoff);
	vma->vm_private_data = drv;
	return drv->mmap_ret;
}

static const struct file_operations test_private_fops = {
	.mmap = test_private_mmap,
};

/* A ->mmap that fails after scamem_mmap() succeeded. */
static int test_failing_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct test_driver *drv = file->private_data;

	drv->mmap_ret = scamem_mmap(drv->sm, vma, vma->vm_pgoff);
	return drv->mmap_ret ?: -EIO;
}

static const struct file_operations test_failing_fops = {
	.mmap = test_failing_mmap,
};

static void taken_over_vma_should_fail_the_mmap(struct kunit *test)
{
	struct test_driver drv = { };
	long addr;

	drv.sm = test_scamem_alloc(test, 4);
	addr = test_mmap(test, &test_takeover_fops, &drv, 4,
			 PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_EXPECT_EQ(test, drv.mmap_ret, 0);
	KUNIT_EXPECT_EQ(test, addr, -EINVAL);
	/* The driver's ->close ran once, at the unmap; scamem's ref is back. */
	KUNIT_EXPECT_EQ(test, drv.closes, 1);
	KUNIT_EXPECT_EQ(test, scamem_refcount(drv.sm), 1);
	scamem_put(drv.sm);
}

static void replaced_private_data_should_fail_the_mmap(struct kunit *test)
{
	struct test_driver drv = { };
	long addr;

	drv.sm = test_scamem_alloc(test, 4);
	addr = test_mmap(test, &test_private_fops, &drv, 4,
			 PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_EXPECT_EQ(test, drv.mmap_ret, 0);
	KUNIT_EXPECT_EQ(test, addr, -EINVAL);
	KUNIT_EXPECT_EQ(test, drv.closes, 0);
	KUNIT_EXPECT_EQ(test, scamem_refcount(drv.sm), 1);
	scamem_put(drv.sm);
}

static void mmap_that_fails_after_scamem_mmap_should_not_leak(struct kunit *test)
{
	struct test_driver drv = { };
	long addr;

	drv.sm = test_scamem_alloc(test, 4);
	addr = test_mmap(test, &test_failing_fops, &drv, 4,
			 PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_EXPECT_EQ(test, drv.mmap_ret, 0);
	KUNIT_EXPECT_EQ(test, addr, -EIO);
	KUNIT_EXPECT_EQ(test, scamem_refcount(drv.sm), 1);
	/* And the scamem maps fine afterwards. */
	addr = test_map_shared(test, &test_scamem_fops, drv.sm, 4);
	KUNIT_EXPECT_EQ(test, scamem_refcount(drv.sm), 2);
	test_unmap(addr, 4);
	scamem_put(drv.sm);
}

/* A driver whose ->mmap maps nothing: the VMA faults (and SIGBUSes). */
static int test_plain_mmap(struct file *file, struct vm_area_struct *vma)
{
	return 0;
}

static const struct file_operations test_plain_fops = {
	.mmap = test_plain_mmap,
};

/*
 * scamem_mmap() outside ->mmap, on a shared VMA already linked (from an
 * ioctl, say): refused, with a warning, and no reference taken.
 */
static void scamem_mmap_of_a_linked_vma_should_warn_and_fail(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 2);
	struct vm_area_struct *vma;
	unsigned long addr;
	int ret = 0;

	addr = test_map_shared(test, &test_plain_fops, NULL, 2);
	mmap_write_lock(current->mm);
	vma = vma_lookup(current->mm, addr);
	if (vma)
		ret = scamem_mmap(sm, vma, 0);
	mmap_write_unlock(current->mm);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	test_unmap(addr, 2);
	scamem_put(sm);
}

/* Three VMAs: two of one mmap() split by a hole, and a second mmap(). */
static void revoke_should_unmap_every_vma(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 8);
	unsigned long a, b;
	unsigned int i;
	u8 byte;

	a = test_map_shared(test, &test_scamem_fops, sm, 8);
	vm_munmap(a + 3 * PAGE_SIZE, PAGE_SIZE);
	b = test_map_shared(test, &test_scamem_fops, sm, 8);
	test_user_fill(test, b, 8, 20);
	KUNIT_ASSERT_EQ(test, scamem_refcount(sm), 1 + 3);
	scamem_revoke(sm);
	for (i = 0; i < 8; i++) {
		KUNIT_EXPECT_FALSE(test, test_mapped(a + i * PAGE_SIZE));
		KUNIT_EXPECT_FALSE(test, test_mapped(b + i * PAGE_SIZE));
	}
	/* The VMAs stay, with their references, and fault with SIGBUS. */
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1 + 3);
	KUNIT_EXPECT_NE(test, copy_from_user(&byte, (void __user *)b, 1), 0);
	KUNIT_EXPECT_NE(test, copy_to_user((void __user *)a, &byte, 1), 0);
	KUNIT_EXPECT_FALSE(test, test_mapped(a));
	KUNIT_EXPECT_FALSE(test, test_mapped(b));
	/* The pages are intact: only userspace lost them. */
	KUNIT_EXPECT_EQ(test, test_count_bytes(sm->pages, 8, 20), 8);
	test_unmap(a, 8);
	test_unmap(b, 8);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
}

/* A plain zap refaults (see zapped_mapping_should_fault_back_in); not now. */
static void fault_after_revoke_should_not_map_again(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 2);
	struct vm_area_struct *vma;
	unsigned long addr;
	u8 byte = 1;	/* not 51, what the fill left in the second page */

	addr = test_map_shared(test, &test_scamem_fops, sm, 2);
	test_user_fill(test, addr, 2, 50);
	scamem_revoke(sm);
	/* A zap the revoke did not make, as a driver's own would be. */
	mmap_read_lock(current->mm);
	vma = vma_lookup(current->mm, addr);
	if (vma)
		zap_special_vma_range(vma, addr, 2 * PAGE_SIZE);
	mmap_read_unlock(current->mm);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	KUNIT_EXPECT_NE(test, copy_to_user((void __user *)addr + PAGE_SIZE,
					   &byte, 1), 0);
	KUNIT_EXPECT_FALSE(test, test_mapped(addr + PAGE_SIZE));
	/* The write did not reach the page. */
	KUNIT_EXPECT_EQ(test, test_count_bytes(sm->pages, 2, 50), 2);
	test_unmap(addr, 2);
	scamem_put(sm);
}

static void gup_after_revoke_should_fail(struct kunit *test)
{
	enum test_pin_kind kind = *(const enum test_pin_kind *)test->param_value;
	struct scamem *sm = test_scamem_alloc(test, 4);
	struct page *pages[4];
	unsigned long addr;

	addr = test_map_shared(test, &test_scamem_fops, sm, 4);
	scamem_revoke(sm);
	KUNIT_EXPECT_EQ(test, test_pin(kind, addr, 4, FOLL_WRITE, pages), -EFAULT);
	mmap_read_lock(current->mm);
	KUNIT_EXPECT_EQ(test, get_user_pages_remote(current->mm, addr, 4, 0,
						    pages, NULL), -EFAULT);
	mmap_read_unlock(current->mm);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 2);
	KUNIT_EXPECT_EQ(test, test_pages_touched(sm->pages, 4), 0);
	test_unmap(addr, 4);
	scamem_put(sm);
}

static void pins_taken_before_revoke_should_keep_the_pages(struct kunit *test)
{
	struct test_owner owner = { };
	struct scamem *sm = test_scamem_alloc(test, 4);
	struct page *pinned[4];
	unsigned long addr;

	scamem_set_owner(sm, &test_owner_ops, &owner);
	addr = test_map_shared(test, &test_scamem_fops, sm, 4);
	test_user_fill(test, addr, 4, 70);
	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(addr, 4, 0, pinned), 4);
	scamem_revoke(sm);
	test_unmap(addr, 4);
	scamem_put(sm);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 4);
	KUNIT_EXPECT_EQ(test, test_count_bytes(pinned, 4, 70), 4);
	KUNIT_EXPECT_EQ(test, owner.releases, 0);
	unpin_user_pages(pinned, 4);
	KUNIT_EXPECT_EQ(test, owner.releases, 1);
	scamem_flush_deferred();
}

static void mmap_after_revoke_should_fail(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 2);

	/* Never mapped before: nothing to unmap, and still no new mapping. */
	scamem_revoke(sm);
	KUNIT_EXPECT_EQ(test, test_mmap(test, &test_scamem_fops, sm, 2,
					PROT_READ, MAP_SHARED, 0), -ENODEV);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
}

/*
 * A revoke while ->mmap runs walks the rmap tree before the new VMA is in
 * it: mmap_region() must catch the VMA once it is linked.
 */
static int test_revoking_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct test_driver *drv = file->private_data;

	drv->mmap_ret = scamem_mmap(drv->sm, vma, vma->vm_pgoff);
	scamem_revoke(drv->sm);
	return drv->mmap_ret;
}

static const struct file_operations test_revoking_fops = {
	.mmap = test_revoking_mmap,
};

static void revoke_during_mmap_should_fail_the_mmap(struct kunit *test)
{
	struct test_driver drv = { };
	long addr;

	drv.sm = test_scamem_alloc(test, 4);
	addr = test_mmap(test, &test_revoking_fops, &drv, 4,
			 PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	KUNIT_EXPECT_EQ(test, drv.mmap_ret, 0);
	KUNIT_EXPECT_EQ(test, addr, -ENODEV);
	KUNIT_EXPECT_EQ(test, scamem_refcount(drv.sm), 1);
	scamem_put(drv.sm);
}

#ifdef CONFIG_HAVE_GUP_FAST
/*
 * GUP-fast, watched and disturbed through gup_fast_test_window(): called
 * with interrupts off after GUP-fast took its references, before it
 * checks that the entries and pages are unchanged.
 */
struct gup_window {
	unsigned int calls;
	unsigned long nr;		/* of the first call */
	int first_refs;			/* page refcount of its first page */
	struct scamem *sm;		/* for the hooks that change pages */
	struct page *page;
	unsigned int index;		/* of the page a hook replaces */
};

static struct gup_window *test_window(void)
{
	return kunit_get_current_test()->priv;
}

/* Returns true at the first call. */
static bool window_record(struct page **pages, unsigned long nr)
{
	struct gup_window *w = test_window();

	if (w->calls++)
		return false;
	w->nr = nr;
	w->first_refs = page_ref_count(pages[0]);
	return true;
}

static void window_watch(struct page **pages, unsigned long nr, pte_t *ptep)
{
	window_record(pages, nr);
}

/* The entry changes under GUP-fast: an mkold, as reclaim would do. */
static void window_age_entry(struct page **pages, unsigned long nr,
			     pte_t *ptep)
{
	pte_t pte = ptep_get(ptep);

	if (window_record(pages, nr))
		set_pte(ptep, pte_young(pte) ? pte_mkold(pte) : pte_mkyoung(pte));
}

/*
 * A page of the run, pages[w->index], leaves its scamem for a new one
 * while its entry is stale, as after a shrink on another CPU.  For the
 * first page, which GUP-fast holds, only its flags change, as when its
 * scamem dies: ->private stays.
 */
static void window_replace_page(struct page **pages, unsigned long nr,
				pte_t *ptep)
{
	struct gup_window *w = test_window();
	struct page *fresh = w->page;

	if (!window_record(pages, nr) || w->index >= nr)
		return;
	w->page = pages[w->index];
	set_page_private(fresh, (unsigned long)w->sm | SCAMEM_PAGE_TAG);
	fresh->flags.f |= SCAMEM_PAGE_FLAGS;
	w->sm->pages[w->index] = fresh;
	scamem_untag_page(w->page);
}

/*
 * A page mapped with a reference joins a scamem: as if it had been freed
 * and reallocated into one, and mapped again at the same address.
 */
static void window_page_joins_scamem(struct page **pages, unsigned long nr,
				     pte_t *ptep)
{
	struct gup_window *w = test_window();

	if (!window_record(pages, nr))
		return;
	w->sm->pages[0] = pages[0];
	scamem_add_pages(w->sm, 1);
}

/* A macro: kunit_activate_static_stub() type-checks the hook's name. */
#define test_watch_gup_fast(test, w, hook)				\
	do {								\
		struct kunit *__test = (test);				\
									\
		__test->priv = (w);					\
		kunit_activate_static_stub(__test, gup_fast_test_window, \
					   hook);			\
	} while (0)

enum fast_gup_kind { FAST_PIN, FAST_GET };

/*
 * A run of one entry (gup_fast_scamem_one()) and a longer one
 * (gup_fast_scamem_many()), each pinned and got; @index is the page that
 * window_replace_page() replaces.
 */
struct fast_run {
	enum fast_gup_kind how;
	unsigned int nr;
	unsigned int index;
};

static void fast_run_desc(const struct fast_run *run, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s of %u, page %u",
		 run->how == FAST_PIN ? "pin_user_pages_fast" :
		 "get_user_pages_fast", run->nr, run->index);
}

static const struct fast_run fast_runs[] = {
	{ FAST_PIN, 1, 0 }, { FAST_GET, 1, 0 },
	{ FAST_PIN, 4, 0 }, { FAST_GET, 4, 0 },
};

KUNIT_ARRAY_PARAM(fast_run, fast_runs, fast_run_desc);

/*
 * The pages a recheck must catch: for a pin every page of the run; for
 * FOLL_GET the first, which also says whether the scamem was revoked
 * (the others are page references on what the entries map, as for any
 * page).
 */
static const struct fast_run fast_rechecks[] = {
	{ FAST_PIN, 1, 0 }, { FAST_GET, 1, 0 },
	{ FAST_PIN, 4, 0 }, { FAST_GET, 4, 0 },
	{ FAST_PIN, 2, 1 },
};

KUNIT_ARRAY_PARAM(fast_recheck, fast_rechecks, fast_run_desc);

static long test_gup_fast(enum fast_gup_kind how, unsigned long addr,
			  unsigned int nr, struct page **pages)
{
	if (how == FAST_PIN)
		return pin_user_pages_fast(addr, nr, FOLL_WRITE, pages);
	return get_user_pages_fast(addr, nr, FOLL_WRITE, pages);
}

static void test_release(enum fast_gup_kind how, struct page **pages,
			 unsigned int nr)
{
	unsigned int i;

	if (how == FAST_PIN) {
		unpin_user_pages(pages, nr);
		return;
	}
	for (i = 0; i < nr; i++)
		put_page(pages[i]);
}

/* The fast path must take a short scamem run itself, not leave it. */
static void fast_gup_should_take_a_run_of_scamem_entries(struct kunit *test)
{
	const struct fast_run *run = test->param_value;
	unsigned int nr = run->nr, i;
	struct scamem *sm = test_scamem_alloc(test, nr);
	struct gup_window w = { };
	struct page *pages[4];
	unsigned long addr;

	addr = test_map_shared(test, &test_scamem_fops, sm, nr);
	test_watch_gup_fast(test, &w, window_watch);
	KUNIT_ASSERT_EQ(test, test_gup_fast(run->how, addr, nr, pages), nr);
	KUNIT_EXPECT_EQ(test, w.calls, 1);
	KUNIT_EXPECT_EQ(test, w.nr, nr);
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_PTR_EQ(test, pages[i], sm->pages[i]);
		KUNIT_EXPECT_EQ(test, page_ref_count(pages[i]),
				run->how == FAST_PIN ? 1 : 2);
	}
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm),
			run->how == FAST_PIN ? 2 + nr : 2);
	test_release(run->how, pages, nr);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 2);
	test_unmap(addr, nr);
	scamem_put(sm);
}

/*
 * The entry may be stale (munmap on another CPU, its TLB flush not waiting
 * for us): the first page must be held before its ->private is trusted.
 */
static void fast_pin_should_hold_the_page_while_it_reads_its_scamem(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 1);
	struct gup_window w = { };
	unsigned long addr;
	struct page *page;

	addr = test_map_shared(test, &test_scamem_fops, sm, 1);
	test_watch_gup_fast(test, &w, window_watch);
	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(addr, 1, FOLL_WRITE, &page), 1);
	KUNIT_EXPECT_EQ(test, w.calls, 1);
	/* The scamem's reference and GUP-fast's own. */
	KUNIT_EXPECT_EQ(test, w.first_refs, 2);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
	unpin_user_page(page);
	test_unmap(addr, 1);
	scamem_put(sm);
}

static void fast_pin_should_undo_a_run_whose_entry_changed(struct kunit *test)
{
	struct scamem *sm = test_scamem_alloc(test, 4);
	struct gup_window w = { };
	struct page *pages[4];
	unsigned long addr;

	addr = test_map_shared(test, &test_scamem_fops, sm, 4);
	test_watch_gup_fast(test, &w, window_age_entry);
	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(addr, 4, FOLL_WRITE, pages), 4);
	KUNIT_EXPECT_EQ(test, w.calls, 1);
	/* Only the slow path's pins are left. */
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 2 + 4);
	KUNIT_EXPECT_EQ(test, page_ref_count(pages[0]), 1);
	unpin_user_pages(pages, 4);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 2);
	test_unmap(addr, 4);
	scamem_put(sm);
}

/*
 * A page that leaves the scamem while GUP-fast holds the run must not be
 * taken for the scamem's: the slow path takes the scamem's page instead.
 */
static void fast_gup_should_recheck_every_page_of_its_run(struct kunit *test)
{
	const struct fast_run *run = test->param_value;
	unsigned int nr = run->nr, i;
	struct scamem *sm = test_scamem_alloc(test, nr);
	struct gup_window w = { .sm = sm, .index = run->index };
	struct page *pages[4], *fresh;
	unsigned long addr;

	fresh = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fresh);
	w.page = fresh;
	addr = test_map_shared(test, &test_scamem_fops, sm, nr);
	test_watch_gup_fast(test, &w, window_replace_page);
	KUNIT_ASSERT_EQ(test, test_gup_fast(run->how, addr, nr, pages), nr);
	KUNIT_ASSERT_PTR_NE(test, w.page, fresh);
	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_PTR_EQ(test, pages[i], sm->pages[i]);
	/* The page that left was not taken for the scamem's. */
	KUNIT_EXPECT_PTR_EQ(test, pages[run->index], fresh);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm),
			run->how == FAST_PIN ? 2 + nr : 2);
	KUNIT_EXPECT_EQ(test, page_ref_count(fresh),
			run->how == FAST_PIN ? 1 : 2);
	/* GUP-fast gave back what it took on the page that left. */
	KUNIT_EXPECT_EQ(test, page_ref_count(w.page), 1);
	if (pages[run->index] == fresh)
		test_release(run->how, pages, nr);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 2);
	test_unmap(addr, nr);
	scamem_put(sm);
	__free_page(w.page);	/* unmapped now */
}

static void fast_pin_of_a_page_that_joined_a_scamem_should_pin_the_scamem(struct kunit *test)
{
	struct gup_window w = { };
	struct page *page, *pinned;
	unsigned long addr;

	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, page);
	w.sm = scamem_create(1, GFP_KERNEL, NUMA_NO_NODE);
	if (!w.sm)
		__free_page(page);
	KUNIT_ASSERT_NOT_NULL(test, w.sm);
	/* A scamem mapped to userspace already: pages join it tagged. */
	KUNIT_ASSERT_EQ(test, scamem_tag_pages(w.sm), 0);
	addr = test_map_shared(test, &test_page_fops, page, 1);
	test_watch_gup_fast(test, &w, window_page_joins_scamem);
	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(addr, 1, FOLL_WRITE, &pinned), 1);
	KUNIT_EXPECT_EQ(test, w.calls, 1);
	KUNIT_EXPECT_PTR_EQ(test, pinned, page);
	KUNIT_ASSERT_PTR_EQ(test, page_scamem(page), w.sm);
	/* A scamem pin: the scamem's reference and the page table's only. */
	KUNIT_EXPECT_EQ(test, scamem_refcount(w.sm), 2);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 2);
	unpin_user_page(pinned);
	KUNIT_EXPECT_EQ(test, scamem_refcount(w.sm), 1);
	test_unmap(addr, 1);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
	scamem_put(w.sm);
}

/*
 * The scamem is revoked while GUP-fast holds the run, its entries not yet
 * zapped (a VMA that scamem_mmap() filled but mmap() has not linked): the
 * run is left to the slow path, which refuses it.
 */
static void window_revoke(struct page **pages, unsigned long nr, pte_t *ptep)
{
	if (window_record(pages, nr))
		WRITE_ONCE(test_window()->sm->revoked, true);
}

static void fast_gup_of_a_revoked_scamem_should_fail(struct kunit *test)
{
	const struct fast_run *run = test->param_value;
	unsigned int nr = run->nr, i;
	struct scamem *sm = test_scamem_alloc(test, nr);
	struct gup_window w = { .sm = sm };
	struct page *pages[4];
	unsigned long addr;

	addr = test_map_shared(test, &test_scamem_fops, sm, nr);
	test_watch_gup_fast(test, &w, window_revoke);
	KUNIT_EXPECT_EQ(test, test_gup_fast(run->how, addr, nr, pages),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, w.calls, 1);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 2);
	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_EQ(test, page_ref_count(sm->pages[i]), 1);
	test_unmap(addr, nr);
	scamem_put(sm);
}
#endif /* CONFIG_HAVE_GUP_FAST */

static struct kunit_case scamem_user_test_cases[] = {
	KUNIT_CASE(scamem_mmap_should_hold_one_reference_per_vma),
	KUNIT_CASE(scamem_mmap_should_not_touch_page_refcounts),
	KUNIT_CASE(scamem_mmap_at_an_offset_should_map_from_that_page),
	KUNIT_CASE(zapped_mapping_should_fault_back_in),
	KUNIT_CASE_PARAM(scamem_mmap_out_of_bounds_should_fail,
			 refused_mmap_gen_params),
	KUNIT_CASE(scamem_mmap_of_borrowed_pages_should_fail),
	KUNIT_CASE_PARAM(pin_should_take_scamem_references_not_page_ones,
			 pin_kind_gen_params),
	KUNIT_CASE(unpin_of_mixed_runs_should_drop_what_each_pin_took),
	KUNIT_CASE(fast_pin_across_two_scamems_should_pin_each),
	KUNIT_CASE(pinned_pages_should_outlive_owner_and_mapping),
	KUNIT_CASE(pinned_vmalloc_buffer_should_outlive_vfree),
	KUNIT_CASE(get_user_pages_should_take_page_references),
	KUNIT_CASE(write_pin_of_a_read_only_mapping_should_fail),
	KUNIT_CASE(pin_through_a_legacy_mapping_should_pin_the_scamem),
	KUNIT_CASE(pin_of_a_dying_scamem_should_pin_the_page_itself),
	KUNIT_CASE(gup_of_an_unaligned_address_should_take_its_page),
	KUNIT_CASE(pin_of_a_remap_pfn_range_mapping_should_fail),
	KUNIT_CASE_PARAM(pin_at_the_pin_limit_should_fail_cleanly,
			 pin_kind_gen_params),
	KUNIT_CASE_PARAM(pin_through_a_legacy_mapping_at_the_limit_should_fail_cleanly,
			 full_count_gen_params),
	KUNIT_CASE(pin_up_to_a_full_scamem_should_return_the_pages_before),
	KUNIT_CASE(pins_through_legacy_then_scamem_mapping_should_count_once),
	KUNIT_CASE(pin_across_a_scamem_vma_should_pin_each_side_its_way),
	KUNIT_CASE(vma_split_at_the_pin_limit_should_not_saturate),
	KUNIT_CASE(scamem_mmap_that_cannot_populate_should_fail_cleanly),
	KUNIT_CASE(remap_vmalloc_range_should_map_page_by_page),
	KUNIT_CASE(remap_vmalloc_scamem_of_pages_pinned_as_pages_should_fail),
	KUNIT_CASE(remap_vmalloc_scamem_should_map_the_scamem),
	KUNIT_CASE(remap_vmalloc_scamem_of_other_memory_should_fail),
	KUNIT_CASE_PARAM(scamem_mmap_of_a_special_vma_should_fail,
			 refused_flags_gen_params),
	KUNIT_CASE(scamem_mmap_of_a_linked_vma_should_warn_and_fail),
	KUNIT_CASE(taken_over_vma_should_fail_the_mmap),
	KUNIT_CASE(replaced_private_data_should_fail_the_mmap),
	KUNIT_CASE(mmap_that_fails_after_scamem_mmap_should_not_leak),
	KUNIT_CASE(revoke_should_unmap_every_vma),
	KUNIT_CASE(fault_after_revoke_should_not_map_again),
	KUNIT_CASE_PARAM(gup_after_revoke_should_fail, pin_kind_gen_params),
	KUNIT_CASE(pins_taken_before_revoke_should_keep_the_pages),
	KUNIT_CASE(mmap_after_revoke_should_fail),
	KUNIT_CASE(revoke_during_mmap_should_fail_the_mmap),
#ifdef CONFIG_HAVE_GUP_FAST
	KUNIT_CASE_PARAM(fast_gup_should_take_a_run_of_scamem_entries,
			 fast_run_gen_params),
	KUNIT_CASE(fast_pin_should_hold_the_page_while_it_reads_its_scamem),
	KUNIT_CASE(fast_pin_should_undo_a_run_whose_entry_changed),
	KUNIT_CASE_PARAM(fast_gup_should_recheck_every_page_of_its_run,
			 fast_recheck_gen_params),
	KUNIT_CASE(fast_pin_of_a_page_that_joined_a_scamem_should_pin_the_scamem),
	KUNIT_CASE_PARAM(fast_gup_of_a_revoked_scamem_should_fail,
			 fast_run_gen_params),
#endif
	{}
};

static struct kunit_suite scamem_user_test_suite = {
	.name = "scamem_user",
	.test_cases = scamem_user_test_cases,
};

kunit_test_suites(&scamem_test_suite, &scamem_user_test_suite);

MODULE_DESCRIPTION("KUnit tests for scamem");
MODULE_LICENSE("GPL");
