// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test: a driver revokes its buffer (SCAMEM_SAMPLE_REVOKE,
 * scamem_revoke()) while userspace has it mapped twice and pinned by
 * io_uring.  Driven through /dev/scamem_sample (linux/samples/scamem/), for
 * both kinds of buffer it allocates.  Needs /dev/ram0 (brd).
 *
 * For each kind:
 *
 *   a. baseline (struct mem, page_owner: check_back_to_baseline());
 *   b. ALLOC, two MAP_SHARED mappings (REFS 3); fill one with a pattern,
 *      which the other shows: the same pages;
 *   c. io_uring_register_buffers() of the first mapping (REFS 3 + pages);
 *   d. REVOKE; the VMAs and the pins keep their references (REFS
 *      unchanged);
 *   e. a read of either mapping, and a write, gets SIGBUS (in a child,
 *      which inherited the mappings);
 *   f. pinning either mapping fails with EFAULT: io_uring buffer
 *      registration on a second ring, O_DIRECT pwrite() from it;
 *   g. a new mmap() fails with ENODEV;
 *   h. the pages pinned before the revoke still hold the pattern:
 *      IORING_OP_WRITE_FIXED to /dev/ram0, read back with O_DIRECT;
 *   i. munmap() both (REFS 1 + pages), FREE, close(), unregister: every
 *      page back (check_back_to_baseline()).
 *
 * One "@@ pass revoke ..." or "@@ fail revoke ...: details" line per
 * check; exit status 1 if any failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scamem-guest.h"

#define PAGES		16
#define SIZE		(PAGES * PAGE)
/* Checks of one run(): see the steps above. */
#define RUN_CHECKS	26

static const char *err_text(long ret)
{
	return ret < 0 ? strerror(-ret) : "succeeded";
}

