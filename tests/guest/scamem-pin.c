// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test: a driver's buffer, mapped to userspace and pinned by
 * io_uring, outlives the driver's free and is freed with the last pin.
 * Driven through /dev/scamem_sample (linux/samples/scamem/), for both
 * kinds of buffer it allocates: a vmalloc_user() buffer mapped with
 * remap_vmalloc_range(), and a scamem_alloc() one mapped with
 * scamem_mmap().  Needs /dev/ram0 (brd) of at least RD_NEEDED bytes.
 *
 * For each kind, for a 16 MiB buffer and for a single page:
 *
 *   a. baseline VmallocUsed and free memory (free pages, counted with
 *      what the kernel holds for something /proc/meminfo names: struct
 *      mem), once the lazily freed vmap areas are purged;
 *   b. ALLOC (refs 1), mmap MAP_SHARED (refs 2): the buffer reads as
 *      zeroes; fill it with a pattern;
 *   c. io_uring_register_buffers() of the whole mapping: FOLL_LONGTERM
 *      pins, one reference per page (refs 2 + pages);
 *   f. O_DIRECT pwrite() from the mapping and pread() back into it (short
 *      FOLL_PIN pins; refs back to 2 + pages afterwards);
 *   d. FREE, munmap(), close(): only the io_uring pins are left; a
 *      vmalloc_user() area is gone from /proc/vmallocinfo but its pages
 *      still count in VmallocUsed; a scamem_alloc() buffer never counts
 *      there; either is still missing from free memory;
 *   e. IORING_OP_WRITE_FIXED from the registered buffer to /dev/ram0,
 *      read back with O_DIRECT: the pattern, through the pins alone;
 *   g. unregister, exit the ring: VmallocUsed and free memory back to
 *      the baseline, to the page (check_back_to_baseline()).
 *
 * Hostile input, and the reference each VMA holds, are scamem-hostile.c's.
 * One "@@ pass NAME" or "@@ fail NAME: details" line per check; exit
 * status 1 if any failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "scamem-guest.h"

#define BIG		(16UL << 20)
#define OFF_DIRECT	0UL		/* step f's region of the ram disk */
#define OFF_FIXED	BIG		/* step e's region */
#define RD_NEEDED	(2 * BIG)
/* Whether free memory shows @kb held, above its noise. */
#define HELD_IS_SEEN(kb) ((kb) >= 4 * MEMFREE_SLACK_KB)

/* Step b: where the buffer shows in /proc/vmallocinfo, if anywhere. */
static void check_area(const struct sample_kind *k)
{
	char area[512];
	bool listed = sample_area(area, sizeof(area));

	if (k->vmalloc)
		result(listed && strstr(area, "vmalloc") != NULL,
		       "/proc/vmallocinfo lists the area: %s",
		       listed ? area : "no line with scamem_sample");
	else
		result(!listed,
		       "/proc/vmallocinfo lists nothing of the driver's (no vmalloc area)%s%s",
		       listed ? ": " : "", listed ? area : "");
}

/*
 * Step d: the pages are still allocated, held by the pins alone: page_owner
 * counts them all, to the page.  VmallocUsed counts those of a
 * vmalloc_user() buffer, and never those of a scamem_alloc() buffer.  They
 * are missing from free memory (counted with what the kernel holds for
 * something else, see struct mem), which stands out from the noise for
 * large buffers only.
 */
static void check_held(const struct sample_kind *k, size_t size,
		       const struct mem *base)
{
	long kb = size >> 10, pages = sample_pages(false) - base->sample;
	struct mem m;

	read_mem(&m);
	result(pages >= (long)(size / PAGE),
	       "pinned pages are still allocated after FREE, munmap and close (page_owner): %ld pages through the sample driver, want %zu or more",
	       pages, size / PAGE);
	if (k->vmalloc)
		result(m.vmalloc >= base->vmalloc + kb,
		       "pinned pages still count in VmallocUsed after FREE, munmap and close: %ld kB, baseline %ld kB + %ld kB",
		       m.vmalloc, base->vmalloc, kb);
	else
		result(m.vmalloc == base->vmalloc,
		       "pinned pages do not count in VmallocUsed after FREE, munmap and close: %ld kB, baseline %ld kB",
		       m.vmalloc, base->vmalloc);
	if (HELD_IS_SEEN(kb))
		result(m.kept <= base->kept - kb + MEMFREE_SLACK_KB,
		       "pinned pages are still missing from free memory after FREE, munmap and close: %+ld kB, want -%ld kB or less (tolerance %d kB)",
		       m.kept - base->kept, kb, MEMFREE_SLACK_KB);
}

