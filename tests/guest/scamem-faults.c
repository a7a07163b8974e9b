// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test: the sample driver's open() and ALLOC
 * (linux/samples/scamem/) with allocations made to fail by the kernel's
 * fault injection, at every allocation they make, for both kinds of
 * buffer (vmalloc_user() and scamem_alloc()) and 1, 17, 512 and 4096
 * pages (faults.test).  Needs CONFIG_FAULT_INJECTION, FAILSLAB,
 * FAIL_PAGE_ALLOC and FAULT_INJECTION_DEBUG_FS
 * (Documentation/fault-injection/fault-injection.rst).
 *
 * The allocations one ALLOC makes are its "sites", numbered in the order
 * it makes them: every slab and page allocation of this task that fault
 * injection may fail, as /proc/thread-self/fail-nth counts them.  Then,
 * for each kind and size, a sweep for each way of running out:
 *
 *   one	   only the n-th allocation fails (fail-nth = n), for n = 1, 2,
 *		   ... until the n-th is not reached.  The kernel may get
 *		   over it (vmalloc()'s smaller orders and single pages after
 *		   a high-order or bulk allocation failed, kvmalloc()'s vmalloc
 *		   fallback, kmemleak's pool): ALLOC then succeeds, and the
 *		   buffer must be whole;
 *   all	   the n-th allocation and every one after it fail (fail-nth,
 *		   then failslab and fail_page_alloc at probability 100);
 *   pages	   the page allocator has s pages left (fail_page_alloc's
 *		   space): an allocation of 2^order pages succeeds only while
 *		   more than that are left, so vmalloc()'s high-order
 *		   allocations fail first and its fallbacks take what is
 *		   left, and an area runs out part-way with about s pages.
 *		   For s from 1 to what one ALLOC takes (a spread of them);
 *		   slab allocations go on;
 *   partial	   the n-th allocation fails once and is got over (an n at
 *		   which "one" succeeded), then the page allocator has s pages
 *		   left: where n was the bulk allocation of scamem_alloc(),
 *		   whose fallback takes one page at a time, its set runs out
 *		   with s - 1 pages;
 *   descriptor   the scamem descriptor's cache fails (failslab's
 *		   cache-filter and /sys/kernel/slab/scamem-N/failslab).
 *
 * Only this task fails (task-filter, /proc/thread-self/make-it-fail set
 * around the ioctl alone), so the deferred frees of the failed areas
 * (a workqueue) and everything else in the guest go on as usual.
 *
 * After each attempt: ENOMEM, or success with a whole, zeroed buffer
 * that REFS counts once; nr_vmalloc (/proc/vmstat) and VmallocUsed back to
 * their baseline to the page; no area of the driver left in
 * /proc/vmallocinfo; and, from the scamem:* trace events, every scamem
 * that this task created freed again.  After all the sweeps of a kind and
 * size: free memory and Slab back to their baseline, within a tolerance
 * measured at the start, and a plain ALLOC that works.  At the end, if
 * the kernel has kmemleak: two scans, and nothing allocated by this task
 * unreferenced.
 *
 * vmalloc_user() passes no __GFP_NOWARN, so a failed vmalloc prints a
 * "vmalloc error" warn_alloc() with a stack dump: lines written to
 * /dev/kmsg, "@@ expect-splat-begin faults: warn_alloc" and
 * "@@ expect-splat-end", enclose every fault injected, for the host to
 * accept those dumps there (and nowhere else).  /dev/kmsg keeps them in
 * order with the kernel's messages, which stdout would not.
 *
 * One "@@ pass faults: ..." or "@@ fail faults: ..." line per check;
 * exit status 1 if any failed.
 */
#define _GNU_SOURCE
#include <dirent.h>
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
#include <time.h>
#include <unistd.h>

#include "scamem-guest.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define DEBUGFS		"/sys/kernel/debug/"
#define FAIL_PAGE	DEBUGFS "fail_page_alloc/"
#define FAILSLAB	DEBUGFS "failslab/"
#define KMEMLEAK	DEBUGFS "kmemleak"
#define TRACE		"/sys/kernel/tracing/trace"
#define SLAB_SYSFS	"/sys/kernel/slab/"

/* Far beyond the number of allocations of any one ALLOC. */
#define UNREACHED	(1U << 30)
/* Budgets tried per "pages" sweep at most: a spread of them. */
#define MAX_POINTS	32
/* Sites tried per "one" and "all" sweep at most. */
#define MAX_TRIES	256
/*
 * A sweep tries each of the first and the last EDGE_SITES sites of an
 * ALLOC, and MIDDLE_SITES spread between: a large buffer makes thousands
 * of page allocations from one call site, and failing every one of them
 * tests the same unwind thousands of times.
 */
#define EDGE_SITES	24
#define MIDDLE_SITES	16
/* Sites at which "one" was got over that "partial" starts from, at most. */
#define MAX_PARTIAL	8
#define MAX_SITES	4096
/* How long a failed area's deferred free may take to show. */
#define SETTLE_MS	3000
/*
 * Settled memory: readings 100 ms apart that differ by no more than this
 * (the reading itself allocates: seq_file buffers), or after 2 s.
 */
#define STILL_KB	48
#define STILL_MS	2000
/* Free memory and Slab: rounds of the tolerance measurement. */
#define NOISE_ROUNDS	2
/*
 * Tolerances never below these, whatever the measurement said: under the
 * failure sweeps of the debug kernel (KASAN, kmemleak), settled readings
 * wander by up to about 350 kB from one settle to the next, without a
 * trend (vmap_area pools and kmemleak metadata freed after an RCU grace
 * period), more than plain ALLOCs show.  Still below the 2 MiB and 16 MiB
 * buffers, and below what a leak of a few pages per failure adds up to
 * over a sweep's dozens of failures.
 */
#define FREE_FLOOR_KB	512
#define SLAB_FLOOR_KB	512
/* kmemleak reports nothing younger than this (MSECS_MIN_AGE). */
#define KMEMLEAK_AGE_S	5
/* one, all, pages, partial, descriptor: two lines each */
#define NR_SWEEPS	5
/* the sweeps', then works, free memory, Slab */
#define CHECKS_PER_RUN	(2 * NR_SWEEPS + 3)

static const unsigned long sizes[] = { 1, 17, 512, 4096 };	/* pages */

/*
 * The debugfs knobs this test sets, with their values for the whole
 * test: nothing fails until a sweep raises a probability, and then only
 * this task, silently, at every kind of allocation ALLOC makes (the
 * defaults leave out order-0 pages, __GFP_HIGHMEM, which vmalloc() adds,
 * and allocations that may sleep).  The values found are put back at the
 * end.
 */
