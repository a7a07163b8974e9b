// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for pageable scamem: shmem-backed objects pinned, dirtied,
 * mapped and read by byte range.
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/scamem.h>
#include <linux/shmem_fs.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/vmstat.h>

#include "../../mm/scamem_internal.h"

#define SIZE_PAGES	8
#define OBJ_SIZE	(SIZE_PAGES * PAGE_SIZE)

/* A pageable scamem of @size bytes, or the end of the test. */
static struct scamem *test_pageable(struct kunit *test, loff_t size)
{
	struct scamem *sm = scamem_create_pageable(size, NUMA_NO_NODE);

	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(sm));
	return sm;
}

/* Write @len bytes of @buf at @pos with scamem_write_iter(). */
static void test_write(struct kunit *test, struct scamem *sm, loff_t pos,
		       const void *buf, size_t len)
{
	struct kvec kvec = { .iov_base = (void *)buf, .iov_len = len };
	struct iov_iter iter;

	iov_iter_kvec(&iter, ITER_SOURCE, &kvec, 1, len);
	KUNIT_ASSERT_EQ(test, scamem_write_iter(sm, pos, &iter), (ssize_t)len);
}

/* Read @len bytes at @pos with scamem_read_iter(); returns its result. */
static ssize_t test_read(struct scamem *sm, loff_t pos, void *buf, size_t len)
{
	struct kvec kvec = { .iov_base = buf, .iov_len = len };
	struct iov_iter iter;

	iov_iter_kvec(&iter, ITER_DEST, &kvec, 1, len);
	return scamem_read_iter(sm, pos, &iter);
}

/* Fill the object with the byte pattern of its offsets, through writes. */
static void test_fill(struct kunit *test, struct scamem *sm, size_t size)
{
	u8 *buf = kunit_kmalloc(test, size, GFP_KERNEL);
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < size; i++)
		buf[i] = i * 7 + (i >> PAGE_SHIFT);
	test_write(test, sm, 0, buf, size);
}

static u8 test_pattern(loff_t pos)
{
	return pos * 7 + (pos >> PAGE_SHIFT);
}

/* Whether page @index is in the page array, that is pinned. */
static bool test_page_pinned(const struct scamem *sm, unsigned int index)
{
	return READ_ONCE(sm->pages[index]);
}

static void create_of_a_bad_size_should_fail(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, PTR_ERR(scamem_create_pageable(0, NUMA_NO_NODE)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(scamem_create_pageable(-1, NUMA_NO_NODE)),
			-EINVAL);
}

static void create_on_a_node_without_memory_should_fail(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, PTR_ERR(scamem_create_pageable(OBJ_SIZE,
							     MAX_NUMNODES)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(scamem_create_pageable(OBJ_SIZE, -2)),
			-EINVAL);
}

/*
 * The pages of an object created for a node come from that node, pinned
 * or written, whichever CPU the task runs on: the node asked for is not
 * the local one, where they would come from otherwise.
 */
static void pages_should_come_from_the_node_asked_for(struct kunit *test)
{
	int nid, target = NUMA_NO_NODE;
	struct scamem *sm;
	unsigned int i;

	for_each_node_state(nid, N_MEMORY)
		if (nid != numa_node_id())
			target = nid;
	if (target == NUMA_NO_NODE)
		kunit_skip(test, "needs a second node with memory");
	sm = scamem_create_pageable(OBJ_SIZE, target);
	KUNIT_ASSERT_FALSE(test, IS_ERR(sm));
	test_write(test, sm, 0, "x", 1);	/* page 0 by a write */
	KUNIT_ASSERT_EQ(test, scamem_pin_range(sm, 0, OBJ_SIZE), 0);
	for (i = 0; i < SIZE_PAGES; i++)
		KUNIT_EXPECT_EQ(test, page_to_nid(sm->pages[i]), target);
	scamem_unpin_range(sm, 0, OBJ_SIZE);
	scamem_put(sm);
}

/* Nothing is resident until pinned or written; a put frees it all. */
static void new_object_should_have_no_pages(struct kunit *test)
{
	struct scamem *sm = test_pageable(test, OBJ_SIZE);
	unsigned int i;

	KUNIT_EXPECT_TRUE(test, scamem_is_pageable(sm));
	KUNIT_EXPECT_EQ(test, scamem_nr_pages(sm), SIZE_PAGES);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	for (i = 0; i < SIZE_PAGES; i++)
		KUNIT_EXPECT_FALSE(test, test_page_pinned(sm, i));
	KUNIT_EXPECT_EQ(test, sm->pageable->file->f_mapping->nrpages, 0);
	scamem_put(sm);
}

