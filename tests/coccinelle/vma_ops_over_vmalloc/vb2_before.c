// SPDX-License-Identifier: GPL-2.0
/* vb2_vmalloc_mmap() with our patch: vm_ops installed before the remap. */
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <media/videobuf2-memops.h>

struct vb2_vmalloc_buf {
	void *vaddr;
	refcount_t refcount;
	struct vb2_vmarea_handler handler;
};

static int vb2_vmalloc_mmap(void *buf_priv, struct vm_area_struct *vma)
{
	struct vb2_vmalloc_buf *buf = buf_priv;
	int ret;

	if (!buf) {
		pr_err("No memory to map\n");
		return -EINVAL;
	}

	/*
	 * Use common vm_area operations to track buffer refcount.  They are
	 * installed before the remap, which then leaves them alone.
	 */
	vma->vm_private_data	= &buf->handler;
	vma->vm_ops		= &vb2_common_vm_ops;

	ret = remap_vmalloc_range(vma, buf->vaddr, 0);
	if (ret) {
		pr_err("Remapping vmalloc memory, error: %d\n", ret);
		return ret;
	}

	/*
	 * Make sure that vm_areas for 2 buffers won't be merged together
	 */
	vm_flags_set(vma, VM_DONTEXPAND);

	vma->vm_ops->open(vma);

	return 0;
}
