// SPDX-License-Identifier: GPL-2.0
/* Negative: one local carries two buffers in turn (habanalabs-like); only
 * the first, already vmalloc_user(), is mapped. */
#include <linux/mm.h>
#include <linux/vmalloc.h>

struct ts_buff {
	void *user_buff_address;
	void *kernel_buff_address;
	u32 kernel_buff_size;
};

static int ts_alloc_buf(struct ts_buff *ts_buff, u32 num_elements)
{
	void *p;
	u32 size;

	size = num_elements * sizeof(u64);
	p = vmalloc_user(size);
	if (!p)
		return -ENOMEM;
	ts_buff->user_buff_address = p;

	size = num_elements * sizeof(struct pending_interrupt);
	p = vzalloc(size);
	if (!p)
		goto free_user_buff;
	ts_buff->kernel_buff_address = p;
	ts_buff->kernel_buff_size = size;
	return 0;

free_user_buff:
	vfree(ts_buff->user_buff_address);
	return -ENOMEM;
}

static int ts_mmap(struct ts_buff *ts_buff, struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY | VM_NORESERVE);
	return remap_vmalloc_range(vma, ts_buff->user_buff_address, 0);
}