/* Pages 1-3 of a range from inside page 1 to inside page 3. */
static void pin_should_round_out_and_count_each_page(struct kunit *test)
{
	struct scamem *sm = test_pageable(test, OBJ_SIZE);
	struct folio *folio;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, scamem_pin_range(sm, PAGE_SIZE + 100,
					       3 * PAGE_SIZE + 1), 0);
	for (i = 0; i < SIZE_PAGES; i++)
		KUNIT_EXPECT_EQ(test, test_page_pinned(sm, i), i >= 1 && i <= 3);
	/* One reference on the scamem per page pinned. */
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1 + 3);
	/* A DMA pin on each: reclaim and migration keep off. */
	folio = page_folio(scamem_pinned_page(sm, 2 * PAGE_SIZE));
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(folio));
	KUNIT_EXPECT_PTR_EQ(test, folio->mapping, sm->pageable->file->f_mapping);

	folio_get(folio);
	scamem_unpin_range(sm, PAGE_SIZE + 100, 3 * PAGE_SIZE + 1);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
	folio_put(folio);
	for (i = 0; i < SIZE_PAGES; i++)
		KUNIT_EXPECT_FALSE(test, test_page_pinned(sm, i));
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
}

/* [0, 2) and [1, 3) in pages: page 1 is pinned twice, and unpinned twice. */
static void overlapping_pins_should_nest(struct kunit *test)
{
	struct scamem *sm = test_pageable(test, OBJ_SIZE);

	KUNIT_ASSERT_EQ(test, scamem_pin_range(sm, 0, 2 * PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, scamem_pin_range(sm, PAGE_SIZE, 3 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, sm->pageable->pins[1], 2);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1 + 4);

	scamem_unpin_range(sm, 0, 2 * PAGE_SIZE);
	KUNIT_EXPECT_FALSE(test, test_page_pinned(sm, 0));
	KUNIT_EXPECT_TRUE(test, test_page_pinned(sm, 1));
	KUNIT_EXPECT_TRUE(test, test_page_pinned(sm, 2));
	KUNIT_EXPECT_EQ(test, sm->pageable->pins[1], 1);

	scamem_unpin_range(sm, PAGE_SIZE, 3 * PAGE_SIZE);
	KUNIT_EXPECT_FALSE(test, test_page_pinned(sm, 1));
	KUNIT_EXPECT_EQ(test, sm->pageable->nr_pinned, 0);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
}

struct bad_range {
	const char *name;
	loff_t start, end;
};

static const struct bad_range bad_ranges[] = {
	{ "negative start", -1, PAGE_SIZE },
	{ "empty", PAGE_SIZE, PAGE_SIZE },
	{ "end before start", 2 * PAGE_SIZE, PAGE_SIZE },
	{ "past the end", 0, OBJ_SIZE + 1 },
	{ "wholly after the end", OBJ_SIZE, OBJ_SIZE + PAGE_SIZE },
};

KUNIT_ARRAY_PARAM_DESC(bad_ranges, bad_ranges, name);

static void pin_of_a_bad_range_should_fail(struct kunit *test)
{
	const struct bad_range *range = test->param_value;
	struct scamem *sm = test_pageable(test, OBJ_SIZE);
	unsigned int i;

	KUNIT_EXPECT_EQ(test, scamem_pin_range(sm, range->start, range->end),
			-EINVAL);
	KUNIT_EXPECT_TRUE(test, IS_ERR(scamem_vmap_range(sm, range->start,
							 range->end)));
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	for (i = 0; i < SIZE_PAGES; i++)
		KUNIT_EXPECT_FALSE(test, test_page_pinned(sm, i));
	scamem_put(sm);
}

/* The page at which scamem_pageable_read_folio() fails, for the stub. */
static pgoff_t fail_at;
static const unsigned int fail_pages[] = { 0, 2, 3 };

static void fail_page_to_desc(const unsigned int *page, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "fails at page %u", *page);
}

KUNIT_ARRAY_PARAM(fail_pages, fail_pages, fail_page_to_desc);

/* scamem_pageable_read_folio(), failing at page @fail_at. */
static struct folio *read_folio_or_fail(struct scamem *sm, pgoff_t index)
{
	struct address_space *mapping = sm->pageable->file->f_mapping;

	if (index == fail_at)
		return ERR_PTR(-ENOMEM);
	return shmem_read_folio_gfp(mapping, index, mapping_gfp_mask(mapping));
}

