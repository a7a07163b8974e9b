/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scamem: a refcounted set of pages that are owned, mapped and freed
 * together.  See Documentation/mm/scamem.rst.
 */
#ifndef _LINUX_SCAMEM_H
#define _LINUX_SCAMEM_H

#include <linux/gfp_types.h>
#include <linux/llist.h>
#include <linux/mm_types.h>
#include <linux/refcount.h>
#include <linux/tracepoint-defs.h>
#include <linux/types.h>

struct scamem;
struct scamem_pageable;
struct iov_iter;

/**
 * struct scamem_ops - callbacks from scamem to the owner of a scamem
 * @release: Called exactly once, by the put that drops the last
 *	reference, before the pages go back to the page allocator.  The
 *	pages are still allocated and their contents intact.  Called in the
 *	context of that put, which may be atomic: must not sleep.
 * @shrink: Called by scamem_shrink() before the pages from index
 *	@nr_pages on are freed.  Must not sleep.
 *
 * Owners that need further hooks get them here; a NULL hook means the
 * owner does not care, so adding one never touches existing owners.
 */
struct scamem_ops {
	void (*release)(struct scamem *sm);
	void (*shrink)(struct scamem *sm, unsigned int nr_pages);
};

/* Flags in scamem->flags */
#define SCAMEM_BORROWED	BIT(0)	/* the pages are references the scamem holds */
#define SCAMEM_MMAPPED	BIT(1)	/* scamem_mmap() mapped it to userspace */
#define SCAMEM_PAGEABLE	BIT(2)	/* scamem_create_pageable(): shmem-backed */

/**
 * struct scamem - a set of pages with one lifetime
 * @refcount: References held by owners, mappings and pins; the pages are
 *	freed when it drops to zero.
 * @nr_pages: Number of pages in @pages.
 * @capacity: Number of entries allocated for @pages.
 * @flags: SCAMEM_* flags.
 * @order: The pages come in naturally aligned, physically contiguous
 *	groups of 2^@order (huge vmalloc maps them with large entries).
 * @revoked: scamem_revoke() took the scamem away from userspace.  A
 *	byte of its own rather than a flag: it is set while scamem_mmap()
 *	may be updating @flags, and read by GUP-fast without a lock.
 * @tagged: Its pages point back to it, for page_scamem() (see
 *	scamem_tag_pages()).  Set once, by the first scamem_mmap(); a byte
 *	of its own for the same reason as @revoked.
 * @ops: Owner callbacks, or NULL.
 * @private: Owner data, for @ops to use.
 * @free_node: Links a dead scamem into the deferred-free list.
 * @freeptr: The slab allocator's, while the descriptor is free.
 * @mapping: The address_space of the file through which scamem_mmap()
 *	mapped the scamem, whose rmap tree scamem_revoke() walks; NULL if
 *	it was never mapped.  Its inode is held until the scamem is freed.
 * @pageable: What a pageable scamem (SCAMEM_PAGEABLE) has besides: its
 *	shmem file and pin counts.  Such a scamem is never mapped through
 *	@mapping.
 * @pages: The pages, in order: @inline_pages, or a separate array for
 *	large sets.
 * @inline_pages: The page array of a set small enough to share the
 *	descriptor's allocation.
 *
 * A set of up to 256 pages is one allocation, its array inline, from a
 * cache sized for it; a larger set has its array allocated apart.  The
 * caches are SLAB_TYPESAFE_BY_RCU: GUP and unpin read a page's scamem
 * without holding a reference (see mm/scamem_user.c), so a descriptor
 * may be reused at once but stays a scamem for RCU readers, and
 * @refcount stays where they look for it.
 */
struct scamem {
	refcount_t refcount;
	unsigned int nr_pages;
	unsigned int capacity;
	unsigned char flags;
	unsigned char order;
	bool revoked;
	bool tagged;
	union {
		struct {			/* while the scamem is live */
			const struct scamem_ops *ops;
			void *private;
		};
		struct llist_node free_node;	/* after ->release */
		freeptr_t freeptr;		/* after the pages are freed */
	};
	union {
		struct address_space *mapping;		/* resident */
		struct scamem_pageable *pageable;	/* SCAMEM_PAGEABLE */
	};
	struct page **pages;
	struct page *inline_pages[];
};

/**
 * scamem_nr_pages - number of pages in a scamem
 * @sm: The scamem.
 *
 * Defined on kernels without scamem (!MMU) too, for vmalloc.h.
 *
 * Context: Any context.
 * Return: The number of pages.
 */
static inline unsigned int scamem_nr_pages(const struct scamem *sm)
{
	return READ_ONCE(sm->nr_pages);	/* scamem_shrink() may lower it */
}

#ifdef CONFIG_SCAMEM

struct scamem *scamem_alloc_noprof(unsigned int nr_pages, gfp_t gfp, int nid);
#define scamem_alloc(...)	alloc_hooks(scamem_alloc_noprof(__VA_ARGS__))

struct scamem *scamem_create_noprof(unsigned int capacity, gfp_t gfp, int nid);
#define scamem_create(...)	alloc_hooks(scamem_create_noprof(__VA_ARGS__))
void scamem_add_pages(struct scamem *sm, unsigned int nr);

struct scamem *scamem_borrow_pages_noprof(struct page **pages,
					  unsigned int nr_pages);
#define scamem_borrow_pages(...) \
	alloc_hooks(scamem_borrow_pages_noprof(__VA_ARGS__))
