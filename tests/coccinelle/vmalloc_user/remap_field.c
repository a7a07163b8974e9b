// SPDX-License-Identifier: GPL-2.0
/* A capture device whose frame buffer userspace maps with mmap(). */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

struct capdev {
	void *frame;
	size_t frame_size;
	u32 *table;
};

static int capdev_alloc(struct capdev *dev, size_t size, unsigned int n)
{
	dev->frame = vzalloc(PAGE_ALIGN(size));
	if (!dev->frame)
		return -ENOMEM;
	dev->frame_size = size;

	/* Bookkeeping only: never mapped. */
	dev->table = vmalloc(array_size(n, sizeof(u32)));
	if (!dev->table) {
		vfree(dev->frame);
		return -ENOMEM;
	}
	return 0;
}

static int capdev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct capdev *dev = file->private_data;

	return remap_vmalloc_range(vma, dev->frame, vma->vm_pgoff);
}