/*
 * Pin pages [0, 4) with the read of page k failing, while page 1 has a
 * pin of its own from before: afterwards only that one is pinned, once.
 */
static void failure_at_page_k_should_leave_nothing_pinned(struct kunit *test)
{
	struct scamem *sm = test_pageable(test, OBJ_SIZE);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, scamem_pin_range(sm, PAGE_SIZE, 2 * PAGE_SIZE), 0);
	fail_at = *(const unsigned int *)test->param_value;
	kunit_activate_static_stub(test, scamem_pageable_read_folio,
				   read_folio_or_fail);
	KUNIT_EXPECT_EQ(test, scamem_pin_range(sm, 0, 4 * PAGE_SIZE), -ENOMEM);
	kunit_deactivate_static_stub(test, scamem_pageable_read_folio);

	for (i = 0; i < SIZE_PAGES; i++)
		KUNIT_EXPECT_EQ(test, test_page_pinned(sm, i), i == 1);
	KUNIT_EXPECT_EQ(test, sm->pageable->pins[1], 1);
	KUNIT_EXPECT_EQ(test, sm->pageable->nr_pinned, 1);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1 + 1);
	scamem_unpin_range(sm, PAGE_SIZE, 2 * PAGE_SIZE);
	scamem_put(sm);
}

/* The folio of page @index in the page cache, with a reference, or NULL. */
static struct folio *test_cache_folio(struct scamem *sm, unsigned int index)
{
	struct folio *folio;

	folio = filemap_get_folio(sm->pageable->file->f_mapping, index);
	return IS_ERR(folio) ? NULL : folio;
}

/* The references on page @index, less the lookup's own; -1 for a hole. */
static int test_cache_refs(struct scamem *sm, unsigned int index)
{
	struct folio *folio = test_cache_folio(sm, index);
	int refs;

	if (!folio)
		return -1;
	refs = folio_ref_count(folio) - 1;
	folio_put(folio);
	return refs;
}

/*
 * A pin takes the pages that are resident and up to date in batches from
 * the page cache, and the others one by one through shmem: either way a
 * page gets one pin, and a failure undoes both kinds.
 */
struct resident_pin {
	const char *name;
	u8 resident;		/* bit i: page i is in memory before the pin */
	pgoff_t fail_at;	/* the read through shmem that fails, or -1 */
	int err;
};

static const struct resident_pin resident_pins[] = {
	{ "all resident", 0xff, -1, 0 },
	/* No read of shmem for a resident page: a failing one is not reached. */
	{ "all resident, read of page 3 failing", 0xff, 3, 0 },
	{ "holes in the middle", 0xe7, -1, 0 },
	{ "holes at both ends", 0x3c, -1, 0 },
	{ "resident, then a failing hole", 0x03, 2, -ENOMEM },
	{ "a failing hole, then resident", 0xfe, 0, -ENOMEM },
	{ "resident, holes, a failing hole", 0x0b, 4, -ENOMEM },
};

KUNIT_ARRAY_PARAM_DESC(resident_pins, resident_pins, name);

static void pin_of_resident_pages_should_take_one_pin_each(struct kunit *test)
{
	const struct resident_pin *pin = test->param_value;
	struct scamem *sm = test_pageable(test, OBJ_SIZE);
	int before[SIZE_PAGES];
	unsigned int i;
	int err;

	for (i = 0; i < SIZE_PAGES; i++)
		if (pin->resident & BIT(i))
			test_write(test, sm, i * PAGE_SIZE, "x", 1);
	lru_add_drain_all();	/* no reference left in a CPU's LRU batch */
	for (i = 0; i < SIZE_PAGES; i++)
		before[i] = test_cache_refs(sm, i);

	fail_at = pin->fail_at;
	kunit_activate_static_stub(test, scamem_pageable_read_folio,
				   read_folio_or_fail);
	err = scamem_pin_range(sm, 0, OBJ_SIZE);
	kunit_deactivate_static_stub(test, scamem_pageable_read_folio);
	KUNIT_ASSERT_EQ(test, err, pin->err);
	lru_add_drain_all();

	for (i = 0; !err && i < SIZE_PAGES; i++) {
		struct folio *folio = test_cache_folio(sm, i);

		KUNIT_ASSERT_NOT_NULL(test, folio);
		KUNIT_EXPECT_PTR_EQ(test, sm->pages[i], &folio->page);
		KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(folio));
		folio_put(folio);
		if (before[i] >= 0)
			KUNIT_EXPECT_EQ(test, test_cache_refs(sm, i),
					before[i] + GUP_PIN_COUNTING_BIAS);
	}
	if (!err) {
		KUNIT_EXPECT_EQ(test, sm->pageable->nr_pinned, SIZE_PAGES);
		KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1 + SIZE_PAGES);
		scamem_unpin_range(sm, 0, OBJ_SIZE);
	}

	/* Unpinned or failed: every count is back where it was. */
	lru_add_drain_all();	/* and none in a batch of folios to activate */
	for (i = 0; i < SIZE_PAGES; i++) {
		KUNIT_EXPECT_FALSE(test, test_page_pinned(sm, i));
		KUNIT_EXPECT_EQ(test, sm->pageable->pins[i], 0);
		if (before[i] >= 0)
			KUNIT_EXPECT_EQ(test, test_cache_refs(sm, i), before[i]);
	}
	KUNIT_EXPECT_EQ(test, sm->pageable->nr_pinned, 0);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
}

