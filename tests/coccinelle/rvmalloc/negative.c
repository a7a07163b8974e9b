// SPDX-License-Identifier: GPL-2.0
/* Negative: PG_reserved on page allocator pages, and loops over vmalloc
 * pages that do something else.  Nothing to report or change. */
#include <linux/mm.h>
#include <linux/vmalloc.h>

static unsigned long dma_area_alloc(unsigned int order)
{
	unsigned long addr = __get_free_pages(GFP_KERNEL, order);
	struct page *page, *end;

	if (!addr)
		return 0;
	end = virt_to_page(addr + (PAGE_SIZE << order) - 1);
	for (page = virt_to_page(addr); page <= end; page++)
		SetPageReserved(page);
	return addr;
}

static void vbuf_flush(void *buf, unsigned long size)
{
	unsigned long off;

	for (off = 0; off < size; off += PAGE_SIZE)
		flush_dcache_page(vmalloc_to_page(buf + off));
}

static int vbuf_lock(void *buf, unsigned long size)
{
	unsigned long off;

	for (off = 0; off < size; off += PAGE_SIZE) {
		struct page *page = vmalloc_to_page(buf + off);

		if (!trylock_page(page))
			return -EBUSY;
	}
	return 0;
}
