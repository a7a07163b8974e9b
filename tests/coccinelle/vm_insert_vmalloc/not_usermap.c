// SPDX-License-Identifier: GPL-2.0
/* Loops that patch mode must leave alone: a buffer without VM_USERMAP
 * (remap_vmalloc_range() would refuse it), and a loop over the buffer
 * rather than over the VMA.  Both are reported. */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

struct trace_buf {
	void *data;
	void *log;
	size_t log_size;
};

static int trace_buf_init(struct trace_buf *tb, size_t size)
{
	tb->data = vzalloc(size);
	if (!tb->data)
		return -ENOMEM;
	tb->log = vmalloc_user(PAGE_SIZE);
	tb->log_size = PAGE_SIZE;
	return tb->log ? 0 : -ENOMEM;
}

/* Whole VMA, but a vzalloc() buffer: convert the allocation first. */
static int trace_data_mmap(struct trace_buf *tb, struct vm_area_struct *vma)
{
	unsigned long off;
	int err;

	for (off = 0; off < vma->vm_end - vma->vm_start; off += PAGE_SIZE) {
		err = vm_insert_page(vma, vma->vm_start + off,
				     vmalloc_to_page(tb->data + off));
		if (err)
			return err;
	}
	return 0;
}

/* The log's size bounds the loop, not the VMA's. */
static int trace_log_mmap(struct trace_buf *tb, struct vm_area_struct *vma)
{
	unsigned long off;
	int err;

	for (off = 0; off < tb->log_size; off += PAGE_SIZE) {
		err = vm_insert_page(vma, vma->vm_start + off,
				     vmalloc_to_page(tb->log + off));
		if (err)
			return err;
	}
	return 0;
}