/*
 * The pins of a range are references, bounded by SCAMEM_PIN_LIMIT: past
 * it, pinning fails cleanly rather than wrapping a count.
 */
static void pin_past_the_limit_should_fail(struct kunit *test)
{
	struct scamem *sm = test_pageable(test, OBJ_SIZE);
	int room = 3;

	refcount_add(SCAMEM_PIN_LIMIT - 1 - room, &sm->refcount);
	KUNIT_EXPECT_EQ(test, scamem_pin_range(sm, 0, 4 * PAGE_SIZE), -ENOMEM);
	KUNIT_EXPECT_FALSE(test, test_page_pinned(sm, 0));
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), SCAMEM_PIN_LIMIT - room);
	KUNIT_EXPECT_EQ(test, scamem_pin_range(sm, 0, 3 * PAGE_SIZE), 0);
	scamem_unpin_range(sm, 0, 3 * PAGE_SIZE);
	KUNIT_EXPECT_FALSE(test, refcount_sub_and_test(SCAMEM_PIN_LIMIT - 1 - room,
						       &sm->refcount));
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
}

/* A caller bug: it warns, and no count goes below zero. */
static void unpin_of_a_range_never_pinned_should_warn(struct kunit *test)
{
	struct scamem *sm = test_pageable(test, OBJ_SIZE);

	KUNIT_ASSERT_EQ(test, scamem_pin_range(sm, 0, PAGE_SIZE), 0);
	/* Page 0 is pinned, page 1 is not: nothing is unpinned. */
	scamem_unpin_range(sm, 0, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, sm->pageable->pins[0], 1);
	KUNIT_EXPECT_EQ(test, sm->pageable->pins[1], 0);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1 + 1);
	scamem_unpin_range(sm, 0, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
}

/* The pointer is at the byte asked for, and every byte is the object's. */
static void vmap_of_an_unaligned_range_should_point_at_its_first_byte(struct kunit *test)
{
	const loff_t start = PAGE_SIZE + 123, end = 4 * PAGE_SIZE - 5;
	struct scamem *sm = test_pageable(test, OBJ_SIZE);
	loff_t pos;
	u8 *addr;

	test_fill(test, sm, OBJ_SIZE);
	addr = scamem_vmap_range(sm, start, end);
	KUNIT_ASSERT_FALSE(test, IS_ERR(addr));
	KUNIT_EXPECT_EQ(test, offset_in_page(addr), offset_in_page(start));
	for (pos = start; pos < end; pos++)
		if (addr[pos - start] != test_pattern(pos))
			break;
	KUNIT_EXPECT_EQ(test, pos, end);
	/* The mapping's own pins: pages 1 to 3. */
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1 + 3);
	scamem_vunmap_range(sm, addr);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	KUNIT_EXPECT_FALSE(test, test_page_pinned(sm, 1));
	scamem_put(sm);
}

/*
 * An object whose size is not a whole number of pages, mapped to its
 * last byte (big_key's shape): the unmap drops every pin it took.
 */
static void vunmap_to_the_end_of_an_unaligned_object_should_unpin(struct kunit *test)
{
	const loff_t size = 3 * PAGE_SIZE - 10;
	struct scamem *sm = test_pageable(test, size);
	u8 *addr;

	addr = scamem_vmap_range(sm, 0, size);
	KUNIT_ASSERT_FALSE(test, IS_ERR(addr));
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1 + 3);
	scamem_vunmap_range(sm, addr);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	KUNIT_EXPECT_EQ(test, sm->pageable->nr_pinned, 0);
	scamem_put(sm);
}

