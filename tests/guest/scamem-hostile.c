// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test: hostile and odd requests to /dev/scamem_sample
 * (linux/samples/scamem/) each get the error or the behaviour that
 * scamem_sample.h promises, for both kinds of buffer (vmalloc_user() and
 * scamem_alloc()), and leak no reference:
 *
 *   - requests without a buffer; unknown ioctls;
 *   - sizes 0, above the limit, overflowing; bad pointers; a second
 *     ALLOC; ioctls and mmap() after FREE, and a new ALLOC;
 *   - sizes that are not whole pages round up: the rounded size maps and
 *     reads as zeroes, a page more does not;
 *   - mmap() lengths and offsets beyond the buffer, unaligned and
 *     overflowing offsets, MAP_PRIVATE, a file opened read-only;
 *   - PROT_EXEC refused by mmap() (EPERM, also under READ_IMPLIES_EXEC)
 *     and by mprotect() (EACCES);
 *   - ioctls after close(): EBADF on the closed descriptor; the mapping
 *     keeps the file and the buffer; a new open() of the device, even
 *     through /proc/self/map_files/, has no buffer (ENXIO); the buffer
 *     goes with the last mapping;
 *   - the reference each VMA holds through munmap() and mprotect()
 *     splits, fork and mremap(), which can move and shrink a mapping but
 *     not grow it (EFAULT).
 *
 * One "@@ pass NAME" or "@@ fail NAME: details" line per check; exit
 * status 1 if any failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scamem-guest.h"

#define BIG		(16UL << 20)

static const struct sample_kind *other_kind(const struct sample_kind *k)
{
	return &sample_kinds[k == &sample_kinds[0]];
}

/*
 * mmap() straight from the system call, so that the C library's own
 * checks of the offset do not stand in for the kernel's.
 */
static void *sys_mmap(size_t len, int prot, int flags, int fd,
		      unsigned long off)
{
	return (void *)syscall(SYS_mmap, NULL, len, prot, flags, fd, off);
}

static void expect_mmap_errno(int fd, size_t len, unsigned long off,
			      int prot, int flags, int want, const char *what)
{
	void *p = sys_mmap(len, prot, flags, fd, off);

	if (p != MAP_FAILED)
		munmap(p, len);
	expect_errno(p == MAP_FAILED ? -1 : 0, want, what);
}

static void expect_map_einval(int fd, size_t len, unsigned long off,
			      const char *what)
{
	expect_mmap_errno(fd, len, off, PROT_READ | PROT_WRITE, MAP_SHARED,
			  EINVAL, what);
}

/* REFS, FREE and mmap of a file that has no buffer (@when) fail, ENXIO. */
static void expect_no_buffer(int fd, const char *when)
{
	char what[96];
	uint32_t val;

	snprintf(what, sizeof(what), "REFS %s", when);
	expect_errno(ioctl(fd, SCAMEM_SAMPLE_REFS, &val), ENXIO, what);
	snprintf(what, sizeof(what), "FREE %s", when);
	expect_errno(ioctl(fd, SCAMEM_SAMPLE_FREE), ENXIO, what);
	snprintf(what, sizeof(what), "mmap %s", when);
	expect_mmap_errno(fd, PAGE, 0, PROT_READ | PROT_WRITE, MAP_SHARED,
			  ENXIO, what);
}

/* What a file with no buffer answers; the same for both kinds. */
static void no_buffer(void)
{
	uint64_t wide;	/* room for what a wrong size would copy out */
	int fd;

	set_prefix("hostile: ");
	fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		result(false, "open " DEV ": %s", strerror(errno));
		return;
	}
	expect_no_buffer(fd, "without a buffer");
	expect_errno(ioctl(fd, _IO(SCAMEM_SAMPLE_IOC_MAGIC, 99)), ENOTTY,
		     "an unknown ioctl");
	expect_errno(ioctl(fd, _IOR(SCAMEM_SAMPLE_IOC_MAGIC, 2, uint64_t),
			   &wide), ENOTTY,
		     "REFS with the size of its argument wrong");
	close(fd);
}