static const struct knob {
	const char *path;
	const char *value;
} knobs[] = {
	{ FAIL_PAGE "probability", "0" },
	{ FAIL_PAGE "interval", "1" },
	{ FAIL_PAGE "times", "-1" },
	{ FAIL_PAGE "space", "0" },
	{ FAIL_PAGE "verbose", "0" },
	{ FAIL_PAGE "task-filter", "Y" },
	{ FAIL_PAGE "ignore-gfp-wait", "N" },
	{ FAIL_PAGE "ignore-gfp-highmem", "N" },
	{ FAIL_PAGE "min-order", "0" },
	{ FAILSLAB "probability", "0" },
	{ FAILSLAB "interval", "1" },
	{ FAILSLAB "times", "-1" },
	{ FAILSLAB "space", "0" },
	{ FAILSLAB "verbose", "0" },
	{ FAILSLAB "task-filter", "Y" },
	{ FAILSLAB "ignore-gfp-wait", "N" },
	{ FAILSLAB "cache-filter", "N" },
};

static char saved[ARRAY_SIZE(knobs)][32];

static struct {
	int nth_fd;		/* /proc/thread-self/fail-nth */
	int fail_fd;		/* /proc/thread-self/make-it-fail */
	bool usercopy;		/* fail_usercopy: fail-nth fails copies too */
	int knob_errors;	/* writes to debugfs that did not take */
	char knob_error[128];	/* the first of them */
	long free_tol_kb;	/* free memory: measured tolerance */
	long slab_tol_kb;	/* Slab: measured tolerance */
	long last_alloc_ms;	/* for kmemleak's minimum age */
	unsigned int failed;	/* ALLOCs that failed as they should */
} fi = { .nth_fd = -1, .fail_fd = -1 };

/* What a sweep of one kind and size works on. */
struct target {
	const struct sample_kind *k;
	unsigned long nr;		/* pages */
	uint64_t size;			/* bytes */
	char name[48];			/* "vmalloc_user 17 pages" */
	int fd;				/* the device, without a buffer */
	unsigned int sites;		/* allocations of one ALLOC */
	unsigned int page_units;	/* fail_page_alloc's share */
	unsigned int absorbed[MAX_SITES]; /* sites "one" got over */
	unsigned int nr_absorbed;
	long nr_vmalloc;		/* baseline, pages */
	long used_kb;			/* baseline VmallocUsed */
};

/* The outcomes of one sweep. */
struct tally {
	const char *what;
	unsigned int points, enomem, succeeded, unreached, other;
	unsigned int bad_buffers, bad_counts, rebased;
	long max_ms, start_ms;
	char first_other[128], first_bad_buffer[128], first_bad_count[256];
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool write_str(const char *path, const char *val)
{
	ssize_t len = strlen(val), n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = write(fd, val, len);
	close(fd);
	return n == len;
}

/* A knob of fault injection: a failed write spoils the sweep, so count it. */
static void knob(const char *path, const char *val)
{
	if (write_str(path, val))
		return;
	if (!fi.knob_errors++)
		snprintf(fi.knob_error, sizeof(fi.knob_error), "%s = %s: %s",
			 path, val, strerror(errno));
}

static void knob_long(const char *path, long val)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%ld", val);
	knob(path, buf);
}

static bool read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

static long read_number(const char *path)
{
	char buf[32];

	return read_str(path, buf, sizeof(buf)) ? strtol(buf, NULL, 10) :
						    LONG_MIN;
}

/* A line to the kernel log, in order with what the kernel prints. */
static void kmsg(const char *line)
{
	if (!write_str("/dev/kmsg", line))
		printf("(/dev/kmsg: %s) %s", strerror(errno), line);
}

/* What is missing for this test; NULL if nothing. */
static const char *missing(void)
{
	if (access(FAIL_PAGE "probability", W_OK))
		return "fail_page_alloc";
	if (access(FAILSLAB "probability", W_OK))
		return "failslab";
	if (access("/proc/thread-self/fail-nth", W_OK))
		return "/proc/thread-self/fail-nth";
	if (access("/proc/thread-self/make-it-fail", W_OK))
		return "/proc/thread-self/make-it-fail";
	return NULL;
}

/*
 * Save the knobs and set them for the test; open the per-task files now,
 * as opening allocates.  False if something could not be set.
 */
static bool fi_setup(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
		if (!read_str(knobs[i].path, saved[i], sizeof(saved[i])))
			saved[i][0] = '\0';
		knob(knobs[i].path, knobs[i].value);
	}
	fi.nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	fi.fail_fd = open("/proc/thread-self/make-it-fail",
			  O_WRONLY | O_CLOEXEC);
	fi.usercopy = !access(DEBUGFS "fail_usercopy", F_OK);
	return !fi.knob_errors && fi.nth_fd >= 0 && fi.fail_fd >= 0;
}

/* Put back what fi_setup() found, probabilities first. */
static void fi_restore(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++)
		if (saved[i][0])
			knob(knobs[i].path, saved[i]);
}

/*
 * Page allocations of this task fail once @space pages have been taken:
 * one of 2^order pages succeeds only while more than 2^order are left.
 */
static void arm_pages(long space)
{
	knob_long(FAIL_PAGE "space", space);
	knob(FAIL_PAGE "times", "-1");
	knob(FAIL_PAGE "probability", "100");
}

static void arm_slab(void)
{
	knob(FAILSLAB "space", "0");
	knob(FAILSLAB "times", "-1");
	knob(FAILSLAB "probability", "100");
}

static void disarm(void)
{
	knob(FAIL_PAGE "probability", "0");
	knob(FAILSLAB "probability", "0");
}

static bool pwrite_str(int fd, const char *s)
{
	return pwrite(fd, s, strlen(s), 0) == (ssize_t)strlen(s);
}

