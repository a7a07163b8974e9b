// The driver revokes with unmap_mapping_range(): kept.
struct dev {
	void *mem;
	struct address_space *mapping;
};

static int dev_alloc(struct dev *d)
{
	d->mem = vmalloc_user(SZ_64K);
	return d->mem ? 0 : -ENOMEM;
}

static int dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct dev *d = file->private_data;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	return remap_vmalloc_range(vma, d->mem, vma->vm_pgoff);
}

static void dev_reset(struct dev *d)
{
	unmap_mapping_range(d->mapping, 0, 0, 1);
}