/*
 * The checks run() reports when nothing stops it early: 28, one more
 * where free memory shows the held pages, one more for a vmalloc buffer
 * (its area is gone from /proc/vmallocinfo).
 */
static int run_checks(const struct sample_kind *k, size_t size)
{
	return 28 + HELD_IS_SEEN(size >> 10) + k->vmalloc;
}

/* Steps a to g for one kind of buffer and one size. */
static void run(const struct sample_kind *k, unsigned int nr, size_t size,
		int rd, void *rbuf)
{
	long npages = size / PAGE, n;
	struct mem base;
	struct io_uring ring;
	bool have_ring = false, registered = false, listed;
	struct iovec iov;
	char area[512];
	uint64_t *map = MAP_FAILED;
	uint64_t sz = size;
	int fd, ret;

	if (size >= (1UL << 20))
		set_prefix("pin %s %zu MiB: ", k->name, size >> 20);
	else
		set_prefix("pin %s %ld page%s: ", k->name, npages,
			   npages == 1 ? "" : "s");

	/* a. Baseline. */
	take_baseline(&base);
	result(base.vmalloc > 0 && base.memfree > 0,
	       "baseline VmallocUsed %ld kB, MemFree %ld kB (+ per-cpu lists %ld kB)",
	       base.vmalloc, base.memfree, base.free);

	/* b. Allocate, map, fill. */
	fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		result(false, "open " DEV ": %s", strerror(errno));
		return;
	}
	ret = ioctl(fd, k->alloc, &sz);
	result(!ret, "ALLOC of %zu bytes%s%s", size, ret ? ": " : "",
	       ret ? strerror(errno) : "");
	if (ret)
		goto out_close;
	check_refs(fd, 1, "after ALLOC");
	check_area(k);

	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	result(map != MAP_FAILED, "mmap MAP_SHARED%s%s",
	       map == MAP_FAILED ? ": " : "",
	       map == MAP_FAILED ? strerror(errno) : "");
	if (map == MAP_FAILED)
		goto out_free;
	check_refs(fd, 2, "after mmap");
	result(all_bytes(map, size, 0), "the new buffer reads as zeroes");
	fill(map, size, nr, false);

	/* c. Long-term pins through io_uring. */
	ret = io_uring_queue_init(8, &ring, 0);
	result(!ret, "io_uring_queue_init%s%s", ret ? ": " : "",
	       ret ? strerror(-ret) : "");
	have_ring = !ret;
	if (have_ring) {
		iov.iov_base = map;
		iov.iov_len = size;
		ret = io_uring_register_buffers(&ring, &iov, 1);
		result(!ret, "io_uring_register_buffers of the mapping%s%s",
		       ret ? ": " : "", ret ? strerror(-ret) : "");
		registered = !ret;
		check_refs(fd, 2 + npages, "after io_uring_register_buffers (2 + pages)");
	}

	/* f. O_DIRECT straight from and into the mapping. */
	if (rd < 0) {
		result(false, "O_DIRECT write and read back through the mapping: no " RAMDISK);
	} else {
		n = direct_io(true, rd, map, size, OFF_DIRECT);
		result(n == (long)size, "O_DIRECT pwrite from the mapping: %ld of %zu bytes%s%s",
		       n, size, n < 0 ? ": " : "", n < 0 ? strerror(-n) : "");
		fill(map, size, nr, true);	/* what the read must undo */
		n = direct_io(false, rd, map, size, OFF_DIRECT);
		result(n == (long)size, "O_DIRECT pread into the mapping: %ld of %zu bytes%s%s",
		       n, size, n < 0 ? ": " : "", n < 0 ? strerror(-n) : "");
		report_compare(map, size, nr,
			       "O_DIRECT round trip through the mapping keeps the pattern");
	}
	if (have_ring)
		check_refs(fd, 2 + npages, "after O_DIRECT (short pins gone, 2 + pages)");
	else
		check_refs(fd, 2, "after O_DIRECT (short pins gone)");

	/* d. The driver lets go; the mapping goes; only the pins remain. */
	ret = ioctl(fd, SCAMEM_SAMPLE_FREE);
	result(!ret, "FREE while mapped and pinned%s%s", ret ? ": " : "",
	       ret ? strerror(errno) : "");
	if (!ret) {
		uint32_t val;

		ret = sample_refs(fd, &val);
		result(ret == -ENXIO, "REFS after FREE fails with ENXIO: %s",
		       ret ? strerror(-ret) : "succeeded");
		report_compare(map, size, nr,
			       "the mapping still holds the pattern after FREE");
	}