/* Whether touching @p, in a child, kills it with SIGBUS. */
static bool touch_gets_sigbus(volatile uint64_t *p, bool write)
{
	int status;
	pid_t pid = fork();

	if (!pid) {
		if (write)
			p[1] = 0;
		else
			(void)p[1];
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS;
}

/* Step e, for one mapping. */
static void check_sigbus(uint64_t *map, const char *which)
{
	result(touch_gets_sigbus(map, false),
	       "a read of the %s mapping after REVOKE gets SIGBUS", which);
	result(touch_gets_sigbus(map, true),
	       "a write to the %s mapping after REVOKE gets SIGBUS", which);
}

/* Step f, for one mapping: -errno of io_uring's registration. */
static long register_on_new_ring(uint64_t *map)
{
	struct iovec iov = { .iov_base = map, .iov_len = SIZE };
	struct io_uring ring;
	long ret = io_uring_queue_init(4, &ring, 0);

	if (ret)
		return ret;
	ret = io_uring_register_buffers(&ring, &iov, 1);
	io_uring_queue_exit(&ring);
	return ret;
}

static uint64_t *map_shared(int fd)
{
	return mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
}

/* Step h: the pattern, read through the pins alone. */
static void check_pinned_data(struct io_uring *ring, int rd, uint64_t *map,
			      void *rbuf, unsigned int nr)
{
	long n = write_fixed(ring, rd, map, SIZE, 0);

	result(n == (long)SIZE, "WRITE_FIXED from the pages pinned before REVOKE: %ld of %lu bytes",
	       n, SIZE);
	memset(rbuf, 0, SIZE);
	n = direct_io(false, rd, rbuf, SIZE, 0);
	result(n == (long)SIZE, "O_DIRECT pread of what WRITE_FIXED wrote: %ld of %lu bytes",
	       n, SIZE);
	report_compare(rbuf, SIZE, nr,
		       "the pages pinned before REVOKE still hold the pattern");
}

static void run(const struct sample_kind *k, unsigned int nr, int rd,
		void *rbuf)
{
	uint64_t *map, *other, *again;
	struct io_uring ring;
	struct iovec iov;
	struct mem base;
	long ret;
	int fd;

	set_prefix("revoke %s: ", k->name);
	take_baseline(&base);
	fd = open_alloc(k, SIZE, O_RDWR);
	if (fd < 0)
		return;
	map = map_shared(fd);
	other = map_shared(fd);
	ret = map == MAP_FAILED || other == MAP_FAILED ? -errno : 0;
	result(!ret, "two MAP_SHARED mappings: %s", err_text(ret));
	if (map == MAP_FAILED || other == MAP_FAILED)
		return;
	check_refs(fd, 3, "with two mappings");
	fill(map, SIZE, nr, false);
	report_compare(other, SIZE, nr,
		       "the second mapping shows what the first was filled with");

	ret = io_uring_queue_init(8, &ring, 0);
	result(!ret, "io_uring_queue_init: %s", err_text(ret));
	if (ret)
		return;
	iov = (struct iovec){ .iov_base = map, .iov_len = SIZE };
	ret = io_uring_register_buffers(&ring, &iov, 1);
	result(!ret, "io_uring_register_buffers of the first mapping: %s",
	       err_text(ret));
	check_refs(fd, 3 + PAGES, "after the registration (3 + pages)");

	ret = ioctl(fd, SCAMEM_SAMPLE_REVOKE) ? -errno : 0;
	result(!ret, "REVOKE while mapped twice and pinned: %s",
	       err_text(ret));
	check_refs(fd, 3 + PAGES, "after REVOKE: the VMAs and the pins keep theirs");

	check_sigbus(map, "first");
	check_sigbus(other, "second");

	ret = register_on_new_ring(other);
	result(ret == -EFAULT, "io_uring_register_buffers of the second mapping after REVOKE fails with EFAULT: %s",
	       err_text(ret));
	ret = direct_io(true, rd, map, SIZE, SIZE);
	result(ret == -EFAULT, "O_DIRECT pwrite from the first mapping after REVOKE fails with EFAULT: %s",
	       err_text(ret));
	again = map_shared(fd);
	ret = again == MAP_FAILED ? -errno : 0;
	result(ret == -ENODEV, "a new mmap after REVOKE fails with ENODEV: %s",
	       err_text(ret));
	if (again != MAP_FAILED)
		munmap(again, SIZE);

	check_pinned_data(&ring, rd, map, rbuf, nr);

	ret = munmap(map, SIZE) || munmap(other, SIZE) ? -errno : 0;
	result(!ret, "munmap of both mappings: %s", err_text(ret));
	check_refs(fd, 1 + PAGES, "after munmap (1 + pages)");
	ret = ioctl(fd, SCAMEM_SAMPLE_FREE) ? -errno : 0;
	result(!ret, "FREE after REVOKE: %s", err_text(ret));
	ret = close(fd) ? -errno : 0;
	result(!ret, "close " DEV ": %s", err_text(ret));
	ret = io_uring_unregister_buffers(&ring);
	result(!ret, "io_uring_unregister_buffers: %s", err_text(ret));
	io_uring_queue_exit(&ring);
	check_back_to_baseline(&base, "after the last unpin");
}

int main(void)
{
	void *rbuf;
	int rd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	plan(1 + NR_SAMPLE_KINDS * RUN_CHECKS, "revoke");
	if (posix_memalign(&rbuf, PAGE, SIZE)) {
		printf("@@ fail revoke: no memory for the read-back buffer\n");
		return 1;
	}
	memset(rbuf, 0, SIZE);
	set_prefix("revoke: ");
	rd = open_ramdisk(2 * SIZE, rbuf, SIZE);
	result(rd >= 0, RAMDISK " holds 2 buffers, written once with O_DIRECT: %s",
	       err_text(rd < 0 ? rd : 0));
	if (rd < 0)
		return 1;
	warm_up(rd, SIZE);
	for (int k = 0; k < NR_SAMPLE_KINDS; k++)
		run(&sample_kinds[k], k + 1, rd, rbuf);
	free(rbuf);
	return failures ? 1 : 0;
}
