// SPDX-License-Identifier: GPL-2.0
/*
 * Pageable scamem: a scamem whose pages live in a shmem file of its own
 * and can be swapped out while nobody pins them.  The owner pins byte
 * ranges to use the pages and unpins them when done; it never sees the
 * file.  See "Pageable scamem" in Documentation/mm/scamem.rst.
 *
 * The page array of a pageable scamem holds a page only while the page
 * is pinned.  A pinned page holds a DMA pin on its folio (counted as GUP
 * counts one), which reclaim checks before it writes a shmem folio out
 * and migration before it moves one; and one reference on the scamem, so
 * that the last scamem_put() cannot free pages that someone still uses.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/memcontrol.h>
#include <linux/mempolicy.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/scamem.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>

#include <kunit/static_stub.h>
#include <kunit/visibility.h>

#include "scamem_internal.h"

/* A mapping made by scamem_vmap_range(): its pages stay pinned until unmapped. */
struct scamem_pageable_vmap {
	struct list_head node;
	void *base;
	loff_t start, end;	/* the range pinned, as asked for */
};

static struct scamem_pageable *to_pageable(const struct scamem *sm)
{
	return sm->pageable;
}

/**
 * scamem_is_pageable - whether a scamem is a pageable one
 * @sm: The scamem.
 *
 * Context: Any context.
 * Return: true if @sm came from scamem_create_pageable().
 */
bool scamem_is_pageable(const struct scamem *sm)
{
	return READ_ONCE(sm->flags) & SCAMEM_PAGEABLE;
}
EXPORT_SYMBOL_GPL(scamem_is_pageable);

/**
 * scamem_create_pageable - create a pageable scamem
 * @size: Size in bytes, at least 1; rounded up to whole pages.
 * @nid: Preferred node of the pages and the descriptor, or NUMA_NO_NODE
 *	for the memory policy of the task that allocates each page.
 *
 * The contents start as zeros and take no memory until they are pinned
 * or written.  Memory is charged to the caller's memory cgroup, and to
 * the caller's overcommit accounting for the whole @size at once, so that
 * a pin fails only for want of memory right then, not for want of
 * commitment.
 *
 * Context: Process context; may sleep.
 * Return: The scamem with one reference; ERR_PTR(-EINVAL) if @size is 0
 * or too large, or @nid is not a node with memory; ERR_PTR(-ENOMEM), or
 * the error of the shmem file's setup.
 */
struct scamem *scamem_create_pageable_noprof(loff_t size, int nid)
{
	struct scamem_pageable *p;
	unsigned int nr_pages;
	struct scamem *sm;
	int err = -ENOMEM;

