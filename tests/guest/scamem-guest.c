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

void plan(int n, const char *name)
{
	printf("@@ plan %d %s\n", n, name);
	fflush(stdout);
}

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

/* A number from a cgroup file or /proc/vmstat field, or -1. */
long read_long(const char *path, const char *field)
{
	char line[256];
	size_t n = field ? strlen(field) : 0;
	long val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!field) {
			val = strtol(line, NULL, 10);
			break;
		}
		if (!strncmp(line, field, n) && line[n] == ' ') {
			val = strtol(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/* Swap in use, in kB, from /proc/meminfo. */
long swap_used_kb(void)
{
	return meminfo_kb("SwapTotal") - meminfo_kb("SwapFree");
}

/* Shmem and swap use may keep a few pages of others (the test's own). */
#define SHMEM_SWAP_SLACK_KB	512

/*
 * Two checks: Shmem and swap use come back to @shmem_kb and @swap_kb
 * (with some slack), waiting up to 10 s for deferred frees.  Swap
 * entries that also have a page in memory (SwapCached) are left out:
 * when a file is truncated while reclaim holds one of its folios in the
 * swap cache, that folio keeps its entry until reclaim comes back for
 * it, though nothing owns either any more.
 */
void check_shmem_swap_back(long shmem_kb, long swap_kb, const char *when)
{
	long now_shmem = 0, now_swap = 0;

	for (int i = 0; i < 100; i++) {
		now_shmem = meminfo_kb("Shmem");
		now_swap = swap_used_kb() - meminfo_kb("SwapCached");
		if (now_shmem <= shmem_kb + SHMEM_SWAP_SLACK_KB &&
		    now_swap <= swap_kb + SHMEM_SWAP_SLACK_KB)
			break;
		usleep(100000);
	}
	result(now_shmem <= shmem_kb + SHMEM_SWAP_SLACK_KB,
	       "%s: Shmem back: %ld kB, was %ld", when, now_shmem, shmem_kb);
	result(now_swap <= swap_kb + SHMEM_SWAP_SLACK_KB,
	       "%s: swap use back: %ld kB, was %ld", when, now_swap, swap_kb);
}

/* The pages on the per-cpu free lists, in kB (see free_kb()), or -1. */
static long pcp_kb(void)
{
	char line[256];
	long pcp = 0, n;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &n) == 1)
			pcp += n;
	fclose(f);
	return pcp * (long)(PAGE >> 10);
}

/*
 * Free memory in kB: MemFree plus the pages on the per-cpu free lists
 * (the "count:" lines of /proc/zoneinfo).  MemFree alone misses those, and
 * a burst of frees such as the last unpin of 16 MiB can leave megabytes
 * there: the lists grow their high mark on such bursts and keep the pages.
 */
long free_kb(void)
{
	long memfree = meminfo_kb("MemFree"), pcp = pcp_kb();

	return memfree < 0 || pcp < 0 ? -1 : memfree + pcp;
}

/*
 * The stack depot's pools, in kB: KASAN and kmemleak keep the stack of
 * every allocation there, in pools of 16 KiB that no counter names and
 * that are never freed; a new stack takes a new pool now and then.
 */
static long depot_kb(void)
{
	FILE *f = fopen("/sys/kernel/debug/stackdepot/stats", "r");
	long pools = 0;

	if (!f)
		return 0;
	if (fscanf(f, "pools: %ld", &pools) != 1)
		pools = 0;
	fclose(f);
	return pools * 16;
}

/*
 * What the vmalloc address space itself holds, in kB (page_owner: the
 * debug kernel; 0 elsewhere): KASAN's shadow of vmalloc areas, a page of
 * it for each 32 KiB of addresses that any area overlaps, and the kernel
 * page tables of the range, which are never freed.  Both stay behind an
 * area that vfree() released and grow as the areas of a long run spread
 * over the range (measured: 2 MiB over a minute of stress.test); no
 * counter names them.
 */
static const char *const space_stacks[] = {
	"kasan_populate_vmalloc", " __pte_alloc_kernel",
};

static long vmalloc_space_kb(void)
{
	FILE *f = fopen("/sys/kernel/debug/page_owner_stacks/show_stacks", "r");
	char line[512];
	bool space = false;
	long n, pages = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "nr_base_pages: %ld", &n) == 1) {
			pages += space ? n : 0;
			space = false;
			continue;
		}
		for (size_t i = 0; i < sizeof(space_stacks) / sizeof(space_stacks[0]); i++)
			space |= strstr(line, space_stacks[i]) != NULL;
	}
	fclose(f);
	return pages * (long)(PAGE >> 10);
}

