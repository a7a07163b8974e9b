// The buffer reaches ->mmap through another name, assigned from the
// vmalloc_32_user() one with a cast (vfb's shape): converted.
static void *videomemory;
static struct fb_fix_screeninfo fix;

static int fb_probe(unsigned long size)
{
	videomemory = vmalloc_32_user(size);
	if (!videomemory)
		return -ENOMEM;
	fix.smem_start = (unsigned long)videomemory;
	return 0;
}

static int fb_mmap(struct fb_info *info, struct vm_area_struct *vma)
{
	return remap_vmalloc_range(vma, (void *)info->fix.smem_start,
				   vma->vm_pgoff);
}
