// SPDX-License-Identifier: GPL-2.0
/* A statistics buffer mapped read-only, one page index at a time. */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

struct stats_buf {
	void *mem;
	size_t len;
};

static int stats_alloc(struct stats_buf *sb, size_t len)
{
	sb->mem = vmalloc_user(len);
	if (!sb->mem)
		return -ENOMEM;
	sb->len = len;
	return 0;
}

static int stats_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct stats_buf *sb = file->private_data;
	unsigned long i;

	if (vma->vm_pgoff || vma->vm_end - vma->vm_start > PAGE_ALIGN(sb->len))
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	vm_flags_clear(vma, VM_MAYWRITE);

	for (i = 0; i < vma_pages(vma); i++)
		if (vm_insert_page(vma, vma->vm_start + (i << PAGE_SHIFT),
				   vmalloc_to_page(sb->mem + (i << PAGE_SHIFT))))
			return -EAGAIN;
	return 0;
}