/* Whether a /proc/vmallocinfo line is a kernel stack's area. */
static bool is_stack(const char *line)
{
	static const char *const callers[] = STACK_CALLERS;
	char caller[64];

	for (size_t i = 0; i < sizeof(callers) / sizeof(callers[0]); i++) {
		snprintf(caller, sizeof(caller), " %s+", callers[i]);
		if (strstr(line, caller))
			return true;
	}
	return false;
}

/*
 * The kernel stacks (CONFIG_VMAP_STACK): vmalloc areas of fork(), which
 * come and go with kernel threads (a new kworker, an io_uring worker) and
 * stay, a couple per CPU, in a cache of their own.  @nr gets how many.
 */
static long stacks_kb(long *nr)
{
	FILE *f = fopen("/proc/vmallocinfo", "r");
	char line[512], *p;
	long kb = 0;

	*nr = 0;
	while (f && fgets(line, sizeof(line), f))
		if (is_stack(line) && (p = strstr(line, " pages="))) {
			kb += strtol(p + 7, NULL, 10) * (long)(PAGE >> 10);
			++*nr;
		}
	if (f)
		fclose(f);
	return kb;
}

/* What /proc/meminfo names the kernel's memory after, but vmalloc. */
static const char *const named_fields[] = {
	"SReclaimable", "SUnreclaim", "PageTables", "SecPageTables",
	"Percpu", "AnonPages", "Buffers", "Cached",
};

void read_mem(struct mem *m)
{
	char line[256], key[64];
	long kb, pcp = -1, pcp_after;
	FILE *f;

	refresh_stats();
	/*
	 * Pages move between the buddy lists (MemFree) and the per-cpu
	 * lists a batch at a time (hundreds of kB): a batch that moves
	 * between reading one and the other is counted twice or not at
	 * all.  Read again until the per-cpu lists stood still meanwhile.
	 */
	for (int tries = 0; tries < 20; tries++) {
		memset(m, 0, sizeof(*m));
		m->vmalloc = m->memfree = -1;
		if (pcp < 0)
			pcp = pcp_kb();
		f = fopen("/proc/meminfo", "r");
		if (!f)
			return;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%63[^:]: %ld", key, &kb) != 2)
				continue;
			if (!strcmp(key, "VmallocUsed"))
				m->vmalloc = kb;
			else if (!strcmp(key, "MemFree"))
				m->memfree = kb;
			for (size_t i = 0; i < sizeof(named_fields) / sizeof(named_fields[0]); i++)
				if (!strcmp(key, named_fields[i]))
					m->named += kb;
		}
		fclose(f);
		pcp_after = pcp_kb();
		if (pcp_after == pcp)
			break;
		pcp = pcp_after;
	}
	m->stacks = stacks_kb(&m->nr_stacks);
	m->vmalloc -= m->stacks;
	m->space = vmalloc_space_kb();
	m->named += depot_kb() + m->stacks + m->space;
	m->free = m->memfree + pcp;
	m->kept = m->free + m->named;
}

/*
 * KASAN_VMALLOC gives every vmap area shadow memory, an eighth of its
 * size, that no counter names; vfree() leaves it, with the address range,
 * to a lazy purge that runs once more than lazy_max_pages() wait (32 MiB
 * times fls() of the CPUs).  Make that purge run now: ALLOC and FREE a
 * vmalloc_user() buffer bigger than that, and wait until /proc/vmallocinfo
 * no longer lists its range as "unpurged".  Stacks, io_uring's rings and
 * the tests' own buffers give their shadow back with it.
 */
