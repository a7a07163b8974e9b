// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test: a vmalloc_user() buffer, mapped by a driver with
 * remap_vmalloc_range() and pinned by io_uring, outlives the driver's
 * vfree() and is freed with the last pin.  Driven through
 * /dev/scamem_sample (linux/samples/scamem/); needs /dev/ram0 (brd) of at
 * least RD_NEEDED bytes.
 *
 * For a 16 MiB buffer and for a single page:
 *
 *   a. baseline VmallocUsed and free memory (MemFree and the per-cpu
 *      free lists);
 *   b. ALLOC (refs 1), mmap MAP_SHARED (refs 2), fill with a pattern;
 *   c. io_uring_register_buffers() of the whole mapping: FOLL_LONGTERM
 *      pins, one reference per page (refs 2 + pages);
 *   f. O_DIRECT pwrite() from the mapping and pread() back into it (short
 *      FOLL_PIN pins; refs back to 2 + pages afterwards);
 *   d. FREE, munmap(), close(): only the io_uring pins are left; the area
 *      is gone from /proc/vmallocinfo but its pages still count in
 *      VmallocUsed;
 *   e. IORING_OP_WRITE_FIXED from the registered buffer to /dev/ram0,
 *      read back with O_DIRECT: the pattern, through the pins alone;
 *   g. unregister, exit the ring: VmallocUsed and free memory back to
 *      the baseline.
 *
 * Then hostile input to the driver, and the reference each VMA holds
 * through munmap() and mprotect() splits, fork and mremap().  One
 * "@@ pass NAME" or
 * "@@ fail NAME: details" line per check; exit status 1 if any failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scamem-guest.h"

#define BIG		(16UL << 20)
#define OFF_DIRECT	0UL		/* step f's region of the ram disk */
#define OFF_FIXED	BIG		/* step e's region */
#define RD_NEEDED	(2 * BIG)

static int failures;
static char prefix[32];			/* "pin 16 MiB: " etc. */

static void __attribute__((format(printf, 2, 3)))
result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("@@ %s %s", ok ? "pass" : "fail", prefix);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		failures++;
}

static int refs(int fd, uint32_t *val)
{
	return ioctl(fd, SCAMEM_SAMPLE_REFS, val) ? -errno : 0;
}

static void check_refs(int fd, long want, const char *when)
{
	uint32_t val = 0;
	int err = refs(fd, &val);

	if (err)
		result(false, "REFS %s is %ld: %s", when, want, strerror(-err));
	else
		result(val == want, "REFS %s is %ld: got %" PRIu32, when, want,
		       val);
}

static void report_compare(const uint64_t *p, size_t size, unsigned int run,
			   const char *what)
{
	long bad = compare(p, size, run);

	if (bad < 0)
		result(true, "%s", what);
	else
		result(false, "%s: word %ld is %#" PRIx64 ", want %#" PRIx64,
		       what, bad, p[bad], pattern(run, bad));
}

/*
 * Step g: wait for VmallocUsed and free memory to come back to their
 * baselines; the last free of the pages may run from a workqueue, and the
 * ring's memory goes away in io_uring's exit work.
 */
static void check_back_to_baseline(long vm_base, long free_base,
				   long memfree_base)
{
	long vm, free, memfree;
	int ms = wait_for_baseline(vm_base, free_base, &vm, &free);

	memfree = meminfo_kb("MemFree");
	result(vmalloc_near(vm, vm_base),
	       "VmallocUsed back to baseline after the last unpin: %ld kB before, %ld kB after (%+ld kB, tolerance %d kB, %d ms)",
	       vm_base, vm, vm - vm_base, VMALLOC_SLACK_KB, ms);
	result(free_near(free, free_base),
	       "free memory back to baseline after the last unpin: MemFree + per-cpu lists %ld kB before, %ld kB after (%+ld kB, tolerance -%d kB, %d ms; MemFree alone %ld kB, %ld kB)",
	       free_base, free, free - free_base, MEMFREE_SLACK_KB, ms,
	       memfree_base, memfree);
}