static long fail_nth(void)
{
	char buf[24];
	ssize_t n = pread(fi.nth_fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* How one ALLOC under fault injection went. */
struct attempt {
	int err;		/* 0, or the errno of ALLOC */
	long left;		/* fail-nth afterwards: 0 if it fired */
};

/*
 * ALLOC with this task marked to fail and, if @nth, the @nth allocation
 * failing.  Nothing between the two writes and the ioctl allocates: the
 * files are open already and every page this program touches is mlock()ed
 * (a page fault that cannot allocate would retry for ever once the
 * allocator stays dry).
 */
static struct attempt alloc_failing(struct target *t, unsigned int nth)
{
	struct attempt a = { .left = 0 };
	uint64_t size = t->size;
	char buf[16];
	int ret;

	snprintf(buf, sizeof(buf), "%u", nth);
	pwrite_str(fi.fail_fd, "1");
	if (nth)
		pwrite_str(fi.nth_fd, buf);
	ret = ioctl(t->fd, t->k->alloc, &size);
	a.err = ret ? errno : 0;
	pwrite_str(fi.fail_fd, "0");
	if (nth) {
		a.left = fail_nth();
		pwrite_str(fi.nth_fd, "0");
	}
	fi.last_alloc_ms = now_ms();
	return a;
}

/* The same for open() of the device; closes what it opened. */
static struct attempt open_failing(unsigned int nth)
{
	struct attempt a = { .left = 0 };
	char buf[16];
	int fd;

	snprintf(buf, sizeof(buf), "%u", nth);
	pwrite_str(fi.fail_fd, "1");
	pwrite_str(fi.nth_fd, buf);
	fd = open(DEV, O_RDWR | O_CLOEXEC);
	a.err = fd < 0 ? errno : 0;
	pwrite_str(fi.fail_fd, "0");
	a.left = fail_nth();
	pwrite_str(fi.nth_fd, "0");
	if (fd >= 0)
		close(fd);
	fi.last_alloc_ms = now_ms();
	return a;
}

/* ENOMEM, or EFAULT where fail-nth may fail the copy of the size too. */
static bool expected_errno(int err)
{
	return err == ENOMEM || (fi.usercopy && err == EFAULT);
}

/* Whether 8-byte words at @p are all zero: faster than all_bytes(). */
static bool all_zero(const volatile uint64_t *p, size_t size)
{
	for (size_t i = 0; i < size / 8; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * A buffer that ALLOC got despite a failure: referenced once, mapped
 * whole, zeroed.  Then FREE, so that @t->fd can allocate again.  False,
 * with what was wrong in @why, if it was not.
 */
static bool buffer_whole(struct target *t, char *why, size_t len)
{
	uint32_t refs = 0;
	void *map;
	bool ok = true;
	int err = sample_refs(t->fd, &refs);

	if (err || refs != 1) {
		snprintf(why, len, "REFS %u (%s), want 1", refs,
			 err ? strerror(-err) : "ok");
		ok = false;
	}
	map = mmap(NULL, t->size, PROT_READ, MAP_SHARED, t->fd, 0);
	if (map == MAP_FAILED) {
		snprintf(why, len, "mmap: %s", strerror(errno));
		ok = false;
	} else {
		if (ok && !all_zero(map, t->size)) {
			snprintf(why, len, "not zeroed");
			ok = false;
		}
		munmap(map, t->size);
	}
	if (ioctl(t->fd, SCAMEM_SAMPLE_FREE) && ok) {
		snprintf(why, len, "FREE: %s", strerror(errno));
		ok = false;
	}
	return ok;
}

/* Fold the per-cpu vmstat deltas into the global counters. */
static void stat_refresh(void)
{
	write_str("/proc/sys/vm/stat_refresh", "1");
}

/* "@key N" from a /proc file of "key N" or "key: N kB" lines, or -1. */
static long proc_field(const char *path, const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long val = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) &&
		    (line[n] == ' ' || line[n] == ':')) {
			val = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return val;
}

/* nr_vmalloc (pages) and VmallocUsed (kB), both up to date. */
static void vmalloc_counts(long *nr, long *used_kb)
{
	stat_refresh();
	*nr = proc_field("/proc/vmstat", "nr_vmalloc");
	*used_kb = proc_field("/proc/meminfo", "VmallocUsed");
}

/*
 * /proc/vmallocinfo: the pages= of the areas vmalloc() allocated, in kB
 * (what VmallocUsed must be), whether any is the driver's, and how many
 * bytes of address space wait to be purged ("unpurged vm_area").
 */
static void vmallocinfo(long *kb, bool *sample, long *unpurged)
{
	char line[512];
	FILE *f = fopen("/proc/vmallocinfo", "re");

	*kb = 0;
	*sample = false;
	*unpurged = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *pages = strstr(line, " pages=");
		long bytes;

		if (strstr(line, "scamem_sample"))
			*sample = true;
		if (strstr(line, "unpurged vm_area") &&
		    sscanf(line, "%*s %ld", &bytes) == 1)
			*unpurged += bytes;
		if (pages && strstr(line, " vmalloc"))
			*kb += strtol(pages + 7, NULL, 10) * (PAGE >> 10);
	}
	fclose(f);
}

static void baseline_counts(struct target *t)
{
	vmalloc_counts(&t->nr_vmalloc, &t->used_kb);
}

/* Keep the first problem of its kind only. */
static __attribute__((format(printf, 3, 4)))
void note(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf[0])
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/*
 * Wait for nr_vmalloc and VmallocUsed to come back to their baseline to
 * the page: a failed vmalloc() area is freed from a workqueue.  Something
 * else in the guest may have allocated or freed vmalloc memory meanwhile
 * (a kworker's stack); if so, and every page counted is one of a live
 * area (none of them the driver's), that is the new baseline.  @point
 * names the attempt in a report.
 */
static void check_counts(struct target *t, struct tally *y,
			 const char *point)
{
	long start = now_ms(), nr, used, ms, info_kb, unpurged;
	useconds_t wait = 1000;
	bool sample;

	for (;;) {
		vmalloc_counts(&nr, &used);
		ms = now_ms() - start;
		if ((nr == t->nr_vmalloc && used == t->used_kb) ||
		    ms >= SETTLE_MS)
			break;
		usleep(wait);
		wait = wait < 50000 ? wait * 2 : wait;
	}
	if (ms > y->max_ms)
		y->max_ms = ms;
	vmallocinfo(&info_kb, &sample, &unpurged);
	if (nr == t->nr_vmalloc && used == t->used_kb && !sample)
		return;
	if (!sample && used == nr * (long)(PAGE >> 10) && used == info_kb) {
		y->rebased++;
		t->nr_vmalloc = nr;
		t->used_kb = used;
		return;
	}
	y->bad_counts++;
	note(y->first_bad_count, sizeof(y->first_bad_count),
	     "after %s: nr_vmalloc %ld, want %ld; VmallocUsed %ld kB, want %ld kB; vmalloc areas %ld kB%s (%ld ms)",
	     point, nr, t->nr_vmalloc, used, t->used_kb, info_kb,
	     sample ? "; the driver's area is still listed" : "", ms);
}

/* Record how an attempt went; @must_fail: success would be a bug. */
static void tally(struct target *t, struct tally *y, const char *point,
		  const struct attempt *a, bool must_fail)
{
	char why[96] = "";

	y->points++;
	if (a->left > 0)
		y->unreached++;
	if (a->err) {
		if (expected_errno(a->err)) {
			y->enomem++;
			fi.failed++;
		} else {
			y->other++;
			note(y->first_other, sizeof(y->first_other),
			     "%s: %s", point, strerror(a->err));
		}
		return;
	}
	y->succeeded++;
	if (must_fail) {
		y->other++;
		note(y->first_other, sizeof(y->first_other),
		     "%s: ALLOC succeeded", point);
	}
	if (!buffer_whole(t, why, sizeof(why))) {
		y->bad_buffers++;
		note(y->first_bad_buffer, sizeof(y->first_bad_buffer),
		     "%s: %s", point, why);
	}
}

/*
 * The sites to try out of 1..@total: all of them, or the first and the
 * last MAX_POINTS / 4 and a spread in between.  Returns how many.
 */
static unsigned int pick(unsigned int total, unsigned int *out)
{
	unsigned int n = 0, edge = MAX_POINTS / 4, mid;

	if (total <= MAX_POINTS) {
		for (unsigned int i = 1; i <= total; i++)
			out[n++] = i;
		return n;
	}
	for (unsigned int i = 1; i <= edge; i++)
		out[n++] = i;
	mid = MAX_POINTS - 2 * edge;
	for (unsigned int i = 1; i <= mid; i++)
		out[n++] = edge + (unsigned long)i * (total - 2 * edge) /
				  (mid + 1);
	for (unsigned int i = total - edge + 1; i <= total; i++)
		out[n++] = i;
	return n;
}

/* A scamem this task created, and how many of its creations are unfreed. */
struct created {
	char addr[24];		/* scamem= of the event (hashed %p) */
	long unfreed;
};

/* The entry of @addr in @c[0..*nr), added if missing. */
static struct created *created_entry(struct created **c, size_t *nr,
				     size_t *cap, const char *addr)
{
	for (size_t i = 0; i < *nr; i++)
		if (!strcmp((*c)[i].addr, addr))
			return &(*c)[i];
	if (*nr == *cap) {
		*cap = *cap ? 2 * *cap : 256;
		*c = realloc(*c, *cap * sizeof(**c));
		if (!*c)
			exit(2);
	}
	snprintf((*c)[*nr].addr, sizeof((*c)[*nr].addr), "%s", addr);
	(*c)[*nr].unfreed = 0;
	return &(*c)[(*nr)++];
}

/*
 * The scamem:* trace events since the last call, of scamems of the
 * traced capacity: how many this task created, and how many of those were
 * freed, by whoever (a failed area is freed from a workqueue).  A
 * descriptor is reused at once (SLAB_TYPESAFE_BY_RCU), by anyone: a free
 * counts only against a creation of ours not yet freed.  Clears the
 * buffer.
 */
static void trace_balance(long *created, long *freed)
{
	static struct created *c;
	static size_t cap;
	size_t nr = 0;
	char line[512], pid[16], addr[24];
	FILE *f = fopen(TRACE, "re");

	*created = *freed = 0;
	if (!f)
		return;
	snprintf(pid, sizeof(pid), "-%d ", getpid());
	while (fgets(line, sizeof(line), f)) {
		char *ev = strstr(line, ": scamem_"), *mine;
		char *sm = ev ? strstr(ev, " scamem=") : NULL;
		struct created *e;

		if (line[0] == '#' || !sm ||
		    sscanf(sm, " scamem=%23s", addr) != 1)
			continue;
		mine = strstr(line, pid);
		if (!strncmp(ev, ": scamem_create:", 16) && mine && mine < ev) {
			created_entry(&c, &nr, &cap, addr)->unfreed++;
			(*created)++;
		} else if (!strncmp(ev, ": scamem_free:", 14)) {
			e = created_entry(&c, &nr, &cap, addr);
			if (e->unfreed > 0) {
				e->unfreed--;
				(*freed)++;
			}
		}
	}
	fclose(f);
	/* Truncating the file empties the buffer. */
	close(open(TRACE, O_WRONLY | O_TRUNC | O_CLOEXEC));
}

static void sweep_begin(struct tally *y, const char *what)
{
	memset(y, 0, sizeof(*y));
	y->what = what;
	y->start_ms = now_ms();
	trace_balance(&(long){ 0 }, &(long){ 0 });
}

/*
 * Two lines per sweep: how the attempts went, and whether the counts
 * came back after each.  @first_must_fail: the first attempt must have
 * failed.
 */
static void sweep_report(struct target *t, struct tally *y, const char *tries,
			 bool first_must_fail, bool first_failed)
{
	long created, freed;
	bool ok;

	trace_balance(&created, &freed);
	ok = y->points && !y->other && !y->bad_buffers &&
	     (!first_must_fail || first_failed);
	result(ok, "%s: %s: %u tries, %s: %u ENOMEM, %u succeeded (buffer whole and zeroed; %u with the fault not reached) (%.1f s)%s%s%s%s%s",
	       t->name, y->what, y->points, tries, y->enomem,
	       y->succeeded, y->unreached, (now_ms() - y->start_ms) / 1000.0,
	       first_must_fail && !first_failed ? "; the first did not fail" : "",
	       y->first_other[0] ? "; " : "", y->first_other,
	       y->first_bad_buffer[0] ? "; " : "", y->first_bad_buffer);
	result(!y->bad_counts && created == freed,
	       "%s: %s: nr_vmalloc and VmallocUsed back to baseline exactly after each (%ld pages, %ld kB; at most %ld ms; %u new baselines, vmalloc elsewhere in the guest); %ld scamems created, %ld of them freed%s%s",
	       t->name, y->what, t->nr_vmalloc, t->used_kb, y->max_ms,
	       y->rebased, created, freed,
	       y->first_bad_count[0] ? "; " : "", y->first_bad_count);
}

/*
 * Count the sites: with fail-nth beyond the end, nothing fails and what
 * is left of it says how many allocations there were; likewise
 * fail_page_alloc's space for the page allocator's share.
 */
static void calibrate(struct target *t)
{
	struct attempt a;
	char why[96];
	long space;

	a = alloc_failing(t, UNREACHED);
	t->sites = a.err || a.left <= 0 ? 0 : UNREACHED - a.left;
	if (!a.err)
		buffer_whole(t, why, sizeof(why));
	arm_pages(UNREACHED);
	a = alloc_failing(t, 0);
	space = read_number(FAIL_PAGE "space");
	disarm();
	t->page_units = a.err || space <= 0 ? 0 : UNREACHED - space;
	if (!a.err)
		buffer_whole(t, why, sizeof(why));
	check_counts(t, &(struct tally){ 0 }, "calibration");
}

/*
 * Whether a sweep over the sites goes on after an attempt at site @n:
 * until the fault is not reached twice in a row (an ALLOC may make fewer
 * allocations than another: a slab has room, a stack is in the depot).
 */
static bool more_sites(const struct attempt *a, unsigned int n,
		       unsigned int *misses)
{
	*misses = a->left > 0 ? *misses + 1 : 0;
	return *misses < 2 && n < MAX_TRIES;
}

/* The site a sweep tries after site @n (see EDGE_SITES). */
static unsigned int next_site(const struct target *t, unsigned int n)
{
	unsigned int last_edge = t->sites > 2 * EDGE_SITES ?
				 t->sites - EDGE_SITES : 0;
	unsigned int step;

	if (n < EDGE_SITES || n >= last_edge)
		return n + 1;
	step = (last_edge - EDGE_SITES) / (MIDDLE_SITES + 1) + 1;
	return n + step < last_edge ? n + step : last_edge;
}

/* "one": the n-th allocation fails, alone. */
static void sweep_one(struct target *t)
{
	unsigned int n = 0, misses = 0;
	char point[32], tries[128];
	bool first_failed = false;
	struct attempt a;
	struct tally y;

	sweep_begin(&y, "one allocation fails");
	t->nr_absorbed = 0;
	do {
		n = next_site(t, n);
		a = alloc_failing(t, n);
		snprintf(point, sizeof(point), "site %u", n);
		if (n == 1)
			first_failed = a.err != 0;
		if (!a.err && !a.left && t->nr_absorbed < MAX_SITES)
			t->absorbed[t->nr_absorbed++] = n;
		tally(t, &y, point, &a, false);
		check_counts(t, &y, point);
	} while (more_sites(&a, n, &misses));
	snprintf(tries, sizeof(tries), "sites 1 to %u (a plain ALLOC makes %u allocations)",
		 n, t->sites);
	sweep_report(t, &y, tries, true, first_failed);
}

/* "all": the n-th allocation and every one after it fail. */
static void sweep_all(struct target *t)
{
	unsigned int n = 0, misses = 0;
	char point[32], tries[128];
	bool first_failed = false;
	struct attempt a;
	struct tally y;

	sweep_begin(&y, "every allocation from the n-th on fails");
	do {
		arm_pages(0);
		arm_slab();
		n = next_site(t, n);
		a = alloc_failing(t, n);
		disarm();
		snprintf(point, sizeof(point), "site %u", n);
		if (n == 1)
			first_failed = a.err != 0;
		tally(t, &y, point, &a, false);
		check_counts(t, &y, point);
	} while (more_sites(&a, n, &misses));
	snprintf(tries, sizeof(tries), "from site 1 to %u on (a plain ALLOC makes %u allocations)",
		 n, t->sites);
	sweep_report(t, &y, tries, true, first_failed);
}

/*
 * "pages": the page allocator has s pages left (fail_page_alloc's space):
 * an allocation of 2^order pages succeeds, and takes them, only while
 * fewer than s are left, so a high-order one fails where the smaller
 * ones that vmalloc() falls back to may still succeed, and then fail in
 * turn.  An area is left with about s pages of its own.
 */
static void sweep_pages(struct target *t)
{
	unsigned int pts[MAX_POINTS], n = pick(t->page_units + 1, pts);
	char point[32], tries[128];
	bool first_failed = false;
	struct tally y;

	sweep_begin(&y, "the page allocator has s pages left");
	for (unsigned int i = 0; i < n; i++) {
		struct attempt a;

		arm_pages(pts[i]);
		a = alloc_failing(t, 0);
		disarm();
		snprintf(point, sizeof(point), "s = %u", pts[i]);
		if (i == 0)
			first_failed = a.err != 0;
		tally(t, &y, point, &a, false);
		check_counts(t, &y, point);
	}
	snprintf(tries, sizeof(tries), "s from 1 to %u (a plain ALLOC takes %u pages)",
		 pts[n - 1], t->page_units);
	sweep_report(t, &y, tries, true, first_failed);
}

/*
 * "partial": one failure the kernel gets over, at a site where "one" got
 * over it, then the page allocator has s pages left (see arm_pages()):
 * where the site was scamem_alloc()'s bulk allocation, its fallback takes
 * one page at a time and the set runs out with s - 1 pages; where it was
 * one of vmalloc()'s high-order allocations, the smaller orders after it
 * run out.  At most MAX_PARTIAL sites, spread over those got over.
 */
static void sweep_partial(struct target *t)
{
	unsigned long s_vals[] = { 1, 2, t->nr / 2 + 1, t->nr };
	unsigned int from = t->nr_absorbed > MAX_PARTIAL ?
			    t->nr_absorbed / MAX_PARTIAL : 1, sites = 0;
	char point[48], tries[128];
	struct tally y;

	sweep_begin(&y, "one failure got over, then s pages left");
	for (unsigned int i = 0; i < t->nr_absorbed; i += from, sites++) {
		for (size_t j = 0; j < ARRAY_SIZE(s_vals); j++) {
			struct attempt a;

			/* 1, 2, nr/2 + 1, nr: no repeats. */
			if (j && s_vals[j] <= s_vals[j - 1])
				continue;
			arm_pages(s_vals[j]);
			a = alloc_failing(t, t->absorbed[i]);
			disarm();
			snprintf(point, sizeof(point), "site %u, s = %lu",
				 t->absorbed[i], s_vals[j]);
			tally(t, &y, point, &a, false);
			check_counts(t, &y, point);
		}
	}
	snprintf(tries, sizeof(tries), "%u of the %u sites got over in \"one\", s = 1, 2, pages / 2 + 1, pages",
		 sites, t->nr_absorbed);
	sweep_report(t, &y, tries, false, false);
}

/* The cache of the scamem descriptor of @nr pages (mm/scamem.c). */
static void descriptor_cache(unsigned long nr, char *buf, size_t len)
{
	unsigned long cap = 1;

	while (nr <= 256 && cap < nr)
		cap <<= 1;
	snprintf(buf, len, SLAB_SYSFS "scamem-%lu/failslab", cap);
}

/* "descriptor": failslab in the descriptor's cache alone, once. */
static void sweep_descriptor(struct target *t)
{
	struct tally y;
	struct attempt a;
	char cache[64];

	sweep_begin(&y, "the descriptor's cache fails");
	descriptor_cache(t->nr, cache, sizeof(cache));
	knob(cache, "1");
	knob(FAILSLAB "cache-filter", "Y");
	knob(FAILSLAB "space", "0");
	knob(FAILSLAB "times", "1");
	knob(FAILSLAB "probability", "100");
	a = alloc_failing(t, 0);
	/* times counts down to 0 once the failure is injected. */
	a.left = read_number(FAILSLAB "times");
	disarm();
	knob(FAILSLAB "cache-filter", "N");
	knob(FAILSLAB "times", "-1");
	knob(cache, "0");
	tally(t, &y, cache + strlen(SLAB_SYSFS), &a, true);
	check_counts(t, &y, "the descriptor's failure");
	sweep_report(t, &y, "one", true, a.err != 0);
}

/* After all that, a plain ALLOC still gets a working buffer. */
static void check_works(struct target *t)
{
	uint64_t *map = MAP_FAILED;
	int fd = open_alloc(t->k, t->size, O_RDWR);
	uint32_t refs = 0;
	long bad = -2;

	if (fd < 0)
		return;
	sample_refs(fd, &refs);
	map = mmap(NULL, t->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map != MAP_FAILED) {
		bad = all_zero(map, t->size) ? -1 : 0;
		if (bad < 0) {
			fill(map, t->size, t->nr, false);
			bad = compare(map, t->size, t->nr);
		}
		munmap(map, t->size);
	}
	result(refs == 1 && bad == -1 && !ioctl(fd, SCAMEM_SAMPLE_FREE),
	       "%s: a plain ALLOC afterwards works: REFS %u, mapped %s, %s",
	       t->name, refs, map == MAP_FAILED ? "no" : "yes",
	       bad == -1 ? "zeroed, holds a pattern, FREE" :
	       bad == -2 ? "not checked" : "wrong contents");
	close(fd);
}

static unsigned int fls_ul(unsigned long x)
{
	unsigned int n = 0;

	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

/*
 * vfree() leaves the address range, with KASAN's shadow of it (an eighth
 * of the area, in pages), to be purged once more than lazy_max_pages() of
 * such ranges have gathered: fls(CPUs) * 32 MiB (mm/vmalloc.c), listed in
 * /proc/vmallocinfo as "unpurged vm_area" meanwhile.  Free memory would
 * lag by up to that eighth.  An area that makes up the difference (the
 * guard page tips it over), freed, has the whole lot purged at once.
 */
static void purge_lazy_areas(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN), kb, unpurged, waited;
	uint64_t max = fls_ul(cpus > 0 ? cpus : 1) * (32UL << 20), size;
	bool sample;
	int fd;

	vmallocinfo(&kb, &sample, &unpurged);
	if (!unpurged)
		return;
	size = unpurged < (long)max ? max - unpurged : PAGE;
	fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	if (!ioctl(fd, SCAMEM_SAMPLE_ALLOC, &size))
		ioctl(fd, SCAMEM_SAMPLE_FREE);
	close(fd);
	/* The purge runs from a workqueue. */
	for (waited = 0; waited < SETTLE_MS; waited += 20) {
		vmallocinfo(&kb, &sample, &unpurged);
		if (!unpurged)
			break;
		usleep(20000);
	}
}

/* Where memory is, for saying where it went: slab caches, /proc/meminfo. */
struct snapshot {
	int nr;
	struct entry {
		char name[40];	/* a cache, or a field of /proc/meminfo */
		long kb;	/* its slabs' pages, or the field */
		long objs;	/* its objects in use; -1 for a field */
	} e[768];
};

static void snap_add(struct snapshot *s, const char *name, long kb, long objs)
{
	if (s->nr == (int)ARRAY_SIZE(s->e))
		return;
	snprintf(s->e[s->nr].name, sizeof(s->e[0].name), "%s", name);
	s->e[s->nr].kb = kb;
	s->e[s->nr++].objs = objs;
}

static void snapshot(struct snapshot *s)
{
	long active, num, size, per, pages, slabs;
	char line[512], name[40];
	FILE *f = fopen("/proc/slabinfo", "re");

	s->nr = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%39s %ld %ld %ld %ld %ld : tunables %*d %*d %*d : slabdata %*d %ld",
			   name, &active, &num, &size, &per, &pages,
			   &slabs) == 7)
			snap_add(s, name, slabs * pages * (long)(PAGE >> 10),
				 active);
	if (f)
		fclose(f);
	f = fopen("/proc/meminfo", "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%39[^:]: %ld", name, &num) == 2 &&
		    strcmp(name, "MemFree") && strcmp(name, "MemAvailable"))
			snap_add(s, name, num, -1);
	if (f)
		fclose(f);
}