/*
 * On a noexec mount mmap() itself refuses PROT_EXEC (EPERM) and clears
 * VM_MAYEXEC: the checks of exec() would pass without the driver.
 */
static void exec_precondition(void)
{
	struct statvfs st;
	int ret = statvfs(DEV, &st);

	set_prefix("hostile: ");
	result(!ret && !(st.f_flag & ST_NOEXEC),
	       "the device is not on a noexec mount, so PROT_EXEC refusals are the driver's%s%s",
	       ret ? ": " : "", ret ? strerror(errno) : "");
}

/* Sizes the driver refuses: nothing allocated, nothing leaked. */
static void sizes(const struct sample_kind *k)
{
	static const struct {
		uint64_t size;
		const char *what;
	} bad[] = {
		{ 0, "ALLOC of 0" },
		{ SCAMEM_SAMPLE_MAX_SIZE + 1, "ALLOC of 1 GiB + 1" },
		{ 1ULL << 62, "ALLOC of 2^62" },
		{ UINT64_MAX, "ALLOC of 2^64 - 1 (PAGE_ALIGN would wrap)" },
	};
	uint32_t val;
	int fd;

	set_prefix("hostile %s: ", k->name);
	fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		result(false, "open " DEV ": %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t sz = bad[i].size;

		expect_errno(ioctl(fd, k->alloc, &sz), EINVAL, bad[i].what);
	}
	expect_errno(ioctl(fd, k->alloc, (void *)8), EFAULT,
		     "ALLOC with a bad pointer");
	expect_errno(ioctl(fd, SCAMEM_SAMPLE_REFS, &val), ENXIO,
		     "REFS after the refused ALLOCs (nothing allocated)");
	close(fd);
}

/* One buffer per file, FREE and what follows it. */
static void busy_and_free(const struct sample_kind *k)
{
	uint64_t sz = PAGE;
	int fd;

	set_prefix("hostile %s: ", k->name);
	fd = open_alloc(k, PAGE, O_RDWR);
	if (fd < 0)
		return;
	check_refs(fd, 1, "after ALLOC");
	expect_errno(ioctl(fd, k->alloc, &sz), EBUSY, "a second ALLOC");
	expect_errno(ioctl(fd, other_kind(k)->alloc, &sz), EBUSY,
		     "a second ALLOC of the other kind");
	expect_errno(ioctl(fd, SCAMEM_SAMPLE_REFS, (void *)8), EFAULT,
		     "REFS with a bad pointer");
	check_refs(fd, 1, "after the refused requests (nothing leaked)");

	result(!ioctl(fd, SCAMEM_SAMPLE_FREE), "FREE");
	expect_no_buffer(fd, "after FREE");
	sz = 2 * PAGE;
	result(!ioctl(fd, k->alloc, &sz), "ALLOC after FREE");
	check_refs(fd, 1, "of the new buffer");
	expect_map_einval(fd, 3 * PAGE, 0,
			  "mmap of 3 pages of the new 2-page buffer");
	close(fd);
}

/*
 * A size that is not whole pages rounds up: the rounded size maps, reads
 * as zeroes and can be written to its last byte; a page more does not
 * map.  A mapping at an offset shows the same pages.
 */
