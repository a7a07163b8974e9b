// SPDX-License-Identifier: GPL-2.0
/* Per-page mappings of vmalloc pages next to vm_ops of the driver's. */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

struct shm_region {
	void *vaddr;
	unsigned long size;
	atomic_t mapcount;
};

static void shm_vm_open(struct vm_area_struct *vma)
{
	struct shm_region *r = vma->vm_private_data;

	atomic_inc(&r->mapcount);
}

static void shm_vm_close(struct vm_area_struct *vma)
{
	struct shm_region *r = vma->vm_private_data;

	atomic_dec(&r->mapcount);
}

static const struct vm_operations_struct shm_vm_ops = {
	.open = shm_vm_open,
	.close = shm_vm_close,
};

static int shm_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct shm_region *r = file->private_data;
	unsigned long off;
	struct page *page;
	int err;

	for (off = 0; off < vma->vm_end - vma->vm_start; off += PAGE_SIZE) {
		page = vmalloc_to_page(r->vaddr + off);
		err = vm_insert_page(vma, vma->vm_start + off, page);
		if (err)
			return err;
	}
	vma->vm_ops = &shm_vm_ops;
	vma->vm_private_data = r;
	shm_vm_open(vma);
	return 0;
}

static int shm_mmap_header(struct file *file, struct vm_area_struct *vma)
{
	struct shm_region *r = file->private_data;

	vma->vm_private_data = r;
	return vm_insert_page(vma, vma->vm_start, vmalloc_to_page(r->vaddr));
}
