// SPDX-License-Identifier: GPL-2.0
/*
 * scamem_sample: a driver that lends userspace a buffer to map and pin.
 *
 * The model for a driver that hands out memory to be mmap()ed and pinned,
 * in the two ways such a driver gets its memory:
 *
 * - vmalloc_user(), mapped with remap_vmalloc_scamem(), for a driver that
 *   also uses the buffer through a contiguous kernel address;
 * - scamem_alloc(), mapped with scamem_mmap(), for a driver that only
 *   hands the pages out (to userspace, to DMA) and so needs no kernel
 *   mapping and spends no vmalloc space;
 * - scamem_create_pageable(), for a buffer that may be swapped out while
 *   the device does not use it: the driver pins what the device needs
 *   (SCAMEM_SAMPLE_PIN) and unpins it when done.
 *
 * Either way a scamem keeps the pages alive for as long as anyone uses
 * them: the driver holds one reference (the vmalloc area's, or the one
 * scamem_alloc() returned), each mapping one, each pinned page one.  So
 * the driver may free the buffer whenever it is done with it, even while
 * userspace still maps it or has it pinned for I/O (io_uring fixed
 * buffers, O_DIRECT); it keeps no count of mappings, needs no ->close
 * hook and never waits for an unpin.
 *
 * Each open file of /dev/scamem_sample owns at most one buffer, of either
 * kind; the ioctls and what mmap() accepts are described in
 * scamem_sample.h.  SCAMEM_SAMPLE_REFS exists only so that tests can watch
 * the references come and go; SCAMEM_SAMPLE_REVOKE stands for what a
 * driver does when its device goes away.
 */

#include <linux/cleanup.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/scamem.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "scamem_sample.h"

/* How the buffer is allocated: one for each ALLOC ioctl. */
enum scamem_sample_kind {
	SCAMEM_SAMPLE_KIND_VMALLOC,	/* vmalloc_user() */
	SCAMEM_SAMPLE_KIND_SCAMEM,	/* scamem_alloc() */
	SCAMEM_SAMPLE_KIND_PAGEABLE,	/* scamem_create_pageable() */
};

/**
 * struct scamem_sample - the buffer of one open file
 * @lock: Serializes the ioctls and ->mmap of the file, which may run
 *	concurrently from several threads sharing it.
 * @buf: The buffer from vmalloc_user(), or NULL.
 * @sm: The scamem from scamem_alloc() or scamem_create_pageable(), or
 *	NULL.
 * @size: Size of the buffer in bytes, a multiple of PAGE_SIZE; 0 without
 *	one.
 * @pinned: The byte range of a pageable buffer that the driver pinned
 *	(SCAMEM_SAMPLE_PIN), as a device would while it uses it; end 0 if
 *	none.  The driver unpins only what it pinned.
 *
 * At most one of @buf and @sm is set, and it stands for the driver's
 * reference on the buffer's scamem: the vmalloc area's own, or the one
 * scamem_alloc() returned.
 *
 * Lock order: ->mmap runs with the mmap_lock held and then takes @lock,
 * so nothing may touch user memory while holding @lock: a page fault
 * would take the mmap_lock inside it.  The ioctls copy their arguments
 * before taking @lock and their results after dropping it.
 */
struct scamem_sample {
	struct mutex lock;	/* protects buf, sm and size */
	void *buf;
	struct scamem *sm;
	size_t size;
	struct scamem_sample_range pinned;
};

static int scamem_sample_open(struct inode *inode, struct file *file)
{
	struct scamem_sample *s;

	s = kzalloc_obj(*s);
	if (!s)
		return -ENOMEM;
	mutex_init(&s->lock);
	/* Replaces the struct miscdevice that misc_open() put there. */
	file->private_data = s;
	return 0;
}

/* Drop the driver's pin of a pageable buffer, if it holds one. */
static void scamem_sample_unpin(struct scamem_sample *s)
{
	if (!s->pinned.end)
		return;
	scamem_unpin_range(s->sm, s->pinned.start, s->pinned.end);
	s->pinned.start = 0;
	s->pinned.end = 0;
}

/*
 * Drop the driver's reference on the buffer.  Mappings and pins keep
 * theirs: the pages are freed (and a vmalloc buffer's stop counting in
 * VmallocUsed) with the last of those.  A vmalloc buffer's kernel address
 * goes away at once.
 */
static void scamem_sample_drop(struct scamem_sample *s)
{
	scamem_sample_unpin(s);
	vfree(s->buf);
	if (s->sm)
		scamem_put(s->sm);
	s->buf = NULL;
	s->sm = NULL;
	s->size = 0;
}

