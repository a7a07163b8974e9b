// SPDX-License-Identifier: GPL-2.0
/* An event ring mapped whole, its size taken from the VMA. */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

struct evring {
	void *ring;
	unsigned long ring_size;
};

static int evring_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct evring *er = file->private_data;
	unsigned long size, off;
	int ret;

	size = vma->vm_end - vma->vm_start;
	if (size > er->ring_size)
		return -EINVAL;

	for (off = 0; off < size; off += PAGE_SIZE) {
		struct page *page = vmalloc_to_page(er->ring + off);

		ret = vm_insert_page(vma, vma->vm_start + off, page);
		if (ret < 0)
			goto err;
	}
	return 0;
err:
	pr_err("evring: mmap failed: %d\n", ret);
	return ret;
}

static struct evring *evring_create(unsigned long size)
{
	struct evring *er = kzalloc(sizeof(*er), GFP_KERNEL);

	if (!er)
		return NULL;
	er->ring = vmalloc_32_user(size);
	if (!er->ring) {
		kfree(er);
		return NULL;
	}
	er->ring_size = size;
	return er;
}
