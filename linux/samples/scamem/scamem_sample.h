/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ioctls of /dev/scamem_sample, shared by the module and userspace.
 *
 * Each open file of /dev/scamem_sample owns at most one buffer, zeroed
 * when it is allocated:
 *
 * SCAMEM_SAMPLE_ALLOC	allocate it with vmalloc_user(); the argument is
 *			its size in bytes, rounded up to whole pages.
 *			EINVAL for 0 or more than SCAMEM_SAMPLE_MAX_SIZE,
 *			EBUSY if the file already has a buffer (of either
 *			kind), ENOMEM if memory is short, EFAULT if the
 *			argument cannot be read.
 * SCAMEM_SAMPLE_ALLOC_SCAMEM
 *			the same with scamem_alloc(): pages with no kernel
 *			mapping, which count in neither VmallocUsed nor
 *			/proc/vmallocinfo.
 * SCAMEM_SAMPLE_REFS	read the reference count of the scamem behind it:
 *			1 for the driver, one per mapping (VMA), one per
 *			pinned page.  ENXIO without a buffer.
 * SCAMEM_SAMPLE_FREE	free it now (vfree() or scamem_put()), even while
 *			it is mapped or pinned: the pages stay until the
 *			last mapping and pin are gone.  The file may then
 *			allocate again.  ENXIO without a buffer.
 * SCAMEM_SAMPLE_REVOKE	take it away from userspace (scamem_revoke()), as
 *			a driver does when its device goes away: every
 *			mapping of it is emptied and gets SIGBUS on access,
 *			pinning it (io_uring buffer registration, O_DIRECT)
 *			fails with EFAULT, and a new mmap() of it fails
 *			with ENODEV.  Pins taken before stay, and keep the
 *			pages and their contents until they are released.
 *			The buffer stays the file's: REFS and FREE work as
 *			before.  ENXIO without a buffer, EOPNOTSUPP for a
 *			pageable one.
 * SCAMEM_SAMPLE_ALLOC_PAGEABLE
 *			allocate it with scamem_create_pageable(): pages in
 *			shmem, allocated on first use and swapped out while
 *			the driver does not pin them.  Its mappings are
 *			ordinary shared mappings of those pages.  Errors as
 *			for ALLOC.
 * SCAMEM_SAMPLE_PIN	pin the byte range [start, end) of a pageable buffer
 *			(struct scamem_sample_range), as a driver does while
 *			its device uses it: it is swapped in, and stays in
 *			memory until UNPIN, FREE or close.  One range at a
 *			time: EBUSY if one is pinned.  EINVAL if the buffer
 *			is not pageable or the range is empty or beyond it,
 *			ENXIO without a buffer, ENOMEM if memory is short.
 * SCAMEM_SAMPLE_UNPIN	unpin it.  EINVAL if nothing is pinned, ENXIO
 *			without a buffer.
 * SCAMEM_SAMPLE_WRITEBACK
 *			write the dirty pages of a pageable buffer that
 *			nothing maps or pins to swap now (no-op without
 *			swap).  EINVAL if the buffer is not pageable, ENXIO
 *			without one.
 *
 * mmap() maps it, from the page at the file offset on:
 *
 * - MAP_SHARED only: EINVAL for MAP_PRIVATE.  MAP_SHARED of a file
 *   opened O_RDONLY works and stays read-only (EACCES for
 *   mprotect(PROT_WRITE));
 * - within the buffer: EINVAL if the offset or the end lies beyond its
 *   rounded-up size (mmap() itself rounds the length up to whole pages
 *   and refuses unaligned offsets with EINVAL);
 * - never executable: EPERM for PROT_EXEC (and so for any mapping made
 *   under the READ_IMPLIES_EXEC personality, which adds PROT_EXEC to
 *   PROT_READ), EACCES for mprotect(PROT_EXEC) of a mapping;
 * - ENXIO without a buffer, ENODEV after REVOKE.
 *
 * A mapping can be split, moved and shrunk, never grown: mremap() to a
 * larger size fails with EFAULT.
 *
 * A mapping keeps the file open, and with it the buffer: closing every
 * file descriptor of it frees the buffer only once the last mapping is
 * gone.  An ioctl on a closed descriptor fails with EBADF, as on any;
 * opening the device again (even through /proc/PID/map_files/) gives a
 * new file with no buffer, on which REFS, FREE and mmap() fail with
 * ENXIO.  A mapping of a pageable buffer keeps its pages instead, not the
 * file.
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
#define SCAMEM_SAMPLE_ALLOC_SCAMEM _IOW(SCAMEM_SAMPLE_IOC_MAGIC, 4, __u64)
#define SCAMEM_SAMPLE_REVOKE	_IO(SCAMEM_SAMPLE_IOC_MAGIC, 5)
#define SCAMEM_SAMPLE_ALLOC_PAGEABLE _IOW(SCAMEM_SAMPLE_IOC_MAGIC, 6, __u64)

/* A byte range of the buffer, end exclusive. */
struct scamem_sample_range {
	__u64 start;
	__u64 end;
};

#define SCAMEM_SAMPLE_PIN	_IOW(SCAMEM_SAMPLE_IOC_MAGIC, 7, \
				     struct scamem_sample_range)
#define SCAMEM_SAMPLE_UNPIN	_IO(SCAMEM_SAMPLE_IOC_MAGIC, 8)
#define SCAMEM_SAMPLE_WRITEBACK	_IO(SCAMEM_SAMPLE_IOC_MAGIC, 9)

#endif /* _UAPI_SCAMEM_SAMPLE_H */