static void rounding(const struct sample_kind *k, uint64_t size)
{
	size_t len = (size + PAGE - 1) / PAGE * PAGE, last = len - PAGE;
	volatile char *p, *q;
	int fd;

	set_prefix("hostile %s size %" PRIu64 ": ", k->name, size);
	fd = open_alloc(k, size, O_RDWR);
	if (fd < 0)
		return;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	result(p != MAP_FAILED, "mmap of the rounded-up size, %zu bytes%s%s",
	       len, p == MAP_FAILED ? ": " : "",
	       p == MAP_FAILED ? strerror(errno) : "");
	if (p == MAP_FAILED) {
		close(fd);
		return;
	}
	check_refs(fd, 2, "with the mapping");
	result(all_bytes(p, len, 0), "all %zu bytes read as zero", len);
	p[len - 1] = 'z';
	result(p[len - 1] == 'z', "the last byte of the rounded-up size is writable");

	expect_map_einval(fd, len + PAGE, 0, "mmap of a page more");
	expect_map_einval(fd, PAGE, len, "mmap of the page after the end");
	q = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, last);
	result(q != MAP_FAILED && q[PAGE - 1] == 'z',
	       "mmap of the last page alone, at offset %zu, shows the same page%s%s",
	       last, q == MAP_FAILED ? ": " : "",
	       q == MAP_FAILED ? strerror(errno) : "");
	if (q != MAP_FAILED) {
		check_refs(fd, 3, "with the second mapping");
		munmap((void *)q, PAGE);
	}
	q = mmap(NULL, 1, PROT_READ, MAP_SHARED, fd, 0);
	result(q != MAP_FAILED, "mmap of 1 byte (mmap rounds it to a page)%s%s",
	       q == MAP_FAILED ? ": " : "",
	       q == MAP_FAILED ? strerror(errno) : "");
	if (q != MAP_FAILED) {
		check_refs(fd, 3, "with the 1-byte mapping");
		munmap((void *)q, 1);
	}
	munmap((void *)p, len);
	check_refs(fd, 1, "after the mappings are gone");
	close(fd);
}

/* Ranges, offsets and mapping types that mmap() of a buffer refuses or takes. */
static void mmap_ranges(const struct sample_kind *k)
{
	void *p;
	int fd;

	set_prefix("hostile %s: ", k->name);
	fd = open_alloc(k, 2 * PAGE, O_RDWR);
	if (fd < 0)
		return;
	expect_map_einval(fd, 3 * PAGE, 0, "mmap of 3 pages of a 2-page buffer");
	expect_map_einval(fd, PAGE, 2 * PAGE, "mmap at offset 2 pages of a 2-page buffer");
	expect_map_einval(fd, 2 * PAGE, PAGE, "mmap of 2 pages at offset 1 page of a 2-page buffer");
	expect_map_einval(fd, PAGE, 1UL << 62, "mmap at offset 2^62");
	expect_map_einval(fd, PAGE, 1, "mmap at an unaligned offset");
	expect_map_einval(fd, 0, 0, "mmap of length 0");
	expect_mmap_errno(fd, PAGE, -PAGE, PROT_READ, MAP_SHARED, EOVERFLOW,
			  "mmap at offset 2^64 - 1 page (beyond a device's offsets)");
	expect_mmap_errno(fd, 1UL << 62, 0, PROT_READ, MAP_SHARED, ENOMEM,
			  "mmap of 2^62 bytes (no room in the address space)");
	expect_mmap_errno(fd, PAGE, 0, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			  EINVAL, "mmap MAP_PRIVATE");
	expect_mmap_errno(fd, PAGE, 0, PROT_READ, MAP_PRIVATE, EINVAL,
			  "mmap MAP_PRIVATE read-only");
	check_refs(fd, 1, "after the refused mmaps (nothing leaked)");
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
	result(p != MAP_FAILED, "mmap of the second page alone");
	if (p != MAP_FAILED)
		munmap(p, PAGE);
	close(fd);

	/*
	 * MAP_SHARED of a file opened O_RDONLY: the kernel drops VM_SHARED
	 * (the mapping can never become writable), but it is still shared.
	 */
	fd = open_alloc(k, PAGE, O_RDONLY);
	if (fd < 0)
		return;
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	result(p != MAP_FAILED && !*(volatile char *)p,
	       "mmap MAP_SHARED of a file opened O_RDONLY, reads zero");
	if (p != MAP_FAILED) {
		check_refs(fd, 2, "with the read-only shared mapping");
		expect_errno(mprotect(p, PAGE, PROT_READ | PROT_WRITE), EACCES,
			     "mprotect(PROT_WRITE) of the read-only shared mapping");
		munmap(p, PAGE);
	}
	check_refs(fd, 1, "of the O_RDONLY file after munmap");
	close(fd);
}

