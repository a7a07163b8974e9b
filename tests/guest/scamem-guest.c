// SPDX-License-Identifier: GPL-2.0
/*
 * What the in-guest programs that drive /dev/scamem_sample share; see
 * scamem-guest.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/fs.h>

#include "scamem-guest.h"

#define POLL_US		50000

const struct sample_kind sample_kinds[NR_SAMPLE_KINDS] = {
	{ "vmalloc_user", SCAMEM_SAMPLE_ALLOC, true },
	{ "scamem_alloc", SCAMEM_SAMPLE_ALLOC_SCAMEM, false },
};

int failures;
static char prefix[64];			/* "pin vmalloc_user 16 MiB: " etc. */

/* What the next check lines start with, after "@@ pass " or "@@ fail ". */
void set_prefix(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
}

void result(bool ok, const char *fmt, ...)
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

/* @ret is what a call returned, 0 for success and nonzero with errno. */
void expect_errno(int ret, int want, const char *what)
{
	int err = ret ? errno : 0;

	result(ret && err == want, "%s fails with %s: %s", what,
	       strerrorname_np(want), ret ? strerror(err) : "succeeded");
}

/* Open the device and ALLOC @size bytes of kind @k; -1 if that failed. */
int open_alloc(const struct sample_kind *k, uint64_t size, int flags)
{
	int fd = open(DEV, flags | O_CLOEXEC);

	if (fd < 0) {
		result(false, "open " DEV ": %s", strerror(errno));
		return -1;
	}
	if (ioctl(fd, k->alloc, &size)) {
		result(false, "ALLOC of %" PRIu64 " bytes: %s", size,
		       strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int sample_refs(int fd, uint32_t *val)
{
	return ioctl(fd, SCAMEM_SAMPLE_REFS, val) ? -errno : 0;
}

void check_refs(int fd, long want, const char *when)
{
	uint32_t val = 0;
	int err = sample_refs(fd, &val);

	if (err)
		result(false, "REFS %s is %ld: %s", when, want, strerror(-err));
	else
		result(val == want, "REFS %s is %ld: got %" PRIu32, when, want,
		       val);
}

void report_compare(const uint64_t *p, size_t size, unsigned int run,
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
 * Fold every CPU's pending vmstat deltas into the global counters.  Without
 * it, /proc/meminfo lags by up to the per-cpu threshold on each CPU and
 * node (tens of kB here) until the next vmstat update, a second or so.
 */
static void refresh_stats(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, "1\n", 2) < 0)
		perror("/proc/sys/vm/stat_refresh");
	close(fd);
}

/* A field of /proc/meminfo in kB, up to date, or -1. */
long meminfo_kb(const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long kb = -1;
	FILE *f;

	refresh_stats();
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

/*
 * Free memory in kB: MemFree plus the pages on the per-cpu free lists
 * (the "count:" lines of /proc/zoneinfo).  MemFree alone misses those, and
 * a burst of frees such as the last unpin of 16 MiB can leave megabytes
 * there: the lists grow their high mark on such bursts and keep the pages.
 */
long free_kb(void)
{
	char line[256];
	long pcp = 0, n, memfree = meminfo_kb("MemFree");
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f || memfree < 0) {
		if (f)
			fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &n) == 1)
			pcp += n;
	fclose(f);
	return memfree + pcp * (long)(PAGE >> 10);
}

/*
 * The /proc/vmallocinfo line of an area allocated by the sample driver
 * (its caller column names a function of the module, "[scamem_sample]"),
 * copied to @buf; false if there is none.
 */
bool sample_area(char *buf, size_t len)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/vmallocinfo", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "scamem_sample")) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(buf, len, "%s", line);
			found = true;
			break;
		}
	fclose(f);
	return found;
}

/*
 * Wait up to SETTLE_US for VmallocUsed and free memory to come back to
 * @vm_base and @free_base (vmalloc_near(), free_near()): the last free of
 * the pages may run from a workqueue, and a ring's memory goes away in
 * io_uring's exit work.  Stores the last readings in @vm and @free and
 * returns the milliseconds waited.
 */
int wait_for_baseline(long vm_base, long free_base, long *vm, long *free)
{
	int waited = 0;

	for (;;) {
		*vm = meminfo_kb("VmallocUsed");
		*free = free_kb();
		if ((vmalloc_near(*vm, vm_base) && free_near(*free, free_base)) ||
		    waited >= SETTLE_US)
			return waited / 1000;
		usleep(POLL_US);
		waited += POLL_US;
	}
}

/*
 * Wait for VmallocUsed and free memory to come back to their baselines
 * (see wait_for_baseline()) and report both; @when says after what.
 */
void check_back_to_baseline(long vm_base, long free_base, long memfree_base,
			    const char *when)
{
	long vm, free, memfree;
	int ms = wait_for_baseline(vm_base, free_base, &vm, &free);

	memfree = meminfo_kb("MemFree");
	result(vmalloc_near(vm, vm_base),
	       "VmallocUsed back to baseline %s: %ld kB before, %ld kB after (%+ld kB, tolerance %d kB, %d ms)",
	       when, vm_base, vm, vm - vm_base, VMALLOC_SLACK_KB, ms);
	result(free_near(free, free_base),
	       "free memory back to baseline %s: MemFree + per-cpu lists %ld kB before, %ld kB after (%+ld kB, tolerance -%d kB, %d ms; MemFree alone %ld kB, %ld kB)",
	       when, free_base, free, free - free_base, MEMFREE_SLACK_KB, ms,
	       memfree_base, memfree);
}