void purge_lazy_vmap(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int fls = 64 - __builtin_clzl(cpus > 0 ? cpus : 1);
	uint64_t size = (32UL << 20) * fls + (16UL << 20);
	char line[512], want[64];
	bool listed = true;
	int fd;

	fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	if (ioctl(fd, SCAMEM_SAMPLE_ALLOC, &size) ||
	    ioctl(fd, SCAMEM_SAMPLE_FREE)) {
		close(fd);
		return;
	}
	close(fd);
	/* The area's size in vmallocinfo includes its guard page. */
	snprintf(want, sizeof(want), " %" PRIu64 " unpurged", size + PAGE);
	for (int waited = 0; listed && waited < SETTLE_US; waited += POLL_US) {
		FILE *f = fopen("/proc/vmallocinfo", "r");

		listed = false;
		while (f && fgets(line, sizeof(line), f))
			listed |= strstr(line, want) != NULL;
		if (f)
			fclose(f);
		if (listed)
			usleep(POLL_US);
	}
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
 * A baseline is taken once the counts stand still: what the step before
 * freed late (io_uring's exit work, RCU callbacks) must not land between
 * the baseline and the readings it is compared with.
 */
/* The vmalloc areas of /proc/vmallocinfo at the last baseline. */
static char baseline_areas[256 << 10];

/* Copy the vmalloc areas of /proc/vmallocinfo to @buf, or print those not
 * in @buf (the areas of the baseline), when @buf is NULL. */
static void vmalloc_areas(char *buf, size_t len)
{
	FILE *f = fopen("/proc/vmallocinfo", "r");
	char line[512];
	size_t n = 0;

	if (buf)
		buf[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		if (!strstr(line, " vmalloc"))
			continue;
		if (buf && n + strlen(line) < len) {
			strcpy(buf + n, line);
			n += strlen(line);
		} else if (!buf && !strstr(baseline_areas, line)) {
			printf("    vmalloc area since the baseline: %s", line);
		}
	}
	if (f)
		fclose(f);
}

void take_baseline(struct mem *base)
{
	struct mem prev;

	purge_lazy_vmap();
	vmalloc_areas(baseline_areas, sizeof(baseline_areas));
	read_mem(base);
	for (int waited = 0; waited < SETTLE_US; waited += 4 * POLL_US) {
		prev = *base;
		usleep(4 * POLL_US);
		read_mem(base);
		if (base->kept == prev.kept && base->vmalloc == prev.vmalloc)
			break;
	}
	/*
	 * An earlier test's pages, allocated through the sample driver when
	 * it was loaded at the same address, may still be allocated: a
	 * folio of a pageable buffer in an idle CPU's LRU batch is freed
	 * only when that batch drains.  They are not this test's to free.
	 */
	base->sample = sample_pages(false);
	if (base->sample > 0) {
		printf("    %ld pages allocated through the sample driver before this test:\n",
		       base->sample);
		sample_pages(true);
	}
}

/*
 * What a page allocated under the sample driver may be, and stay, that is
 * not a buffer's: a slab's (the slab keeps its pages when its objects
 * go), a kernel page table of the vmalloc range or of its KASAN shadow
 * (never freed), KASAN's shadow of a vmalloc area (shared with the next
 * area, freed with the last), a pool of the stack depot (never freed).
 */
static const char *const not_buffers[] = {
	" allocate_slab+", " __pte_alloc", " __pmd_alloc+", " __pud_alloc+",
	" __p4d_alloc+", "kasan_populate_vmalloc", " stack_depot_",
};

/*
 * The pages allocated through the sample driver for its buffers (their
 * pages, their page arrays) that are still allocated: the nr_base_pages
 * of page_owner's allocation stacks that pass through the module, but
 * not_buffers[].  Exact to the page whatever else the kernel does
 * meanwhile; -1 without page_owner (CONFIG_PAGE_OWNER and page_owner=on,
 * the debug kernel).  With @show, the stacks counted are printed.
 */
long sample_pages(bool show)
{
	FILE *f = fopen("/sys/kernel/debug/page_owner_stacks/show_stacks", "r");
	char line[512], stack[4096] = "";
	bool sample = false, other = false;
	long n, pages = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "nr_base_pages: %ld", &n) == 1) {
			if (sample && !other) {
				pages += n;
				if (show)
					printf("    page_owner, %ld pages:\n%s", n,
					       stack);
			}
			sample = other = false;
			stack[0] = '\0';
			continue;
		}
		if (strlen(stack) + strlen(line) + 5 < sizeof(stack))
			snprintf(stack + strlen(stack),
				 sizeof(stack) - strlen(stack), "    %s", line);
		sample |= strstr(line, " [scamem_sample]") != NULL;
		for (size_t i = 0; i < sizeof(not_buffers) / sizeof(not_buffers[0]); i++)
			other |= strstr(line, not_buffers[i]) != NULL;
	}
	fclose(f);
	return pages;
}

/* FNV-1a of a stack's text: the key of struct owner_stack. */
static uint64_t text_hash(const char *text)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *text; text++)
		h = (h ^ (unsigned char)*text) * 1099511628211ULL;
	return h;
}

/*
 * Read page_owner's allocation stacks and the pages still allocated
 * under each into @o (freed with owner_stacks_free()); false without
 * page_owner.
 */
bool owner_stacks_read(struct owner_stacks *o)
{
	FILE *f = fopen("/sys/kernel/debug/page_owner_stacks/show_stacks", "r");
	char line[512], text[OWNER_TEXT] = "";
	size_t cap = 0;
	long n;

	o->nr = 0;
	o->stack = NULL;
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "nr_base_pages: %ld", &n) != 1) {
			/* The first frames say where; the rest is the caller's. */
			if (strlen(text) + strlen(line) < sizeof(text))
				strcat(text, line);
			continue;
		}
		if (o->nr == cap) {
			cap = cap ? 2 * cap : 1024;
			o->stack = realloc(o->stack, cap * sizeof(*o->stack));
			if (!o->stack)
				break;
		}
		o->stack[o->nr].hash = text_hash(text);
		o->stack[o->nr].pages = n;
		memcpy(o->stack[o->nr].text, text, sizeof(text));
		o->nr++;
		text[0] = '\0';
	}
	fclose(f);
	return o->stack != NULL;
}

