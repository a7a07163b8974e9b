// SPDX-License-Identifier: GPL-2.0
/* Negative: nothing here installs vm_ops next to a vmalloc mapping. */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

struct fbdev {
	void *screen;
	unsigned long screen_size;
	phys_addr_t regs;
};

static const struct vm_operations_struct fbdev_mmio_ops = {
	.access = generic_access_phys,
};

/* A plain remap: scamem's vm_ops stay. */
static int fbdev_mmap_screen(struct file *file, struct vm_area_struct *vma)
{
	struct fbdev *fb = file->private_data;

	return remap_vmalloc_range(vma, fb->screen, vma->vm_pgoff);
}

/* vm_ops next to a PFN remap of device registers. */
static int fbdev_mmap_regs(struct file *file, struct vm_area_struct *vma)
{
	struct fbdev *fb = file->private_data;

	vma->vm_ops = &fbdev_mmio_ops;
	return io_remap_pfn_range(vma, vma->vm_start, PHYS_PFN(fb->regs),
				  vma->vm_end - vma->vm_start,
				  pgprot_noncached(vma->vm_page_prot));
}

/* mmap_prepare: the core installs desc->vm_ops, there is no remap. */
static int fbdev_mmap_prepare(struct vm_area_desc *desc)
{
	desc->vm_ops = &fbdev_mmio_ops;
	desc->private_data = desc->file->private_data;
	return 0;
}

/* vm_ops of another VMA than the one mapped. */
static int fbdev_mmap_pair(struct fbdev *fb, struct vm_area_struct *vma,
			   struct vm_area_struct *shadow)
{
	shadow->vm_ops = &fbdev_mmio_ops;
	return remap_vmalloc_range(vma, fb->screen, 0);
}