/*
 * The three largest growths from @a to @b: "name +N kB (+M objects)"
 * for a cache, "name +N kB" for a field of /proc/meminfo (not the slab
 * totals, which the caches break down).
 */
static void grown(const struct snapshot *a, const struct snapshot *b,
		  char *buf, size_t len)
{
	int top[3] = { -1, -1, -1 };
	long d[ARRAY_SIZE(b->e)];
	size_t used = 0;

	long objs[ARRAY_SIZE(b->e)];

	for (int i = 0; i < b->nr; i++) {
		d[i] = b->e[i].kb;
		objs[i] = b->e[i].objs;
		for (int j = 0; j < a->nr; j++)
			if (!strcmp(a->e[j].name, b->e[i].name)) {
				d[i] -= a->e[j].kb;
				objs[i] -= a->e[j].objs;
				break;
			}
		if (b->e[i].objs < 0 && (!strcmp(b->e[i].name, "Slab") ||
					 !strncmp(b->e[i].name, "SUnreclaim", 10) ||
					 !strncmp(b->e[i].name, "SReclaimable", 12)))
			continue;
		for (int k = 0; k < 3; k++)
			if (d[i] > 0 && (top[k] < 0 || d[i] > d[top[k]])) {
				memmove(&top[k + 1], &top[k],
					(2 - k) * sizeof(top[0]));
				top[k] = i;
				break;
			}
	}
	buf[0] = '\0';
	for (int k = 0; k < 3 && top[k] >= 0 && used < len; k++) {
		int i = top[k];

		used += snprintf(buf + used, len - used, "%s%s +%ld kB",
				 k ? ", " : "; grown: ", b->e[i].name, d[i]);
		if (b->e[i].objs >= 0 && used < len)
			used += snprintf(buf + used, len - used,
					 " (%+ld objects)", objs[i]);
	}
}

