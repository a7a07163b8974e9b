/* SPDX-License-Identifier: GPL-2.0 */
/* ioctls of /dev/scamem_bench, shared by the module and the program. */
#ifndef _SCAMEM_BENCH_H
#define _SCAMEM_BENCH_H

#include <linux/ioctl.h>
#include <linux/types.h>

struct scamem_bench_args {
	__u64 size;	/* bytes */
	__u64 loops;	/* repetitions, or number of areas for HOLD */
	__u64 addr;	/* user address for PIN and GUP */
	__u64 ns;	/* result: nanoseconds for all loops */
	__u64 ns_free;	/* result of VMALLOC: nanoseconds of the vfree()s */
	__u64 ns_purge;	/* result of VMALLOC: of their lazy unmapping */
};

#define SCAMEM_BENCH_VMALLOC	_IOWR('S', 1, struct scamem_bench_args)
/* pin_user_pages_fast() + unpin_user_pages() */
#define SCAMEM_BENCH_PIN	_IOWR('S', 2, struct scamem_bench_args)
/* get_user_pages_fast() + put_page() */
#define SCAMEM_BENCH_GUP	_IOWR('S', 3, struct scamem_bench_args)
/*
 * A vmalloc_user() buffer of size bytes for ->mmap to map: with
 * remap_vmalloc_scamem() on the scamem kernel, or, if addr is
 * SCAMEM_BENCH_PER_PAGE, with remap_vmalloc_range() on both kernels.
 */
#define SCAMEM_BENCH_USER_BUF	_IOWR('S', 4, struct scamem_bench_args)
#define SCAMEM_BENCH_PER_PAGE	1
#define SCAMEM_BENCH_HOLD	_IOWR('S', 5, struct scamem_bench_args)
#define SCAMEM_BENCH_RELEASE	_IOWR('S', 6, struct scamem_bench_args)
/* pin_user_pages() under the mmap lock + unpin_user_pages() */
#define SCAMEM_BENCH_PIN_LOCKED	_IOWR('S', 7, struct scamem_bench_args)

/*
 * Pin and unpin all of a resident shmem object of size bytes, loops
 * times: with scamem_pin_range()/scamem_unpin_range() of a pageable
 * scamem on the scamem kernel, or (addr SCAMEM_BENCH_OPEN_CODED, and on
 * kernels without scamem) with the bare shmem_read_folio() loop and
 * folio_put()s at the heart of drm_gem_get_pages()/drm_gem_put_pages(),
 * or (addr SCAMEM_BENCH_GEM_PAGES) with those two functions whole, as
 * GEM drivers call them: page array, unevictable mapping and all.
 */
#define SCAMEM_BENCH_PAGEABLE	_IOWR('S', 8, struct scamem_bench_args)
#define SCAMEM_BENCH_OPEN_CODED	1
#define SCAMEM_BENCH_GEM_PAGES	2

#endif
