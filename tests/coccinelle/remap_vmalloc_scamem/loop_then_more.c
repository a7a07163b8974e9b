// A loop with the page looked up inline and work after it, in a
// shared-only ->mmap: the call takes the loop's place, the error check
// stays.
struct buf {
	void *mem;
	bool mapped;
};

static int buf_alloc(struct buf *b, unsigned long size)
{
	b->mem = vmalloc_32_user(size);
	return b->mem ? 0 : -ENOMEM;
}

static int buf_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct buf *b = file->private_data;
	unsigned long off, size = vma->vm_end - vma->vm_start;
	int ret;

	if (!(vma->vm_flags & VM_SHARED) || vma->vm_pgoff)
		return -EINVAL;
	for (off = 0; off < size; off += PAGE_SIZE) {
		ret = vm_insert_page(vma, vma->vm_start + off,
				     vmalloc_to_page(b->mem + off));
		if (ret)
			return ret;
	}
	b->mapped = true;
	return 0;
}