out_free:
	if (map != MAP_FAILED) {
		ret = munmap(map, size);
		result(!ret, "munmap%s%s", ret ? ": " : "",
		       ret ? strerror(errno) : "");
	}
out_close:
	ret = close(fd);
	result(!ret, "close " DEV "%s%s", ret ? ": " : "",
	       ret ? strerror(errno) : "");
	if (map == MAP_FAILED)
		goto out_ring;

	if (k->vmalloc) {
		listed = sample_area(area, sizeof(area));
		result(!listed, "/proc/vmallocinfo no longer lists the area after FREE, munmap and close%s%s",
		       listed ? ": " : "", listed ? area : "");
	}
	check_held(k, size, &base);

	/* e. The data, through the io_uring pins alone. */
	if (!registered) {
		result(false, "WRITE_FIXED from the pinned pages: no registered buffer");
	} else if (rd < 0) {
		result(false, "WRITE_FIXED from the pinned pages: no " RAMDISK);
	} else {
		/*
		 * The address only locates the data in the registered buffer;
		 * it is no longer mapped.
		 */
		n = write_fixed(&ring, rd, map, size, OFF_FIXED);
		result(n == (long)size, "WRITE_FIXED from the pinned pages: %ld of %zu bytes%s%s",
		       n, size, n < 0 ? ": " : "", n < 0 ? strerror(-n) : "");
		memset(rbuf, 0, size);
		n = direct_io(false, rd, rbuf, size, OFF_FIXED);
		result(n == (long)size, "O_DIRECT pread of what WRITE_FIXED wrote: %ld of %zu bytes%s%s",
		       n, size, n < 0 ? ": " : "", n < 0 ? strerror(-n) : "");
		report_compare(rbuf, size, nr,
			       "the pinned pages still hold the pattern after FREE, munmap and close");
	}

out_ring:
	/* g. The last pins go, and with them the pages. */
	if (registered) {
		ret = io_uring_unregister_buffers(&ring);
		result(!ret, "io_uring_unregister_buffers%s%s", ret ? ": " : "",
		       ret ? strerror(-ret) : "");
	}
	if (have_ring)
		io_uring_queue_exit(&ring);
	check_back_to_baseline(&base, "after the last unpin");
}

/* The ram disk, written once before any baseline; -1 if it is unusable. */
static int ramdisk(void *rbuf)
{
	int rd;

	set_prefix("pin: ");
	memset(rbuf, 0, BIG);
	rd = open_ramdisk(RD_NEEDED, rbuf, BIG);
	result(rd >= 0, RAMDISK " holds %lu MiB, written once with O_DIRECT%s%s",
	       RD_NEEDED >> 20, rd < 0 ? ": " : "", rd < 0 ? strerror(-rd) : "");
	return rd < 0 ? -1 : rd;
}

int main(void)
{
	void *rbuf;
	int rd;

	int checks = 1;		/* ramdisk() */

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int k = 0; k < NR_SAMPLE_KINDS; k++)
		checks += run_checks(&sample_kinds[k], BIG) +
			  run_checks(&sample_kinds[k], PAGE);
	plan(checks, "pin");
	/* The read-back buffer, touched before any baseline is taken. */
	if (posix_memalign(&rbuf, PAGE, BIG)) {
		printf("@@ fail pin: no memory for the read-back buffer\n");
		return 1;
	}
	rd = ramdisk(rbuf);
	warm_up(rd, BIG);

	/* A pattern of its own for each run: no run can pass on another's. */
	for (int k = 0; k < NR_SAMPLE_KINDS; k++) {
		run(&sample_kinds[k], 2 * k + 1, BIG, rd, rbuf);
		run(&sample_kinds[k], 2 * k + 2, PAGE, rd, rbuf);
	}

	if (rd >= 0)
		close(rd);
	free(rbuf);
	return failures ? 1 : 0;
}