/**
 * scamem_sample_release - free the buffer when the file goes away
 * @inode: The device inode.
 * @file: The file, at its last reference.
 *
 * Every mapping of the buffer holds a reference to @file, so this runs
 * only once all of them are unmapped; pins may remain, and keep the
 * pages (not a vmalloc buffer's kernel address) until they are released.
 *
 * Context: Process context; may sleep.
 * Return: 0.
 */
static int scamem_sample_release(struct inode *inode, struct file *file)
{
	struct scamem_sample *s = file->private_data;

	scamem_sample_drop(s);
	mutex_destroy(&s->lock);
	kfree(s);
	return 0;
}

/**
 * scamem_sample_size - check a size from userspace and round it up
 * @size: Requested size in bytes: not trusted.
 *
 * The size is checked against SCAMEM_SAMPLE_MAX_SIZE before it is rounded
 * up, so PAGE_ALIGN() cannot overflow, nor a 64-bit size be truncated on
 * a 32-bit kernel, nor a page count overflow scamem_alloc()'s unsigned
 * int.
 *
 * Return: @size rounded up to whole pages, or 0 if @size is 0 or above
 * the limit.
 */
static size_t scamem_sample_size(u64 size)
{
	if (!size || size > SCAMEM_SAMPLE_MAX_SIZE)
		return 0;
	return PAGE_ALIGN(size);
}

/*
 * vmalloc_user() zeroes the buffer, so that userspace never sees stale
 * kernel data through the mapping, and marks the area VM_USERMAP, which
 * remap_vmalloc_scamem() insists on.
 */
static int scamem_sample_alloc_vmalloc(struct scamem_sample *s, size_t size)
{
	s->buf = vmalloc_user(size);
	return s->buf ? 0 : -ENOMEM;
}

/*
 * __GFP_ZERO for the same reason as vmalloc_user() zeroes.  A driver that
 * lets unprivileged users allocate this much would add __GFP_ACCOUNT, to
 * charge the pages to the caller's memory cgroup.
 */
static int scamem_sample_alloc_scamem(struct scamem_sample *s, size_t size)
{
	s->sm = scamem_alloc(size >> PAGE_SHIFT, GFP_KERNEL | __GFP_ZERO,
			     NUMA_NO_NODE);
	return s->sm ? 0 : -ENOMEM;
}

/*
 * Pageable: the pages come zeroed, on demand, and may be swapped out while
 * nothing pins them.
 */
static int scamem_sample_alloc_pageable(struct scamem_sample *s, size_t size)
{
	struct scamem *sm = scamem_create_pageable(size, NUMA_NO_NODE);

	if (IS_ERR(sm))
		return PTR_ERR(sm);
	s->sm = sm;
	return 0;
}

/**
 * scamem_sample_alloc - give the file its buffer
 * @s: The file's state.
 * @usize: Where userspace put the requested size in bytes.
 * @kind: How to allocate the buffer.
 *
 * Context: Process context; takes @s->lock.
 * Return: 0, -EFAULT if @usize cannot be read, -EINVAL for a size of 0 or
 * above the limit, -EBUSY if the file has a buffer already (of either
 * kind), -ENOMEM if memory is short.
 */
static int scamem_sample_alloc(struct scamem_sample *s,
			       const u64 __user *usize,
			       enum scamem_sample_kind kind)
{
	u64 requested;
	size_t size;
	int ret;

	if (copy_from_user(&requested, usize, sizeof(requested)))
		return -EFAULT;
	size = scamem_sample_size(requested);
	if (!size)
		return -EINVAL;

	guard(mutex)(&s->lock);
	if (s->size)
		return -EBUSY;
	if (kind == SCAMEM_SAMPLE_KIND_VMALLOC)
		ret = scamem_sample_alloc_vmalloc(s, size);
	else if (kind == SCAMEM_SAMPLE_KIND_SCAMEM)
		ret = scamem_sample_alloc_scamem(s, size);
	else
		ret = scamem_sample_alloc_pageable(s, size);
	if (!ret)
		s->size = size;
	return ret;
}

/* The buffer's scamem, without a reference of its own; NULL without one. */
static struct scamem *scamem_sample_scamem(struct scamem_sample *s)
{
	lockdep_assert_held(&s->lock);
	/* No reference needed: @s->lock keeps the buffer from being freed. */
	if (s->buf)
		return vmalloc_to_scamem(s->buf);
	return s->sm;
}

/**
 * scamem_sample_refs - read the reference count of the buffer's scamem
 * @s: The file's state.
 * @refs: Where to store the count.
 *
 * The count is a snapshot: mappings and pins may come and go as soon as
 * @s->lock is dropped.
 *
 * Context: Process context; takes @s->lock.
 * Return: 0, or -ENXIO if the file has no buffer.
 */