/* Steps a to g for one buffer size. */
static void run(unsigned int nr, size_t size, int rd, void *rbuf)
{
	long npages = size / PAGE, vm_base, free_base, memfree_base, vm, n;
	struct io_uring ring;
	bool have_ring = false, registered = false, listed;
	struct iovec iov;
	char area[512];
	uint64_t *map = MAP_FAILED;
	uint64_t sz = size;
	int fd, ret;

	if (size >= (1UL << 20))
		snprintf(prefix, sizeof(prefix), "pin %zu MiB: ", size >> 20);
	else
		snprintf(prefix, sizeof(prefix), "pin %ld page%s: ", npages,
			 npages == 1 ? "" : "s");

	/* a. Baseline. */
	vm_base = meminfo_kb("VmallocUsed");
	free_base = free_kb();
	memfree_base = meminfo_kb("MemFree");
	result(vm_base > 0 && free_base > 0,
	       "baseline VmallocUsed %ld kB, MemFree %ld kB (+ per-cpu lists %ld kB)",
	       vm_base, memfree_base, free_base);

	/* b. Allocate, map, fill. */
	fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		result(false, "open " DEV ": %s", strerror(errno));
		return;
	}
	ret = ioctl(fd, SCAMEM_SAMPLE_ALLOC, &sz);
	result(!ret, "ALLOC of %zu bytes%s%s", size, ret ? ": " : "",
	       ret ? strerror(errno) : "");
	if (ret)
		goto out_close;
	check_refs(fd, 1, "after ALLOC");
	if (sample_area(area, sizeof(area)))
		result(strstr(area, "vmalloc") != NULL,
		       "/proc/vmallocinfo lists the area: %s", area);
	else
		result(false, "/proc/vmallocinfo lists the area: no line with scamem_sample");

	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	result(map != MAP_FAILED, "mmap MAP_SHARED%s%s",
	       map == MAP_FAILED ? ": " : "",
	       map == MAP_FAILED ? strerror(errno) : "");
	if (map == MAP_FAILED)
		goto out_free;
	check_refs(fd, 2, "after mmap");
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

		ret = refs(fd, &val);
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

	listed = sample_area(area, sizeof(area));
	result(!listed, "/proc/vmallocinfo no longer lists the area after FREE, munmap and close%s%s",
	       listed ? ": " : "", listed ? area : "");
	vm = meminfo_kb("VmallocUsed");
	result(vm >= vm_base + (long)(size >> 10),
	       "pinned pages still count in VmallocUsed after FREE, munmap and close: %ld kB, baseline %ld kB + %zu kB",
	       vm, vm_base, size >> 10);

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
	check_back_to_baseline(vm_base, free_base, memfree_base);
}

static void expect_errno(int ret, int want, const char *what)
{
	int err = ret ? errno : 0;

	result(ret && err == want, "%s fails with %s: %s", what,
	       strerrorname_np(want), ret ? strerror(err) : "succeeded");
}

static void expect_mmap_einval(int fd, size_t len, off_t off, int flags,
			       const char *what)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, off);

	if (p != MAP_FAILED)
		munmap(p, len);
	expect_errno(p == MAP_FAILED ? -1 : 0, EINVAL, what);
}

/* Hostile input: every bad request fails cleanly and leaks nothing. */
static void hostile(void)
{
	uint64_t sz;
	uint32_t val;
	int fd;
	void *p;

	snprintf(prefix, sizeof(prefix), "pin hostile: ");
	fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		result(false, "open " DEV ": %s", strerror(errno));
		return;
	}
	sz = 0;
	expect_errno(ioctl(fd, SCAMEM_SAMPLE_ALLOC, &sz), EINVAL, "ALLOC of 0");
	sz = 1ULL << 62;
	expect_errno(ioctl(fd, SCAMEM_SAMPLE_ALLOC, &sz), EINVAL,
		     "ALLOC of 1 << 62");
	sz = SCAMEM_SAMPLE_MAX_SIZE + 1;
	expect_errno(ioctl(fd, SCAMEM_SAMPLE_ALLOC, &sz), EINVAL,
		     "ALLOC of 1 GiB + 1");
	sz = UINT64_MAX;
	expect_errno(ioctl(fd, SCAMEM_SAMPLE_ALLOC, &sz), EINVAL,
		     "ALLOC of 2^64 - 1 (PAGE_ALIGN would wrap)");
	expect_errno(ioctl(fd, SCAMEM_SAMPLE_REFS, &val), ENXIO,
		     "REFS without a buffer");
	expect_errno(ioctl(fd, SCAMEM_SAMPLE_FREE), ENXIO,
		     "FREE without a buffer");
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED)
		munmap(p, PAGE);
	expect_errno(p == MAP_FAILED ? -1 : 0, ENXIO, "mmap without a buffer");
	expect_errno(ioctl(fd, SCAMEM_SAMPLE_ALLOC, (void *)8), EFAULT,
		     "ALLOC with a bad pointer");

	sz = PAGE;
	if (ioctl(fd, SCAMEM_SAMPLE_ALLOC, &sz)) {
		result(false, "ALLOC of one page: %s", strerror(errno));
		close(fd);
		return;
	}
	expect_errno(ioctl(fd, SCAMEM_SAMPLE_ALLOC, &sz), EBUSY,
		     "second ALLOC");
	expect_mmap_einval(fd, 2 * PAGE, 0, MAP_SHARED,
			   "mmap of 2 pages of a 1-page buffer");
	expect_mmap_einval(fd, PAGE, PAGE, MAP_SHARED,
			   "mmap at offset 1 page of a 1-page buffer");
	expect_mmap_einval(fd, PAGE, 0, MAP_PRIVATE, "mmap MAP_PRIVATE");
	expect_errno(ioctl(fd, SCAMEM_SAMPLE_REFS, (void *)8), EFAULT,
		     "REFS with a bad pointer");
	check_refs(fd, 1, "after the rejected requests (nothing leaked)");
	expect_errno(ioctl(fd, _IO(SCAMEM_SAMPLE_IOC_MAGIC, 99)), ENOTTY,
		     "an unknown ioctl");
	result(!ioctl(fd, SCAMEM_SAMPLE_FREE), "FREE of the one-page buffer");
	close(fd);
}

