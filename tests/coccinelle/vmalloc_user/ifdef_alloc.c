// SPDX-License-Identifier: GPL-2.0
/* Negative: an allocator with a vzalloc() for !CONFIG_MMU, where nothing
 * is mapped (fs/proc/vmcore-like). */
#include <linux/mm.h>
#include <linux/vmalloc.h>

static char *elfnotes_buf;

static inline char *vmcore_alloc_buf(size_t size)
{
#ifdef CONFIG_MMU
	return vmalloc_user(size);
#else
	return vzalloc(size);
#endif
}

static int vmcore_init_notes(size_t size)
{
	elfnotes_buf = vmcore_alloc_buf(size);
	return elfnotes_buf ? 0 : -ENOMEM;
}

static int mmap_notes(struct vm_area_struct *vma, size_t start, size_t tsz)
{
	char *kaddr = elfnotes_buf + start;

	return remap_vmalloc_range_partial(vma, vma->vm_start, kaddr, 0, tsz);
}
