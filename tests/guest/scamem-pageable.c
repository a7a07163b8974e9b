// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test of pageable scamem under memory pressure, run by
 * pageable.test inside a memory cgroup whose limit (memory.max) is well
 * below what it allocates, with swap on zram:
 *
 * sample: the driver's pageable buffers (SCAMEM_SAMPLE_ALLOC_PAGEABLE,
 *   linux/samples/scamem/):
 *   0. one of 1 MiB filled, unmapped and written back by the driver
 *      (SCAMEM_SAMPLE_WRITEBACK): pswpout rises by all its pages;
 *   1. one of 4 MiB, never touched, pinned by a child in another cgroup
 *      (OTHER_CGROUP): its pages are charged to this one, the creator's;
 *   a. OBJECTS buffers of a quarter of the limit each, twice it together,
 *      filled through a shared mapping and unmapped: pages go to swap
 *      (pswpout rises, the cgroup's swap use too: they are charged to
 *      it), and what stays resident of them is under the limit;
 *   b. the first pinned whole (SCAMEM_SAMPLE_PIN): at once all resident
 *      (mincore() of a new mapping, before any touch) and intact;
 *   c. the others read through their mappings, pressing memory again
 *      (pswpout rises): the pinned one stays all resident;
 *   d. unpinned, then each buffer pinned in turn, the limit raised: all
 *      resident, intact;
 *   e. the driver's errors: a range beyond the buffer (EINVAL), a second
 *      pin (EBUSY), an unpin of nothing (EINVAL), REVOKE (EOPNOTSUPP);
 *   f. closed: Shmem and swap use back where they were.
 *
 * big_key, pageable scamem's first in-tree user, has its own test
 * (scamem-big-key.c), which runs on the unpatched kernel too.
 *
 * One "@@ pass pageable ..." or "@@ fail pageable ...: details" line per
 * check; exit status 1 if any failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scamem-guest.h"

#define CGROUP		"/sys/fs/cgroup/pageable/"
#define OTHER_CGROUP	"/sys/fs/cgroup/other/"
#define OBJECTS		8

/* Checks: 2 + 2 + 9 + 2 per buffer + 4 + 2. */
#define CHECKS		(2 + 2 + 9 + 2 * OBJECTS + 4 + 2)

static long obj_size;

static long pswpout(void)
{
	return read_long("/proc/vmstat", "pswpout");
}