/* The caches when memory last settled: none before the first time. */
static struct snapshot settled;

/*
 * KASAN keeps freed objects in a quarantine (up to 1/32 of memory) before
 * their slabs can go, whatever cache they are of (kmemleak's metadata,
 * freed after an RCU grace period, VMAs, files, the seq_file buffers of
 * the /proc reads here): shrinking a cache empties its share of it and
 * frees its empty slabs.  Every cache that grew since memory last settled
 * (every cache the first time); how many.
 */
static int shrink_grown(const struct snapshot *now)
{
	char path[300];
	int n = 0;

	for (int i = 0; i < now->nr; i++) {
		int j;

		if (now->e[i].objs < 0)
			continue;
		for (j = 0; j < settled.nr; j++)
			if (!strcmp(settled.e[j].name, now->e[i].name))
				break;
		if (j < settled.nr && now->e[i].kb <= settled.e[j].kb)
			continue;
		snprintf(path, sizeof(path), SLAB_SYSFS "%s/shrink",
			 now->e[i].name);
		n += write_str(path, "1");
	}
	return n;
}

/*
 * Free memory (MemFree and the per-cpu lists) and Slab, in kB, once
 * everything that lingers after a free is gone: lazily freed vmalloc
 * ranges, page cache, quarantined objects, per-cpu slabs.  Shrinking
 * goes on until the readings hold still (a shrink may be followed by
 * RCU-delayed frees).
 */
