// SPDX-License-Identifier: GPL-2.0
/* A ring whose pages a helper returns to a fault handler in another file
 * (kvm dirty ring-like): reported as a candidate, not patched. */
#include <linux/mm.h>
#include <linux/vmalloc.h>

struct dirty_ring {
	u32 size;
	struct dirty_gfn *dirty_gfns;
};

int dirty_ring_alloc(struct dirty_ring *ring, u32 size)
{
	ring->dirty_gfns = vzalloc(size);
	if (!ring->dirty_gfns)
		return -ENOMEM;
	ring->size = size / sizeof(struct dirty_gfn);
	return 0;
}

struct page *dirty_ring_get_page(struct dirty_ring *ring, u32 offset)
{
	return vmalloc_to_page((void *)ring->dirty_gfns + offset * PAGE_SIZE);
}