/* Written through a vmap, marked dirty, unpinned, pinned again: intact. */
static void dirty_then_unpin_then_pin_should_keep_the_data(struct kunit *test)
{
	struct scamem *sm = test_pageable(test, OBJ_SIZE);
	u8 *addr, byte = 0;
	loff_t pos;

	addr = scamem_vmap_range(sm, 0, OBJ_SIZE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(addr));
	for (pos = 0; pos < OBJ_SIZE; pos++)
		addr[pos] = test_pattern(pos);
	scamem_dirty_range(sm, 0, OBJ_SIZE);
	KUNIT_EXPECT_TRUE(test, folio_test_dirty(page_folio(scamem_pinned_page(sm, 0))));
	scamem_vunmap_range(sm, addr);
	KUNIT_EXPECT_EQ(test, sm->pageable->nr_pinned, 0);

	KUNIT_ASSERT_EQ(test, scamem_pin_range(sm, 0, OBJ_SIZE), 0);
	for (pos = 0; pos < OBJ_SIZE; pos += PAGE_SIZE / 2 + 1) {
		memcpy_from_page(&byte, scamem_pinned_page(sm, pos),
				 offset_in_page(pos), 1);
		if (byte != test_pattern(pos))
			break;
	}
	KUNIT_EXPECT_GE(test, pos, (loff_t)OBJ_SIZE);
	scamem_unpin_range(sm, 0, OBJ_SIZE);
	scamem_put(sm);
}

/* Read and write need no pin; reads stop at the end of the object. */
static void read_and_write_should_round_trip(struct kunit *test)
{
	const loff_t size = 3 * PAGE_SIZE - 10;
	struct scamem *sm = test_pageable(test, size);
	u8 *buf = kunit_kzalloc(test, size + 64, GFP_KERNEL);
	loff_t pos;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	test_fill(test, sm, size);
	KUNIT_EXPECT_EQ(test, test_read(sm, 0, buf, size + 64), (ssize_t)size);
	for (pos = 0; pos < size; pos++)
		if (buf[pos] != test_pattern(pos))
			break;
	KUNIT_EXPECT_EQ(test, pos, size);
	KUNIT_EXPECT_EQ(test, test_read(sm, size, buf, 1), 0);
	KUNIT_EXPECT_EQ(test, test_read(sm, size + 1, buf, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, test_read(sm, -1, buf, 1), -EINVAL);
	/* Nothing was pinned to do it. */
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
}

/* A write into pages never written leaves zeros around what it wrote. */
struct partial_write {
	const char *name;
	loff_t pos;
	size_t len;
};

#define PARTIAL_SIZE	(3 * PAGE_SIZE - 10)

static const struct partial_write partial_writes[] = {
	{ "inside a page", 100, 10 },
	{ "across a page boundary", PAGE_SIZE - 5, 10 },
	{ "a whole page", PAGE_SIZE, PAGE_SIZE },
	{ "the last bytes", PARTIAL_SIZE - 3, 3 },
};

KUNIT_ARRAY_PARAM_DESC(partial_writes, partial_writes, name);

static void write_into_a_hole_should_leave_zeros_around(struct kunit *test)
{
	const struct partial_write *w = test->param_value;
	struct scamem *sm = test_pageable(test, PARTIAL_SIZE);
	u8 *buf = kunit_kmalloc(test, PARTIAL_SIZE, GFP_KERNEL);
	loff_t pos;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(buf, 0xa5, w->len);
	test_write(test, sm, w->pos, buf, w->len);
	memset(buf, 0x11, PARTIAL_SIZE);
	KUNIT_ASSERT_EQ(test, test_read(sm, 0, buf, PARTIAL_SIZE),
			(ssize_t)PARTIAL_SIZE);
	for (pos = 0; pos < PARTIAL_SIZE; pos++) {
		bool written = pos >= w->pos && pos < w->pos + w->len;

		if (buf[pos] != (written ? 0xa5 : 0))
			break;
	}
	KUNIT_EXPECT_EQ(test, pos, PARTIAL_SIZE);
	scamem_put(sm);
}

/*
 * A write from user memory that faults part way copies up to the fault
 * and returns how much it copied; the rest of the page it was writing
 * reads as zeros.
 */
static void write_from_a_faulting_buffer_should_stop_short(struct kunit *test)
{
	struct scamem *sm = test_pageable(test, OBJ_SIZE);
	const size_t first = PAGE_SIZE - 100;	/* to the end of page 0 */
	u8 *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	struct iov_iter iter;
	unsigned long addr;
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	addr = kunit_vm_mmap(test, NULL, 0, 2 * PAGE_SIZE,
			     PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0);
	KUNIT_ASSERT_NE(test, addr, 0);
	KUNIT_ASSERT_EQ(test, vm_munmap(addr + PAGE_SIZE, PAGE_SIZE), 0);
	memset(buf, 0x3c, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)addr, buf, PAGE_SIZE),
			0);

	/* 2 pages from byte 100: page 0's rest, then 100 bytes of page 1. */
	iov_iter_ubuf(&iter, ITER_SOURCE, (void __user *)addr, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, scamem_write_iter(sm, 100, &iter),
			(ssize_t)(first + 100));
	KUNIT_ASSERT_EQ(test, test_read(sm, PAGE_SIZE, buf, PAGE_SIZE),
			(ssize_t)PAGE_SIZE);
	for (i = 0; i < PAGE_SIZE; i++)
		if (buf[i] != (i < 100 ? 0x3c : 0))
			break;
	KUNIT_EXPECT_EQ(test, i, PAGE_SIZE);
	scamem_put(sm);
}

