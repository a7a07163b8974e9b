// SPDX-License-Identifier: GPL-2.0
/*
 * The demo of "make run": the life of a driver's buffer, step by step,
 * through the sample driver /dev/scamem_sample (linux/samples/scamem/).
 *
 * Act 1: the driver allocates 64 MiB with vmalloc_user(); userspace maps
 * it, fills it and pins it with io_uring fixed buffers; the driver frees
 * it and userspace unmaps it, yet the pages stay, held by the pins: the
 * data is written from them to /dev/ram0 and read back.  The last unpin
 * frees them.  /proc/meminfo, /proc/vmallocinfo, the scamem's reference
 * count (SCAMEM_SAMPLE_REFS) and the scamem:* trace events, each change
 * of the count with the function that made it, show each step.
 *
 * Act 2: a one-page buffer mapped by a parent and by its forked child:
 * the count holds one reference per VMA, whoever maps it.
 *
 * Needs /dev/ram0 (brd) of at least 64 MiB.  Exit status 0 if every step
 * went as expected, 1 if not.
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
#include <sys/wait.h>
#include <unistd.h>

#include "scamem-guest.h"

#define SIZE		(64UL << 20)
#define NPAGES		(SIZE / PAGE)
#define COL		48	/* width of a step's description */
#define CHILD_SAYS	"written by the child"

/*
 * The demo runs on the plain kernel of make run, with the trace buffer
 * taking memory of its own: it allows for unrelated activity, where the
 * tests (check_back_to_baseline()) count to the page.
 */
#define DEMO_VMALLOC_SLACK_KB 64	/* unrelated vmalloc activity */
#define DEMO_MEMFREE_SLACK_KB 1024	/* unrelated allocations, caches */
#define POLL_US		50000

static bool vmalloc_near(long vm, long base)
{
	return vm - base <= DEMO_VMALLOC_SLACK_KB &&
	       base - vm <= DEMO_VMALLOC_SLACK_KB;
}

static bool free_near(long free, long base)
{
	return free >= base - DEMO_MEMFREE_SLACK_KB;
}

/*
 * Wait up to SETTLE_US for VmallocUsed and free memory to come back to
 * @vm_base and @free_base: the last free of the pages may run from a
 * workqueue, and a ring's memory goes away in io_uring's exit work.
 * Stores the last readings in @vm and @free.
 */
static void wait_for_baseline(long vm_base, long free_base, long *vm,
			      long *free)
{
	for (int waited = 0;; waited += POLL_US) {
		*vm = meminfo_kb("VmallocUsed");
		*free = free_kb();
		if ((vmalloc_near(*vm, vm_base) && free_near(*free, free_base)) ||
		    waited >= SETTLE_US)
			return;
		usleep(POLL_US);
	}
}

static int problems;
static char first_problem[160];

