// A vm_insert_page() loop over a vmalloc_user() area, from page 0 of a
// VMA whose offset must be 0 (kcov's shape): converted, and the loop's
// variables go with it.
struct cov {
	void *area;
	unsigned long size;
};

static int cov_init(struct cov *c, unsigned long size)
{
	c->area = vmalloc_user(size);
	if (!c->area)
		return -ENOMEM;
	c->size = size;
	return 0;
}

static int cov_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct cov *c = file->private_data;
	unsigned long off;
	struct page *page;
	int res;

	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != c->size)
		return -EINVAL;
	for (off = 0; off < c->size; off += PAGE_SIZE) {
		page = vmalloc_to_page(c->area + off);
		res = vm_insert_page(vma, vma->vm_start + off, page);
		if (res)
			return res;
	}
	return 0;
}