/* The VmFlags line of /proc/self/smaps for the VMA at @addr, or "". */
static void vma_flags(const volatile void *addr, char *buf, size_t len)
{
	char line[256], start[32];
	bool here = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	buf[0] = '\0';
	if (!f)
		return;
	snprintf(start, sizeof(start), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		/* A VMA's first line starts with its address, in lowercase hex. */
		if (isdigit(line[0]) || (line[0] >= 'a' && line[0] <= 'f'))
			here = !strncmp(line, start, strlen(start));
		if (here && !strncmp(line, "VmFlags:", 8)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(buf, len, "%s ", line + 8);
			break;
		}
	}
	fclose(f);
}

/*
 * Under READ_IMPLIES_EXEC, mmap(PROT_READ) asks for PROT_EXEC as well,
 * and is refused; mprotect(PROT_READ) adds PROT_EXEC only where it could
 * be had (VM_MAYEXEC), so it succeeds.  Exit status: 0, or which failed.
 */
static void exec_child(int fd, volatile char *p)
{
	void *q;
	int status = 0;

	if (personality(PER_LINUX | READ_IMPLIES_EXEC) < 0)
		_exit(8);
	q = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (q != MAP_FAILED || errno != EPERM)
		status |= 1;
	if (mprotect((void *)p, PAGE, PROT_READ))
		status |= 2;
	_exit(status);
}

/* Never executable, however asked. */
static void exec(const struct sample_kind *k)
{
	volatile char *p;
	char flags[512];
	pid_t child;
	int fd, status, code;

	set_prefix("hostile %s exec: ", k->name);
	fd = open_alloc(k, PAGE, O_RDWR);
	if (fd < 0)
		return;
	expect_mmap_errno(fd, PAGE, 0, PROT_READ | PROT_EXEC, MAP_SHARED,
			  EPERM, "mmap PROT_READ | PROT_EXEC");
	expect_mmap_errno(fd, PAGE, 0, PROT_EXEC, MAP_SHARED, EPERM,
			  "mmap PROT_EXEC");
	check_refs(fd, 1, "after the refused mmaps");

	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		result(false, "mmap PROT_READ | PROT_WRITE: %s", strerror(errno));
		close(fd);
		return;
	}
	vma_flags(p, flags, sizeof(flags));
	result(strstr(flags, " sh ") && !strstr(flags, " ex ") &&
	       !strstr(flags, " me "),
	       "the mapping is shared, not executable, and cannot become so: VmFlags%s",
	       flags[0] ? flags : " not found in /proc/self/smaps");
	expect_errno(mprotect((void *)p, PAGE, PROT_READ | PROT_EXEC), EACCES,
		     "mprotect PROT_READ | PROT_EXEC");
	expect_errno(mprotect((void *)p, PAGE, PROT_EXEC), EACCES,
		     "mprotect PROT_EXEC");
	check_refs(fd, 2, "after the refused mprotects (no split)");
	result(!mprotect((void *)p, PAGE, PROT_READ) &&
	       !mprotect((void *)p, PAGE, PROT_READ | PROT_WRITE),
	       "mprotect to read-only and back to read-write");
	p[0] = 'w';
	result(p[0] == 'w', "the mapping is writable again");

	child = fork();
	if (child == 0)
		exec_child(fd, p);
	code = -1;			/* the child did not exit normally */
	if (child > 0 && waitpid(child, &status, 0) == child &&
	    WIFEXITED(status))
		code = WEXITSTATUS(status);
	result(code >= 0 && !(code & ~2),
	       "READ_IMPLIES_EXEC: mmap PROT_READ fails with EPERM%s",
	       code < 0 ? ": the child did not exit" :
	       code & 8 ? ": personality() failed" :
	       code & 1 ? ": it did not" : "");
	result(code >= 0 && !(code & ~1),
	       "READ_IMPLIES_EXEC: mprotect PROT_READ of a mapping succeeds%s",
	       code < 0 ? ": the child did not exit" :
	       code & 8 ? ": personality() failed" :
	       code & 2 ? ": it did not" : "");
	check_refs(fd, 2, "after the child exited");
	munmap((void *)p, PAGE);
	close(fd);
}

