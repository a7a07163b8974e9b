// A shared-only ->mmap of a vmalloc_user() buffer: converted.
struct ring {
	void *buf;
	unsigned long size;
};

static int ring_alloc(struct ring *r, unsigned long size)
{
	r->buf = vmalloc_user(size);
	if (!r->buf)
		return -ENOMEM;
	r->size = size;
	return 0;
}

static int ring_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ring *r = file->private_data;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	return remap_vmalloc_range(vma, r->buf, vma->vm_pgoff);
}