/* A step did not go as it should: say so now, and in the summary. */
static void __attribute__((format(printf, 1, 2)))
unexpected(const char *fmt, ...)
{
	char msg[sizeof(first_problem)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("    NOT AS EXPECTED: %s\n", msg);
	if (!problems++)
		snprintf(first_problem, sizeof(first_problem), "%s", msg);
}

/* One line: a step in the first COL columns, then what it shows. */
static void __attribute__((format(printf, 2, 3)))
row(const char *step, const char *fmt, ...)
{
	va_list ap;

	printf("%-*s ", COL, step);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* A step and the reference count it leaves, which should be @want. */
static void refs_row(int fd, unsigned long want, const char *step,
		     const char *why)
{
	uint32_t refs;

	if (ioctl(fd, SCAMEM_SAMPLE_REFS, &refs)) {
		row(step, "REFS     ?");
		unexpected("REFS: %s", strerror(errno));
		return;
	}
	row(step, "REFS %5" PRIu32 "  %s", refs, why);
	if (refs != want)
		unexpected("REFS is %" PRIu32 ", expected %lu", refs, want);
}

/* Open the device and ALLOC @size bytes: REFS 1; the file, or -1. */
static int alloc_row(uint64_t size, const char *step)
{
	int fd = open(DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0 || ioctl(fd, SCAMEM_SAMPLE_ALLOC, &size)) {
		unexpected("open " DEV " and ALLOC: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	refs_row(fd, 1, step, "the driver's vm_struct");
	return fd;
}

/* Step 6: the pattern, through the pins alone; @map is no longer mapped. */
static void through_the_pins(struct io_uring *ring, int rd, void *map,
			     uint64_t *rbuf)
{
	const char *step = " 6. WRITE_FIXED from the pins to " RAMDISK;
	long n, bad;

	if (rd < 0) {
		row(step, "skipped");
		unexpected("no " RAMDISK " to write the pinned pages to");
		return;
	}
	n = write_fixed(ring, rd, map, SIZE, 0);
	row(step, "%ld bytes", n);
	if (n != (long)SIZE) {
		unexpected("WRITE_FIXED: %s", n < 0 ? strerror(-n) : "short");
		return;
	}
	memset(rbuf, 0, SIZE);
	n = direct_io(false, rd, rbuf, SIZE, 0);
	bad = n == (long)SIZE ? compare(rbuf, SIZE, 1) : -1;
	row("    read back with O_DIRECT", "%ld bytes%s", n,
	    n != (long)SIZE ? "" : bad < 0 ? ": the pattern, intact" :
	    ": NOT the pattern");
	if (n != (long)SIZE)
		unexpected("O_DIRECT read: %s", n < 0 ? strerror(-n) : "short");
	else if (bad >= 0)
		unexpected("word %ld read back is %#" PRIx64 ", wrote %#" PRIx64,
			   bad, rbuf[bad], pattern(1, bad));
}

/*
 * The scamem:* events since the last call, runs of alike events (the
 * unpin of 16384 pages) folded into one line.
 */
struct trace_run {
	char event[24], caller[80];
	long delta, from, to, count, pages;
};

static void trace_run_print(const struct trace_run *run)
{
	if (!run->count)
		return;
	if (!strcmp(run->event, "scamem_ref") && run->count == 1)
		printf("      scamem:scamem_ref     %+6ld         refcount %5ld -> %-5ld  %s\n",
		       run->delta, run->from, run->to, run->caller);
	else if (!strcmp(run->event, "scamem_ref"))
		printf("      scamem:scamem_ref     %+6ld x %-5ld refcount %5ld -> %-5ld  %s\n",
		       run->delta, run->count, run->from, run->to, run->caller);
	else
		printf("      scamem:%-13s %ld pages\n", run->event, run->pages);
}

static void trace_event(const char *event, void *arg)
{
	struct trace_run *run = arg, next = { .count = 1 };
	const char *caller = strstr(event, "caller=");

	snprintf(next.event, sizeof(next.event), "%.*s",
		 (int)strcspn(event, ":"), event);
	snprintf(next.caller, sizeof(next.caller), "%.*s",
		 caller ? (int)strcspn(caller + 7, "/") : 0,
		 caller ? caller + 7 : "");
	next.delta = trace_field(event, "delta");
	next.to = trace_field(event, "refcount");
	next.from = next.to - next.delta;
	next.pages = trace_field(event, "nr_pages");
	if (next.pages == LONG_MIN)
		next.pages = trace_field(event, "capacity");
	if (run->count && !strcmp(run->event, "scamem_ref") &&
	    !strcmp(next.event, "scamem_ref") && run->delta == next.delta &&
	    !strcmp(run->caller, next.caller)) {
		run->count++;
		run->to = next.to;
		return;
	}
	trace_run_print(run);
	*run = next;
}

static void trace_rows(void)
{
	struct trace_run run = { .count = 0 };

	if (scamem_trace_each(trace_event, &run) < 0)
		printf("      (no tracefs: no scamem:* events)\n");
	trace_run_print(&run);
}

/* Act 1: 64 MiB, mapped, pinned, freed by the driver, used, unpinned. */
static void act1(int rd, uint64_t *rbuf)
{
	long vm_base, free_base, vm, free;
	struct io_uring ring;
	uint64_t *map;
	struct iovec iov;
	char area[512];
	uint32_t refs;
	int fd, ret;

	printf("Act 1: a driver's 64 MiB buffer lives as long as its last pin\n");
	/* First: the trace buffer takes memory of its own. */
	if (!scamem_trace_start(NPAGES))
		printf("    (tracefs not available: no scamem:* events)\n");
	vm_base = meminfo_kb("VmallocUsed");
	free_base = free_kb();
	row(" 1. /proc/meminfo before", "VmallocUsed %8ld kB", vm_base);
	row("", "free memory %8ld kB  (MemFree + per-cpu lists)", free_base);

	fd = alloc_row(SIZE, " 2. the driver allocates 64 MiB (ALLOC)");
	trace_rows();
	if (fd < 0)
		return;
	if (sample_area(area, sizeof(area)))
		printf("    /proc/vmallocinfo: %s\n", area);
	else
		unexpected("/proc/vmallocinfo has no line of scamem_sample");

	map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		unexpected("mmap: %s", strerror(errno));
		goto out_close;
	}
	fill(map, SIZE, 1, false);
	refs_row(fd, 2, " 3. userspace maps it, fills it with a pattern",
		 "+ 1 for the VMA, not one per page");
	trace_rows();

	ret = io_uring_queue_init(8, &ring, 0);
	if (ret) {
		unexpected("io_uring_queue_init: %s", strerror(-ret));
		goto out_unmap;
	}
	iov.iov_base = map;
	iov.iov_len = SIZE;
	ret = io_uring_register_buffers(&ring, &iov, 1);
	if (ret) {
		unexpected("io_uring_register_buffers: %s", strerror(-ret));
		goto out_ring;
	}
	refs_row(fd, 2 + NPAGES, " 4. io_uring_register_buffers() pins it",
		 "+ 16384, one per pinned page");
	trace_rows();

	if (ioctl(fd, SCAMEM_SAMPLE_FREE))
		unexpected("FREE: %s", strerror(errno));
	if (ioctl(fd, SCAMEM_SAMPLE_REFS, &refs))
		row(" 5. the driver frees it (FREE)",
		    "REFS     -  not readable: the driver no longer holds it");
	else
		unexpected("REFS after FREE reads %" PRIu32, refs);
	trace_rows();
	munmap(map, SIZE);
	close(fd);
	printf("    userspace unmaps it and closes " DEV "\n");
	trace_rows();
	if (sample_area(area, sizeof(area)))
		unexpected("/proc/vmallocinfo still lists it: %s", area);
	else
		row("    /proc/vmallocinfo", "the area is gone");
	vm = meminfo_kb("VmallocUsed");
	row("    /proc/meminfo", "VmallocUsed %8ld kB  before + %ld kB", vm,
	    vm - vm_base);
	if (vm >= vm_base + (long)(SIZE >> 10) - DEMO_VMALLOC_SLACK_KB)
		row("", "the pages are alive: the pins hold them");
	else
		unexpected("VmallocUsed is not 64 MiB above before");

	through_the_pins(&ring, rd, map, rbuf);

	ret = io_uring_unregister_buffers(&ring);
	io_uring_queue_exit(&ring);
	printf(" 7. io_uring_unregister_buffers() unpins it\n");
	if (ret)
		unexpected("io_uring_unregister_buffers: %s", strerror(-ret));
	wait_for_baseline(vm_base, free_base, &vm, &free);
	trace_rows();
	scamem_trace_stop();
	row("    /proc/meminfo after", "VmallocUsed %8ld kB  before %8ld kB  %+ld kB",
	    vm, vm_base, vm - vm_base);
	row("", "free memory %8ld kB  before %8ld kB  %+ld kB", free, free_base,
	    free - free_base);
	if (!vmalloc_near(vm, vm_base))
		unexpected("VmallocUsed not back to before (within %d kB)",
			   DEMO_VMALLOC_SLACK_KB);
	if (!free_near(free, free_base))
		unexpected("free memory not back to before (within %d kB)",
			   DEMO_MEMFREE_SLACK_KB);
	return;

out_ring:
	io_uring_queue_exit(&ring);
out_unmap:
	munmap(map, SIZE);
out_close:
	close(fd);
	scamem_trace_stop();
}

/* Act 2's child: its copy of the parent's VMA, and a VMA of its own. */
static void act2_child(int fd)
{
	char *map;

	problems = 0;	/* the child's own, for its exit status */
	refs_row(fd, 3, " 3. fork(): the child gets a copy of the VMA",
		 "+ 1 for the copy");
	map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		unexpected("mmap in the child: %s", strerror(errno));
		_exit(1);
	}
	memcpy(map, CHILD_SAYS, sizeof(CHILD_SAYS));
	refs_row(fd, 4, " 4. the child maps it too, and writes to it",
		 "+ 1 for its own VMA");
	_exit(problems ? 1 : 0);
}

/* Act 2: one reference per VMA, whoever maps it. */
static void act2(void)
{
	int fd, status;
	char *map;
	pid_t pid;

	printf("\nAct 2: one reference per VMA, whoever maps it (a 1-page buffer)\n");
	fd = alloc_row(PAGE, " 1. the driver allocates a page (ALLOC)");
	if (fd < 0)
		return;
	map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		unexpected("mmap: %s", strerror(errno));
		goto out_close;
	}
	refs_row(fd, 2, " 2. the parent maps it", "+ 1 for the parent's VMA");

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		act2_child(fd);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		unexpected("fork and wait: %s", strerror(errno));
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		unexpected("the child's steps (see above)");
	refs_row(fd, 2, " 5. the child exits", "- 2, its two VMAs");
	row("    the parent reads", "\"%.*s\"", (int)sizeof(CHILD_SAYS), map);
	if (strcmp(map, CHILD_SAYS))
		unexpected("the child's write does not show in the parent");
	munmap(map, PAGE);
	refs_row(fd, 1, " 6. the parent unmaps it", "- 1, the driver's alone");
	if (ioctl(fd, SCAMEM_SAMPLE_FREE))
		unexpected("FREE: %s", strerror(errno));
out_close:
	close(fd);
}

int main(void)
{
	uint64_t *rbuf;
	void *p;
	int rd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("The life of a driver's buffer.  REFS is the reference count of the scamem\n"
	       "behind it, as " DEV " reports it.\n\n");
	/* The read-back buffer, touched before any figure is taken. */
	if (posix_memalign(&p, PAGE, SIZE)) {
		printf("demo: no memory for the read-back buffer\n");
		return 1;
	}
	rbuf = p;
	memset(rbuf, 0, SIZE);
	printf("Getting ready: " RAMDISK " written once, the steps rehearsed once\n"
	       "(their first use allocates memory that stays, and would blur the figures).\n");
	rd = open_ramdisk(SIZE, rbuf, SIZE);
	if (rd < 0)
		unexpected(RAMDISK " of 64 MiB with O_DIRECT: %s", strerror(-rd));
	warm_up(rd, SIZE);
	putchar('\n');

	act1(rd, rbuf);
	act2();

	if (rd >= 0)
		close(rd);
	free(rbuf);
	if (problems)
		printf("\ndemo: %d step%s not as expected; the first: %s\n",
		       problems, problems == 1 ? "" : "s", first_problem);
	else
		printf("\ndemo: all steps as expected\n");
	return problems ? 1 : 0;
}
