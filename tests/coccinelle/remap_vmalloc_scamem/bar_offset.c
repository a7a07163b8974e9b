// vfio-mdev's mdpy: the VMA's offset names a BAR, not a page of the
// buffer: kept, scamem_mmap() would rewrite vm_pgoff.
struct mdev_state {
	void *memblk;
	unsigned long memsize;
};

static int mdpy_create(struct mdev_state *m, unsigned long fbsize)
{
	m->memblk = vmalloc_user(fbsize);
	return m->memblk ? 0 : -ENOMEM;
}

static int mdpy_mmap(struct mdev_state *m, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff != MDPY_MEMORY_BAR_OFFSET >> PAGE_SHIFT)
		return -EINVAL;
	if ((vma->vm_flags & VM_SHARED) == 0)
		return -EINVAL;
	return remap_vmalloc_range(vma, m->memblk, 0);
}