/* How many pages of the mapping at @p are resident, by mincore(). */
static long resident_pages(void *p, size_t size)
{
	size_t n = size / PAGE;
	unsigned char *vec = malloc(n);
	long resident = 0;

	if (!vec || mincore(p, size, vec)) {
		free(vec);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		resident += vec[i] & 1;
	free(vec);
	return resident;
}

static void *map(int fd)
{
	void *p = mmap(NULL, obj_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int pin(int fd, uint64_t start, uint64_t end)
{
	struct scamem_sample_range range = { start, end };

	return ioctl(fd, SCAMEM_SAMPLE_PIN, &range);
}

/* a: fill every buffer through a mapping; they outgrow the cgroup. */
static bool fill_all(int *fds)
{
	long out = pswpout(), resident = 0;
	long limit = read_long(CGROUP "memory.max", NULL);

	for (int i = 0; i < OBJECTS; i++) {
		uint64_t size = obj_size;
		void *p;

		fds[i] = open(DEV, O_RDWR | O_CLOEXEC);
		if (fds[i] < 0 ||
		    ioctl(fds[i], SCAMEM_SAMPLE_ALLOC_PAGEABLE, &size)) {
			result(false, "ALLOC_PAGEABLE %d: %s", i, strerror(errno));
			return false;
		}
		p = map(fds[i]);
		if (!p) {
			result(false, "mmap %d: %s", i, strerror(errno));
			return false;
		}
		fill(p, obj_size, i, false);
		munmap(p, obj_size);
	}
	result(true, "%d buffers of %ld MiB filled in a cgroup of %ld MiB",
	       OBJECTS, obj_size >> 20, limit >> 20);
	out = pswpout() - out;
	result(out >= (long)(OBJECTS * obj_size - limit) / (long)PAGE / 2,
	       "pages were swapped out: pswpout +%ld", out);
	result(read_long(CGROUP "memory.swap.current", NULL) > obj_size,
	       "the cgroup that created them is charged for their swap: %ld kB",
	       read_long(CGROUP "memory.swap.current", NULL) >> 10);
	for (int i = 0; i < OBJECTS; i++) {
		void *p = map(fds[i]);

		resident += p ? resident_pages(p, obj_size) : 0;
		if (p)
			munmap(p, obj_size);
	}
	result(resident * PAGE <= limit,
	       "what is resident of them fits the limit: %ld of %ld pages",
	       resident, OBJECTS * obj_size / PAGE);
	return true;
}

/*
 * Before any pressure: a buffer filled and unmapped, then written back
 * by its driver, goes to swap without waiting for reclaim.
 */
static void writeback_now(void)
{
	uint64_t size = 1UL << 20;
	long out = pswpout(), swap = swap_used_kb();
	int fd = open(DEV, O_RDWR | O_CLOEXEC), ret;
	void *p;

	if (fd >= 0 && !ioctl(fd, SCAMEM_SAMPLE_ALLOC_PAGEABLE, &size)) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			fill(p, size, 99, false);
			munmap(p, size);
		}
	}
	ret = fd >= 0 ? ioctl(fd, SCAMEM_SAMPLE_WRITEBACK) : -1;
	out = pswpout() - out;
	swap = swap_used_kb() - swap;
	result(!ret && out >= (long)(size / PAGE),
	       "WRITEBACK of 1 MiB: pswpout +%ld", out);
	result(swap >= (long)(size >> 10), "WRITEBACK of 1 MiB: swap use +%ld kB",
	       swap);
	close(fd);
}

/*
 * The creator pays: a buffer created here and pinned, never touched
 * before, by a child in another cgroup is charged here, not there.
 */
static void charged_to_creator(void)
{
	uint64_t size = 4UL << 20;
	long before = read_long(CGROUP "memory.current", NULL), after;
	long other = -1;
	int fd = open(DEV, O_RDWR | O_CLOEXEC), pipefd[2], status;
	pid_t pid;

	if (fd < 0 || ioctl(fd, SCAMEM_SAMPLE_ALLOC_PAGEABLE, &size) ||
	    pipe(pipefd)) {
		result(false, "creator pays: setup: %s", strerror(errno));
		result(false, "creator pays: setup");
		return;
	}
	pid = fork();
	if (!pid) {
		FILE *f = fopen(OTHER_CGROUP "cgroup.procs", "w");
		long charged = -1;

		if (f && fprintf(f, "%d\n", getpid()) > 0 && !fclose(f) &&
		    !pin(fd, 0, size))
			charged = read_long(OTHER_CGROUP "memory.current", NULL);
		if (write(pipefd[1], &charged, sizeof(charged)) < 0)
			_exit(2);
		_exit(0);
	}
	if (read(pipefd[0], &other, sizeof(other)) != sizeof(other))
		other = -1;
	waitpid(pid, &status, 0);
	after = read_long(CGROUP "memory.current", NULL);
	result(other >= 0 && other < (long)size / 4,
	       "pinned from another cgroup, it is charged %ld kB there",
	       other >> 10);
	result(after - before >= (long)size * 9 / 10,
	       "and %ld kB here, where the buffer was created",
	       (after - before) >> 10);
	ioctl(fd, SCAMEM_SAMPLE_UNPIN);
	close(fd);
	close(pipefd[0]);
	close(pipefd[1]);
}

/* b and c: the first buffer pinned, then memory pressed around it. */
static void pinned_stays(int *fds)
{
	long out;
	void *p;

	result(!pin(fds[0], 0, obj_size), "PIN of buffer 0: %s",
	       strerror(errno));
	p = map(fds[0]);
	result(p && resident_pages(p, obj_size) == obj_size / PAGE &&
	       compare(p, obj_size, 0) < 0,
	       "pinned, buffer 0 is resident and intact before any touch");

	out = pswpout();
	for (int i = 1; i < OBJECTS; i++) {
		void *q = map(fds[i]);

		if (q) {
			compare(q, obj_size, i);
			munmap(q, obj_size);
		}
	}
	result(pswpout() > out, "reading the others swapped pages out again: +%ld",
	       pswpout() - out);
	result(p && resident_pages(p, obj_size) == obj_size / PAGE,
	       "the pinned buffer stayed resident under that pressure");
	if (p)
		munmap(p, obj_size);
	result(!ioctl(fds[0], SCAMEM_SAMPLE_UNPIN), "UNPIN of buffer 0");
}

/*
 * d: each buffer pinned in turn is swapped in whole, with its data.  What
 * is checked is the swap-in, not reclaim, and the limit goes up first:
 * the buffer unpinned before is all on the active list (an unpin marks
 * its pages accessed), and in two KCSAN boots of eight the reclaim of
 * this small cgroup did not age it in time: the next pin ended in an
 * OOM kill with all 8 MiB on the active list (memory.stat).
 */
static void pin_each(int *fds)
{
	long limit = read_long(CGROUP "memory.max", NULL);
	FILE *f = fopen(CGROUP "memory.max", "w");

	if (f) {
		fprintf(f, "%ld\n", 4 * limit);
		fclose(f);
	}
	printf("pageable: memory.max for the pins: %ld kB\n",
	       read_long(CGROUP "memory.max", NULL) >> 10);
	for (int i = 0; i < OBJECTS; i++) {
		void *p;

		result(!pin(fds[i], 0, obj_size), "PIN of buffer %d: %s", i,
		       strerror(errno));
		p = map(fds[i]);
		result(p && resident_pages(p, obj_size) == obj_size / PAGE &&
		       compare(p, obj_size, i) < 0,
		       "buffer %d pinned again: resident and intact", i);
		if (p)
			munmap(p, obj_size);
		ioctl(fds[i], SCAMEM_SAMPLE_UNPIN);
	}
}

/* e: what the driver refuses. */
static void driver_errors(int fd)
{
	expect_errno(pin(fd, 0, obj_size + 1), EINVAL, "PIN beyond the buffer");
	pin(fd, 0, PAGE);
	expect_errno(pin(fd, PAGE, 2 * PAGE), EBUSY, "a second PIN");
	ioctl(fd, SCAMEM_SAMPLE_UNPIN);
	expect_errno(ioctl(fd, SCAMEM_SAMPLE_UNPIN), EINVAL,
		     "UNPIN with nothing pinned");
	expect_errno(ioctl(fd, SCAMEM_SAMPLE_REVOKE), EOPNOTSUPP,
		     "REVOKE of a pageable buffer");
}

static void sample_test(void)
{
	long shmem = meminfo_kb("Shmem"), swap = swap_used_kb();
	int fds[OBJECTS];

	set_prefix("pageable sample: ");
	writeback_now();
	charged_to_creator();
	if (!fill_all(fds))
		exit(1);
	pinned_stays(fds);
	pin_each(fds);
	driver_errors(fds[0]);
	for (int i = 0; i < OBJECTS; i++)
		close(fds[i]);
	check_shmem_swap_back(shmem, swap, "closed");
}

int main(void)
{
	long limit = read_long(CGROUP "memory.max", NULL);

	plan(CHECKS, "pageable");
	if (limit <= 0 || meminfo_kb("SwapTotal") <= 0) {
		set_prefix("pageable: ");
		result(false, "no memory cgroup limit (%ld) or no swap", limit);
		return 1;
	}
	/* Pinned, one leaves three quarters of the limit to the rest. */
	obj_size = limit / 4;
	sample_test();
	return failures ? 1 : 0;
}
