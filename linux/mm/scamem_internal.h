/* SPDX-License-Identifier: GPL-2.0 */
/* scamem internals that its KUnit tests replace with static stubs. */
#ifndef _MM_SCAMEM_INTERNAL_H
#define _MM_SCAMEM_INTERNAL_H

#include <linux/scamem.h>

#if IS_ENABLED(CONFIG_KUNIT)
struct scamem *scamem_alloc_descriptor(size_t size, gfp_t gfp, int nid);
struct page **scamem_alloc_array(size_t size, gfp_t gfp, int nid);
unsigned int scamem_alloc_bulk(gfp_t gfp, int nid, unsigned int nr,
			       struct page **pages);
struct page *scamem_alloc_one(gfp_t gfp, int nid);
void scamem_flush_deferred(void);
#endif

#endif /* _MM_SCAMEM_INTERNAL_H */