/* scamem_pageable_write_folio(), failing at page @fail_at. */
static int write_folio_or_fail(struct scamem *sm, pgoff_t index, loff_t end,
			       struct folio **foliop)
{
	if (index == fail_at)
		return -ENOSPC;
	return shmem_get_folio(file_inode(sm->pageable->file), index, end,
			       foliop, SGP_WRITE);
}

/*
 * A write that cannot get page k returns what it wrote before it, or the
 * error if that is nothing; the pages from k on stay holes.
 */
static void write_failing_at_page_k_should_stop_there(struct kunit *test)
{
	struct scamem *sm = test_pageable(test, OBJ_SIZE);
	const size_t size = 4 * PAGE_SIZE;
	u8 *buf = kunit_kmalloc(test, size, GFP_KERNEL);
	struct kvec kvec = { .iov_base = buf, .iov_len = size };
	struct iov_iter iter;
	ssize_t expected;
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(buf, 0xa5, size);
	fail_at = *(const unsigned int *)test->param_value;
	expected = fail_at ? fail_at * PAGE_SIZE : -ENOSPC;
	iov_iter_kvec(&iter, ITER_SOURCE, &kvec, 1, size);
	kunit_activate_static_stub(test, scamem_pageable_write_folio,
				   write_folio_or_fail);
	KUNIT_EXPECT_EQ(test, scamem_write_iter(sm, 0, &iter), expected);
	kunit_deactivate_static_stub(test, scamem_pageable_write_folio);

	KUNIT_ASSERT_EQ(test, test_read(sm, 0, buf, size), (ssize_t)size);
	for (i = 0; i < size; i++)
		if (buf[i] != (i < fail_at * PAGE_SIZE ? 0xa5 : 0))
			break;
	KUNIT_EXPECT_EQ(test, i, size);
	scamem_put(sm);
}

static void purge_while_pinned_should_be_busy(struct kunit *test)
{
	struct scamem *sm = test_pageable(test, OBJ_SIZE);
	u8 byte;

	test_fill(test, sm, OBJ_SIZE);
	KUNIT_ASSERT_EQ(test, scamem_pin_range(sm, OBJ_SIZE - 1, OBJ_SIZE), 0);
	KUNIT_EXPECT_EQ(test, scamem_purge(sm), -EBUSY);
	KUNIT_EXPECT_EQ(test, test_read(sm, 5, &byte, 1), 1);
	KUNIT_EXPECT_EQ(test, byte, test_pattern(5));
	scamem_unpin_range(sm, OBJ_SIZE - 1, OBJ_SIZE);
	scamem_put(sm);
}

/* Purged, the contents read as zeros, and no page stays behind. */
static void purge_should_drop_the_contents(struct kunit *test)
{
	struct scamem *sm = test_pageable(test, OBJ_SIZE);
	u8 byte = 0xff;

	test_fill(test, sm, OBJ_SIZE);
	KUNIT_EXPECT_EQ(test, sm->pageable->file->f_mapping->nrpages,
			SIZE_PAGES);
	KUNIT_EXPECT_EQ(test, scamem_purge(sm), 0);
	KUNIT_EXPECT_EQ(test, sm->pageable->file->f_mapping->nrpages, 0);
	KUNIT_EXPECT_EQ(test, test_read(sm, 5, &byte, 1), 1);
	KUNIT_EXPECT_EQ(test, byte, 0);
	scamem_put(sm);
}

/*
 * The object's shmem pages in the system: per-cpu counter deltas may hide
 * up to this many.
 */
#define SHMEM_SLACK	64

static long shmem_pages(void)
{
	return global_node_page_state(NR_SHMEM);
}

