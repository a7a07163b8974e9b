// SPDX-License-Identifier: GPL-2.0
/* A ring that userspace maps, faulted in page by page. */
#include <linux/mm.h>
#include <linux/vmalloc.h>

struct ring {
	struct gfn_entry *gfns;
	u32 size;
};

int ring_alloc(struct ring *ring, u32 size)
{
	u32 bytes = size * sizeof(struct gfn_entry);

	ring->gfns = vzalloc(bytes);
	if (!ring->gfns)
		return -ENOMEM;
	ring->size = size;
	return 0;
}

static vm_fault_t ring_fault(struct vm_fault *vmf)
{
	struct ring *ring = vmf->vma->vm_private_data;
	struct page *page;

	if (vmf->pgoff >= DIV_ROUND_UP(ring->size * sizeof(struct gfn_entry), PAGE_SIZE))
		return VM_FAULT_SIGBUS;
	page = vmalloc_to_page((void *)ring->gfns + (vmf->pgoff << PAGE_SHIFT));
	get_page(page);
	vmf->page = page;
	return 0;
}