/*
 * "ioctls after close": an ioctl on a closed descriptor is EBADF, from
 * the VFS; a dup() of it is the same open file; the mapping holds the
 * file, so the buffer lives on after every descriptor is closed, yet no
 * new descriptor can reach it: opening the device again, even through
 * /proc/self/map_files/, makes a new file with no buffer.  The buffer
 * goes with the last mapping.
 */
static void after_close(const struct sample_kind *k)
{
	long kb = BIG >> 10;
	struct mem base, m;
	char path[64];
	uint64_t *map;
	uint32_t val;
	int fd, fd2, fd3;

	set_prefix("hostile %s close: ", k->name);
	take_baseline(&base);
	fd = open_alloc(k, BIG, O_RDWR);
	if (fd < 0)
		return;
	map = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		result(false, "mmap of %lu MiB: %s", BIG >> 20, strerror(errno));
		close(fd);
		return;
	}
	fill(map, BIG, 11, false);

	fd2 = dup(fd);
	result(!close(fd), "close of the descriptor, with a dup() left");
	expect_errno(ioctl(fd, SCAMEM_SAMPLE_REFS, &val), EBADF,
		     "REFS on the closed descriptor");
	check_refs(fd2, 2, "through the dup() (the same open file)");
	result(!close(fd2), "close of the dup()");
	expect_errno(ioctl(fd2, SCAMEM_SAMPLE_REFS, &val), EBADF,
		     "REFS on the closed dup()");
	expect_errno(ioctl(fd2, SCAMEM_SAMPLE_FREE), EBADF,
		     "FREE on the closed dup()");

	report_compare(map, BIG, 11,
		       "the mapping still holds the pattern with every descriptor closed");
	fill(map, BIG, 12, false);
	report_compare(map, BIG, 12, "and takes new writes");
	read_mem(&m);
	if (k->vmalloc)
		result(m.vmalloc >= base.vmalloc + kb,
		       "the buffer still counts in VmallocUsed: %ld kB, baseline %ld kB + %ld kB",
		       m.vmalloc, base.vmalloc, kb);
	result(m.kept <= base.kept - kb + MEMFREE_SLACK_KB,
	       "the buffer is still missing from free memory: %+ld kB, want -%ld kB or less (tolerance %d kB)",
	       m.kept - base.kept, kb, MEMFREE_SLACK_KB);

	fd3 = open(DEV, O_RDWR | O_CLOEXEC);
	expect_no_buffer(fd3, "through a new open() of the device (a new file)");
	close(fd3);
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx",
		 (unsigned long)map, (unsigned long)map + BIG);
	fd3 = open(path, O_RDWR | O_CLOEXEC);
	result(fd3 >= 0, "open of the mapping's /proc/self/map_files entry%s%s",
	       fd3 < 0 ? ": " : "", fd3 < 0 ? strerror(errno) : "");
	if (fd3 >= 0) {
		expect_errno(ioctl(fd3, SCAMEM_SAMPLE_REFS, &val), ENXIO,
			     "REFS through it (it opens the device anew)");
		close(fd3);
	}

	result(!munmap(map, BIG), "munmap, the file's last reference");
	if (k->vmalloc) {
		char area[512];
		bool listed = sample_area(area, sizeof(area));

		result(!listed, "/proc/vmallocinfo no longer lists the area%s%s",
		       listed ? ": " : "", listed ? area : "");
	}
	check_back_to_baseline(&base, "after munmap");
}

