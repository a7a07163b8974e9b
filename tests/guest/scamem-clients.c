// SPDX-License-Identifier: GPL-2.0
/*
 * The in-tree users converted to remap_vmalloc_scamem(), driven as their
 * real clients drive them (tests/guest/clients.test):
 *
 * kcov (/sys/kernel/debug/kcov, syzkaller's way):
 *   a. KCOV_INIT_TRACE, mmap() of the area, shared: a scamem mapping
 *      ("pf" in the VMA's VmFlags);
 *   b. KCOV_ENABLE: system calls leave coverage in the mapping;
 *   c. close() of the file while enabled: coverage still arrives;
 *   d. a second area, filled through its mapping and registered as an
 *      io_uring fixed buffer: IORING_OP_WRITE_FIXED to /dev/ram0, read
 *      back with O_DIRECT, equals what was written.
 *
 * vfb (/dev/fb0, booted with video=vfb:):
 *   e. mmap() of the frame buffer, shared: a scamem mapping;
 *   f. what is written through the mapping, read() of /dev/fb0 returns,
 *      and what write() puts there, the mapping shows;
 *   g. the mapping as an io_uring fixed buffer, as in d.
 *
 * One "@@ pass clients ..." or "@@ fail clients ...: details" line per
 * check; exit status 1 if any failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fb.h>
#include <linux/kcov.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "scamem-guest.h"

#define KCOV_PATH	"/sys/kernel/debug/kcov"
#define FB_PATH		"/dev/fb0"
/* Entries of a kcov area: 512 KiB of unsigned long. */
#define KCOV_ENTRIES	(64 * 1024)
#define KCOV_SIZE	(KCOV_ENTRIES * sizeof(unsigned long))
/* The ram disk's share of each buffer written through io_uring. */
#define DISK_SPAN	(1UL << 20)

#define KCOV_CHECKS	9
#define FB_CHECKS	8

static const char *err_text(long ret)
{
	return ret < 0 ? strerror(-ret) : "succeeded";
}

/*
 * The VmFlags of the VMA that starts at @addr, from /proc/self/smaps,
 * into @flags; false if there is no such VMA.
 */
static bool vma_flags(const void *addr, char *flags, size_t len)
{
	char line[512], start[32];
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return false;
	snprintf(start, sizeof(start), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, start, strlen(start)))
			in = true;
		else if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(flags, len, "%s", line + 8);
			fclose(f);
			return true;
		}
	}
	fclose(f);
	return false;
}

/* Whether the VMA at @addr is a scamem mapping (VM_PFNMAP, "pf"). */
static void check_scamem_vma(const void *addr, const char *what)
{
	char flags[512] = "";
	bool found = vma_flags(addr, flags, sizeof(flags));

	flags[strcspn(flags, "\n")] = '\0';
	result(found && strstr(flags, " pf"),
	       "%s is a scamem mapping (VmFlags:%s)", what, flags);
}

/*
 * Register @size bytes at @buf as an io_uring fixed buffer, write them to
 * the ram disk at @off with IORING_OP_WRITE_FIXED and read them back with
 * O_DIRECT into @back: three checks.
 */
static void check_write_fixed(int rd, void *buf, size_t size, off_t off,
			      void *back, const char *what)
{
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct io_uring ring;
	long ret;

	ret = io_uring_queue_init(4, &ring, 0);
	if (!ret)
		ret = io_uring_register_buffers(&ring, &iov, 1);
	result(!ret, "io_uring_register_buffers of %s: %s", what,
	       err_text(ret));
	if (ret) {
		result(false, "WRITE_FIXED from %s: not registered", what);
		result(false, "%s read back: nothing written", what);
		return;
	}
	ret = write_fixed(&ring, rd, buf, size, off);
	result(ret == (long)size, "WRITE_FIXED from %s: %ld of %zu bytes",
	       what, ret, size);
	memset(back, 0, size);
	ret = direct_io(false, rd, back, size, off);
	result(ret == (long)size && !memcmp(back, buf, size),
	       "%s read back with O_DIRECT equals the buffer (%ld bytes read)",
	       what, ret);
	io_uring_unregister_buffers(&ring);
	io_uring_queue_exit(&ring);
}