static void settled_memory(long *free, long *slab)
{
	static struct snapshot now;
	long prev_free = LONG_MIN, prev_slab = LONG_MIN, start = now_ms();

	purge_lazy_areas();
	write_str("/proc/sys/vm/drop_caches", "3");
	for (;;) {
		snapshot(&now);
		shrink_grown(&now);
		*free = free_kb();
		*slab = meminfo_kb("Slab");
		if ((labs(*free - prev_free) <= STILL_KB &&
		     labs(*slab - prev_slab) <= STILL_KB) ||
		    now_ms() - start > STILL_MS)
			break;
		prev_free = *free;
		prev_slab = *slab;
		usleep(100000);
	}
	snapshot(&settled);
}

/*
 * How far settled free memory and Slab move with no leak at all: a few
 * rounds of what the sweeps do, plain, then settled.  The tolerances are
 * twice the largest move seen, never below the floors.
 */
static void measure_noise(void)
{
	long free, slab, free_min = LONG_MAX, free_max = 0;
	long slab_min = LONG_MAX, slab_max = 0, settle_ms = 0, start;
	char why[96];

	/* Round 0 warms up: first allocations keep memory (slab caches). */
	for (int r = 0; r <= NOISE_ROUNDS; r++) {
		for (int k = 0; k < NR_SAMPLE_KINDS; k++)
			for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
				struct target t = {
					.k = &sample_kinds[k],
					.size = sizes[i] * PAGE,
				};

				t.fd = open(DEV, O_RDWR | O_CLOEXEC);
				if (t.fd < 0)
					continue;
				if (!ioctl(t.fd, t.k->alloc, &t.size))
					buffer_whole(&t, why, sizeof(why));
				close(t.fd);
			}
		start = now_ms();
		settled_memory(&free, &slab);
		settle_ms = now_ms() - start;
		if (!r)
			continue;
		free_min = free < free_min ? free : free_min;
		free_max = free > free_max ? free : free_max;
		slab_min = slab < slab_min ? slab : slab_min;
		slab_max = slab > slab_max ? slab : slab_max;
	}
	fi.free_tol_kb = 2 * (free_max - free_min);
	if (fi.free_tol_kb < FREE_FLOOR_KB)
		fi.free_tol_kb = FREE_FLOOR_KB;
	fi.slab_tol_kb = 2 * (slab_max - slab_min);
	if (fi.slab_tol_kb < SLAB_FLOOR_KB)
		fi.slab_tol_kb = SLAB_FLOOR_KB;
	result(fi.free_tol_kb < (long)(sizes[ARRAY_SIZE(sizes) - 1] * PAGE >> 10),
	       "settled free memory moves by %ld kB and Slab by %ld kB over %d rounds of plain ALLOCs: tolerances %ld kB and %ld kB (floors %d, %d kB), below the %lu kB of the largest buffer (settling takes %.1f s)",
	       free_max - free_min, slab_max - slab_min, NOISE_ROUNDS,
	       fi.free_tol_kb, fi.slab_tol_kb, FREE_FLOOR_KB, SLAB_FLOOR_KB,
	       sizes[ARRAY_SIZE(sizes) - 1] * PAGE >> 10, settle_ms / 1000.0);
}

