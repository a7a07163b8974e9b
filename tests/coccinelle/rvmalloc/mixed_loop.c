// SPDX-License-Identifier: GPL-2.0
/* PG_reserved updates that patch mode leaves to a human: a loop that does
 * more than that, and a single page.  Both are reported. */
#include <linux/mm.h>
#include <linux/vmalloc.h>

struct cap_buf {
	void *mem;
	void *status;
	unsigned long size;
	struct page **pages;
};

static int cap_buf_pin(struct cap_buf *cb)
{
	unsigned long off;
	int i = 0;

	for (off = 0; off < cb->size; off += PAGE_SIZE) {
		struct page *page = vmalloc_to_page(cb->mem + off);

		SetPageReserved(page);
		cb->pages[i++] = page;
	}
	if (cb->status)
		SetPageReserved(vmalloc_to_page(cb->status));
	return 0;
}