	/* Every page pin is a reference on the scamem: one pin of all fits. */
	if (size <= 0 || size > ((loff_t)SCAMEM_PIN_LIMIT << PAGE_SHIFT) ||
	    size > MAX_LFS_FILESIZE)
		return ERR_PTR(-EINVAL);
	if (nid != NUMA_NO_NODE &&
	    (nid < 0 || nid >= MAX_NUMNODES || !node_state(nid, N_MEMORY)))
		return ERR_PTR(-EINVAL);
	nr_pages = DIV_ROUND_UP(size, PAGE_SIZE);
	p = kvzalloc_node(struct_size(p, pins, nr_pages), GFP_KERNEL, nid);
	if (!p)
		return ERR_PTR(-ENOMEM);
	sm = scamem_create_noprof(nr_pages, GFP_KERNEL, nid);
	if (!sm)
		goto free_state;
	p->file = shmem_kernel_file_setup("scamem", size, EMPTY_VMA_FLAGS);
	if (IS_ERR(p->file)) {
		err = PTR_ERR(p->file);
		goto put;
	}
	if (nid != NUMA_NO_NODE) {
		struct inode *inode = file_inode(p->file);

		err = mpol_shared_policy_prefer_node(&SHMEM_I(inode)->policy,
						     0, nr_pages, nid);
		if (err)
			goto put_file;
	}
	mutex_init(&p->lock);
	INIT_LIST_HEAD(&p->vmaps);
	p->memcg = get_mem_cgroup_from_current();
	p->size = size;
	/* The pages come on demand: the array is all holes. */
	sm->nr_pages = nr_pages;
	sm->pageable = p;
	WRITE_ONCE(sm->flags, SCAMEM_PAGEABLE);
	return sm;

put_file:
	fput(p->file);
put:
	scamem_put(sm);
free_state:
	kvfree(p);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(scamem_create_pageable_noprof);

/* For scamem_free(): the pins and vmaps, which hold references, are gone. */
void scamem_pageable_free(struct scamem *sm)
{
	struct scamem_pageable *p = to_pageable(sm);

	WARN_ON_ONCE(p->nr_pinned || !list_empty(&p->vmaps));
	fput(p->file);
	mem_cgroup_put(p->memcg);
	mutex_destroy(&p->lock);
	kvfree(p);
}

/*
 * The pages of [@start, @end) in *@first and *@last (inclusive), or
 * false if the range is empty or not all inside the object.
 */
static bool scamem_pageable_range(const struct scamem_pageable *p,
				  loff_t start, loff_t end, pgoff_t *first,
				  pgoff_t *last)
{
	if (start < 0 || end <= start || end > p->size)
		return false;
	*first = start >> PAGE_SHIFT;
	*last = (end - 1) >> PAGE_SHIFT;
	return true;
}

/*
 * Read page @index of the object in, from swap or as a new zeroed page,
 * with a reference; the KUnit tests make it fail at a chosen page.
 */
VISIBLE_IF_KUNIT struct folio *scamem_pageable_read_folio(struct scamem *sm,
							  pgoff_t index)
{
	struct address_space *mapping = to_pageable(sm)->file->f_mapping;

	KUNIT_STATIC_STUB_REDIRECT(scamem_pageable_read_folio, sm, index);
	return shmem_read_folio_gfp(mapping, index, mapping_gfp_mask(mapping));
}
EXPORT_SYMBOL_IF_KUNIT(scamem_pageable_read_folio);

/*
 * Page @index of the object, locked and with a reference, for a write
 * that ends at @end: from swap, or new and not cleared (not up to date).
 * The KUnit tests make it fail at a chosen page.
 */
VISIBLE_IF_KUNIT int scamem_pageable_write_folio(struct scamem *sm,
						 pgoff_t index, loff_t end,
						 struct folio **foliop)
{
	struct inode *inode = file_inode(to_pageable(sm)->file);
	int err;

