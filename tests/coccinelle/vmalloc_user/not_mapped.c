// SPDX-License-Identifier: GPL-2.0
/* Negative: vmalloc buffers that no user mapping in this file reaches. */
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/vmalloc.h>

struct fw_loader {
	void *image;
	void *ring;
	struct scatterlist *sg;
};

/* The firmware image is only handed to the device, page by page. */
static int fw_load(struct fw_loader *ld, size_t size)
{
	unsigned long i, n = PAGE_ALIGN(size) >> PAGE_SHIFT;
	void *buf;

	ld->image = vmalloc(PAGE_ALIGN(size));
	if (!ld->image)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		sg_set_page(&ld->sg[i], vmalloc_to_page(ld->image + i * PAGE_SIZE),
			    PAGE_SIZE, 0);

	/* A scratch copy, never mapped. */
	buf = vzalloc(size);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, ld->image, size);
	vfree(buf);
	return 0;
}

/* The mapped ring is a vmalloc_user() buffer already. */
static int fw_ring_alloc(struct fw_loader *ld, size_t size)
{
	ld->ring = vmalloc_user(size);
	return ld->ring ? 0 : -ENOMEM;
}

static int fw_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct fw_loader *ld = file->private_data;
	void *buf = ld->ring;

	return remap_vmalloc_range(vma, buf, 0);
}
