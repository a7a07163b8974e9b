// SPDX-License-Identifier: GPL-2.0
/* Whole-VMA loops over vmalloc_user() buffers that patch mode must leave
 * alone: the loop variable is used after the loop, or by the error branch.
 * Both are reported. */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

struct dbg_buf {
	void *mem;
	unsigned long mapped;
};

static int dbg_buf_alloc(struct dbg_buf *db, size_t len)
{
	db->mem = vmalloc_user(len);
	return db->mem ? 0 : -ENOMEM;
}

static int dbg_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct dbg_buf *db = file->private_data;
	unsigned long off;
	int err;

	for (off = 0; off < vma->vm_end - vma->vm_start; off += PAGE_SIZE) {
		err = vm_insert_page(vma, vma->vm_start + off,
				     vmalloc_to_page(db->mem + off));
		if (err)
			return err;
	}
	db->mapped = off;
	return 0;
}

static int dbg_mmap_verbose(struct file *file, struct vm_area_struct *vma)
{
	struct dbg_buf *db = file->private_data;
	unsigned long off;
	struct page *page;

	for (off = 0; off < vma->vm_end - vma->vm_start; off += PAGE_SIZE) {
		page = vmalloc_to_page(db->mem + off);
		if (vm_insert_page(vma, vma->vm_start + off, page)) {
			pr_err("dbg: cannot map page at %lu\n", off);
			return -EAGAIN;
		}
	}
	return 0;
}
