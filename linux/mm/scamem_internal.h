/* SPDX-License-Identifier: GPL-2.0 */
/* scamem internals: for mm/gup.c, and what the KUnit tests stub out. */
#ifndef _MM_SCAMEM_INTERNAL_H
#define _MM_SCAMEM_INTERNAL_H

#include <linux/mm.h>
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

#ifdef CONFIG_SCAMEM
void __init scamem_init(void);
#else
static inline void scamem_init(void)
{
}
#endif

long scamem_gup(struct vm_area_struct *vma, unsigned long start,
		unsigned long nr_pages, unsigned int gup_flags,
		struct page **pages);
void scamem_untag_page(struct page *page);
void scamem_put_many_atomic(struct scamem *sm, int nr);
struct scamem *scamem_pin_page(struct page *page, int refs);
bool scamem_pin_mapped_page(struct page *page, int refs);
bool scamem_unpin_page(struct page *page, int refs);
unsigned long scamem_unpin_pages(struct page **pages, unsigned long npages);

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
