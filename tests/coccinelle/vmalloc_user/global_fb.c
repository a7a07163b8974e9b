// SPDX-License-Identifier: GPL-2.0
/* A virtual frame buffer in a global vmalloc_32() buffer (vfb-like). */
#include <linux/fb.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

static void *videomemory;
static u_long videomemorysize = 1024 * 768 * 4;

static int vfb_mmap(struct fb_info *info, struct vm_area_struct *vma)
{
	vma->vm_page_prot = pgprot_decrypted(vma->vm_page_prot);

	return remap_vmalloc_range(vma, videomemory, vma->vm_pgoff);
}

static int vfb_probe(struct platform_device *dev)
{
	if (!(videomemory = vmalloc_32(videomemorysize)))
		return -ENOMEM;

	memset(videomemory, 0, videomemorysize);
	return 0;
}