bool scamem_shrinkable(const struct scamem *sm, unsigned int nr_pages);
void scamem_shrink(struct scamem *sm, unsigned int nr_pages);

void scamem_put(struct scamem *sm);
void scamem_put_atomic(struct scamem *sm);
struct scamem *page_scamem(const struct page *page);
void *scamem_vmap(struct scamem *sm, unsigned int first, unsigned int count,
		  pgprot_t prot);
void scamem_vunmap(struct scamem *sm, const void *addr);

int scamem_mmap(struct scamem *sm, struct vm_area_struct *vma,
		unsigned long pgoff);
struct scamem *vma_scamem(const struct vm_area_struct *vma);
void scamem_revoke(struct scamem *sm);
struct scamem *scamem_create_pageable_noprof(loff_t size, int nid);
#define scamem_create_pageable(...) \
	alloc_hooks(scamem_create_pageable_noprof(__VA_ARGS__))
bool scamem_is_pageable(const struct scamem *sm);
int scamem_pin_range(struct scamem *sm, loff_t start, loff_t end);
void scamem_unpin_range(struct scamem *sm, loff_t start, loff_t end);
void scamem_dirty_range(struct scamem *sm, loff_t start, loff_t end);
struct page *scamem_pinned_page(const struct scamem *sm, loff_t offset);
void *scamem_vmap_range(struct scamem *sm, loff_t start, loff_t end);
void scamem_vunmap_range(struct scamem *sm, const void *addr);
ssize_t scamem_read_iter(struct scamem *sm, loff_t pos, struct iov_iter *to);
ssize_t scamem_write_iter(struct scamem *sm, loff_t pos,
			  struct iov_iter *from);
int scamem_purge(struct scamem *sm);
int scamem_writeback_range(struct scamem *sm, loff_t start, loff_t end);

/* For mmap_region(): what becomes of a VMA that scamem_mmap() mapped. */
void scamem_mmap_abort(struct vm_area_struct *vma);
int scamem_mmap_complete(struct vm_area_struct *vma);

/**
 * scamem_refcount - the number of references on a scamem
 * @sm: The scamem.
 *
 * For diagnostics and tests: the value may change as soon as it is read.
 *
 * Context: Any context.
 * Return: The reference count.
 */
static inline unsigned int scamem_refcount(const struct scamem *sm)
{
	return refcount_read(&sm->refcount);
}

DECLARE_TRACEPOINT(scamem_ref);
void scamem_trace_ref(const struct scamem *sm, unsigned int capacity,
		      int delta, int old, unsigned long caller);

/*
 * Report a change of the count from @old by @delta, made by the code at
 * @caller, to the scamem:scamem_ref tracepoint; a patched-out branch while
 * nobody traces.  For a change that leaves the caller a reference: a put
 * must not read @sm afterwards.
 */
static inline void scamem_ref_traced(const struct scamem *sm, int delta,
				     int old, unsigned long caller)
{
	if (tracepoint_enabled(scamem_ref))
		scamem_trace_ref(sm, sm->capacity, delta, old, caller);
}

/**
 * scamem_get - take a reference on a scamem
 * @sm: The scamem; the caller must already hold a reference.
 *
 * Context: Any context.
 * Return: @sm, for convenience.
 */
static inline struct scamem *scamem_get(struct scamem *sm)
{
	int old;

	__refcount_inc(&sm->refcount, &old);
	scamem_ref_traced(sm, 1, old, _THIS_IP_);
	return sm;
}

/**
 * scamem_tryget - take a reference on a scamem that may be dying
 * @sm: The scamem, reached without a reference of one's own, under a lock
 *	that keeps it from being freed.  Under RCU alone, check afterwards
 *	that it is the scamem you looked for: descriptors are reused at once.
 *
 * Context: Any context.
 * Return: true if a reference was taken, false if @sm is being freed.
 */
static inline bool scamem_tryget(struct scamem *sm)
{
	int old;

	if (!__refcount_inc_not_zero_acquire(&sm->refcount, &old))
		return false;
	scamem_ref_traced(sm, 1, old, _THIS_IP_);
	return true;
}

/**
 * scamem_exclusive - whether the caller's reference is the only one
 * @sm: The scamem; the caller holds a reference.
 *
 * Meaningful only when no one else can take a reference meanwhile: the
 * caller's own is the only way to reach @sm (nothing maps, pins or
 * vmaps it).
 *
 * Context: Any context.
 * Return: true if no one else holds a reference.
 */
static inline bool scamem_exclusive(const struct scamem *sm)
{
	return refcount_read(&sm->refcount) == 1;
}

/**
 * scamem_set_owner - attach owner callbacks to a new scamem
 * @sm: A scamem nobody else can see yet.
 * @ops: The owner's callbacks; must outlive @sm.
 * @private: Owner data, passed back through @sm->private.
 *
 * Context: Any context.
 */
static inline void scamem_set_owner(struct scamem *sm,
				    const struct scamem_ops *ops, void *private)
{
	sm->ops = ops;
	sm->private = private;
}

/**
 * scamem_page - one page of a scamem
 * @sm: The scamem.
 * @idx: Index of the page, from 0.
 *
 * Context: Any context.
 * Return: The page at @idx, or NULL (with a warning) if @idx is out of
 * range.
 */
static inline struct page *scamem_page(const struct scamem *sm,
				       unsigned int idx)
{
	if (WARN_ON_ONCE(idx >= sm->nr_pages))
		return NULL;
	return sm->pages[idx];
}

#endif /* CONFIG_SCAMEM */
#endif /* _LINUX_SCAMEM_H */