/*
 * Free memory and Slab after every sweep of a kind and size, against
 * before (@base, with its slab caches and /proc/meminfo in @snap): a leak
 * of the buffer's pages at each failure adds up over the failures;
 * @failures says how many there were.  Where either is off, the caches
 * and fields that grew most say where the memory went.
 */
static void check_memory(struct target *t, long free_base, long slab_base,
			 const struct snapshot *snap, unsigned int failures)
{
	static struct snapshot now;
	char where[320] = "";
	long free, slab;
	bool free_ok, slab_ok;

	settled_memory(&free, &slab);
	free_ok = free >= free_base - fi.free_tol_kb;
	slab_ok = slab <= slab_base + fi.slab_tol_kb;
	if (!free_ok || !slab_ok) {
		/*
		 * Memory that is only slow to come back (RCU callbacks, the
		 * vmap_area pools that drop_caches empties) has by now: a
		 * second settle, and what is still missing stays missing.
		 */
		sleep(1);
		settled_memory(&free, &slab);
		free_ok = free >= free_base - fi.free_tol_kb;
		slab_ok = slab <= slab_base + fi.slab_tol_kb;
		snapshot(&now);
		grown(snap, &now, where, sizeof(where));
		strncat(where, " (settled twice)",
			sizeof(where) - strlen(where) - 1);
	}
	result(free_ok,
	       "%s: free memory back to baseline after its %u failed ALLOCs: %ld kB before, %ld kB after (%+ld kB, tolerance -%ld kB; the whole buffer is %lu kB)%s",
	       t->name, failures, free_base, free, free - free_base,
	       fi.free_tol_kb, t->size >> 10, free_ok ? "" : where);
	result(slab_ok,
	       "%s: Slab back to baseline after its %u failed ALLOCs: %ld kB before, %ld kB after (%+ld kB, tolerance +%ld kB)%s",
	       t->name, failures, slab_base, slab, slab - slab_base,
	       fi.slab_tol_kb, slab_ok ? "" : where);
}

