// A buffer this file does not allocate with vmalloc_user(): kept.
struct cam {
	void *frame;
};

static int cam_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct cam *c = file->private_data;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	return remap_vmalloc_range(vma, c->frame, vma->vm_pgoff);
}

static int cam_alloc(struct cam *c)
{
	c->frame = vmalloc(SZ_1M);
	return c->frame ? 0 : -ENOMEM;
}