/* The last put gives back every page, including those of a failed pin. */
static void put_should_free_every_page(struct kunit *test)
{
	const unsigned int nr = 1024;
	struct scamem *sm;
	long before;

	flush_delayed_fput();	/* the files of the tests before go first */
	before = shmem_pages();
	sm = test_pageable(test, nr * PAGE_SIZE);

	fail_at = nr / 2;
	kunit_activate_static_stub(test, scamem_pageable_read_folio,
				   read_folio_or_fail);
	KUNIT_EXPECT_EQ(test, scamem_pin_range(sm, 0, nr * PAGE_SIZE), -ENOMEM);
	kunit_deactivate_static_stub(test, scamem_pageable_read_folio);
	/* What was read in before the failure stays, as the contents. */
	KUNIT_EXPECT_GE(test, shmem_pages() - before, (long)nr / 2 - SHMEM_SLACK);
	KUNIT_ASSERT_EQ(test, scamem_pin_range(sm, 0, nr * PAGE_SIZE), 0);
	scamem_unpin_range(sm, 0, nr * PAGE_SIZE);
	KUNIT_EXPECT_GE(test, shmem_pages() - before, (long)nr - SHMEM_SLACK);

	scamem_put(sm);
	flush_delayed_fput();	/* a kthread's last fput is deferred */
	KUNIT_EXPECT_LE(test, shmem_pages() - before, (long)SHMEM_SLACK);
}

static void test_release_mark(struct scamem *sm)
{
	*(bool *)sm->private = true;
}

static const struct scamem_ops test_release_ops = {
	.release = test_release_mark,
};

/* The mapping keeps the object: the owner's put does not free it. */
static void put_while_vmapped_should_keep_the_object(struct kunit *test)
{
	struct scamem *sm = test_pageable(test, OBJ_SIZE);
	bool released = false;
	u8 *addr;

	scamem_set_owner(sm, &test_release_ops, &released);
	test_fill(test, sm, OBJ_SIZE);
	addr = scamem_vmap_range(sm, 10, 2 * PAGE_SIZE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(addr));
	scamem_put(sm);
	KUNIT_EXPECT_FALSE(test, released);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 2);
	KUNIT_EXPECT_EQ(test, addr[PAGE_SIZE], test_pattern(PAGE_SIZE + 10));
	KUNIT_EXPECT_EQ(test, scamem_purge(sm), -EBUSY);
	scamem_vunmap_range(sm, addr);
	KUNIT_EXPECT_TRUE(test, released);
}