static int scamem_sample_refs(struct scamem_sample *s, u32 *refs)
{
	struct scamem *sm;

	guard(mutex)(&s->lock);
	sm = scamem_sample_scamem(s);
	if (!sm)
		return -ENXIO;
	*refs = scamem_refcount(sm);
	return 0;
}

/**
 * scamem_sample_free - let go of the buffer now
 * @s: The file's state.
 *
 * vfree() or scamem_put(): either drops only the driver's reference, so
 * the buffer may be mapped and pinned still.  The file may allocate a new
 * buffer afterwards.
 *
 * Context: Process context; takes @s->lock.
 * Return: 0, or -ENXIO if the file has no buffer.
 */
static int scamem_sample_free(struct scamem_sample *s)
{
	guard(mutex)(&s->lock);
	if (!s->size)
		return -ENXIO;
	scamem_sample_drop(s);
	return 0;
}

/**
 * scamem_sample_revoke - take the buffer away from userspace
 * @s: The file's state.
 *
 * What a driver does when its device is reset or unplugged: every mapping
 * of the buffer, in every process, is emptied and faults with SIGBUS, and
 * GUP on it fails.  No unmap_mapping_range() of the driver's own is
 * needed, and it would not do: a scamem mapping maps its pages again on
 * the next fault unless the scamem is revoked.  Pins taken before stay.
 *
 * Context: Process context; takes @s->lock.
 * Return: 0, or -ENXIO if the file has no buffer.
 */
static int scamem_sample_revoke(struct scamem_sample *s)
{
	struct scamem *sm;

	guard(mutex)(&s->lock);
	sm = scamem_sample_scamem(s);
	if (!sm)
		return -ENXIO;
	/* Its mappings are shmem's, which fault back in: no revoke. */
	if (scamem_is_pageable(sm))
		return -EOPNOTSUPP;
	/* @s->lock keeps the driver's reference, which the revoke needs. */
	scamem_revoke(sm);
	return 0;
}

/**
 * scamem_sample_pin - pin a byte range of a pageable buffer, as for a device
 * @s: The file's state.
 * @urange: Where userspace put the range.
 *
 * Swaps the range in, if it was out, and keeps it in memory until
 * SCAMEM_SAMPLE_UNPIN or the buffer goes.
 *
 * Context: Process context; takes @s->lock.
 * Return: 0; -EFAULT if @urange cannot be read; -ENXIO without a buffer;
 * -EINVAL if the buffer is not pageable, or the range is empty or beyond
 * it; -EBUSY if the driver has a range pinned already; or the error of
 * scamem_pin_range().
 */
static int scamem_sample_pin(struct scamem_sample *s,
			     const struct scamem_sample_range __user *urange)
{
	struct scamem_sample_range range;
	int ret;

	if (copy_from_user(&range, urange, sizeof(range)))
		return -EFAULT;
	/* loff_t is signed: scamem_pin_range() refuses what wraps. */
	if (range.start > S64_MAX || range.end > S64_MAX)
		return -EINVAL;

	guard(mutex)(&s->lock);
	if (!s->size)
		return -ENXIO;
	if (!s->sm || !scamem_is_pageable(s->sm))
		return -EINVAL;
	if (s->pinned.end)
		return -EBUSY;
	ret = scamem_pin_range(s->sm, range.start, range.end);
	if (!ret)
		s->pinned = range;
	return ret;
}

/* SCAMEM_SAMPLE_UNPIN: -ENXIO without a buffer, -EINVAL if none is pinned. */
static int scamem_sample_unpin_ioctl(struct scamem_sample *s)
{
	guard(mutex)(&s->lock);
	if (!s->size)
		return -ENXIO;
	if (!s->pinned.end)
		return -EINVAL;
	scamem_sample_unpin(s);
	return 0;
}

/*
 * SCAMEM_SAMPLE_WRITEBACK: what a driver does with a buffer it will not
 * use for a while; -ENXIO without a buffer, -EINVAL if it is not pageable.
 */
static int scamem_sample_writeback(struct scamem_sample *s)
{
	guard(mutex)(&s->lock);
	if (!s->size)
		return -ENXIO;
	if (!s->sm || !scamem_is_pageable(s->sm))
		return -EINVAL;
	return scamem_writeback_range(s->sm, 0, s->size);
}

