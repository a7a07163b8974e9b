// SPDX-License-Identifier: GPL-2.0
/* The rvmalloc idiom with the page looked up first, in a for loop. */
#include <linux/mm.h>
#include <linux/vmalloc.h>

struct grab_buf {
	void *mem;
	unsigned int npages;
};

static int grab_buf_alloc(struct grab_buf *gb, unsigned int npages)
{
	unsigned int i;
	struct page *page;

	gb->mem = vmalloc_32(npages * PAGE_SIZE);
	if (!gb->mem)
		return -ENOMEM;
	gb->npages = npages;
	for (i = 0; i < npages; i++) {
		page = vmalloc_to_page(gb->mem + i * PAGE_SIZE);
		SetPageReserved(page);
	}
	return 0;
}

static void grab_buf_free(struct grab_buf *gb)
{
	unsigned int i;

	for (i = 0; i < gb->npages; i++) {
		struct page *page = vmalloc_to_page(gb->mem + i * PAGE_SIZE);

		ClearPageReserved(page);
	}
	vfree(gb->mem);
	gb->npages = 0;
}