/* Every sweep for one kind and size, and what must hold after them. */
static void run(const struct sample_kind *k, unsigned long nr)
{
	static struct target t;
	static struct snapshot snap;
	long free_base, slab_base;
	unsigned int failed = fi.failed;

	memset(&t, 0, sizeof(t));
	t.k = k;
	t.nr = nr;
	t.size = nr * PAGE;
	snprintf(t.name, sizeof(t.name), "%s %lu page%s", k->name, nr,
		 nr == 1 ? "" : "s");
	scamem_trace_start(nr);
	settled_memory(&free_base, &slab_base);
	snapshot(&snap);
	t.fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (t.fd >= 0) {
		baseline_counts(&t);
		calibrate(&t);
		sweep_one(&t);
		sweep_all(&t);
		sweep_pages(&t);
		sweep_partial(&t);
		sweep_descriptor(&t);
		close(t.fd);
	} else {
		/* The lines of the sweeps, failed, so that the plan holds. */
		for (int i = 0; i < 2 * NR_SWEEPS; i++)
			result(false, "%s: open " DEV ": %s", t.name,
			       strerror(errno));
	}
	check_works(&t);
	check_memory(&t, free_base, slab_base, &snap, fi.failed - failed);
}

/*
 * open() of the device, the n-th allocation failing, at each of them:
 * ENOMEM (the driver's kzalloc() among them), or success.
 */
static void sweep_open(void)
{
	struct attempt a = open_failing(UNREACHED);
	unsigned int n = 0, misses = 0, sites;
	struct tally y;
	char point[32];

	sites = a.err || a.left <= 0 ? 0 : UNREACHED - a.left;
	sweep_begin(&y, "one allocation fails");
	do {
		a = open_failing(++n);
		snprintf(point, sizeof(point), "site %u", n);
		y.points++;
		if (a.left > 0)
			y.unreached++;
		if (!a.err)
			y.succeeded++;
		else if (expected_errno(a.err))
			y.enomem++;
		else if (!y.other++)
			note(y.first_other, sizeof(y.first_other), "%s: %s",
			     point, strerror(a.err));
	} while (more_sites(&a, n, &misses));
	result(y.enomem && !y.other,
	       "open " DEV ": one allocation fails: %u tries over %u sites: %u ENOMEM, %u succeeded (%u with the fault not reached)%s%s",
	       y.points, sites, y.enomem, y.succeeded, y.unreached,
	       y.first_other[0] ? "; " : "", y.first_other);
}

/*
 * kmemleak: two scans, as Documentation/dev-tools/kmemleak.rst advises
 * (a pointer in a register at the first is seen at the second), once
 * every object of the sweeps is older than kmemleak's minimum age.  An
 * unreferenced object that this task allocated fails; others are the
 * host's to find in the log (tests/guest/init prints every leak at the
 * end).
 */
static void check_kmemleak(void)
{
	long age = (now_ms() - fi.last_alloc_ms) / 1000;
	char line[256], header[128] = "", first[512] = "", comm[48];
	int ours = 0, all = 0, frames = 0;
	bool scanned;
	FILE *f;

	if (age < KMEMLEAK_AGE_S + 1)
		sleep(KMEMLEAK_AGE_S + 1 - age);
	scanned = write_str(KMEMLEAK, "scan");
	sleep(1);
	scanned = write_str(KMEMLEAK, "scan") && scanned;
	f = fopen(KMEMLEAK, "re");
	if (!scanned || !f) {
		result(false, "kmemleak: scan: %s", strerror(errno));
		if (f)
			fclose(f);
		return;
	}
	snprintf(comm, sizeof(comm), "comm \"%.15s\", pid %d,",
		 program_invocation_short_name, getpid());
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "unreferenced object", 19)) {
			all++;
			frames = 0;
			snprintf(header, sizeof(header), "%s", line);
		} else if (strstr(line, comm)) {
			/* The first of ours, with its first frames. */
			if (!ours++) {
				snprintf(first, sizeof(first), "%s", header);
				frames = 6;
			}
		} else if (frames && strstr(line, "+0x") &&
			   strlen(first) + strlen(line) + 3 < sizeof(first)) {
			frames--;
			strcat(first, " < ");
			strcat(first, line + strspn(line, " "));
		}
	}
	fclose(f);
	result(!ours,
	       "kmemleak: nothing this program allocated is unreferenced after two scans: %d objects of ours, %d of others%s%s",
	       ours, all - ours, ours ? "; the first: " : "", first);
}

/*
 * Grow the stack now and lock every page of the program in memory: no
 * page fault while this task is marked to fail.
 */
static void lock_memory(void)
{
	volatile char stack[256 << 10];

	for (size_t i = 0; i < sizeof(stack); i += PAGE)
		stack[i] = 0;
	if (mlockall(MCL_CURRENT))
		perror("mlockall");
}

int main(void)
{
	const char *absent;
	bool kmemleak;
	int checks;

	setvbuf(stdout, NULL, _IOLBF, 0);
	set_prefix("faults: ");
	absent = missing();
	if (absent) {
		plan(1, "faults");
		result(false, "kernel has no %s", absent);
		return 1;
	}
	kmemleak = !access(KMEMLEAK, W_OK);
	/* setup, noise, open; each kind and size; kmemleak; restore */
	checks = 3 + NR_SAMPLE_KINDS * ARRAY_SIZE(sizes) * CHECKS_PER_RUN +
		 kmemleak + 1;
	plan(checks, "faults");
	lock_memory();

	result(fi_setup(),
	       "fault injection set up: failslab and fail_page_alloc for this task only, every kind of allocation, silent%s%s",
	       fi.knob_errors ? "; " : "", fi.knob_error);
	/* Every trace buffer allocated before any baseline. */
	scamem_trace_start(1);
	measure_noise();

	kmsg("@@ expect-splat-begin faults: warn_alloc\n");
	sweep_open();
	for (int k = 0; k < NR_SAMPLE_KINDS; k++)
		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
			run(&sample_kinds[k], sizes[i]);
	disarm();
	kmsg("@@ expect-splat-end\n");

	scamem_trace_stop();
	if (kmemleak)
		check_kmemleak();
	fi_restore();
	result(!fi.knob_errors && fail_nth() == 0 &&
	       read_number(FAIL_PAGE "probability") == 0 &&
	       read_number(FAILSLAB "probability") == 0,
	       "fault injection disarmed and its settings put back%s%s",
	       fi.knob_errors ? "; " : "", fi.knob_error);
	return failures ? 1 : 0;
}
