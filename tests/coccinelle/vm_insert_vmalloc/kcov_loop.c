// SPDX-License-Identifier: GPL-2.0
/* kcov_mmap() as in Linux 7.3: an open-coded remap_vmalloc_range(). */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

struct kcov {
	spinlock_t lock;
	unsigned int size;
	void *area;
};

static int kcov_mmap(struct file *filep, struct vm_area_struct *vma)
{
	int res = 0;
	struct kcov *kcov = vma->vm_file->private_data;
	unsigned long size, off;
	struct page *page;
	unsigned long flags;
	void *area;

	spin_lock_irqsave(&kcov->lock, flags);
	size = kcov->size * sizeof(unsigned long);
	if (kcov->area == NULL || vma_start_pgoff(vma) ||
	    vma->vm_end - vma->vm_start != size) {
		res = -EINVAL;
		goto exit;
	}
	area = kcov->area;
	spin_unlock_irqrestore(&kcov->lock, flags);
	vm_flags_set(vma, VM_DONTEXPAND);
	for (off = 0; off < size; off += PAGE_SIZE) {
		page = vmalloc_to_page(area + off);
		res = vm_insert_page(vma, vma->vm_start + off, page);
		if (res) {
			pr_warn_once("kcov: vm_insert_page() failed\n");
			return res;
		}
	}
	return 0;
exit:
	spin_unlock_irqrestore(&kcov->lock, flags);
	return res;
}

static int kcov_init_trace(struct kcov *kcov, unsigned int size)
{
	void *area;
	unsigned long flags;

	area = vmalloc_user(size * sizeof(unsigned long));
	if (area == NULL)
		return -ENOMEM;
	spin_lock_irqsave(&kcov->lock, flags);
	kcov->size = size;
	kcov->area = area;
	spin_unlock_irqrestore(&kcov->lock, flags);
	return 0;
}