/*
 * The VMA holds the scamem reference: every VMA made from a mapping
 * (split, fork, mremap) takes one and gives it back when it goes; a
 * mapping cannot grow (VM_DONTEXPAND, VM_PFNMAP).
 */
static void vmas(const struct sample_kind *k)
{
	volatile char *p, *q, *moved;
	pid_t child;
	int fd, status;

	set_prefix("hostile %s vmas: ", k->name);
	fd = open_alloc(k, 4 * PAGE, O_RDWR);
	if (fd < 0)
		return;
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
		_exit(sample_refs(fd, &val) || val != 7 ? 1 : 0);
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

	q = p + 2 * PAGE;
	expect_errno(mremap((void *)q, PAGE, 2 * PAGE, 0) == MAP_FAILED ? -1 : 0,
		     EFAULT, "mremap growing a mapping in place");
	expect_errno(mremap((void *)q, PAGE, 2 * PAGE, MREMAP_MAYMOVE) ==
		     MAP_FAILED ? -1 : 0, EFAULT,
		     "mremap growing a mapping, free to move");
	expect_errno(mremap((void *)q, 0, PAGE, MREMAP_MAYMOVE) ==
		     MAP_FAILED ? -1 : 0, EFAULT,
		     "mremap duplicating a mapping (old size 0)");
	expect_errno(mremap((void *)q, PAGE, PAGE,
			    MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL) ==
		     MAP_FAILED ? -1 : 0, EINVAL,
		     "mremap MREMAP_DONTUNMAP");
	check_refs(fd, 4, "after the refused mremaps");

	q = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	result(q != MAP_FAILED, "mmap of pages 0 and 1 again");
	if (q != MAP_FAILED) {
		check_refs(fd, 5, "with it");
		result(mremap((void *)q, 2 * PAGE, PAGE, 0) == q && q[0] == 'm',
		       "mremap shrinks it to page 0 in place");
		check_refs(fd, 5, "after the shrink (one VMA still)");
		munmap((void *)q, PAGE);
	}

	if (moved != MAP_FAILED)
		munmap((void *)moved, PAGE);
	munmap((void *)(p + 2 * PAGE), 2 * PAGE);
	check_refs(fd, 1, "after every VMA is unmapped");
	close(fd);
}

int main(void)
{
	static const uint64_t odd_sizes[] = {
		1, PAGE - 1, PAGE + 1, 3 * PAGE - 1,
	};
	int checks = 5 + 1;		/* no_buffer(), exec_precondition() */

	setvbuf(stdout, NULL, _IOLBF, 0);
	/*
	 * What each function reports when nothing stops it early: sizes()
	 * 6, busy_and_free() 12, rounding() 11 a size, mmap_ranges() 16,
	 * exec() 12, after_close() 18 and 2 more for a vmalloc buffer,
	 * vmas() 20.
	 */
	for (int i = 0; i < NR_SAMPLE_KINDS; i++)
		checks += 6 + 12 +
			  11 * sizeof(odd_sizes) / sizeof(odd_sizes[0]) +
			  16 + 12 + 18 + 2 * sample_kinds[i].vmalloc + 20;
	plan(checks, "hostile");
	no_buffer();
	exec_precondition();
	for (int i = 0; i < NR_SAMPLE_KINDS; i++) {
		const struct sample_kind *k = &sample_kinds[i];

		sizes(k);
		busy_and_free(k);
		for (size_t s = 0; s < sizeof(odd_sizes) / sizeof(odd_sizes[0]); s++)
			rounding(k, odd_sizes[s]);
		mmap_ranges(k);
		exec(k);
		after_close(k);
		vmas(k);
	}
	return failures ? 1 : 0;
}