/* A kcov area of KCOV_SIZE bytes, mapped shared; MAP_FAILED on error. */
static unsigned long *kcov_map(int *fd)
{
	void *map;

	*fd = open(KCOV_PATH, O_RDWR);
	if (*fd < 0)
		return MAP_FAILED;
	if (ioctl(*fd, KCOV_INIT_TRACE, KCOV_ENTRIES)) {
		close(*fd);
		return MAP_FAILED;
	}
	map = mmap(NULL, KCOV_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (map == MAP_FAILED)
		close(*fd);
	return map;
}

/* Coverage entries recorded while a few system calls run. */
static unsigned long kcov_collect(unsigned long *cover)
{
	char byte;

	__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
	getppid();
	if (read(-1, &byte, 1) >= 0)
		return 0;
	return __atomic_load_n(&cover[0], __ATOMIC_RELAXED);
}

static void kcov(int rd, void *back)
{
	unsigned long *cover, *area, n;
	int fd, fd2;

	cover = kcov_map(&fd);
	result(cover != MAP_FAILED, "KCOV_INIT_TRACE and mmap() of " KCOV_PATH ": %s",
	       cover == MAP_FAILED ? strerror(errno) : "succeeded");
	if (cover == MAP_FAILED)
		return;
	check_scamem_vma(cover, "the kcov area");
	result(!ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), "KCOV_ENABLE: %s",
	       strerror(errno));
	n = kcov_collect(cover);
	result(n > 0 && n < KCOV_ENTRIES, "coverage in the mapping: %lu PCs", n);
	close(fd);
	n = kcov_collect(cover);
	result(n > 0 && n < KCOV_ENTRIES,
	       "coverage in the mapping after close(): %lu PCs", n);
	munmap(cover, KCOV_SIZE);

	area = kcov_map(&fd2);
	result(area != MAP_FAILED, "a second kcov area mapped: %s",
	       area == MAP_FAILED ? strerror(errno) : "succeeded");
	if (area == MAP_FAILED)
		return;
	fill((uint64_t *)area, KCOV_SIZE, 7, false);
	check_write_fixed(rd, area, KCOV_SIZE, 0, back, "the kcov area");
	munmap(area, KCOV_SIZE);
	close(fd2);
}

static void vfb(int rd, void *back)
{
	struct fb_fix_screeninfo fix;
	size_t len;
	long ret;
	char *fb;
	int fd;

	fd = open(FB_PATH, O_RDWR);
	result(fd >= 0 && !ioctl(fd, FBIOGET_FSCREENINFO, &fix) &&
	       !strcmp(fix.id, "Virtual FB"),
	       "open() of " FB_PATH ", the virtual frame buffer: %s",
	       fd < 0 ? strerror(errno) : fix.id);
	if (fd < 0)
		return;
	len = fix.smem_len & ~(PAGE - 1);
	if (len > DISK_SPAN)
		len = DISK_SPAN;
	fb = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	result(fb != MAP_FAILED, "mmap() of %zu bytes of " FB_PATH ": %s", len,
	       fb == MAP_FAILED ? strerror(errno) : "succeeded");
	if (fb == MAP_FAILED) {
		close(fd);
		return;
	}
	check_scamem_vma(fb, "the frame buffer");
	fill((uint64_t *)fb, len, 3, false);
	memset(back, 0, len);
	ret = pread(fd, back, len, 0);
	result(ret == (long)len && !memcmp(back, fb, len),
	       "read() of " FB_PATH " returns what the mapping wrote (%ld bytes)",
	       ret);
	fill(back, len, 4, false);
	ret = pwrite(fd, back, len, 0);
	result(ret == (long)len && compare((uint64_t *)fb, len, 4) < 0,
	       "the mapping shows what write() to " FB_PATH " wrote (%ld bytes)",
	       ret);
	check_write_fixed(rd, fb, len, DISK_SPAN, back, "the frame buffer");
	munmap(fb, len);
	close(fd);
}

int main(void)
{
	void *back;
	int rd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	plan(1 + KCOV_CHECKS + FB_CHECKS, "clients");
	if (posix_memalign(&back, PAGE, DISK_SPAN)) {
		printf("@@ fail clients: no memory for the read-back buffer\n");
		return 1;
	}
	memset(back, 0, DISK_SPAN);
	set_prefix("clients: ");
	rd = open_ramdisk(2 * DISK_SPAN, back, DISK_SPAN);
	result(rd >= 0, RAMDISK " holds 2 buffers: %s",
	       err_text(rd < 0 ? rd : 0));
	if (rd < 0)
		return 1;
	kcov(rd, back);
	vfb(rd, back);
	free(back);
	return failures ? 1 : 0;
}
