// A loop from page 0 whatever the VMA's offset: kept, a scamem VMA's
// vm_pgoff would say page 0 where userspace asked for another.
static void *ring;

static int ring_init(unsigned long size)
{
	ring = vmalloc_user(size);
	return ring ? 0 : -ENOMEM;
}

static int ring_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long off;
	int err;

	for (off = 0; off < vma->vm_end - vma->vm_start; off += PAGE_SIZE) {
		err = vm_insert_page(vma, vma->vm_start + off,
				     vmalloc_to_page(ring + off));
		if (err)
			return err;
	}
	return 0;
}
