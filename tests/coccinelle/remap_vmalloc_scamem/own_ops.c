// rdmavt's shape: vm_ops of its own after the remap: kept.
struct mmap_info {
	void *obj;
};

static const struct vm_operations_struct info_vm_ops;

static int info_create(struct mmap_info *ip, unsigned long size)
{
	ip->obj = vmalloc_user(size);
	return ip->obj ? 0 : -ENOMEM;
}

static int info_mmap(struct mmap_info *ip, struct vm_area_struct *vma)
{
	int ret;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	ret = remap_vmalloc_range(vma, ip->obj, vma->vm_pgoff);
	if (ret)
		return ret;
	vma->vm_ops = &info_vm_ops;
	vma->vm_private_data = ip;
	return 0;
}
