// SPDX-License-Identifier: GPL-2.0
/* A coverage area set up by ioctl and mapped by mmap (kcov-like). */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

struct cov {
	spinlock_t lock;
	unsigned int size;
	void *area;
	void *remote_area;
};

static int cov_mmap(struct file *filep, struct vm_area_struct *vma)
{
	struct cov *cov = vma->vm_file->private_data;
	unsigned long size, off;
	struct page *page;
	void *area;
	int res;

	size = cov->size * sizeof(unsigned long);
	if (cov->area == NULL || vma->vm_end - vma->vm_start != size)
		return -EINVAL;
	area = cov->area;
	for (off = 0; off < size; off += PAGE_SIZE) {
		page = vmalloc_to_page(area + off);
		res = vm_insert_page(vma, vma->vm_start + off, page);
		if (res)
			return res;
	}
	return 0;
}

static int cov_init_trace(struct cov *cov, unsigned int size)
{
	void *area;

	area = vmalloc(size * sizeof(unsigned long));
	if (area == NULL)
		return -ENOMEM;
	spin_lock(&cov->lock);
	cov->size = size;
	cov->area = area;
	spin_unlock(&cov->lock);
	return 0;
}

/* Never mapped: only the ioctl's area is. */
static int cov_init_remote(struct cov *cov, unsigned int size)
{
	void *area = vmalloc(size * sizeof(unsigned long));

	if (!area)
		return -ENOMEM;
	cov->remote_area = area;
	return 0;
}