/* The pattern: a 64-bit counter per 8 bytes, different for each run. */
/* Whether all @len bytes at @p are @c; volatile: a mapping may be live. */
bool all_bytes(const volatile void *p, size_t len, char c)
{
	const volatile char *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i] != c)
			return false;
	return true;
}

uint64_t pattern(unsigned int run, size_t i)
{
	return 0x5ca3e30000000000ULL + ((uint64_t)run << 32) + i;
}

void fill(uint64_t *p, size_t size, unsigned int run, bool invert)
{
	for (size_t i = 0; i < size / 8; i++)
		p[i] = invert ? ~pattern(run, i) : pattern(run, i);
}

/* Index of the first word that differs from the pattern, or -1. */
long compare(const uint64_t *p, size_t size, unsigned int run)
{
	for (size_t i = 0; i < size / 8; i++)
		if (p[i] != pattern(run, i))
			return i;
	return -1;
}

/* Whole-range O_DIRECT I/O; returns bytes done or -errno. */
long direct_io(bool write, int fd, void *buf, size_t size, off_t off)
{
	ssize_t n = write ? pwrite(fd, buf, size, off) :
			    pread(fd, buf, size, off);

	return n < 0 ? -errno : n;
}

/* IORING_OP_WRITE_FIXED of registered buffer 0; bytes done or -errno. */
long write_fixed(struct io_uring *ring, int rd, void *addr, size_t size,
		 off_t off)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	long res;
	int ret;

	if (!sqe)
		return -EBUSY;
	io_uring_prep_write_fixed(sqe, rd, addr, size, off, 0);
	ret = io_uring_submit(ring);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	ret = io_uring_wait_cqe(ring, &cqe);
	if (ret)
		return ret;
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

/*
 * Open the ram disk for O_DIRECT I/O and write its first @size bytes once,
 * from @zeroes, @len bytes at a time (@len divides @size), so that brd's
 * pages exist before any baseline is taken: brd allocates a page at its
 * first write and keeps it.  Returns the file descriptor, or -errno
 * (-ENOSPC if the disk is smaller than @size).
 */
int open_ramdisk(size_t size, void *zeroes, size_t len)
{
	uint64_t bytes = 0;
	long n = 0;
	int rd;

	rd = open(RAMDISK, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (rd < 0)
		return -errno;
	if (ioctl(rd, BLKGETSIZE64, &bytes) || bytes < size)
		n = -ENOSPC;
	for (off_t off = 0; !n && off < (off_t)size; off += len) {
		n = direct_io(true, rd, zeroes, len, off);
		n = n == (long)len ? 0 : n < 0 ? n : -EIO;
	}
	if (n) {
		close(rd);
		return n;
	}
	return rd;
}

/*
 * Everything a run does, once for each kind of buffer, before any
 * baseline is taken: io_uring, the driver, scamem and the block layer
 * allocate some memory on first use and keep it (slab caches, io-wq
 * workers and the cached stacks of exited ones, percpu chunks), which
 * would otherwise count against the first run's baseline.  @rd may be -1.
 */
void warm_up(int rd, size_t size)
{
	for (int k = 0; k < NR_SAMPLE_KINDS; k++) {
		struct io_uring ring;
		struct iovec iov;
		uint64_t sz = size;
		void *map = MAP_FAILED;
		int fd;

		fd = open(DEV, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return;
		if (!ioctl(fd, sample_kinds[k].alloc, &sz))
			map = mmap(NULL, size, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, 0);
		if (map != MAP_FAILED && !io_uring_queue_init(8, &ring, 0)) {
			iov.iov_base = map;
			iov.iov_len = size;
			if (!io_uring_register_buffers(&ring, &iov, 1)) {
				if (rd >= 0) {
					write_fixed(&ring, rd, map, PAGE, 0);
					direct_io(true, rd, map, PAGE, 0);
				}
				io_uring_unregister_buffers(&ring);
			}
			io_uring_queue_exit(&ring);
		}
		if (map != MAP_FAILED)
			munmap(map, size);
		close(fd);
	}
	usleep(SETTLE_US / 4);	/* io_uring's exit work */
}

#define TRACEFS		"/sys/kernel/tracing/"

/* Write @val to a tracefs file, truncating it ("" clears the buffer). */
static bool tracefs_write(const char *file, const char *val)
{
	char path[128];
	bool ok;
	int fd;

	snprintf(path, sizeof(path), TRACEFS "%s", file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok;
}

bool scamem_trace_start(unsigned long capacity)
{
	char filter[64];

	snprintf(filter, sizeof(filter), "capacity == %lu", capacity);
	/* Room for a pin and an unpin event per page of 64 MiB. */
	return tracefs_write("buffer_size_kb", "8192") &&
	       tracefs_write("events/scamem/filter", filter) &&
	       tracefs_write("events/scamem/enable", "1") &&
	       tracefs_write("trace", "");
}

void scamem_trace_stop(void)
{
	tracefs_write("events/scamem/enable", "0");
	tracefs_write("events/scamem/filter", "0");
	tracefs_write("trace", "");
	tracefs_write("buffer_size_kb", "1408");
}

long scamem_trace_each(void (*fn)(const char *event, void *arg), void *arg)
{
	FILE *f = fopen(TRACEFS "trace", "r");
	char line[512];
	long n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *event = strstr(line, ": scamem_");

		if (line[0] == '#' || !event)
			continue;
		line[strcspn(line, "\n")] = '\0';
		fn(event + 2, arg);
		n++;
	}
	fclose(f);
	tracefs_write("trace", "");
	return n;
}

long trace_field(const char *event, const char *name)
{
	char key[32];
	const char *at;

	snprintf(key, sizeof(key), " %s=", name);
	at = strstr(event, key);
	return at ? strtol(at + strlen(key), NULL, 0) : LONG_MIN;
}