/*
 * The VMA holds the scamem reference: every VMA made from a mapping
 * (split, fork, mremap) takes one and gives it back when it goes.
 */
static void vma_lifecycle(void)
{
	volatile char *p, *moved;
	uint64_t sz = 4 * PAGE;
	pid_t child;
	int fd, status;

	snprintf(prefix, sizeof(prefix), "pin vmas: ");
	fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, SCAMEM_SAMPLE_ALLOC, &sz)) {
		result(false, "open and ALLOC of 4 pages: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		result(false, "mmap of 4 pages: %s", strerror(errno));
		close(fd);
		return;
	}
	check_refs(fd, 2, "after mmap");
	result(munmap((void *)(p + PAGE), PAGE) == 0, "munmap of page 1");
	check_refs(fd, 3, "after a hole split the VMA in two");
	result(mprotect((void *)(p + 3 * PAGE), PAGE, PROT_READ) == 0,
	       "mprotect of page 3 read-only");
	check_refs(fd, 4, "after mprotect split off page 3");

	child = fork();
	if (child == 0) {
		uint32_t val = 0;

		p[2 * PAGE] = 'c';
		_exit(refs(fd, &val) || val != 7 ? 1 : 0);
	}
	result(child > 0 && waitpid(child, &status, 0) == child &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "a forked child sees REFS 7 (its 3 VMAs too)");
	check_refs(fd, 4, "after the child exited");
	result(p[2 * PAGE] == 'c', "the child's write shows in the parent");

	p[0] = 'm';
	/* A place of our own to move to: MREMAP_FIXED replaces what is there. */
	moved = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (moved != MAP_FAILED)
		moved = mremap((void *)p, PAGE, PAGE,
			       MREMAP_MAYMOVE | MREMAP_FIXED, (void *)moved);
	result(moved != MAP_FAILED && moved[0] == 'm',
	       "mremap moves page 0 with its contents");
	check_refs(fd, 4, "after mremap");
	result(mremap((void *)(p + 2 * PAGE), PAGE, 2 * PAGE, 0) == MAP_FAILED,
	       "mremap cannot grow a mapping (VM_DONTEXPAND)");
	if (moved != MAP_FAILED)
		munmap((void *)moved, PAGE);
	munmap((void *)(p + 2 * PAGE), 2 * PAGE);
	check_refs(fd, 1, "after every VMA is unmapped");
	close(fd);
}

/* The ram disk, written once before any baseline; -1 if it is unusable. */
static int ramdisk(void *rbuf)
{
	int rd;

	snprintf(prefix, sizeof(prefix), "pin: ");
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

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The read-back buffer, touched before any baseline is taken. */
	if (posix_memalign(&rbuf, PAGE, BIG)) {
		printf("@@ fail pin: no memory for the read-back buffer\n");
		return 1;
	}
	rd = ramdisk(rbuf);
	warm_up(rd, BIG);

	run(1, BIG, rd, rbuf);
	run(2, PAGE, rd, rbuf);
	hostile();
	vma_lifecycle();

	if (rd >= 0)
		close(rd);
	free(rbuf);
	return failures ? 1 : 0;
}
