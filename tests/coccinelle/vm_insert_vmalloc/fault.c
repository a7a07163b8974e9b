// SPDX-License-Identifier: GPL-2.0
/* Fault handlers: one hands out vmalloc pages (reported), one page
 * allocator pages (not reported). */
#include <linux/mm.h>
#include <linux/vmalloc.h>

struct policy_mem {
	void *data;
	size_t len;
};

static vm_fault_t policy_mmap_fault(struct vm_fault *vmf)
{
	struct policy_mem *plm = vmf->vma->vm_file->private_data;
	unsigned long offset;
	struct page *page;

	if (vmf->flags & (FAULT_FLAG_MKWRITE | FAULT_FLAG_WRITE))
		return VM_FAULT_SIGBUS;

	offset = vmf->pgoff << PAGE_SHIFT;
	if (offset >= roundup(plm->len, PAGE_SIZE))
		return VM_FAULT_SIGBUS;

	page = vmalloc_to_page(plm->data + offset);
	get_page(page);

	vmf->page = page;

	return 0;
}

static vm_fault_t status_fault(struct vm_fault *vmf)
{
	struct page *page = virt_to_page(vmf->vma->vm_private_data);

	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct policy_mmap_ops = {
	.fault = policy_mmap_fault,
	.page_mkwrite = policy_mmap_fault,
};
