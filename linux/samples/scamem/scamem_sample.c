// SPDX-License-Identifier: GPL-2.0
/*
 * scamem_sample: a driver that lends userspace a vmalloc_user() buffer.
 *
 * The model for a driver that hands out memory to be mmap()ed and pinned:
 * the buffer is allocated with vmalloc_user() and mapped with
 * remap_vmalloc_range(), nothing more.  The scamem behind every vmalloc
 * area keeps the pages alive for as long as anyone uses them: the area
 * holds one reference, each mapping one, each pinned page one.  So the
 * driver may vfree() the buffer whenever it is done with it, even while
 * userspace still maps it or has it pinned for I/O (io_uring fixed
 * buffers, O_DIRECT); it keeps no count of mappings, needs no ->close
 * hook and never waits for an unpin.
 *
 * Each open file of /dev/scamem_sample owns at most one buffer; the
 * ioctls are described in scamem_sample.h.  SCAMEM_SAMPLE_REFS exists only
 * so that tests can watch the references come and go.
 */

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

/**
 * struct scamem_sample - the buffer of one open file
 * @lock: Serializes the ioctls and ->mmap of the file, which may run
 *	concurrently from several threads sharing it.
 * @buf: The buffer from vmalloc_user(), or NULL.
 * @size: Size of @buf in bytes, a multiple of PAGE_SIZE; 0 without one.
 *
 * Lock order: ->mmap runs with the mmap_lock held and then takes @lock,
 * so nothing may touch user memory while holding @lock: a page fault
 * would take the mmap_lock inside it.  The ioctls copy their arguments
 * before taking @lock and their results after dropping it.
 */
struct scamem_sample {
	struct mutex lock;	/* protects buf and size */
	void *buf;
	size_t size;
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

/**
 * scamem_sample_release - free the buffer when the file goes away
 * @inode: The device inode.
 * @file: The file, at its last reference.
 *
 * Every mapping of the buffer holds a reference to @file, so this runs
 * only once all of them are unmapped; pins may remain, and keep the
 * pages (not the buffer's kernel address) until they are released.
 *
 * Context: Process context; may sleep.
 * Return: 0.
 */
static int scamem_sample_release(struct inode *inode, struct file *file)
{
	struct scamem_sample *s = file->private_data;

	vfree(s->buf);
	mutex_destroy(&s->lock);
	kfree(s);
	return 0;
}

/**
 * scamem_sample_alloc - give the file its buffer
 * @s: The file's state.
 * @size: Requested size in bytes, from userspace: not trusted.
 *
 * The size is checked against SCAMEM_SAMPLE_MAX_SIZE before it is rounded
 * up, so PAGE_ALIGN() cannot overflow, nor a 64-bit size be truncated on
 * a 32-bit kernel.  vmalloc_user() zeroes the buffer: userspace must never
 * see stale kernel data through the mapping.
 *
 * Context: Process context; takes @s->lock.
 * Return: 0, -EINVAL for a size of 0 or above the limit, -EBUSY if the
 * file has a buffer already, -ENOMEM if memory is short.
 */
static int scamem_sample_alloc(struct scamem_sample *s, u64 size)
{
	int ret = 0;

	if (!size || size > SCAMEM_SAMPLE_MAX_SIZE)
		return -EINVAL;
	size = PAGE_ALIGN(size);

	mutex_lock(&s->lock);
	if (s->buf) {
		ret = -EBUSY;
		goto unlock;
	}
	s->buf = vmalloc_user(size);
	if (!s->buf) {
		ret = -ENOMEM;
		goto unlock;
	}
	s->size = size;
unlock:
	mutex_unlock(&s->lock);
	return ret;
}

/**
 * scamem_sample_refs - read the reference count of the buffer's scamem
 * @s: The file's state.
 * @refs: Where to store the count.
 *
 * The count is a snapshot: mappings and pins may come and go as soon as
 * @s->lock is dropped.  vmalloc_to_scamem() takes no reference, which is
 * fine here because @s->lock keeps the buffer from being freed meanwhile.
 *
 * Context: Process context; takes @s->lock.
 * Return: 0, or -ENXIO if the file has no buffer.
 */
static int scamem_sample_refs(struct scamem_sample *s, u32 *refs)
{
	struct scamem *sm;
	int ret = 0;

	mutex_lock(&s->lock);
	sm = s->buf ? vmalloc_to_scamem(s->buf) : NULL;
	if (sm)
		*refs = scamem_refcount(sm);
	else
		ret = -ENXIO;
	mutex_unlock(&s->lock);
	return ret;
}

/**
 * scamem_sample_free - vfree() the buffer now
 * @s: The file's state.
 *
 * Drops only the buffer's own reference to its scamem: mappings and pins
 * keep theirs, and the pages are freed (and stop counting in VmallocUsed)
 * with the last of those.  The kernel address goes away at once.
 *
 * Context: Process context; takes @s->lock.
 * Return: 0, or -ENXIO if the file has no buffer.
 */
static int scamem_sample_free(struct scamem_sample *s)
{
	int ret = 0;

	mutex_lock(&s->lock);
	if (s->buf) {
		vfree(s->buf);
		s->buf = NULL;
		s->size = 0;
	} else {
		ret = -ENXIO;
	}
	mutex_unlock(&s->lock);
	return ret;
}

static long scamem_sample_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	struct scamem_sample *s = file->private_data;
	void __user *uarg = (void __user *)arg;
	u64 size;
	u32 refs;
	int ret;