	KUNIT_STATIC_STUB_REDIRECT(scamem_pageable_write_folio, sm, index, end,
				   foliop);
	err = shmem_get_folio(inode, index, end, foliop, SGP_WRITE);
	if (err)
		return err;
	if (folio_contain_hwpoisoned_page(*foliop)) {
		folio_unlock(*foliop);
		folio_put(*foliop);
		return -EIO;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(scamem_pageable_write_folio);

/*
 * A pinned page holds a DMA pin on its folio, counted as a FOLL_PIN of GUP
 * is (see try_grab_folio()), so that folio_maybe_dma_pinned() sees it:
 * reclaim then keeps the folio rather than write it to swap, and
 * migration leaves it alone.  The reference shmem_read_folio() returned
 * becomes the pin's own, so a pin costs one atomic, not two.  It is not
 * a GUP pin: the nr_foll_pin_* counters of /proc/vmstat leave it out.
 */
static void scamem_pageable_ref_to_pin(struct folio *folio)
{
	if (folio_has_pincount(folio))
		atomic_inc(&folio->_pincount);
	else
		folio_ref_add(folio, GUP_PIN_COUNTING_BIAS - 1);
}

/* Undo scamem_pageable_ref_to_pin(): the pin and its reference go. */
static void scamem_pageable_put_pin(struct folio *folio)
{
	if (folio_has_pincount(folio)) {
		atomic_dec(&folio->_pincount);
		folio_put(folio);
	} else {
		folio_put_refs(folio, GUP_PIN_COUNTING_BIAS);
	}
}

/* Pin page @index, which has no pin yet, into the page array. */
static int scamem_pageable_pin_page(struct scamem *sm, pgoff_t index)
{
	struct folio *folio;

	folio = scamem_pageable_read_folio(sm, index);
	if (IS_ERR(folio))
		return PTR_ERR(folio);
	scamem_pageable_ref_to_pin(folio);
	WRITE_ONCE(sm->pages[index], folio_file_page(folio, index));
	return 0;
}

/*
 * Lock @folio, found by a lockless lookup at @index of @mapping, if it
 * is still there, a small folio and up to date: what shmem_get_folio()
 * would hand back without doing anything.  The folio lock keeps shmem's
 * writeout off while the caller pins it: writeout, which moves a folio
 * from the page cache to the swap cache whatever its references, runs
 * under the folio lock and checks folio_maybe_dma_pinned() first, so
 * once the pin is taken under the lock, it is seen, on any architecture:
 * folio_unlock() orders the pin before the unlock, and reclaim's
 * folio_trylock() orders its check after.  The lookup's own reference
 * (folio_try_get() under RCU, rechecked against the page cache) is what
 * makes @folio safe to lock at all.
 */
static bool scamem_pageable_lock_resident(struct folio *folio,
					  struct address_space *mapping,
					  pgoff_t index)
{
	if (folio_test_large(folio) || !folio_trylock(folio))
		return false;
	if (folio->mapping == mapping && folio->index == index &&
	    folio_test_uptodate(folio) && !folio_test_hwpoison(folio))
		return true;
	folio_unlock(folio);
	return false;
}

/*
 * Pin the pages of [@index, @last], none of which has a pin yet, that
 * are resident and ready in a row from @index: one lookup of the page
 * cache for up to a batch of them, where shmem_get_folio() walks it from
 * the top for each page.  Returns how many it pinned, from @index on;
 * the caller takes the page after them, if any, the slow way.
 */
VISIBLE_IF_KUNIT pgoff_t scamem_pageable_pin_resident(struct scamem *sm,
						      pgoff_t index,
						      pgoff_t last)
{
	struct address_space *mapping = to_pageable(sm)->file->f_mapping;
	struct folio_batch fbatch;
	unsigned int i, nr, pinned;
	pgoff_t next = index;

	KUNIT_STATIC_STUB_REDIRECT(scamem_pageable_pin_resident, sm, index,
				   last);
	folio_batch_init(&fbatch);
	nr = filemap_get_folios_contig(mapping, &next, last, &fbatch);
	for (i = 0; i < nr; i++) {
		struct folio *folio = fbatch.folios[i];

		if (!scamem_pageable_lock_resident(folio, mapping, index + i))
			break;
		scamem_pageable_ref_to_pin(folio);
		folio_unlock(folio);
		WRITE_ONCE(sm->pages[index + i], &folio->page);
	}
	pinned = i;
	/* The references of the folios left to the slow way. */
	for (; i < nr; i++)
		folio_put(fbatch.folios[i]);
	return pinned;
}
EXPORT_SYMBOL_IF_KUNIT(scamem_pageable_pin_resident);

/* Drop the last pin of page @index; the page goes back to shmem. */
static void scamem_pageable_unpin_page(struct scamem *sm, pgoff_t index)
{
	struct folio *folio = page_folio(sm->pages[index]);

	WRITE_ONCE(sm->pages[index], NULL);
	folio_mark_accessed(folio);
	scamem_pageable_put_pin(folio);
}

/* Drop one pin of each page of [@first, @last]; the caller holds the lock. */
static void scamem_pageable_unpin_locked(struct scamem *sm, pgoff_t first,
					 pgoff_t last)
{
	struct scamem_pageable *p = to_pageable(sm);
	pgoff_t i;

	for (i = first; i <= last; i++) {
		if (--p->pins[i])
			continue;
		scamem_pageable_unpin_page(sm, i);
		p->nr_pinned--;
	}
}

/*
 * The last page of the run of pages without pins from @index, up to
 * @last and to what one lookup of scamem_pageable_pin_resident() takes.
 */
static pgoff_t scamem_pageable_unpinned_to(const struct scamem_pageable *p,
					   pgoff_t index, pgoff_t last)
{
	pgoff_t end = min(last, index + FOLIO_BATCH_SIZE - 1);

	while (index < end && !p->pins[index + 1])
		index++;
	return index;
}

/* Count the first pins of the @nr pages from @index. */
static void scamem_pageable_count_new_pins(struct scamem_pageable *p,
					   pgoff_t index, pgoff_t nr)
{
	pgoff_t i;

	for (i = index; i < index + nr; i++)
		p->pins[i] = 1;
	p->nr_pinned += nr;
}

/*
 * Pin, with one lookup, the resident pages from @index, which has no pin,
 * up to @last; returns how many.  A page that is not resident sends the
 * rest of its run the slow way (*@next_lookup is where to look again):
 * in a new object, or one swapped out, the pages after it are most
 * likely not resident either, and a lookup for each would find nothing.
 */
static pgoff_t scamem_pageable_pin_batch(struct scamem *sm, pgoff_t index,
					 pgoff_t last, pgoff_t *next_lookup)
{
	struct scamem_pageable *p = to_pageable(sm);
	pgoff_t end, nr;

	if (index < *next_lookup)
		return 0;
	end = scamem_pageable_unpinned_to(p, index, last);
	nr = scamem_pageable_pin_resident(sm, index, end);
	if (nr)
		scamem_pageable_count_new_pins(p, index, nr);
	else
		*next_lookup = end + 1;
	return nr;
}

/* Pin [@first, @last], all or nothing; the caller holds the lock. */
static int scamem_pageable_pin_locked(struct scamem *sm, pgoff_t first,
				      pgoff_t last)
{
	struct scamem_pageable *p = to_pageable(sm);
	struct mem_cgroup *old_memcg;
	pgoff_t i, nr, next_lookup = first;
	int err = 0;

	old_memcg = set_active_memcg(p->memcg);
	for (i = first; i <= last; i++) {
		if (!p->pins[i]) {
			nr = scamem_pageable_pin_batch(sm, i, last,
						       &next_lookup);
			if (nr) {
				i += nr - 1;
				continue;
			}
			err = scamem_pageable_pin_page(sm, i);
			if (err)
				break;
			p->nr_pinned++;
		}
		p->pins[i]++;
	}
	set_active_memcg(old_memcg);
	if (err && i > first)
		scamem_pageable_unpin_locked(sm, first, i - 1);
	return err;
}

/**
 * scamem_pin_range - pin a byte range of a pageable scamem
 * @sm: A pageable scamem; the caller holds a reference.
 * @start: First byte of the range.
 * @end: Byte after the range (exclusive).
 *
 * Rounds the range out to whole pages, swaps them in (or allocates them
 * zeroed) and pins them: until scamem_unpin_range() of the same range
 * they stay in memory, scamem_pinned_page() and scamem_vmap_range() give
 * them, and @sm is not freed.  Pins nest, per page: overlapping ranges
 * may be pinned any number of times, and each is unpinned once.
 *
 * Context: Process context; may sleep.
 * Return: 0 if every page of the range is pinned; -EINVAL if the range is
 * empty or not inside @sm; -ENOMEM if memory is short or the pins would
 * overflow; or the error of swapping in.  On error nothing is pinned.
 */
int scamem_pin_range(struct scamem *sm, loff_t start, loff_t end)
{
	struct scamem_pageable *p = to_pageable(sm);
	pgoff_t first, last;
	int err;

	if (WARN_ON_ONCE(!scamem_is_pageable(sm)))
		return -EINVAL;
	if (!scamem_pageable_range(p, start, end, &first, &last))
		return -EINVAL;
	/* One reference per page pinned, taken first: it bounds the counts. */
	err = scamem_tryget_pins(sm, last - first + 1);
	if (err)
		return err == -ENOENT ? -EINVAL : err;
	mutex_lock(&p->lock);
	err = scamem_pageable_pin_locked(sm, first, last);
	mutex_unlock(&p->lock);
	if (err)
		scamem_put_many(sm, last - first + 1);
	return err;
}
EXPORT_SYMBOL_GPL(scamem_pin_range);

/* Whether every page of [@first, @last] has a pin; the caller holds the lock. */
static bool scamem_pageable_pinned(const struct scamem_pageable *p,
				   pgoff_t first, pgoff_t last)
{
	pgoff_t i;

	for (i = first; i <= last; i++)
		if (!p->pins[i])
			return false;
	return true;
}

/*
 * Lock @sm with the pages of [@start, @end) in *@first and *@last, which
 * the caller says it pinned.  A range that is bad or not all pinned is a
 * caller bug: false, with a warning (once), and the lock not taken.
 */
static bool scamem_pageable_lock_pinned(struct scamem *sm, loff_t start,
					loff_t end, pgoff_t *first,
					pgoff_t *last)
{
	struct scamem_pageable *p = to_pageable(sm);

	if (WARN_ON_ONCE(!scamem_is_pageable(sm)) ||
	    WARN_ON_ONCE(!scamem_pageable_range(p, start, end, first, last)))
		return false;
	mutex_lock(&p->lock);
	if (likely(scamem_pageable_pinned(p, *first, *last)))
		return true;
	mutex_unlock(&p->lock);
	WARN_ONCE(1, "scamem: unpin or dirty of pages not pinned");
	return false;
}

/**
 * scamem_unpin_range - unpin a byte range pinned by scamem_pin_range()
 * @sm: The pageable scamem.
 * @start: First byte of the range.
 * @end: Byte after the range (exclusive).
 *
 * Drops one pin of each page of the range; a page whose last pin goes
 * may be swapped out from then on.  Mark what was written with
 * scamem_dirty_range() first.  Drops the references of the pins, which
 * may free @sm.
 *
 * A range that is not inside @sm, or has a page that is not pinned, is a
 * caller bug: it warns (once) and unpins nothing.
 *
 * Context: Process context; may sleep.
 */
void scamem_unpin_range(struct scamem *sm, loff_t start, loff_t end)
{
	pgoff_t first, last;

	if (!scamem_pageable_lock_pinned(sm, start, end, &first, &last))
		return;
	scamem_pageable_unpin_locked(sm, first, last);
	mutex_unlock(&to_pageable(sm)->lock);
	/* Last: it may free @sm. */
	scamem_put_many(sm, last - first + 1);
}
EXPORT_SYMBOL_GPL(scamem_unpin_range);

/**
 * scamem_dirty_range - mark pinned pages of a pageable scamem written
 * @sm: The pageable scamem.
 * @start: First byte of the range.
 * @end: Byte after the range (exclusive).
 *
 * A page written through a pin (by the CPU or by a device) must be marked
 * before its last unpin, or reclaim may drop what was written: a clean
 * page that was swapped in still has its copy in swap.  Pages written by
 * scamem_write_iter() or through a user mapping are marked already.
 *
 * Every page of the range must be pinned by the caller: otherwise it
 * warns (once) and marks nothing.
 *
 * Context: Process context; may sleep.
 */
void scamem_dirty_range(struct scamem *sm, loff_t start, loff_t end)
{
	pgoff_t first, last, i;

	if (!scamem_pageable_lock_pinned(sm, start, end, &first, &last))
		return;
	for (i = first; i <= last; i++)
		folio_mark_dirty(page_folio(sm->pages[i]));
	mutex_unlock(&to_pageable(sm)->lock);
}
EXPORT_SYMBOL_GPL(scamem_dirty_range);

/**
 * scamem_pinned_page - one pinned page of a pageable scamem
 * @sm: The pageable scamem.
 * @offset: A byte offset inside the page.
 *
 * The page stays the object's page at @offset until the caller's pin of
 * it goes: no lock is taken, the caller's pin keeps the entry.
 *
 * Context: Any context.
 * Return: The page; NULL (with a warning) if @offset is outside @sm or
 * its page is not pinned, a caller bug.
 */
struct page *scamem_pinned_page(const struct scamem *sm, loff_t offset)
{
	struct page *page;

	if (WARN_ON_ONCE(!scamem_is_pageable(sm)) ||
	    WARN_ON_ONCE(offset < 0 || offset >= to_pageable(sm)->size))
		return NULL;
	/*
	 * The caller's pin keeps the entry: it was written before that pin
	 * was counted, under the lock the pinner then released, and is
	 * cleared only when the last pin goes.
	 */
	page = READ_ONCE(sm->pages[offset >> PAGE_SHIFT]);
	WARN_ON_ONCE(!page);
	return page;
}
EXPORT_SYMBOL_GPL(scamem_pinned_page);

/**
 * scamem_vmap_range - pin a byte range and map it into kernel space
 * @sm: A pageable scamem; the caller holds a reference.
 * @start: First byte of the range.
 * @end: Byte after the range (exclusive).
 *
 * Pins the range as scamem_pin_range() does and maps its pages
 * contiguously (PAGE_KERNEL).  The pins are the mapping's own: they go
 * with scamem_vunmap_range(), not with scamem_unpin_range().  Mark what
 * is written through the mapping with scamem_dirty_range() before that.
 *
 * Context: Process context; may sleep.
 * Return: The address of byte @start (not of its page); ERR_PTR(-EINVAL)
 * for a range that is empty or not inside @sm; ERR_PTR(-ENOMEM), or the
 * error of pinning.
 */
void *scamem_vmap_range(struct scamem *sm, loff_t start, loff_t end)
{
	struct scamem_pageable *p = to_pageable(sm);
	struct scamem_pageable_vmap *map;
	int err;

	if (WARN_ON_ONCE(!scamem_is_pageable(sm)))
		return ERR_PTR(-EINVAL);
	map = kmalloc_obj(*map);
	if (!map)
		return ERR_PTR(-ENOMEM);
	err = scamem_pin_range(sm, start, end);
	if (err)
		goto free;
	map->start = start;
	map->end = end;
	/* The pins keep the entries: no lock needed to map them. */
	map->base = vmap(&sm->pages[start >> PAGE_SHIFT],
			 ((end - 1) >> PAGE_SHIFT) - (start >> PAGE_SHIFT) + 1,
			 VM_MAP, PAGE_KERNEL);
	if (!map->base) {
		err = -ENOMEM;
		goto unpin;
	}
	mutex_lock(&p->lock);
	list_add(&map->node, &p->vmaps);
	mutex_unlock(&p->lock);
	return map->base + offset_in_page(start);

unpin:
	scamem_unpin_range(sm, start, end);
free:
	kfree(map);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(scamem_vmap_range);

/**
 * scamem_vunmap_range - undo scamem_vmap_range()
 * @sm: The pageable scamem that was mapped.
 * @addr: The address scamem_vmap_range() returned.
 *
 * Unmaps the range and drops its pins, which may free @sm.  An address
 * that scamem_vmap_range() did not return for @sm warns (once).
 *
 * Context: Process context; may sleep.
 */
void scamem_vunmap_range(struct scamem *sm, const void *addr)
{
	struct scamem_pageable *p = to_pageable(sm);
	const void *base = PTR_ALIGN_DOWN(addr, PAGE_SIZE);
	struct scamem_pageable_vmap *map, *found = NULL;

	if (WARN_ON_ONCE(!scamem_is_pageable(sm)))
		return;
	mutex_lock(&p->lock);
	list_for_each_entry(map, &p->vmaps, node) {
		if (map->base == base) {
			list_del(&map->node);
			found = map;
			break;
		}
	}
	mutex_unlock(&p->lock);
	if (WARN_ON_ONCE(!found))
		return;
	vunmap(found->base);
	/* The range it pinned, which may end inside the last page. */
	scamem_unpin_range(sm, found->start, found->end);
	kfree(found);
}
EXPORT_SYMBOL_GPL(scamem_vunmap_range);

/*
 * The part of @iter that lies inside the object from @pos; false if @pos
 * is outside it.
 */
static bool scamem_pageable_clamp(const struct scamem_pageable *p, loff_t pos,
				  struct iov_iter *iter)
{
	if (pos < 0 || pos > p->size)
		return false;
	iov_iter_truncate(iter, p->size - pos);
	return true;
}

/* Read @len bytes at @pos, which lie in one page, into @to. */
static ssize_t scamem_pageable_read_page(struct scamem *sm, loff_t pos,
					 size_t len, struct iov_iter *to)
{
	struct inode *inode = file_inode(to_pageable(sm)->file);
	pgoff_t index = pos >> PAGE_SHIFT;
	struct folio *folio;
	size_t copied;
	int err;

	/* A read allocates nothing: a hole reads as zeros. */
	err = shmem_get_folio(inode, index, 0, &folio, SGP_READ);
	if (err)
		return err;
	if (!folio)
		return iov_iter_zero(len, to);
	folio_unlock(folio);
	copied = copy_page_to_iter(folio_file_page(folio, index),
				   offset_in_page(pos), len, to);
	folio_mark_accessed(folio);
	folio_put(folio);
	return copied;
}

/*
 * Write @len bytes of @from at @pos, which lie in one page, the way
 * shmem's own write() does (its write_begin and write_end): a new page
 * is not cleared first, only the parts of it that the copy leaves.  The
 * copy runs under the folio lock and so must not fault; it may copy
 * less than the caller faulted in.  Returns how much it copied, or an
 * error.
 */
static ssize_t scamem_pageable_write_locked(struct scamem *sm, loff_t pos,
					    size_t len, struct iov_iter *from)
{
	struct folio *folio;
	size_t offset, copied;
	int err;

	err = scamem_pageable_write_folio(sm, pos >> PAGE_SHIFT, pos + len,
					  &folio);
	if (err)
		return err;
	offset = offset_in_folio(folio, pos);
	copied = copy_folio_from_iter_atomic(folio, offset, len, from);
	if (!folio_test_uptodate(folio)) {
		folio_zero_segments(folio, 0, offset, offset + copied,
				    folio_size(folio));
		folio_mark_uptodate(folio);
	}
	folio_mark_dirty(folio);
	folio_unlock(folio);
	folio_put(folio);
	return copied;
}

/* Write @len bytes of @from at @pos, which lie in one page. */
static ssize_t scamem_pageable_write_page(struct scamem *sm, loff_t pos,
					  size_t len, struct iov_iter *from)
{
	ssize_t copied;

	for (;;) {
		if (fault_in_iov_iter_readable(from, len) == len)
			return -EFAULT;
		copied = scamem_pageable_write_locked(sm, pos, len, from);
		if (copied)
			return copied;
		/* Reclaimed since faulted in: again, as generic_perform_write(). */
		if (fatal_signal_pending(current))
			return -EINTR;
	}
}

/* Copy a page's worth of @iter at @pos; returns how much was copied. */
static ssize_t scamem_pageable_copy_page(struct scamem *sm, loff_t pos,
					 struct iov_iter *iter, bool write)
{
	size_t len = min_t(size_t, PAGE_SIZE - offset_in_page(pos),
			   iov_iter_count(iter));

	if (write)
		return scamem_pageable_write_page(sm, pos, len, iter);
	return scamem_pageable_read_page(sm, pos, len, iter);
}

/*
 * Copy between @iter and the object from @pos, a page at a time, with
 * the page's own reference rather than a pin: concurrent pins and user
 * mappings see the same pages, and reclaim is free to take them after.
 */
static ssize_t scamem_pageable_copy(struct scamem *sm, loff_t pos,
				    struct iov_iter *iter, bool write)
{
	struct scamem_pageable *p = to_pageable(sm);
	struct mem_cgroup *old_memcg;
	ssize_t done = 0, ret = 0;

	if (WARN_ON_ONCE(!scamem_is_pageable(sm)) ||
	    !scamem_pageable_clamp(p, pos, iter))
		return -EINVAL;
	old_memcg = set_active_memcg(p->memcg);
	while (iov_iter_count(iter)) {
		size_t want = min_t(size_t, PAGE_SIZE - offset_in_page(pos),
				    iov_iter_count(iter));

		ret = scamem_pageable_copy_page(sm, pos, iter, write);
		if (ret < 0)
			break;
		done += ret;
		pos += ret;
		if (ret < want) {
			ret = -EFAULT;	/* @iter faulted */
			break;
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	set_active_memcg(old_memcg);
	return done ?: ret;
}

/**
 * scamem_read_iter - copy from a pageable scamem without pinning it
 * @sm: A pageable scamem; the caller holds a reference.
 * @pos: Byte offset to read from.
 * @to: Where to copy to.
 *
 * Swaps in what it reads; parts never written read as zeros, without
 * allocating.  Stops at the end of @sm.  For what GEM's pread and a
 * scratch file's loads need.
 *
 * Context: Process context; may sleep.
 * Return: Number of bytes copied, 0 at the end of @sm; -EINVAL if @pos
 * is outside @sm; -EFAULT if nothing could be copied to @to; -EINTR on a
 * fatal signal; or the error of swapping in.
 */
ssize_t scamem_read_iter(struct scamem *sm, loff_t pos, struct iov_iter *to)
{
	return scamem_pageable_copy(sm, pos, to, false);
}
EXPORT_SYMBOL_GPL(scamem_read_iter);

/**
 * scamem_write_iter - copy into a pageable scamem without pinning it
 * @sm: A pageable scamem; the caller holds a reference.
 * @pos: Byte offset to write at.
 * @from: What to copy.
 *
 * Allocates or swaps in the pages it writes (charged to the creator's
 * memory cgroup) and leaves them dirty.  As shmem's own write() does, it
 * does not clear a new page first, only the parts of it the write leaves:
 * filling an object by writing costs one pass over its memory, where a
 * pin costs two (clearing, then the caller's stores).  Stops at the end
 * of @sm.
 *
 * Context: Process context; may sleep.
 * Return: Number of bytes copied, 0 at the end of @sm; -EINVAL if @pos
 * is outside @sm; -EFAULT if nothing could be copied from @from; -EINTR
 * on a fatal signal; -ENOMEM or -ENOSPC if memory is short; -EIO if a
 * page it would write is poisoned.
 */
ssize_t scamem_write_iter(struct scamem *sm, loff_t pos, struct iov_iter *from)
{
	return scamem_pageable_copy(sm, pos, from, true);
}
EXPORT_SYMBOL_GPL(scamem_write_iter);

/**
 * scamem_purge - drop the contents of a pageable scamem
 * @sm: A pageable scamem; the caller holds a reference.
 *
 * Frees every page and swap slot of @sm: its contents read as zeros from
 * now on, as if new.  User mappings stay, and fault in zeroed pages.
 * For caches of things that can be recomputed (GEM's purgeable objects,
 * a revoked key).
 *
 * Context: Process context; may sleep.
 * Return: 0; -EBUSY if a page of @sm is pinned (or vmapped).
 */
int scamem_purge(struct scamem *sm)
{
	struct scamem_pageable *p = to_pageable(sm);
	int err = 0;

	if (WARN_ON_ONCE(!scamem_is_pageable(sm)))
		return -EINVAL;
	mutex_lock(&p->lock);
	if (p->nr_pinned)
		err = -EBUSY;
	else
		shmem_truncate_range(file_inode(p->file), 0, (loff_t)-1);
	mutex_unlock(&p->lock);
	return err;
}
EXPORT_SYMBOL_GPL(scamem_purge);

/*
 * Write page @index out to swap if it is dirty and nobody maps or pins
 * it.  shmem does not tag its dirty folios in the page cache, so the
 * writeback iterators would find none: each page is looked up instead.
 * A clean page is left alone: it holds nothing swap does not (or only
 * zeros), and reclaim may simply drop it.
 */
static int scamem_pageable_write_out(struct address_space *mapping,
				     pgoff_t index)
{
	struct folio *folio = filemap_lock_folio(mapping, index);
	int ret = 0;

	if (IS_ERR(folio))
		return 0;	/* a hole, or in swap already */
	if (folio_mapped(folio) || folio_maybe_dma_pinned(folio) ||
	    folio_test_writeback(folio) || !folio_clear_dirty_for_io(folio)) {
		folio_unlock(folio);
		goto put;
	}
	/* Unlocks the folio once it is written, unless it keeps it. */
	ret = shmem_write_folio(folio);
	if (ret == AOP_WRITEPAGE_ACTIVATE) {
		folio_unlock(folio);	/* redirtied and kept: no swap */
		ret = 0;
	}
put:
	folio_put(folio);
	return ret;
}

/**
 * scamem_writeback_range - start writing a range of a pageable scamem out
 * @sm: A pageable scamem; the caller holds a reference.
 * @start: First byte of the range.
 * @end: Byte after the range (exclusive).
 *
 * Moves the dirty pages of the range that nobody pins or maps to swap now
 * rather than when reclaim gets to them: for an owner that knows the
 * object will not be used for a while (GEM's shrinker does this).  Pinned
 * and mapped pages are left as they are.  Without swap it does nothing.
 *
 * Context: Process context; may sleep.
 * Return: 0; -EINVAL if the range is empty or not inside @sm; or the
 * error of writing.
 */
int scamem_writeback_range(struct scamem *sm, loff_t start, loff_t end)
{
	struct scamem_pageable *p = to_pageable(sm);
	pgoff_t first, last, index;
	int err = 0;

	if (WARN_ON_ONCE(!scamem_is_pageable(sm)))
		return -EINVAL;
	if (!scamem_pageable_range(p, start, end, &first, &last))
		return -EINVAL;
	for (index = first; index <= last; index++) {
		int ret = scamem_pageable_write_out(p->file->f_mapping, index);

		if (ret && !err)
			err = ret;
		cond_resched();
	}
	return err;
}
EXPORT_SYMBOL_GPL(scamem_writeback_range);

/**
 * scamem_pageable_mmap - map a pageable scamem into a user VMA
 * @sm: The pageable scamem.
 * @vma: A shared VMA, from a driver's ->mmap.
 * @pgoff: Index of the page of @sm to map at @vma->vm_start.
 *
 * For scamem_mmap(), which calls it for a pageable scamem.  The VMA
 * becomes an ordinary shared mapping of the object's shmem file: pages
 * fault in on demand, reclaim may take the ones nobody pins, and GUP pins
 * pages as pages.  It holds the file, not @sm.
 *
 * Context: Process context, from ->mmap.
 * Return: 0; -EINVAL if @vma is not shared or is VM_IO, VM_PFNMAP or
 * VM_MIXEDMAP, or the range does not fit in @sm; or the error of shmem.
 */
int scamem_pageable_mmap(struct scamem *sm, struct vm_area_struct *vma,
			 unsigned long pgoff)
{
	struct scamem_pageable *p = to_pageable(sm);
	unsigned long nr = vma_pages(vma);

	/* Shared, if read-only: a file opened O_RDONLY lacks VM_SHARED. */
	if (!(vma->vm_flags & VM_MAYSHARE) ||
	    (vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP)))
		return -EINVAL;
	if (pgoff >= sm->nr_pages || nr > sm->nr_pages - pgoff)
		return -EINVAL;
	vma_set_file(vma, p->file);
	vma->vm_pgoff = pgoff;
	return vfs_mmap(p->file, vma);
}
