/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ioctls of /dev/scamem_sample, shared by the module and userspace.
 *
 * Each open file of /dev/scamem_sample owns at most one buffer:
 *
 * SCAMEM_SAMPLE_ALLOC	allocate it; the argument is its size in bytes,
 *			rounded up to whole pages.  EINVAL for 0 or more
 *			than SCAMEM_SAMPLE_MAX_SIZE, EBUSY if the file
 *			already has one, ENOMEM if memory is short.
 * SCAMEM_SAMPLE_REFS	read the reference count of the scamem behind it:
 *			1 for the driver, one per mapping, one per pinned
 *			page.  ENXIO without a buffer.
 * SCAMEM_SAMPLE_FREE	vfree() it now, even while it is mapped or pinned:
 *			the pages stay until the last mapping and pin are
 *			gone.  ENXIO without a buffer.
 *
 * mmap() maps it: MAP_SHARED only, within its size.
 */
#ifndef _UAPI_SCAMEM_SAMPLE_H
#define _UAPI_SCAMEM_SAMPLE_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define SCAMEM_SAMPLE_MAX_SIZE	_BITULL(30)	/* bytes: 1 GiB */

/*
 * 0xBB is free in Documentation/userspace-api/ioctl/ioctl-number.rst; a
 * driver with a uapi of its own registers its number there.
 */
#define SCAMEM_SAMPLE_IOC_MAGIC	0xBB

#define SCAMEM_SAMPLE_ALLOC	_IOW(SCAMEM_SAMPLE_IOC_MAGIC, 1, __u64)
#define SCAMEM_SAMPLE_REFS	_IOR(SCAMEM_SAMPLE_IOC_MAGIC, 2, __u32)
#define SCAMEM_SAMPLE_FREE	_IO(SCAMEM_SAMPLE_IOC_MAGIC, 3)

#endif /* _UAPI_SCAMEM_SAMPLE_H */