	switch (cmd) {
	case SCAMEM_SAMPLE_ALLOC:
		if (copy_from_user(&size, uarg, sizeof(size)))
			return -EFAULT;
		return scamem_sample_alloc(s, size);
	case SCAMEM_SAMPLE_REFS:
		ret = scamem_sample_refs(s, &refs);
		if (!ret && copy_to_user(uarg, &refs, sizeof(refs)))
			ret = -EFAULT;
		return ret;
	case SCAMEM_SAMPLE_FREE:
		return scamem_sample_free(s);
	default:
		return -ENOTTY;
	}
}

/**
 * scamem_sample_mmap - map the buffer into userspace
 * @file: The file owning the buffer.
 * @vma: The new mapping; its offset selects where in the buffer it starts.
 *
 * Only shared mappings: in a private one, a write would replace the
 * buffer's page with an anonymous copy, so the mapping would silently
 * stop showing what the driver sees.  The range is checked here so that
 * the error does not depend on remap_vmalloc_range() internals.
 *
 * remap_vmalloc_range() does the rest: it installs the vm_ops that hold
 * and drop the mapping's scamem reference, so the driver sets neither
 * ->vm_ops nor ->vm_private_data.
 *
 * Context: Process context, with the mmap_lock held; takes the file's
 * lock.
 * Return: 0, -ENXIO if the file has no buffer, -EINVAL for a private
 * mapping or a range beyond the buffer, or the error of
 * remap_vmalloc_range().
 */
static int scamem_sample_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct scamem_sample *s = file->private_data;
	unsigned long len = vma->vm_end - vma->vm_start;
	unsigned long off;
	int ret;

	mutex_lock(&s->lock);
	if (!s->buf) {
		ret = -ENXIO;
		goto unlock;
	}
	if (!(vma->vm_flags & VM_SHARED) ||
	    check_shl_overflow(vma->vm_pgoff, PAGE_SHIFT, &off) ||
	    off >= s->size || len > s->size - off) {
		ret = -EINVAL;
		goto unlock;
	}
	ret = remap_vmalloc_range(vma, s->buf, vma->vm_pgoff);
unlock:
	mutex_unlock(&s->lock);
	return ret;
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

MODULE_DESCRIPTION("scamem sample: a vmalloc_user() buffer to mmap and pin");
MODULE_LICENSE("GPL");
