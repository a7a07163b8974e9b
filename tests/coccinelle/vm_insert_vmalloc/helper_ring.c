// SPDX-License-Identifier: GPL-2.0
/* Negative: a ring of blocks from two allocators, mapped through a helper
 * (af_packet-like), and page allocator pages.  Nothing to report. */
#include <linux/mm.h>
#include <linux/vmalloc.h>

struct pgv {
	char *buffer;
};

static inline struct page *pgv_to_page(void *addr)
{
	if (is_vmalloc_addr(addr))
		return vmalloc_to_page(addr);
	return virt_to_page(addr);
}

static int ring_mmap(struct pgv *pg_vec, unsigned int len, unsigned int pages,
		     struct vm_area_struct *vma)
{
	unsigned long start = vma->vm_start;
	unsigned int i, pg_num;
	int err;

	for (i = 0; i < len; i++) {
		void *kaddr = pg_vec[i].buffer;

		for (pg_num = 0; pg_num < pages; pg_num++) {
			struct page *page = pgv_to_page(kaddr);

			err = vm_insert_page(vma, start, page);
			if (unlikely(err))
				return err;
			start += PAGE_SIZE;
			kaddr += PAGE_SIZE;
		}
	}
	return 0;
}

static int status_mmap(void *status, struct vm_area_struct *vma)
{
	return vm_insert_page(vma, vma->vm_start, virt_to_page(status));
}