void owner_stacks_free(struct owner_stacks *o)
{
	free(o->stack);
	o->stack = NULL;
	o->nr = 0;
}

static long owner_pages(const struct owner_stacks *o, uint64_t hash)
{
	for (size_t i = 0; i < o->nr; i++)
		if (o->stack[i].hash == hash)
			return o->stack[i].pages;
	return 0;
}

/*
 * Print the @top allocation stacks whose pages grew most from @before to
 * @after, each line prefixed by @prefix; return the pages they grew by,
 * all stacks together.
 */
long owner_stacks_growth(const struct owner_stacks *before,
			 const struct owner_stacks *after, int top,
			 const char *prefix)
{
	long *growth = calloc(after->nr ? after->nr : 1, sizeof(*growth));
	long total = 0;

	if (!growth)
		return 0;
	for (size_t i = 0; i < after->nr; i++) {
		growth[i] = after->stack[i].pages -
			    owner_pages(before, after->stack[i].hash);
		total += growth[i];
	}
	for (int k = 0; k < top; k++) {
		size_t best = after->nr;

		for (size_t i = 0; i < after->nr; i++)
			if (growth[i] > 0 &&
			    (best == after->nr || growth[i] > growth[best]))
				best = i;
		if (best == after->nr)
			break;
		printf("%spage_owner: %+ld pages allocated at:\n%s", prefix,
		       growth[best], after->stack[best].text);
		growth[best] = 0;
	}
	free(growth);
	return total;
}

/*
 * Wait up to SETTLE_US for the buffer's pages to be freed, VmallocUsed and
 * free memory to come back to their baselines (taken with
 * take_baseline()), and report the three; @when says after what.  The
 * last free of the pages may run from a workqueue or after an RCU grace
 * period, and a ring's memory goes away in io_uring's exit work: a leak
 * is what is still missing after that.
 *
 * page_owner sees a single page left behind by the sample driver's
 * allocations, whatever else the kernel does (counted from the baseline,
 * which may hold an earlier test's pages not yet freed).  VmallocUsed
 * must not end a page above its baseline either: nothing else vmalloc()s
 * for good meanwhile but kernel threads, whose stacks struct mem sets
 * apart (below is no leak: what an earlier test left to be freed late,
 * its own business).  Free memory is counted with what the kernel holds
 * for something /proc/meminfo names (struct mem), but that sum still
 * moves by up to MEMFREE_SLACK_KB from one reading to the next (measured
 * in the debug kernel: pages on their way back to the allocator after an
 * RCU grace period, slab pages included, are in no counter); it sees
 * larger leaks: of what a buffer allocated outside the sample driver, or
 * a descriptor's worth many times.
 */
void check_back_to_baseline(const struct mem *base, const char *when)
{
	bool vm_ok, free_ok, pages_ok;
	long pages;
	int waited = 0;
	struct mem m;

	purge_lazy_vmap();
	for (;;) {
		read_mem(&m);
		pages = sample_pages(false);
		vm_ok = m.vmalloc <= base->vmalloc;
		free_ok = m.kept >= base->kept - MEMFREE_SLACK_KB;
		pages_ok = pages >= 0 && pages <= base->sample;
		if ((vm_ok && free_ok && pages_ok) || waited >= SETTLE_US)
			break;
		usleep(POLL_US);
		waited += POLL_US;
	}
	result(pages_ok,
	       "no page allocated through the sample driver is left %s (page_owner): %ld, %ld before the test%s",
	       when, pages, base->sample,
	       pages < 0 ? ", no page_owner (CONFIG_PAGE_OWNER, page_owner=on)" : "");
	if (!pages_ok)
		sample_pages(true);
	if (!vm_ok)
		vmalloc_areas(NULL, 0);
	result(vm_ok,
	       "VmallocUsed back to baseline %s, not a page above: %ld kB before, %ld kB after (%+ld kB, kernel stacks aside: %+ld of them, %+ld kB; %d ms)",
	       when, base->vmalloc, m.vmalloc, m.vmalloc - base->vmalloc,
	       m.nr_stacks - base->nr_stacks, m.stacks - base->stacks,
	       waited / 1000);
	result(free_ok,
	       "free memory back to baseline %s: %+ld kB, tolerance -%d kB (%d ms; free %+ld kB, MemFree %+ld kB, named %+ld kB)",
	       when, m.kept - base->kept, MEMFREE_SLACK_KB, waited / 1000,
	       m.free - base->free, m.memfree - base->memfree,
	       m.named - base->named);
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