static long scamem_sample_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	struct scamem_sample *s = file->private_data;
	void __user *uarg = (void __user *)arg;
	u32 refs;
	int ret;

	switch (cmd) {
	case SCAMEM_SAMPLE_ALLOC:
		return scamem_sample_alloc(s, uarg, SCAMEM_SAMPLE_KIND_VMALLOC);
	case SCAMEM_SAMPLE_ALLOC_SCAMEM:
		return scamem_sample_alloc(s, uarg, SCAMEM_SAMPLE_KIND_SCAMEM);
	case SCAMEM_SAMPLE_REFS:
		ret = scamem_sample_refs(s, &refs);
		if (!ret && copy_to_user(uarg, &refs, sizeof(refs)))
			ret = -EFAULT;
		return ret;
	case SCAMEM_SAMPLE_FREE:
		return scamem_sample_free(s);
	case SCAMEM_SAMPLE_REVOKE:
		return scamem_sample_revoke(s);
	case SCAMEM_SAMPLE_ALLOC_PAGEABLE:
		return scamem_sample_alloc(s, uarg, SCAMEM_SAMPLE_KIND_PAGEABLE);
	case SCAMEM_SAMPLE_PIN:
		return scamem_sample_pin(s, uarg);
	case SCAMEM_SAMPLE_UNPIN:
		return scamem_sample_unpin_ioctl(s);
	case SCAMEM_SAMPLE_WRITEBACK:
		return scamem_sample_writeback(s);
	default:
		return -ENOTTY;
	}
}

/**
 * scamem_sample_mmap_check - whether a new mapping may map the buffer
 * @vma: The new mapping.
 * @size: Size of the buffer in bytes.
 *
 * Never executable: the buffer is data, which userspace (any process that
 * maps it) and the driver write.  mmap() leaves VM_MAYEXEC set on every
 * mapping of a file that is not on a noexec mount, so a driver that does
 * not refuse PROT_EXEC here and clear VM_MAYEXEC afterwards lets its
 * buffer be mapped, or mprotect()ed, executable.
 *
 * Shared only: in a private mapping, a write would replace the buffer's
 * page with an anonymous copy, so the mapping would silently stop showing
 * what the driver sees.  scamem_mmap() refuses private mappings too;
 * checking here gives both kinds of buffer the same error.
 *
 * The range is checked here as well, so that the error does not depend
 * on the internals of the remap.
 *
 * Return: 0; -EPERM for an executable mapping, as mmap() of a noexec
 * mount fails; -EINVAL for a private mapping or a range beyond the
 * buffer.
 */
static int scamem_sample_mmap_check(const struct vm_area_struct *vma,
				    size_t size)
{
	unsigned long len = vma->vm_end - vma->vm_start;
	unsigned long off;

	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	/* Shared, if read-only: a file opened O_RDONLY lacks VM_SHARED. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	/* Overflows only where unsigned long is 32 bits (mmap2()). */
	if (check_shl_overflow(vma->vm_pgoff, PAGE_SHIFT, &off) ||
	    off >= size || len > size - off)
		return -EINVAL;
	return 0;
}

/**
 * scamem_sample_mmap - map the buffer into userspace
 * @file: The file owning the buffer.
 * @vma: The new mapping; its offset selects where in the buffer it starts.
 *
 * remap_vmalloc_scamem() and scamem_mmap() install the vm_ops that hold
 * and drop the mapping's scamem reference, so the driver sets neither
 * ->vm_ops nor ->vm_private_data (mmap() would fail if it did).  They
 * come last, so that nothing is mapped when a check fails.
 *
 * Context: Process context, with the mmap_lock held; takes the file's
 * lock.
 * Return: 0; -ENXIO if the file has no buffer; an error of
 * scamem_sample_mmap_check(); or the error of the remap (-ENODEV after
 * SCAMEM_SAMPLE_REVOKE).
 */
static int scamem_sample_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct scamem_sample *s = file->private_data;
	int ret;

	guard(mutex)(&s->lock);
	if (!s->size)
		return -ENXIO;
	ret = scamem_sample_mmap_check(vma, s->size);
	if (ret)
		return ret;
	/* mprotect(PROT_EXEC) now fails with -EACCES. */
	vm_flags_clear(vma, VM_MAYEXEC);
	if (s->buf)
		return remap_vmalloc_scamem(vma, s->buf, vma->vm_pgoff);
	return scamem_mmap(s->sm, vma, vma->vm_pgoff);
}

static const struct file_operations scamem_sample_fops = {
	.owner		= THIS_MODULE,
	.open		= scamem_sample_open,
	.release	= scamem_sample_release,
	.unlocked_ioctl	= scamem_sample_ioctl,
	/* The arguments are fixed-size integers: no translation needed. */
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= scamem_sample_mmap,
};

static struct miscdevice scamem_sample_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "scamem_sample",
	.fops	= &scamem_sample_fops,
};
module_misc_device(scamem_sample_dev);

MODULE_DESCRIPTION("scamem sample: a buffer to mmap and pin, freed at any time");
MODULE_LICENSE("GPL");