/* A write-back with nothing to write, or without swap: no error, no loss. */
static void writeback_should_keep_pinned_pages(struct kunit *test)
{
	struct scamem *sm = test_pageable(test, OBJ_SIZE);
	u8 byte;

	test_fill(test, sm, OBJ_SIZE);
	KUNIT_ASSERT_EQ(test, scamem_pin_range(sm, 0, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, scamem_writeback_range(sm, 0, OBJ_SIZE), 0);
	KUNIT_EXPECT_EQ(test, scamem_writeback_range(sm, 0, OBJ_SIZE + 1),
			-EINVAL);
	KUNIT_EXPECT_TRUE(test, test_page_pinned(sm, 0));
	KUNIT_EXPECT_EQ(test, test_read(sm, OBJ_SIZE - 1, &byte, 1), 1);
	KUNIT_EXPECT_EQ(test, byte, test_pattern(OBJ_SIZE - 1));
	scamem_unpin_range(sm, 0, PAGE_SIZE);
	scamem_put(sm);
}

static int test_pageable_mmap(struct file *file, struct vm_area_struct *vma)
{
	return scamem_mmap(file->private_data, vma, vma->vm_pgoff);
}

static const struct file_operations test_pageable_fops = {
	.mmap = test_pageable_mmap,
};

/* mmap() @nr pages from @pgoff of @sm; returns the address or -errno. */
static long test_mmap(struct kunit *test, struct scamem *sm, unsigned int nr,
		      unsigned long flags, unsigned long pgoff)
{
	struct file *file;
	long addr;

	KUNIT_ASSERT_EQ(test, kunit_attach_mm(), 0);
	file = anon_inode_getfile("scamem-test", &test_pageable_fops, sm,
				  O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	addr = vm_mmap(file, 0, (unsigned long)nr << PAGE_SHIFT,
		       PROT_READ | PROT_WRITE, flags, pgoff << PAGE_SHIFT);
	fput(file);
	return addr;
}

/*
 * An ordinary shared mapping of the object's pages: what userspace
 * writes, the kernel reads; GUP pins pages, not the scamem.
 */
static void mmap_should_share_the_pages(struct kunit *test)
{
	struct scamem *sm = test_pageable(test, OBJ_SIZE);
	struct page *page;
	long addr;
	u8 byte = 0;

	addr = test_mmap(test, sm, 2, MAP_SHARED, 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_EXPECT_EQ(test, put_user((u8)0x5a, (u8 __user *)addr + 7), 0);
	KUNIT_EXPECT_EQ(test, test_read(sm, PAGE_SIZE + 7, &byte, 1), 1);
	KUNIT_EXPECT_EQ(test, byte, 0x5a);

	KUNIT_ASSERT_EQ(test, pin_user_pages_fast(addr, 1, FOLL_WRITE, &page), 1);
	KUNIT_EXPECT_PTR_EQ(test, page->mapping, sm->pageable->file->f_mapping);
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(page_folio(page)));
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	unpin_user_page(page);
	vm_munmap(addr, 2 * PAGE_SIZE);
	scamem_put(sm);
}

struct bad_mmap {
	const char *name;
	unsigned int nr;
	unsigned long flags, pgoff;
};

static const struct bad_mmap bad_mmaps[] = {
	{ "private", 1, MAP_PRIVATE, 0 },
	{ "past the end", 2, MAP_SHARED, SIZE_PAGES - 1 },
	{ "offset past the end", 1, MAP_SHARED, SIZE_PAGES },
};

KUNIT_ARRAY_PARAM_DESC(bad_mmaps, bad_mmaps, name);

static void mmap_of_a_bad_vma_should_fail(struct kunit *test)
{
	const struct bad_mmap *bad = test->param_value;
	struct scamem *sm = test_pageable(test, OBJ_SIZE);

	KUNIT_EXPECT_EQ(test, test_mmap(test, sm, bad->nr, bad->flags,
					bad->pgoff), -EINVAL);
	KUNIT_EXPECT_EQ(test, scamem_refcount(sm), 1);
	scamem_put(sm);
}

static struct kunit_case scamem_pageable_test_cases[] = {
	KUNIT_CASE(create_of_a_bad_size_should_fail),
	KUNIT_CASE(create_on_a_node_without_memory_should_fail),
	KUNIT_CASE(pages_should_come_from_the_node_asked_for),
	KUNIT_CASE(new_object_should_have_no_pages),
	KUNIT_CASE(pin_should_round_out_and_count_each_page),
	KUNIT_CASE(overlapping_pins_should_nest),
	KUNIT_CASE_PARAM(pin_of_a_bad_range_should_fail, bad_ranges_gen_params),
	KUNIT_CASE_PARAM(failure_at_page_k_should_leave_nothing_pinned,
			 fail_pages_gen_params),
	KUNIT_CASE_PARAM(pin_of_resident_pages_should_take_one_pin_each,
			 resident_pins_gen_params),
	KUNIT_CASE(pin_past_the_limit_should_fail),
	KUNIT_CASE(unpin_of_a_range_never_pinned_should_warn),
	KUNIT_CASE(vmap_of_an_unaligned_range_should_point_at_its_first_byte),
	KUNIT_CASE(vunmap_to_the_end_of_an_unaligned_object_should_unpin),
	KUNIT_CASE(dirty_then_unpin_then_pin_should_keep_the_data),
	KUNIT_CASE(read_and_write_should_round_trip),
	KUNIT_CASE_PARAM(write_into_a_hole_should_leave_zeros_around,
			 partial_writes_gen_params),
	KUNIT_CASE(write_from_a_faulting_buffer_should_stop_short),
	KUNIT_CASE_PARAM(write_failing_at_page_k_should_stop_there,
			 fail_pages_gen_params),
	KUNIT_CASE(purge_while_pinned_should_be_busy),
	KUNIT_CASE(purge_should_drop_the_contents),
	KUNIT_CASE(put_while_vmapped_should_keep_the_object),
	KUNIT_CASE(put_should_free_every_page),
	KUNIT_CASE(writeback_should_keep_pinned_pages),
	KUNIT_CASE(mmap_should_share_the_pages),
	KUNIT_CASE_PARAM(mmap_of_a_bad_vma_should_fail, bad_mmaps_gen_params),
	{}
};

static struct kunit_suite scamem_pageable_test_suite = {
	.name = "scamem_pageable",
	.test_cases = scamem_pageable_test_cases,
};

kunit_test_suites(&scamem_pageable_test_suite);

MODULE_DESCRIPTION("KUnit tests for pageable scamem");
MODULE_LICENSE("GPL");
