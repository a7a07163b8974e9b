// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest stress test: the buffers of /dev/scamem_sample
 * (linux/samples/scamem/), of both kinds, mapped, split, moved, forked,
 * pinned and freed by several processes and threads at once for a bounded
 * time; afterwards every count is back where it was.
 *
 * Usage: scamem-stress SECONDS [SEED]
 *
 * NR_PROCS worker processes of NR_THREADS threads each loop on randomly
 * chosen operations (an xorshift generator per worker, from SEED) until
 * the deadline, on buffers of their own (NR_SLOTS at a time, 1 to
 * MAX_PAGES pages, either kind) and on NR_SHARED buffers that the main
 * process allocated and filled before forking them:
 *
 *   alloc		open, ALLOC, mmap: the new buffer reads as zeroes
 *   free		FREE with mappings alive, which keep the data; REFS
 *			and mmap then fail with ENXIO
 *   close		close with mappings alive, which keep the buffer
 *   vmalloc_churn	open, ALLOC, REFS, FREE, close, mostly vmalloc_user()
 *   mmap		whole or part, at an offset; past the end and
 *			MAP_PRIVATE fail with EINVAL
 *   munmap		whole or part: a hole splits the VMA
 *   mprotect		part to none, read-only or read-write: splits
 *   mremap		shrink in place, move (part, shrinking); growing
 *			fails with EFAULT, MREMAP_DONTUNMAP with EINVAL
 *   madvise		DONTFORK (splits); DOFORK, WIPEONFORK, DONTNEED,
 *			DODUMP fail with EINVAL; POPULATE_READ and _WRITE
 *   fork		the child reads every mapping, writes the writable
 *			ones, finds none of the DONTFORK ones, punches a
 *			hole in one and exits
 *   check		REFS of each live buffer is exactly 1 + its VMAs;
 *			every readable mapping holds its pattern
 *   o_direct_fast	pwrite() from a mapping to /dev/ram0 and pread()
 *			back into it, O_DIRECT, spanning 1 to FAST_PAGES
 *			pages: GUP-fast
 *   o_direct_slow	the same spanning more pages: the slow path
 *   io_uring		register part of a mapping (REFS counts the pins),
 *			WRITE_FIXED, READ_FIXED, unregister
 *   free_while_pinned	registered with io_uring, then FREE from the
 *			process's freer thread while the worker writes
 *			through the pins and unmaps: the data survives in
 *			the pins alone
 *   process_vm_readv	from a child, of its parent's mapping (and writev)
 *   proc_mem		pread() and pwrite() of /proc/self/mem at a mapping
 *   vmsplice		to a pipe, maybe FREE and munmap, read back
 *
 * Each buffer holds a pattern of its own (pattern(), one word per 8
 * bytes) from ALLOC to its last mapping and pin.  An operation that moves
 * data through a writable mapping changes it and brings it back through
 * the kernel, then checks it; shared buffers are only read.  Every error
 * that the kernel must return is checked for its errno; every other
 * error is a failure of its operation.
 *
 * Afterwards: each worker's live buffers at REFS exactly 1 once unmapped;
 * the shared buffers' REFS back to exactly 1 and their pattern intact;
 * then VmallocUsed, free memory and Slab back to a baseline taken after a
 * warm-up run of the same workload, so that what the workload fills once
 * (slab pages, io_uring's and the block layer's first use, kworkers) is
 * in the baseline too.  check_counts() says how close, and why.
 *
 * Output: "@@ plan N stress" first, then exactly N "@@ pass|fail stress:
 * ..." lines: one per kind of operation (it ran, and nothing unexpected
 * happened; the first failure is quoted), and the final counts.  Plain
 * "stress: ..." lines say the seed, the first MAX_PRINTED failures as
 * they happen, how many operations of each kind ran, and what moved in
 * /proc/meminfo and /proc/slabinfo.  Exit status 1 if any check failed.
 * An operation that a run too short for it never reached fails too: runs
 * of 10 s or more reach all of them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scamem-guest.h"

#define NR_PROCS	3	/* worker processes */
#define NR_THREADS	2	/* worker threads in each */
#define NR_WORKERS	(NR_PROCS * NR_THREADS)
#define NR_SLOTS	3	/* buffers of its own a worker has at once */
#define NR_RECS		24	/* VMAs a worker has at once */
#define NR_SHARED	4
#define MAX_PAGES	64	/* of a buffer, and of an I/O */
#define FAST_PAGES	8	/* the longest run GUP-fast takes */
#define AREA		(MAX_PAGES * PAGE)
#define REGION		(4 * AREA)	/* a worker's part of the ram disk */
#define RD_SIZE		(NR_WORKERS * REGION)
#define WARMUP_SECONDS	2
#define GRACE_SECONDS	120	/* for the workers to wind down */
#define MAX_PRINTED	20	/* failures printed as they happen */
#define SHARED_RUN	0xff000	/* pattern runs of the shared buffers */
#define RW		(PROT_READ | PROT_WRITE)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	((a) < (b) ? (a) : (b))

/*
 * Tolerances of the final checks, from the noise measured in the guest:
 * see check_counts().
 */
#define VM_TOLERANCE_KB		128
#define FREE_TOLERANCE_KB	1024
#define SLAB_TOLERANCE_KB	1536
#define OBJECTS_TOLERANCE_KB	256
#define SETTLE_MS		20000	/* frees that land late: RCU, work */

enum op_kind {
	OP_ALLOC, OP_FREE, OP_CLOSE, OP_CHURN, OP_MMAP, OP_MUNMAP,
	OP_MPROTECT, OP_MREMAP, OP_MADVISE, OP_FORK, OP_CHECK,
	OP_DIRECT_FAST, OP_DIRECT_SLOW, OP_URING, OP_PIN_FREE, OP_VM_READV,
	OP_PROC_MEM, OP_VMSPLICE, NR_OPS
};

static const struct {
	const char *name;
	unsigned int weight;	/* how often it is chosen */
} ops[NR_OPS] = {
	[OP_ALLOC]	= { "alloc", 6 },
	[OP_FREE]	= { "free", 3 },
	[OP_CLOSE]	= { "close", 2 },
	[OP_CHURN]	= { "vmalloc_churn", 3 },
	[OP_MMAP]	= { "mmap", 10 },
	[OP_MUNMAP]	= { "munmap", 6 },
	[OP_MPROTECT]	= { "mprotect", 8 },
	[OP_MREMAP]	= { "mremap", 6 },
	[OP_MADVISE]	= { "madvise", 6 },
	[OP_FORK]	= { "fork", 2 },
	[OP_CHECK]	= { "check", 3 },
	[OP_DIRECT_FAST] = { "o_direct_fast", 8 },
	[OP_DIRECT_SLOW] = { "o_direct_slow", 4 },
	[OP_URING]	= { "io_uring", 5 },
	[OP_PIN_FREE]	= { "free_while_pinned", 2 },
	[OP_VM_READV]	= { "process_vm_readv", 3 },
	[OP_PROC_MEM]	= { "proc_mem", 5 },
	[OP_VMSPLICE]	= { "vmsplice", 5 },
};

/* The result lines: see main(). */
#define PLAN	(5 + NR_OPS + 2 * NR_SHARED + 4)

/* What each operation did, over every process: in shared memory. */
struct op_stats {
	long runs;		/* times it ran */
	long expected;		/* errors it got as it must */
	long verified;		/* data and REFS checks it passed */
	long failed;		/* unexpected results */
	int claimed;		/* the first failure is being written */
	char first[256];	/* the first failure */
};

struct stats {
	struct op_stats op[NR_OPS];
	int printed;		/* failures printed so far */
};

static struct stats *stats;

enum slot_state {
	SLOT_EMPTY,		/* no file */
	SLOT_LIVE,		/* a file with a buffer */
	SLOT_FREEING,		/* handed to the freer thread */
	SLOT_FREED,		/* a file without a buffer */
};

/* A file of the device: a worker's own, or one of the shared ones. */
struct slot {
	int fd;
	int state;		/* the freer thread sets SLOT_FREED */
	unsigned int run;	/* the pattern of its (last) buffer */
	unsigned int pages;
	const struct sample_kind *kind;
	bool shared;		/* never written, freed or closed */
};

/*
 * One VMA: a mapping or a piece of one.  Scamem VMAs are VM_PFNMAP and
 * never merge, so each change that applies to part of one splits it
 * into pieces, and each piece is a record of its own.
 */
struct rec {
	char *addr;		/* NULL: unused */
	unsigned int pages;
	unsigned int pgoff;	/* its first page's index in the buffer */
	unsigned int run;	/* the buffer's pattern */
	const struct sample_kind *kind;
	int prot;
	bool shared;
	bool dontfork;		/* MADV_DONTFORK */
};

/* What the threads of a worker process share. */
struct process {
	int nr;
	/*
	 * Held for reading from fork() until the child is reaped, for
	 * writing to read REFS: a child's copies of the VMAs count in it.
	 */
	pthread_rwlock_t fork_lock;
	pthread_mutex_t lock;	/* the freer's queue */
	pthread_cond_t cond;
	struct slot *queue[NR_THREADS * NR_SLOTS];
	int queued;
	bool stop;
	uint64_t rng;		/* the freer's */
};

struct worker {
	int id;
	uint64_t rng;
	unsigned int runs;	/* buffers allocated so far */
	struct process *proc;
	struct slot slots[NR_SLOTS];
	struct rec recs[NR_RECS];
	struct io_uring ring;
	bool have_ring;
	int pipe[2];
	int mem;		/* /proc/self/mem */
	char *scratch;		/* AREA + PAGE bytes of private memory */
	off_t disk;		/* its REGION of the ram disk */
};

static struct slot shared[NR_SHARED];
static int nr_shared;		/* none during the warm-up */
static int rd = -1;		/* the ram disk, O_DIRECT */
static uint64_t deadline;	/* CLOCK_MONOTONIC, ns */
static uint64_t seed;
static bool mem_force;		/* /proc/self/mem reads PROT_NONE */
static int nr_results;		/* result lines printed */

/* Every result line goes through here, to be counted against PLAN. */
static void check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	result(ok, "%s", msg);
	nr_results++;
}

/* A line to stdout in one write(): processes and threads interleave. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDOUT_FILENO, line, n) < 0)
		return;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* xorshift64*: a number in [0, @n), n > 0. */
static unsigned int rnd_from(uint64_t *state, unsigned int n)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return ((x * 0x2545f4914f6cdd1dULL) >> 32) % n;
}

static unsigned int rnd(struct worker *w, unsigned int n)
{
	return rnd_from(&w->rng, n);
}

static void add(long *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

/* @op ran once; it got an error it had to; a check of it passed. */
static void ran(enum op_kind op)
{
	add(&stats->op[op].runs);
}

static void expected(enum op_kind op)
{
	add(&stats->op[op].expected);
}

static void verified(enum op_kind op)
{
	add(&stats->op[op].verified);
}

/*
 * An unexpected result of @op: counted, the first one of each operation
 * kept for its result line, the first MAX_PRINTED printed at once.
 */
static void fail(int who, enum op_kind op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(int who, enum op_kind op, const char *fmt, ...)
{
	struct op_stats *s = &stats->op[op];
	char msg[sizeof(s->first)];
	va_list ap;
	int n;

	n = who < 0 ? 0 : snprintf(msg, sizeof(msg), "worker %d: ", who);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	__atomic_fetch_add(&s->failed, 1, __ATOMIC_RELAXED);
	if (!__atomic_exchange_n(&s->claimed, 1, __ATOMIC_ACQ_REL))
		memcpy(s->first, msg, sizeof(msg));
	if (__atomic_fetch_add(&stats->printed, 1, __ATOMIC_RELAXED) <
	    MAX_PRINTED)
		say("stress: FAILED %s: %s", ops[op].name, msg);
}

/*
 * A call that must fail with @want (@failed, errno): counted as
 * expected, or reported with what it did instead.
 */
static bool must_fail(struct worker *w, enum op_kind op, bool failed, int want,
		      const char *what)
{
	int err = errno;

	if (failed && err == want) {
		expected(op);
		return true;
	}
	fail(w->id, op, "%s: %s, want %s", what,
	     failed ? strerrorname_np(err) : "succeeded",
	     strerrorname_np(want));
	return false;
}

/* A call that must succeed, returning 0 (@ret, errno). */
static bool must_work(struct worker *w, enum op_kind op, long ret,
		      const char *what)
{
	if (!ret)
		return true;
	fail(w->id, op, "%s: %s", what,
	     ret < 0 ? strerrorname_np(errno) : "nonzero");
	return false;
}

/* An io_uring call that must succeed: @ret is 0 or -errno. */
static bool uring_ok(struct worker *w, enum op_kind op, int ret,
		     const char *what)
{
	errno = -ret;
	return must_work(w, op, ret ? -1 : 0, what);
}

/* An I/O that must move @len bytes: @n is its result, or -errno. */
static bool must_move(struct worker *w, enum op_kind op, long n, size_t len,
		      const char *what)
{
	if (n == (long)len)
		return true;
	fail(w->id, op, "%s: %ld of %zu bytes%s%s", what, n, len,
	     n < 0 ? ": " : "", n < 0 ? strerrorname_np(-n) : "");
	return false;
}

/* ---- Patterns ---- */

/* The index in its buffer of the word at byte @off of @r. */
static size_t word_of(const struct rec *r, size_t off)
{
	return (r->pgoff * PAGE + off) / 8;
}

static long bad_word(const uint64_t *p, size_t len, unsigned int run,
		     size_t first)
{
	for (size_t i = 0; i < len / 8; i++)
		if (p[i] != pattern(run, first + i))
			return i;
	return -1;
}

static void put_pattern(uint64_t *p, size_t len, unsigned int run,
			size_t first, bool invert)
{
	for (size_t i = 0; i < len / 8; i++) {
		uint64_t v = pattern(run, first + i);

		p[i] = invert ? ~v : v;
	}
}

static void rec_name(const struct rec *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s buffer %#x pages %u-%u at %p, %s",
		 r->shared ? "shared " : "", r->kind->name, r->run, r->pgoff,
		 r->pgoff + r->pages - 1, (void *)r->addr,
		 r->prot == RW ? "read-write" :
		 r->prot == PROT_READ ? "read-only" : "PROT_NONE");
}

/*
 * @len bytes at @p hold the pattern of @r from byte @off of @r on:
 * counted, or reported.  @p is in the mapping or a copy of it.
 */
static bool verify(struct worker *w, enum op_kind op, const struct rec *r,
		   const void *p, size_t off, size_t len, const char *what)
{
	long bad = bad_word(p, len, r->run, word_of(r, off));
	char name[128];

	if (bad < 0) {
		verified(op);
		return true;
	}
	rec_name(r, name, sizeof(name));
	fail(w->id, op,
	     "%s: %s: word at byte %zu is %#" PRIx64 ", want %#" PRIx64,
	     what, name, off + bad * 8, ((const uint64_t *)p)[bad],
	     pattern(r->run, word_of(r, off) + bad));
	return false;
}

static bool verify_rec(struct worker *w, enum op_kind op, const struct rec *r,
		       const char *what)
{
	return verify(w, op, r, r->addr, 0, r->pages * PAGE, what);
}

/* ---- Records ---- */

static bool readable(const struct rec *r)
{
	return r->addr && (r->prot & PROT_READ);
}

static bool writable(const struct rec *r)
{
	return r->addr && !r->shared && r->prot == RW;
}

static bool any_rec(const struct rec *r)
{
	return r->addr;
}

static int free_recs(struct worker *w)
{
	int n = 0;

	for (int i = 0; i < NR_RECS; i++)
		n += !w->recs[i].addr;
	return n;
}

static struct rec *new_rec(struct worker *w)
{
	for (int i = 0; i < NR_RECS; i++)
		if (!w->recs[i].addr)
			return &w->recs[i];
	return NULL;
}

/* A random record for which @ok holds, or NULL. */
static struct rec *pick_rec(struct worker *w, bool (*ok)(const struct rec *))
{
	struct rec *pick = NULL;
	unsigned int seen = 0;

	for (int i = 0; i < NR_RECS; i++)
		if (ok(&w->recs[i]) && !rnd(w, ++seen))
			pick = &w->recs[i];
	return pick;
}

/* A random readable record of buffer @run, or NULL. */
static struct rec *rec_of(struct worker *w, unsigned int run)
{
	struct rec *pick = NULL;
	unsigned int seen = 0;

	for (int i = 0; i < NR_RECS; i++)
		if (readable(&w->recs[i]) && w->recs[i].run == run &&
		    !rnd(w, ++seen))
			pick = &w->recs[i];
	return pick;
}

/* The VMAs this worker has of buffer @run. */
static long vmas_of(struct worker *w, unsigned int run)
{
	long n = 0;

	for (int i = 0; i < NR_RECS; i++)
		n += w->recs[i].addr && w->recs[i].run == run;
	return n;
}

/* A random part of @pages pages: the whole of it one time in three. */
static void pick_part(struct worker *w, unsigned int pages,
		      unsigned int *first, unsigned int *n)
{
	if (!rnd(w, 3)) {
		*first = 0;
		*n = pages;
		return;
	}
	*n = 1 + rnd(w, pages);
	*first = rnd(w, pages - *n + 1);
}

/* How many records splitting out pages @first..+@n of @r adds. */
static int pieces(const struct rec *r, unsigned int first, unsigned int n)
{
	return (first > 0) + (first + n < r->pages);
}

/*
 * Widen a part of @r to all of it if there is no room for the records a
 * split would make: the change then applies to the whole VMA.
 */
static void fit_part(struct worker *w, const struct rec *r,
		     unsigned int *first, unsigned int *n)
{
	if (pieces(r, *first, *n) > free_recs(w)) {
		*first = 0;
		*n = r->pages;
	}
}

/*
 * Pages @first..+@n of @r become a record of their own, as the kernel
 * splits a VMA when a change applies to part of it; returns it (@r).
 * fit_part() has made room.
 */
static struct rec *split_out(struct worker *w, struct rec *r,
			     unsigned int first, unsigned int n)
{
	struct rec *piece;

	if (first) {
		piece = new_rec(w);
		*piece = *r;
		piece->pages = first;
		r->addr += first * PAGE;
		r->pgoff += first;
		r->pages -= first;
	}
	if (n < r->pages) {
		piece = new_rec(w);
		*piece = *r;
		piece->addr += n * PAGE;
		piece->pgoff += n;
		piece->pages -= n;
		r->pages = n;
	}
	return r;
}

/* ---- Buffers ---- */

static int slot_state(struct slot *s)
{
	return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
}

static void set_state(struct slot *s, int state)
{
	__atomic_store_n(&s->state, state, __ATOMIC_RELEASE);
}

/* Masks of slot states, for pick_slot(). */
#define EMPTY		(1u << SLOT_EMPTY)
#define LIVE		(1u << SLOT_LIVE)
#define FREEING		(1u << SLOT_FREEING)
#define FREED		(1u << SLOT_FREED)

/* A random slot of this worker in one of the states of @mask, or NULL. */
static struct slot *pick_slot(struct worker *w, unsigned int mask)
{
	struct slot *pick = NULL;
	unsigned int seen = 0;

	for (int i = 0; i < NR_SLOTS; i++)
		if ((mask & (1u << slot_state(&w->slots[i]))) &&
		    !rnd(w, ++seen))
			pick = &w->slots[i];
	return pick;
}

/* Any file with a buffer or had one: own or shared. */
static struct slot *pick_source(struct worker *w)
{
	if (nr_shared && !rnd(w, 3))
		return &shared[rnd(w, nr_shared)];
	return pick_slot(w, LIVE | FREEING | FREED);
}

/*
 * REFS of the live buffer of @s is exactly 1 (the driver's) + one per
 * VMA of it + @pins.  No other worker maps this worker's buffers, but a
 * child forked by another thread of the process has copies of its VMAs
 * until it is reaped: fork_lock keeps those out.
 */
static bool refs_exact(struct worker *w, enum op_kind op, struct slot *s,
		       long pins, const char *when)
{
	long want = 1 + vmas_of(w, s->run) + pins;
	uint32_t val = 0;
	int err;

	pthread_rwlock_wrlock(&w->proc->fork_lock);
	err = sample_refs(s->fd, &val);
	pthread_rwlock_unlock(&w->proc->fork_lock);
	if (!err && val == want) {
		verified(op);
		return true;
	}
	if (err)
		fail(w->id, op, "REFS %s of %s buffer %#x: %s", when,
		     s->kind->name, s->run, strerrorname_np(-err));
	else
		fail(w->id, op, "REFS %s of %s buffer %#x is %" PRIu32 ", want %ld (1 + %ld VMAs + %ld pins)",
		     when, s->kind->name, s->run, val, want, want - 1 - pins,
		     pins);
	return false;
}

/* Map pages @pgoff..+@pages of the buffer of @s, as a new record. */
static struct rec *map_rec(struct worker *w, struct slot *s,
			   unsigned int pgoff, unsigned int pages, int prot)
{
	struct rec *r = new_rec(w);
	void *p;

	p = mmap(NULL, pages * PAGE, prot, MAP_SHARED, s->fd, pgoff * PAGE);
	if (p == MAP_FAILED)
		return NULL;
	*r = (struct rec) {
		.addr = p, .pages = pages, .pgoff = pgoff, .run = s->run,
		.kind = s->kind, .prot = prot, .shared = s->shared,
	};
	return r;
}

static void unmap_rec(struct rec *r)
{
	munmap(r->addr, r->pages * PAGE);
	r->addr = NULL;
}

/* ---- Operations ---- */

/* open, ALLOC, mmap: the new buffer reads as zeroes; fill it. */
static void op_alloc(struct worker *w)
{
	struct slot *s = pick_slot(w, EMPTY | FREED);
	uint64_t size;
	struct rec *r;

	if (!s || !free_recs(w))
		return;
	ran(OP_ALLOC);
	if (s->fd < 0) {
		s->fd = open(DEV, O_RDWR | O_CLOEXEC);
		if (s->fd < 0) {
			fail(w->id, OP_ALLOC, "open " DEV ": %s",
			     strerrorname_np(errno));
			return;
		}
		set_state(s, SLOT_FREED);
	}
	s->kind = &sample_kinds[rnd(w, NR_SAMPLE_KINDS)];
	s->pages = 1 + rnd(w, MAX_PAGES);
	/* Not always whole pages: the driver rounds up. */
	size = s->pages * PAGE - rnd(w, 2) * rnd(w, PAGE);
	if (ioctl(s->fd, s->kind->alloc, &size)) {
		fail(w->id, OP_ALLOC, "ALLOC of %u pages (%s): %s", s->pages,
		     s->kind->name, strerrorname_np(errno));
		return;
	}
	/* Unique while any of it can be mapped: per worker, and per ALLOC. */
	s->run = (w->id + 1) << 20 | (++w->runs & 0xfffff);
	set_state(s, SLOT_LIVE);
	/* No VMA of it yet that a fork could copy. */
	refs_exact(w, OP_ALLOC, s, 0, "after ALLOC");
	r = map_rec(w, s, 0, s->pages, RW);
	if (!r) {
		fail(w->id, OP_ALLOC, "mmap of %u pages: %s", s->pages,
		     strerrorname_np(errno));
		return;
	}
	if (all_bytes(r->addr, s->pages * PAGE, 0))
		verified(OP_ALLOC);
	else
		fail(w->id, OP_ALLOC, "the new %s buffer of %u pages does not read as zeroes",
		     s->kind->name, s->pages);
	put_pattern((uint64_t *)r->addr, s->pages * PAGE, s->run, 0, false);
	refs_exact(w, OP_ALLOC, s, 0, "after mmap");
}

/* REFS and mmap of a file whose buffer is gone fail with ENXIO. */
static void expect_freed(struct worker *w, enum op_kind op, struct slot *s)
{
	uint32_t val;
	void *p;

	errno = 0;
	must_fail(w, op, ioctl(s->fd, SCAMEM_SAMPLE_REFS, &val) != 0, ENXIO,
		  "REFS after FREE");
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, s->fd, 0);
	if (p != MAP_FAILED)
		munmap(p, PAGE);
	must_fail(w, op, p == MAP_FAILED, ENXIO, "mmap after FREE");
}

/* FREE with mappings alive: they keep the data. */
static void op_free(struct worker *w)
{
	struct slot *s = pick_slot(w, LIVE);
	struct rec *r;

	if (!s)
		return;
	ran(OP_FREE);
	if (!must_work(w, OP_FREE, ioctl(s->fd, SCAMEM_SAMPLE_FREE), "FREE"))
		return;
	set_state(s, SLOT_FREED);
	expect_freed(w, OP_FREE, s);
	r = rec_of(w, s->run);
	if (r)
		verify_rec(w, OP_FREE, r, "a mapping after FREE");
}

/* close with mappings alive: they keep the file and the buffer. */
static void op_close(struct worker *w)
{
	struct slot *s = pick_slot(w, LIVE | FREED);
	struct rec *r;

	if (!s)
		return;
	ran(OP_CLOSE);
	must_work(w, OP_CLOSE, close(s->fd), "close");
	s->fd = -1;
	set_state(s, SLOT_EMPTY);
	r = rec_of(w, s->run);
	if (r)
		verify_rec(w, OP_CLOSE, r, "a mapping after close");
}

/* One short-lived buffer: vmalloc() and vfree() for the vmalloc kind. */
static void churn_one(struct worker *w)
{
	/* Three in four of the vmalloc kind: it is the vmalloc churn. */
	const struct sample_kind *k = &sample_kinds[!rnd(w, 4)];
	unsigned int pages = 1 + rnd(w, MAX_PAGES);
	uint64_t size = pages * PAGE;
	uint32_t val = 0;
	int fd;
	void *p;

	fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fail(w->id, OP_CHURN, "open " DEV ": %s", strerrorname_np(errno));
		return;
	}
	if (!must_work(w, OP_CHURN, ioctl(fd, k->alloc, &size), "ALLOC"))
		goto out;
	/* Never mapped before the fork lock could matter: exactly 1. */
	if (sample_refs(fd, &val) || val != 1)
		fail(w->id, OP_CHURN, "REFS of a new %s buffer is %" PRIu32 ", want 1",
		     k->name, val);
	else
		verified(OP_CHURN);
	if (rnd(w, 2)) {
		p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd,
			 rnd(w, pages) * PAGE);
		if (p == MAP_FAILED)
			fail(w->id, OP_CHURN, "mmap: %s", strerrorname_np(errno));
		else if (!all_bytes(p, PAGE, 0))
			fail(w->id, OP_CHURN, "a new %s buffer does not read as zeroes",
			     k->name);
		if (p != MAP_FAILED)
			munmap(p, PAGE);
	}
	must_work(w, OP_CHURN, ioctl(fd, SCAMEM_SAMPLE_FREE), "FREE");
out:
	close(fd);
}

static void op_churn(struct worker *w)
{
	ran(OP_CHURN);
	for (int i = 0; i < 4; i++)
		churn_one(w);
}

/* mmap where it must fail: past the end, or MAP_PRIVATE. */
static void mmap_refused(struct worker *w, struct slot *s)
{
	unsigned int pgoff = rnd(w, s->pages);
	size_t len = (s->pages - pgoff + 1 + rnd(w, 4)) * PAGE;
	int flags = MAP_SHARED;
	void *p;

	if (rnd(w, 2)) {
		flags = MAP_PRIVATE;
		len = PAGE;
	}
	p = mmap(NULL, len, PROT_READ, flags, s->fd, pgoff * PAGE);
	if (p != MAP_FAILED)
		munmap(p, len);
	must_fail(w, OP_MMAP, p == MAP_FAILED, EINVAL,
		  flags == MAP_PRIVATE ? "mmap MAP_PRIVATE" :
		  "mmap past the end of the buffer");
}

/* mmap of all or part of a buffer, at its offset. */
static void op_mmap(struct worker *w)
{
	struct slot *s = pick_source(w);
	unsigned int first, n;
	int state, prot;
	struct rec *r;

	if (!s || !free_recs(w))
		return;
	ran(OP_MMAP);
	state = slot_state(s);
	if (state == SLOT_LIVE && !rnd(w, 8)) {
		mmap_refused(w, s);
		return;
	}
	pick_part(w, s->pages, &first, &n);
	prot = rnd(w, 4) ? RW : PROT_READ;
	r = map_rec(w, s, first, n, prot);
	if (state == SLOT_FREED) {
		if (r)
			unmap_rec(r);
		must_fail(w, OP_MMAP, !r, ENXIO, "mmap after FREE");
	} else if (!r && state == SLOT_FREEING && errno == ENXIO) {
		/* The freer thread was first. */
		expected(OP_MMAP);
	} else if (!r) {
		fail(w->id, OP_MMAP, "mmap of pages %u-%u of %u: %s", first,
		     first + n - 1, s->pages, strerrorname_np(errno));
	} else {
		verify_rec(w, OP_MMAP, r, "a new mapping");
	}
}

/* munmap of all or part of a VMA: a hole splits it. */
static void op_munmap(struct worker *w)
{
	struct rec *r = pick_rec(w, any_rec);
	unsigned int first, n;

	if (!r)
		return;
	ran(OP_MUNMAP);
	pick_part(w, r->pages, &first, &n);
	fit_part(w, r, &first, &n);
	if (!must_work(w, OP_MUNMAP,
		       munmap(r->addr + first * PAGE, n * PAGE), "munmap"))
		return;
	r = split_out(w, r, first, n);
	r->addr = NULL;
}

/* mprotect of all or part of a VMA: none, read-only or read-write. */
static void op_mprotect(struct worker *w)
{
	static const int prots[] = { PROT_NONE, PROT_READ, RW, RW };
	struct rec *r = pick_rec(w, any_rec);
	unsigned int first, n;
	int prot = prots[rnd(w, 4)];

	if (!r)
		return;
	ran(OP_MPROTECT);
	pick_part(w, r->pages, &first, &n);
	fit_part(w, r, &first, &n);
	if (!must_work(w, OP_MPROTECT,
		       mprotect(r->addr + first * PAGE, n * PAGE, prot),
		       "mprotect"))
		return;
	/* The same protection changes nothing, and splits nothing. */
	if (prot != r->prot) {
		r = split_out(w, r, first, n);
		r->prot = prot;
	}
	if (readable(r))
		verify_rec(w, OP_MPROTECT, r, "after mprotect");
}

/* mremap that must fail: growing, or MREMAP_DONTUNMAP. */
static void mremap_refused(struct worker *w, struct rec *r)
{
	size_t len = r->pages * PAGE;
	void *p;

	if (rnd(w, 3)) {
		p = mremap(r->addr, len, len + PAGE * (1 + rnd(w, 4)),
			   rnd(w, 2) ? MREMAP_MAYMOVE : 0);
		must_fail(w, OP_MREMAP, p == MAP_FAILED, EFAULT,
			  "mremap growing a mapping");
	} else {
		p = mremap(r->addr, len, len,
			   MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
		must_fail(w, OP_MREMAP, p == MAP_FAILED, EINVAL,
			  "mremap MREMAP_DONTUNMAP");
	}
	/* Keep the books right if it did happen. */
	if (p != MAP_FAILED)
		unmap_rec(r);
}

/* mremap moving pages @first..+@n of @r, shrinking them to @m pages. */
static void mremap_move(struct worker *w, struct rec *r, unsigned int first,
			unsigned int n, unsigned int m)
{
	void *dest, *p;

	/* A place of its own: MREMAP_FIXED replaces what is there. */
	dest = mmap(NULL, m * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (dest == MAP_FAILED) {
		fail(w->id, OP_MREMAP, "mmap of a place to move to: %s",
		     strerrorname_np(errno));
		return;
	}
	p = mremap(r->addr + first * PAGE, n * PAGE, m * PAGE,
		   MREMAP_MAYMOVE | MREMAP_FIXED, dest);
	if (p != dest) {
		fail(w->id, OP_MREMAP, "mremap moving %u pages: %s", n,
		     p == MAP_FAILED ? strerrorname_np(errno) : "elsewhere");
		munmap(dest, m * PAGE);
		return;
	}
	r = split_out(w, r, first, n);
	r->addr = dest;
	r->pages = m;
	if (readable(r))
		verify_rec(w, OP_MREMAP, r, "after mremap moved it");
}

/* mremap: shrink in place, move (maybe shrinking), or refused. */
static void op_mremap(struct worker *w)
{
	struct rec *r = pick_rec(w, any_rec);
	unsigned int first, n, m;
	void *p;

	if (!r)
		return;
	ran(OP_MREMAP);
	switch (rnd(w, 4)) {
	case 0:
		mremap_refused(w, r);
		return;
	case 1:
		if (r->pages < 2)
			break;
		m = 1 + rnd(w, r->pages - 1);
		p = mremap(r->addr, r->pages * PAGE, m * PAGE, 0);
		if (p != r->addr) {
			fail(w->id, OP_MREMAP, "mremap shrinking in place: %s",
			     p == MAP_FAILED ? strerrorname_np(errno) : "moved");
			return;
		}
		r->pages = m;
		if (readable(r))
			verify_rec(w, OP_MREMAP, r, "after mremap shrank it");
		return;
	}
	pick_part(w, r->pages, &first, &n);
	fit_part(w, r, &first, &n);
	m = rnd(w, 2) ? n : 1 + rnd(w, n);
	mremap_move(w, r, first, n, m);
}

/* madvise advice that a scamem mapping refuses, and with what. */
static const struct {
	int advice;
	const char *name;
	int err;
} refused_advice[] = {
	/* VM_PFNMAP is VM_SPECIAL: it cannot be made to fork again. */
	{ MADV_DOFORK, "MADV_DOFORK", EINVAL },
	/* Only for anonymous private memory. */
	{ MADV_WIPEONFORK, "MADV_WIPEONFORK", EINVAL },
	/* Nothing to zap on VM_PFNMAP. */
	{ MADV_DONTNEED, "MADV_DONTNEED", EINVAL },
	/* VM_SPECIAL stays VM_DONTDUMP. */
	{ MADV_DODUMP, "MADV_DODUMP", EINVAL },
};

/*
 * MADV_POPULATE_READ/WRITE: the pages are there already, GUP finds them;
 * refused (EINVAL) where the protection does not allow the access.
 */
static void madvise_populate(struct worker *w, struct rec *r,
			     unsigned int first, unsigned int n)
{
	bool write = rnd(w, 2);
	int need = write ? RW : PROT_READ;
	int ret;

	ret = madvise(r->addr + first * PAGE, n * PAGE,
		      write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ);
	if ((r->prot & need) == need)
		must_work(w, OP_MADVISE, ret, write ? "MADV_POPULATE_WRITE" :
			  "MADV_POPULATE_READ");
	else
		must_fail(w, OP_MADVISE, ret, EINVAL, write ?
			  "MADV_POPULATE_WRITE without PROT_WRITE" :
			  "MADV_POPULATE_READ of PROT_NONE");
}

static void op_madvise(struct worker *w)
{
	struct rec *r = pick_rec(w, any_rec);
	unsigned int first, n, i;
	int ret;

	if (!r)
		return;
	ran(OP_MADVISE);
	pick_part(w, r->pages, &first, &n);
	switch (rnd(w, 3)) {
	case 0:
		i = rnd(w, ARRAY_SIZE(refused_advice));
		ret = madvise(r->addr + first * PAGE, n * PAGE,
			      refused_advice[i].advice);
		must_fail(w, OP_MADVISE, ret, refused_advice[i].err,
			  refused_advice[i].name);
		return;
	case 1:
		madvise_populate(w, r, first, n);
		return;
	}
	fit_part(w, r, &first, &n);
	ret = madvise(r->addr + first * PAGE, n * PAGE, MADV_DONTFORK);
	if (!must_work(w, OP_MADVISE, ret, "MADV_DONTFORK"))
		return;
	if (!r->dontfork) {
		r = split_out(w, r, first, n);
		r->dontfork = true;
	}
}

/*
 * The child of op_fork(): every mapping but the DONTFORK ones is there
 * with its data; then write the first word of the writable ones (the
 * parent checks it; after all the reads, as two records may map the same
 * page); punch a hole in one; exit.  Only system calls and memory: the
 * parent has other threads.
 */
static int fork_child(struct worker *w)
{
	struct rec *r;
	int status = 0;

	for (r = w->recs; r < w->recs + NR_RECS; r++) {
		if (!r->addr)
			continue;
		if (r->dontfork) {
			/* Nothing there: ENOMEM. */
			if (!madvise(r->addr, PAGE, MADV_NORMAL) ||
			    errno != ENOMEM)
				status |= 2;
		} else if (readable(r) &&
			   bad_word((uint64_t *)r->addr, r->pages * PAGE,
				    r->run, word_of(r, 0)) >= 0) {
			status |= 1;
		}
	}
	for (r = w->recs; r < w->recs + NR_RECS; r++)
		if (writable(r) && !r->dontfork)
			*(uint64_t *)r->addr = ~pattern(r->run, word_of(r, 0));
	r = pick_rec(w, any_rec);
	if (r && !r->dontfork && r->pages > 2 &&
	    munmap(r->addr + PAGE, PAGE))
		status |= 4;
	return status;
}

/*
 * What the parent sees of fork_child()'s writes; then it puts them back,
 * after checking all: two records may map the same page.
 */
static void fork_parent_check(struct worker *w)
{
	struct rec *r;
	uint64_t *p;

	for (r = w->recs; r < w->recs + NR_RECS; r++) {
		p = (uint64_t *)r->addr;
		if (!writable(r) || r->dontfork)
			continue;
		if (*p != ~pattern(r->run, word_of(r, 0)))
			fail(w->id, OP_FORK, "the child's write to %s buffer %#x page %u does not show in the parent",
			     r->kind->name, r->run, r->pgoff);
		else
			verified(OP_FORK);
	}
	for (r = w->recs; r < w->recs + NR_RECS; r++)
		if (writable(r) && !r->dontfork)
			*(uint64_t *)r->addr = pattern(r->run, word_of(r, 0));
}

/* Fork; run @child in the child; its exit status, or -1. */
static int fork_run(struct worker *w, int (*child)(struct worker *, void *),
		    void *arg)
{
	int status = -1;
	pid_t pid;

	pthread_rwlock_rdlock(&w->proc->fork_lock);
	pid = fork();
	if (pid == 0)
		_exit(child(w, arg));
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		status = WIFEXITED(status) ? WEXITSTATUS(status) :
			 128 + WTERMSIG(status);
	else
		status = -1;
	pthread_rwlock_unlock(&w->proc->fork_lock);
	return status;
}

static int fork_child_fn(struct worker *w, void *arg)
{
	(void)arg;
	return fork_child(w);
}

static void op_fork(struct worker *w)
{
	int status;

	ran(OP_FORK);
	status = fork_run(w, fork_child_fn, NULL);
	if (status)
		fail(w->id, OP_FORK, "child: %s%s%s%s (status %d)",
		     status < 0 ? "fork or wait failed" : "",
		     status > 0 && status & 1 ? "a mapping lost its data " : "",
		     status > 0 && status & 2 ? "a DONTFORK mapping was copied " : "",
		     status > 0 && status & 4 ? "munmap failed" : "", status);
	fork_parent_check(w);
}

/* REFS of every live buffer is exactly 1 + VMAs; every mapping's data. */
static void op_check(struct worker *w)
{
	ran(OP_CHECK);
	for (int i = 0; i < NR_SLOTS; i++)
		if (slot_state(&w->slots[i]) == SLOT_LIVE)
			refs_exact(w, OP_CHECK, &w->slots[i], 0, "in check");
	for (int i = 0; i < NR_RECS; i++)
		if (readable(&w->recs[i]))
			verify_rec(w, OP_CHECK, &w->recs[i], "check");
}

/*
 * A stretch of a mapping for I/O: @pages whole pages from a random one,
 * or, one time in three, starting and ending at a random sector in the
 * first and last of them (O_DIRECT to a block device needs 512 bytes).
 */
static void pick_span(struct worker *w, const struct rec *r,
		      unsigned int pages, size_t *off, size_t *len)
{
	unsigned int first = rnd(w, r->pages - pages + 1);
	size_t head = 0, tail = 0;

	if (!rnd(w, 3)) {
		head = rnd(w, 8) * 512;
		tail = rnd(w, 8) * 512;
		if (pages == 1 && head + tail >= PAGE)
			head = tail = 0;
	}
	*off = first * PAGE + head;
	*len = pages * PAGE - head - tail;
}

static bool long_enough(const struct rec *r)
{
	return r->addr && r->pages > FAST_PAGES;
}

/*
 * O_DIRECT pwrite() from a mapping to the ram disk (GUP for reading),
 * and pread() back into it (GUP for writing) after changing it, or into
 * private memory for a mapping that is not writable.  A span of up to
 * FAST_PAGES pages is taken by GUP-fast; a longer one by the slow path.
 */
static void o_direct(struct worker *w, bool fast)
{
	enum op_kind op = fast ? OP_DIRECT_FAST : OP_DIRECT_SLOW;
	struct rec *r = pick_rec(w, fast ? any_rec : long_enough);
	unsigned int pages;
	size_t off, len;
	char *p;
	long n;

	if (!r)
		return;
	ran(op);
	if (fast)
		pages = 1 + rnd(w, MIN(r->pages, FAST_PAGES));
	else
		pages = FAST_PAGES + 1 + rnd(w, r->pages - FAST_PAGES);
	pick_span(w, r, pages, &off, &len);
	p = r->addr + off;
	n = direct_io(true, rd, p, len, w->disk);
	if (!(r->prot & PROT_READ)) {
		errno = n < 0 ? -n : 0;
		must_fail(w, op, n < 0, EFAULT,
			  "O_DIRECT pwrite from a PROT_NONE mapping");
		return;
	}
	if (!must_move(w, op, n, len, "O_DIRECT pwrite from a mapping"))
		return;
	if (writable(r)) {
		put_pattern((uint64_t *)p, len, r->run, word_of(r, off), true);
		n = direct_io(false, rd, p, len, w->disk);
		if (must_move(w, op, n, len, "O_DIRECT pread into a mapping"))
			verify(w, op, r, p, off, len,
			       "O_DIRECT round trip through the mapping");
		else	/* Leave the pattern as it must be. */
			put_pattern((uint64_t *)p, len, r->run,
				    word_of(r, off), false);
	} else {
		n = direct_io(false, rd, w->scratch, len, w->disk);
		if (must_move(w, op, n, len, "O_DIRECT pread"))
			verify(w, op, r, w->scratch, off, len,
			       "what O_DIRECT wrote from a read-only mapping");
	}
}

static void op_direct_fast(struct worker *w)
{
	o_direct(w, true);
}

static void op_direct_slow(struct worker *w)
{
	o_direct(w, false);
}

/* IORING_OP_READ_FIXED or _WRITE_FIXED of registered buffer 0. */
static long fixed_io(struct worker *w, bool write, void *addr, size_t len,
		     off_t off)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);
	struct io_uring_cqe *cqe;
	long res;
	int ret;

	if (!sqe)
		return -EBUSY;
	if (write)
		io_uring_prep_write_fixed(sqe, rd, addr, len, off, 0);
	else
		io_uring_prep_read_fixed(sqe, rd, addr, len, off, 0);
	ret = io_uring_submit(&w->ring);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	ret = io_uring_wait_cqe(&w->ring, &cqe);
	if (ret)
		return ret;
	res = cqe->res;
	io_uring_cqe_seen(&w->ring, cqe);
	return res;
}

static int register_range(struct worker *w, void *addr, size_t len)
{
	struct iovec iov = { .iov_base = addr, .iov_len = len };

	return io_uring_register_buffers(&w->ring, &iov, 1);
}

/* The live slot of buffer @run, or NULL. */
static struct slot *live_slot(struct worker *w, unsigned int run)
{
	for (int i = 0; i < NR_SLOTS; i++)
		if (w->slots[i].run == run &&
		    slot_state(&w->slots[i]) == SLOT_LIVE)
			return &w->slots[i];
	return NULL;
}

/*
 * The data of a registered range, through the pins: WRITE_FIXED to the
 * ram disk, and READ_FIXED back after changing it if it is writable, or
 * an O_DIRECT pread() of what was written if not.
 */
static void uring_round_trip(struct worker *w, struct rec *r, size_t off,
			     size_t len)
{
	off_t disk = w->disk + AREA;
	char *p = r->addr + off;
	long n;

	n = fixed_io(w, true, p, len, disk);
	if (!must_move(w, OP_URING, n, len, "WRITE_FIXED"))
		return;
	if (writable(r)) {
		put_pattern((uint64_t *)p, len, r->run, word_of(r, off), true);
		n = fixed_io(w, false, p, len, disk);
		if (must_move(w, OP_URING, n, len, "READ_FIXED"))
			verify(w, OP_URING, r, p, off, len,
			       "READ_FIXED into the pinned pages");
		else
			put_pattern((uint64_t *)p, len, r->run,
				    word_of(r, off), false);
		return;
	}
	n = direct_io(false, rd, w->scratch, len, disk);
	if (must_move(w, OP_URING, n, len, "O_DIRECT pread"))
		verify(w, OP_URING, r, w->scratch, off, len,
		       "what WRITE_FIXED wrote");
}

/*
 * io_uring fixed buffer of part of a mapping: a long-term pin for
 * writing, which a mapping without PROT_WRITE refuses (EFAULT); REFS
 * counts one reference per pinned page.
 */
static void op_uring(struct worker *w)
{
	struct rec *r = pick_rec(w, any_rec);
	struct slot *s;
	unsigned int first, n;
	int ret;

	if (!r || !w->have_ring)
		return;
	ran(OP_URING);
	pick_part(w, r->pages, &first, &n);
	ret = register_range(w, r->addr + first * PAGE, n * PAGE);
	if ((r->prot & RW) != RW) {
		if (!ret)
			io_uring_unregister_buffers(&w->ring);
		errno = -ret;
		must_fail(w, OP_URING, ret, EFAULT,
			  "io_uring_register_buffers without PROT_WRITE");
		return;
	}
	if (!uring_ok(w, OP_URING, ret, "io_uring_register_buffers"))
		return;
	s = live_slot(w, r->run);
	if (s)
		refs_exact(w, OP_URING, s, n, "while registered (+ pages)");
	uring_round_trip(w, r, first * PAGE, n * PAGE);
	ret = io_uring_unregister_buffers(&w->ring);
	uring_ok(w, OP_URING, ret, "io_uring_unregister_buffers");
	if (s)
		refs_exact(w, OP_URING, s, 0, "after unregister");
}

/* Hand @s to the process's freer thread, which FREEs it a moment later. */
static void post_free(struct worker *w, struct slot *s)
{
	struct process *pr = w->proc;

	set_state(s, SLOT_FREEING);
	pthread_mutex_lock(&pr->lock);
	pr->queue[pr->queued++] = s;
	pthread_cond_signal(&pr->cond);
	pthread_mutex_unlock(&pr->lock);
}

/* Until the freer thread has freed @s; false after 10 s. */
static bool wait_freed(struct slot *s)
{
	for (int i = 0; i < 100000; i++) {
		if (slot_state(s) == SLOT_FREED)
			return true;
		usleep(100);
	}
	return false;
}

/* What was written at @area of the worker's region is @r's data. */
static void read_back(struct worker *w, const struct rec *r, off_t area,
		      size_t len, const char *what)
{
	long n = direct_io(false, rd, w->scratch, len, w->disk + area);

	if (must_move(w, OP_PIN_FREE, n, len, "O_DIRECT pread"))
		verify(w, OP_PIN_FREE, r, w->scratch, 0, len, what);
}

/*
 * Pinned by io_uring, then freed by another thread while this one writes
 * through the pins and unmaps: whatever the order, the pins keep the
 * pages and the data.
 */
static void op_pin_free(struct worker *w)
{
	struct rec *r = pick_rec(w, writable);
	struct rec copy;
	struct slot *s;
	size_t len;
	long n;
	int ret;

	if (!r || !w->have_ring)
		return;
	s = live_slot(w, r->run);
	if (!s)
		return;
	ran(OP_PIN_FREE);
	copy = *r;
	len = r->pages * PAGE;
	ret = register_range(w, r->addr, len);
	if (!uring_ok(w, OP_PIN_FREE, ret, "io_uring_register_buffers"))
		return;
	refs_exact(w, OP_PIN_FREE, s, r->pages, "while registered (+ pages)");
	post_free(w, s);
	n = fixed_io(w, true, copy.addr, len, w->disk + 2 * AREA);
	must_move(w, OP_PIN_FREE, n, len, "WRITE_FIXED as FREE runs");
	if (rnd(w, 2))
		unmap_rec(r);
	if (!wait_freed(s)) {
		fail(w->id, OP_PIN_FREE, "the freer thread did not FREE in 10 s");
		/* The slot stays FREEING: nothing else touches it. */
	} else {
		expect_freed(w, OP_PIN_FREE, s);
	}
	n = fixed_io(w, true, copy.addr, len, w->disk + 3 * AREA);
	must_move(w, OP_PIN_FREE, n, len, "WRITE_FIXED after FREE");
	read_back(w, &copy, 2 * AREA, len, "what WRITE_FIXED wrote as FREE ran");
	read_back(w, &copy, 3 * AREA, len, "what WRITE_FIXED wrote after FREE");
	ret = io_uring_unregister_buffers(&w->ring);
	uring_ok(w, OP_PIN_FREE, ret, "io_uring_unregister_buffers");
}

struct vm_child_arg {
	struct rec *r;
	size_t off, len;
};

/*
 * process_vm_readv() of the parent's mapping (a FOLL_PIN GUP of another
 * mm), process_vm_writev() of the same data back if it is writable.
 * Exit status: 0, or what went wrong.
 */
static int vm_child(struct worker *w, void *arg)
{
	struct vm_child_arg *a = arg;
	struct iovec local = { w->scratch, a->len };
	struct iovec remote = { a->r->addr + a->off, a->len };
	ssize_t n;

	n = process_vm_readv(getppid(), &local, 1, &remote, 1, 0);
	if (!(a->r->prot & PROT_READ))
		return n < 0 && errno == EFAULT ? 0 : 10;
	if (n != (ssize_t)a->len)
		return n < 0 ? 20 + (errno & 0x3f) : 11;
	if (bad_word((uint64_t *)w->scratch, a->len, a->r->run,
		     word_of(a->r, a->off)) >= 0)
		return 12;
	if (writable(a->r) &&
	    process_vm_writev(getppid(), &local, 1, &remote, 1, 0) !=
	    (ssize_t)a->len)
		return 13;
	return 0;
}

static void op_vm_readv(struct worker *w)
{
	struct vm_child_arg a;
	unsigned int pages;
	int status;

	a.r = pick_rec(w, any_rec);
	if (!a.r)
		return;
	ran(OP_VM_READV);
	pages = 1 + rnd(w, a.r->pages);
	pick_span(w, a.r, pages, &a.off, &a.len);
	status = fork_run(w, vm_child, &a);
	if (!status) {
		if (a.r->prot & PROT_READ)
			verified(OP_VM_READV);
		else
			expected(OP_VM_READV);
		return;
	}
	fail(w->id, OP_VM_READV, "child exited with %d: %s", status,
	     status == 10 ? "process_vm_readv of PROT_NONE did not fail with EFAULT" :
	     status == 11 ? "process_vm_readv was short" :
	     status == 12 ? "process_vm_readv read the wrong data" :
	     status == 13 ? "process_vm_writev failed" :
	     status >= 20 && status < 84 ? strerrorname_np(status - 20) :
	     "fork, wait or a signal");
}

/*
 * /proc/self/mem: a FOLL_GET GUP, with FOLL_FORCE where the kernel's
 * proc_mem.force_override allows it (mem_force).  It reads a PROT_NONE
 * mapping only with FOLL_FORCE, and writes only writable ones (a shared
 * mapping is never written by force): EIO otherwise.
 */
static void op_proc_mem(struct worker *w)
{
	struct rec *r = pick_rec(w, any_rec);
	off_t at;
	size_t off, len;
	ssize_t n;

	if (!r)
		return;
	ran(OP_PROC_MEM);
	/* Any word: /proc/pid/mem takes any byte. */
	off = rnd(w, r->pages * PAGE / 8) * 8;
	len = 8 * (1 + rnd(w, (r->pages * PAGE - off) / 8));
	at = (off_t)(uintptr_t)(r->addr + off);
	n = pread(w->mem, w->scratch, len, at);
	if (!(r->prot & PROT_READ) && !mem_force) {
		must_fail(w, OP_PROC_MEM, n < 0, EIO,
			  "pread of /proc/self/mem of PROT_NONE without FOLL_FORCE");
		return;
	}
	if (!must_move(w, OP_PROC_MEM, n < 0 ? -errno : n, len,
		       "pread of /proc/self/mem"))
		return;
	verify(w, OP_PROC_MEM, r, w->scratch, off, len,
	       "pread of /proc/self/mem");
	if (r->shared && r->prot == RW)
		return;		/* It would write, if the same data. */
	n = pwrite(w->mem, w->scratch, len, at);
	if (writable(r))
		must_move(w, OP_PROC_MEM, n < 0 ? -errno : n, len,
			  "pwrite of /proc/self/mem");
	else
		must_fail(w, OP_PROC_MEM, n < 0, EIO,
			  "pwrite of /proc/self/mem without PROT_WRITE");
}

/*
 * Whether /proc/self/mem reads by force (FOLL_FORCE): as it reads an
 * anonymous PROT_NONE page, it reads a scamem one.  CONFIG_PROC_MEM_*
 * and proc_mem.force_override= decide; without ptrace, the default
 * (FORCE_PTRACE) does not.
 */
static bool proc_mem_forces(void)
{
	int fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	void *p = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	bool force = false;
	char c;

	if (fd >= 0 && p != MAP_FAILED)
		force = pread(fd, &c, 1, (off_t)(uintptr_t)p) == 1;
	if (p != MAP_FAILED)
		munmap(p, PAGE);
	if (fd >= 0)
		close(fd);
	return force;
}

/* Read @len bytes from the pipe into scratch; bytes read or -errno. */
static long drain_pipe(struct worker *w, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(w->pipe[0], w->scratch + got, len - got);
		if (n <= 0)
			return n < 0 ? -errno : (long)got;
		got += n;
	}
	return got;
}

/*
 * vmsplice() to a pipe: a FOLL_GET GUP, page references that the pipe
 * holds.  Sometimes FREE and munmap before reading it back: the pages
 * must outlive the scamem in the pipe.
 */
static void op_vmsplice(struct worker *w)
{
	struct rec *r = pick_rec(w, any_rec);
	unsigned int first, n;
	size_t len, done = 0;
	bool freed = false;
	struct iovec iov;
	struct rec copy;
	struct slot *s;
	ssize_t ret = 0;

	if (!r)
		return;
	ran(OP_VMSPLICE);
	pick_part(w, r->pages, &first, &n);
	len = n * PAGE;
	while (done < len) {
		iov.iov_base = r->addr + first * PAGE + done;
		iov.iov_len = len - done;
		ret = vmsplice(w->pipe[1], &iov, 1, 0);
		if (ret <= 0)
			break;
		done += ret;
	}
	if (!(r->prot & PROT_READ)) {
		if (done)
			drain_pipe(w, done);
		must_fail(w, OP_VMSPLICE, !done && ret < 0, EFAULT,
			  "vmsplice of PROT_NONE");
		return;
	}
	copy = *r;
	if (done != len) {
		fail(w->id, OP_VMSPLICE, "vmsplice: %zu of %zu bytes%s%s",
		     done, len, ret < 0 ? ": " : "",
		     ret < 0 ? strerrorname_np(errno) : "");
		drain_pipe(w, done);
		return;
	}
	s = live_slot(w, r->run);
	if (s && !rnd(w, 3)) {
		must_work(w, OP_VMSPLICE, ioctl(s->fd, SCAMEM_SAMPLE_FREE),
			  "FREE");
		set_state(s, SLOT_FREED);
		unmap_rec(r);
		freed = true;
	}
	ret = drain_pipe(w, len);
	if (must_move(w, OP_VMSPLICE, ret, len, "read of the pipe"))
		verify(w, OP_VMSPLICE, &copy, w->scratch, first * PAGE, len,
		       freed ? "the pipe, after FREE and munmap" : "the pipe");
}

static void (*const op_fns[NR_OPS])(struct worker *) = {
	[OP_ALLOC]	= op_alloc,
	[OP_FREE]	= op_free,
	[OP_CLOSE]	= op_close,
	[OP_CHURN]	= op_churn,
	[OP_MMAP]	= op_mmap,
	[OP_MUNMAP]	= op_munmap,
	[OP_MPROTECT]	= op_mprotect,
	[OP_MREMAP]	= op_mremap,
	[OP_MADVISE]	= op_madvise,
	[OP_FORK]	= op_fork,
	[OP_CHECK]	= op_check,
	[OP_DIRECT_FAST] = op_direct_fast,
	[OP_DIRECT_SLOW] = op_direct_slow,
	[OP_URING]	= op_uring,
	[OP_PIN_FREE]	= op_pin_free,
	[OP_VM_READV]	= op_vm_readv,
	[OP_PROC_MEM]	= op_proc_mem,
	[OP_VMSPLICE]	= op_vmsplice,
};

static enum op_kind pick_op(struct worker *w)
{
	unsigned int total = 0, x;
	int i;

	for (i = 0; i < NR_OPS; i++)
		total += ops[i].weight;
	x = rnd(w, total);
	for (i = 0; x >= ops[i].weight; i++)
		x -= ops[i].weight;
	return i;
}

/* ---- Workers ---- */

/* What a worker needs besides its buffers; false if it cannot run. */
static bool worker_setup(struct worker *w)
{
	int ret;

	for (int i = 0; i < NR_SLOTS; i++)
		w->slots[i] = (struct slot) { .fd = -1, .state = SLOT_EMPTY };
	w->pipe[0] = w->pipe[1] = w->mem = -1;
	ret = io_uring_queue_init(8, &w->ring, 0);
	w->have_ring = !ret;
	if (ret)
		fail(w->id, OP_URING, "io_uring_queue_init: %s",
		     strerrorname_np(-ret));
	if (pipe2(w->pipe, O_CLOEXEC)) {
		fail(w->id, OP_VMSPLICE, "pipe: %s", strerrorname_np(errno));
		return false;
	}
	/* Room for the longest vmsplice(): one page per pipe buffer. */
	if (fcntl(w->pipe[1], F_SETPIPE_SZ, MAX_PAGES * PAGE) < 0)
		fail(w->id, OP_VMSPLICE, "F_SETPIPE_SZ: %s",
		     strerrorname_np(errno));
	w->mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (w->mem < 0)
		fail(w->id, OP_PROC_MEM, "open /proc/self/mem: %s",
		     strerrorname_np(errno));
	w->scratch = aligned_alloc(PAGE, AREA + PAGE);
	return w->scratch && w->mem >= 0;
}

/*
 * Unmap everything, then REFS of each live buffer is exactly 1 again;
 * close.
 */
static void worker_cleanup(struct worker *w)
{
	for (int i = 0; i < NR_RECS; i++)
		if (w->recs[i].addr)
			unmap_rec(&w->recs[i]);
	for (int i = 0; i < NR_SLOTS; i++) {
		struct slot *s = &w->slots[i];

		if (slot_state(s) == SLOT_FREEING && !wait_freed(s))
			continue;	/* reported already */
		if (slot_state(s) == SLOT_LIVE)
			refs_exact(w, OP_CHECK, s, 0, "with every VMA gone");
		if (s->fd >= 0)
			close(s->fd);
	}
	if (w->have_ring)
		io_uring_queue_exit(&w->ring);
	for (int i = 0; i < 2; i++)
		if (w->pipe[i] >= 0)
			close(w->pipe[i]);
	if (w->mem >= 0)
		close(w->mem);
	free(w->scratch);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	if (worker_setup(w))
		while (now_ns() < deadline)
			op_fns[pick_op(w)](w);
	worker_cleanup(w);
	return NULL;
}

/* FREE each buffer handed over, after a random moment. */
static void *freer_main(void *arg)
{
	struct process *pr = arg;
	struct slot *s;

	pthread_mutex_lock(&pr->lock);
	for (;;) {
		while (!pr->queued && !pr->stop)
			pthread_cond_wait(&pr->cond, &pr->lock);
		if (!pr->queued)
			break;
		s = pr->queue[--pr->queued];
		pthread_mutex_unlock(&pr->lock);
		usleep(rnd_from(&pr->rng, 300));
		if (ioctl(s->fd, SCAMEM_SAMPLE_FREE))
			fail(-1, OP_PIN_FREE, "FREE from the freer thread of process %d: %s",
			     pr->nr, strerrorname_np(errno));
		set_state(s, SLOT_FREED);
		pthread_mutex_lock(&pr->lock);
	}
	pthread_mutex_unlock(&pr->lock);
	return NULL;
}

/* A worker process: NR_THREADS workers and a freer thread. */
static int worker_process(int nr)
{
	static struct worker workers[NR_THREADS];
	pthread_t threads[NR_THREADS], freer;
	pthread_rwlockattr_t attr;
	static struct process pr;

	pr.nr = nr;
	pr.rng = splitmix(seed ^ (0xf00d + nr));
	pthread_rwlockattr_init(&attr);
	/* A REFS reader must not wait behind an endless line of forks. */
	pthread_rwlockattr_setkind_np(&attr,
			PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&pr.fork_lock, &attr);
	pthread_mutex_init(&pr.lock, NULL);
	pthread_cond_init(&pr.cond, NULL);
	if (pthread_create(&freer, NULL, freer_main, &pr))
		return 2;
	for (int t = 0; t < NR_THREADS; t++) {
		struct worker *w = &workers[t];

		w->id = nr * NR_THREADS + t;
		w->rng = splitmix(seed + w->id);
		w->proc = &pr;
		w->disk = w->id * REGION;
		if (t && pthread_create(&threads[t], NULL, worker_main, w))
			return 2;
	}
	worker_main(&workers[0]);
	for (int t = 1; t < NR_THREADS; t++)
		pthread_join(threads[t], NULL);
	pthread_mutex_lock(&pr.lock);
	pr.stop = true;
	pthread_cond_signal(&pr.cond);
	pthread_mutex_unlock(&pr.lock);
	pthread_join(freer, NULL);
	return 0;
}

/*
 * Run the workers for @seconds; one check: they all exited with status
 * 0, within the time allowed.
 */
static void run_workers(unsigned int seconds, const char *what)
{
	uint64_t start = now_ns(), limit;
	int status, left = NR_PROCS, bad = 0;
	pid_t pids[NR_PROCS];
	char why[128] = "";

	deadline = start + seconds * 1000000000ULL;
	limit = deadline + GRACE_SECONDS * 1000000000ULL;
	for (int p = 0; p < NR_PROCS; p++) {
		pids[p] = fork();
		if (pids[p] == 0)
			_exit(worker_process(p));
		if (pids[p] < 0) {
			left--;
			bad++;
			snprintf(why, sizeof(why), ": fork: %s",
				 strerrorname_np(errno));
		}
	}
	while (left && now_ns() < limit) {
		for (int p = 0; p < NR_PROCS; p++) {
			if (pids[p] <= 0 ||
			    waitpid(pids[p], &status, WNOHANG) <= 0)
				continue;
			pids[p] = 0;
			left--;
			if (WIFEXITED(status) && !WEXITSTATUS(status))
				continue;
			bad++;
			snprintf(why, sizeof(why), ": a worker process %s %d",
				 WIFEXITED(status) ? "exited with" : "was killed by signal",
				 WIFEXITED(status) ? WEXITSTATUS(status) :
				 WTERMSIG(status));
		}
		usleep(50000);
	}
	if (left) {
		/* Hung, in the kernel most likely: see the console. */
		snprintf(why, sizeof(why), ": %d worker processes still running %d s after the deadline; killed",
			 left, GRACE_SECONDS);
		for (int p = 0; p < NR_PROCS; p++)
			if (pids[p] > 0)
				kill(pids[p], SIGKILL);
		for (int i = 0; i < 100 && left; i++, usleep(100000))
			for (int p = 0; p < NR_PROCS; p++)
				if (pids[p] > 0 &&
				    waitpid(pids[p], &status, WNOHANG) > 0) {
					pids[p] = 0;
					left--;
				}
		bad = 1;
	}
	check(!bad, "%s: %d workers (%d processes of %d threads) ran %u s and exited cleanly in %.1f s%s",
	      what, NR_WORKERS, NR_PROCS, NR_THREADS, seconds,
	      (now_ns() - start) / 1e9, why);
}

/* ---- Shared buffers ---- */

/*
 * Allocate and fill the shared buffers, each of its kind and size, and
 * keep their files: the workers inherit them.  One check.
 */
static void make_shared(void)
{
	static const unsigned int sizes[NR_SHARED] = { 1, 8, 33, 64 };
	char why[128] = "";
	uint64_t size;
	void *p;

	for (int i = 0; i < NR_SHARED; i++)
		shared[i] = (struct slot) {
			.fd = -1, .state = SLOT_LIVE, .run = SHARED_RUN + i,
			.pages = sizes[i],
			.kind = &sample_kinds[i % NR_SAMPLE_KINDS],
			.shared = true,
		};
	for (int i = 0; i < NR_SHARED; i++) {
		struct slot *s = &shared[i];

		s->fd = open(DEV, O_RDWR | O_CLOEXEC);
		size = s->pages * PAGE;
		if (s->fd < 0 || ioctl(s->fd, s->kind->alloc, &size)) {
			snprintf(why, sizeof(why), ": open or ALLOC: %s",
				 strerrorname_np(errno));
			break;
		}
		p = mmap(NULL, size, RW, MAP_SHARED, s->fd, 0);
		if (p == MAP_FAILED) {
			snprintf(why, sizeof(why), ": mmap: %s",
				 strerrorname_np(errno));
			break;
		}
		put_pattern(p, size, s->run, 0, false);
		munmap(p, size);
		nr_shared++;
	}
	check(nr_shared == NR_SHARED,
	      "%d shared buffers (%s and %s, 1 to 64 pages) allocated and filled%s",
	      NR_SHARED, sample_kinds[0].name, sample_kinds[1].name, why);
}

/* REFS of @s comes back to 1 once the workers' unpins have landed. */
static void check_shared_refs(struct slot *s)
{
	uint32_t val = 0;
	int err = 0, ms;

	for (ms = 0; ms <= SETTLE_MS; ms += 10) {
		err = sample_refs(s->fd, &val);
		if (err || val == 1)
			break;
		usleep(10000);
	}
	if (err)
		check(false, "shared %s buffer of %u pages: REFS back to 1 after the workers: %s",
		      s->kind->name, s->pages, strerrorname_np(-err));
	else
		check(val == 1, "shared %s buffer of %u pages: REFS back to 1 after the workers: %" PRIu32 " (%d ms)",
		      s->kind->name, s->pages, val, ms);
}

/* Its pattern intact, through a new mapping; then FREE and close it. */
static void check_shared_data(struct slot *s)
{
	size_t size = s->pages * PAGE;
	long bad = -2;
	int err = 0;
	void *p;

	p = mmap(NULL, size, PROT_READ, MAP_SHARED, s->fd, 0);
	if (p != MAP_FAILED) {
		bad = bad_word(p, size, s->run, 0);
		munmap(p, size);
	}
	if (ioctl(s->fd, SCAMEM_SAMPLE_FREE))
		err = errno;
	check(bad == -1 && !err,
	      "shared %s buffer of %u pages keeps its pattern, and FREE%s%s",
	      s->kind->name, s->pages,
	      p == MAP_FAILED ? ": mmap failed" :
	      bad >= 0 ? ": the data changed" : "",
	      err ? ": FREE failed" : "");
	close(s->fd);
	s->fd = -1;
}

/* ---- Counts ---- */

/*
 * What moved, for whoever reads a failure: every /proc/meminfo field,
 * and the bytes in use of each slab cache (/proc/slabinfo).
 */
#define NR_FIELDS	80
#define NR_CACHES	400

struct field {
	char name[64];
	long kb;
};

struct snapshot {
	struct field info[NR_FIELDS];	/* kB */
	struct field slab[NR_CACHES];	/* active objects * size, bytes */
	int nr_info, nr_slab;
};

static struct snapshot snap_base, snap_end;

static void take_snapshot(struct snapshot *snap)
{
	char line[512], name[64];
	long active, size;
	FILE *f;

	snap->nr_info = snap->nr_slab = 0;
	f = fopen("/proc/meminfo", "r");
	while (f && snap->nr_info < NR_FIELDS && fgets(line, sizeof(line), f))
		if (sscanf(line, "%31[^:]: %ld", name, &active) == 2) {
			struct field *fl = &snap->info[snap->nr_info++];

			snprintf(fl->name, sizeof(fl->name), "%s", name);
			fl->kb = active;
		}
	if (f)
		fclose(f);
	f = fopen("/proc/slabinfo", "r");
	while (f && snap->nr_slab < NR_CACHES && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld %*d %ld", name, &active, &size) == 3) {
			struct field *fl = &snap->slab[snap->nr_slab++];

			snprintf(fl->name, sizeof(fl->name), "%s", name);
			fl->kb = active * size;
		}
	if (f)
		fclose(f);
}

static long field_in(const struct field *fl, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(fl[i].name, name))
			return fl[i].kb;
	return 0;
}

/*
 * The checkers' own bookkeeping: an object for each object they watch,
 * anywhere in the kernel, and pools they refill ahead of need.  They move
 * with everything else's objects, not with what the workload left.
 */
static bool checker_cache(const char *name)
{
	return !strcmp(name, "debug_objects_cache") ||
	       !strcmp(name, "kmemleak_object");
}

/* The bytes in use in every slab cache together but the checkers', kB. */
static long slab_objects_kb(const struct snapshot *snap)
{
	long bytes = 0;

	for (int i = 0; i < snap->nr_slab; i++)
		if (!checker_cache(snap->slab[i].name))
			bytes += snap->slab[i].kb;
	return bytes >> 10;
}

/* The meminfo fields that moved by 16 kB or more since the baseline. */
static void say_meminfo_moves(void)
{
	char line[1024];
	int n = 0;

	for (int i = 0; i < snap_end.nr_info; i++) {
		const struct field *fl = &snap_end.info[i];
		long d = fl->kb - field_in(snap_base.info, snap_base.nr_info,
					   fl->name);

		if (labs(d) >= 16 && n < (int)sizeof(line) - 64)
			n += snprintf(line + n, sizeof(line) - n, " %s %+ld",
				      fl->name, d);
	}
	if (n)
		say("stress: /proc/meminfo since the baseline, kB:%s", line);
}

/* The 8 slab caches whose objects grew most since the baseline. */
static void say_slab_growth(void)
{
	long growth[NR_CACHES];
	char line[1024];
	int n = 0;

	for (int i = 0; i < snap_end.nr_slab; i++)
		growth[i] = snap_end.slab[i].kb -
			    field_in(snap_base.slab, snap_base.nr_slab,
				     snap_end.slab[i].name);
	for (int k = 0; k < 8; k++) {
		int best = -1;

		for (int i = 0; i < snap_end.nr_slab; i++)
			if (growth[i] > 0 &&
			    (best < 0 || growth[i] > growth[best]))
				best = i;
		if (best < 0)
			break;
		n += snprintf(line + n, sizeof(line) - n, " %s %+ld",
			      snap_end.slab[best].name, growth[best]);
		growth[best] = 0;
	}
	if (n)
		say("stress: slab caches that grew most since the baseline, bytes in objects:%s",
		    line);
}

static struct owner_stacks owners_base;

/*
 * The allocation stacks whose pages grew most since the baseline
 * (page_owner, the debug kernel): where free memory went.
 */
static void say_owner_growth(void)
{
	struct owner_stacks end;
	long pages;

	if (!owners_base.nr || !owner_stacks_read(&end))
		return;
	pages = owner_stacks_growth(&owners_base, &end, 6, "stress: ");
	say("stress: page_owner: %+ld pages allocated since the baseline, all stacks",
	    pages);
	owner_stacks_free(&end);
}

/* read_mem() (scamem-guest.c), and Slab. */
struct counts {
	struct mem m;
	long slab;	/* kB */
	long stack;	/* KernelStack, kB: stacks of live tasks */
};

static void write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	/* Best effort: without it the checks are only less tight. */
	if (write(fd, val, strlen(val)) < 0)
		errno = 0;
	close(fd);
}

/*
 * Shrink every slab cache: give back its empty slabs and the per-cpu
 * ones.  Otherwise Slab counts the pages that the churn left cached in
 * SLUB, which the next allocations would have used.
 */
static void shrink_slabs(void)
{
	DIR *dir = opendir("/sys/kernel/slab");
	char path[300];
	struct dirent *d;

	if (!dir)
		return;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.') {
			snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
				 d->d_name);
			write_file(path, "1");
		}
	closedir(dir);
}

static void *no_op(void *arg)
{
	return arg;
}

/*
 * Each CPU keeps the kernel stacks of two exited tasks for the next new
 * ones (NR_CACHED_STACKS in kernel/fork.c): vmalloc()ed, in VmallocUsed.
 * How many a CPU has depends on where tasks last exited, up to 2 stacks
 * of 16 kB (32 kB with KASAN) on each CPU; leave the full two on each,
 * by running two threads there.  A stack goes back to the CPU's cache
 * as the dead thread is switched away from, before the pause ends.
 */
static void fill_stack_caches(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t old, one;
	pthread_t t[2];
	int n;

	if (sched_getaffinity(0, sizeof(old), &old))
		return;
	for (int c = 0; c < cpus && c < CPU_SETSIZE; c++) {
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			continue;
		n = 0;
		for (int i = 0; i < 2; i++)
			n += !pthread_create(&t[n], NULL, no_op, NULL);
		for (int i = 0; i < n; i++)
			pthread_join(t[i], NULL);
	}
	sched_setaffinity(0, sizeof(old), &old);
	usleep(100000);
}

/*
 * The counts, with what the kernel keeps only until it is asked for it
 * given back: the lazily purged vmap areas (their KASAN shadow), the page
 * cache and reclaimable slab (drop_caches), empty slabs; and the
 * stack caches full.
 */
static void read_counts(struct counts *c)
{
	fill_stack_caches();
	purge_lazy_vmap();
	write_file("/proc/sys/vm/drop_caches", "3");
	shrink_slabs();
	read_mem(&c->m);
	c->slab = meminfo_kb("Slab");
	c->stack = meminfo_kb("KernelStack");
}

/*
 * Tolerances, from the noise measured in the guest: see check_counts().
 * Free memory is counted as struct mem's kept (free pages and what
 * /proc/meminfo names: slab, page tables, percpu ...): a page of a buffer
 * that was never freed is in neither.
 */
static bool vm_near(const struct counts *c, const struct counts *base)
{
	/* Below is no leak: a warm-up's kworker stack that went since. */
	return c->m.vmalloc - base->m.vmalloc <= VM_TOLERANCE_KB;
}

static bool kept_near(const struct counts *c, const struct counts *base)
{
	return c->m.kept >= base->m.kept - FREE_TOLERANCE_KB;
}

static bool slab_near(const struct counts *c, const struct counts *base)
{
	return c->slab <= base->slab + SLAB_TOLERANCE_KB;
}

/* Whether the counts stood still since the last reading. */
static bool settled(const struct counts *c, const struct counts *prev)
{
	return c->m.vmalloc == prev->m.vmalloc &&
	       labs(c->slab - prev->slab) < 64 &&
	       labs(c->m.kept - prev->m.kept) < 64;
}

static int ms_since(uint64_t start)
{
	return (now_ns() - start) / 1000000;
}

/*
 * The baseline: once the warm-up's frees have landed and the counts
 * stand still.  One check.
 */
static void stress_baseline(struct counts *base)
{
	uint64_t start = now_ns();
	struct counts prev;
	int ms;

	read_counts(base);
	do {
		prev = *base;
		usleep(500000);
		read_counts(base);
		ms = ms_since(start);
	} while (!settled(base, &prev) && ms < SETTLE_MS);
	take_snapshot(&snap_base);
	owner_stacks_read(&owners_base);
	check(base->m.vmalloc > 0 && base->m.free > 0 && base->slab > 0,
	      "baseline after the warm-up: VmallocUsed %ld kB, free %ld kB (with what meminfo names %ld kB), Slab %ld kB (settled in %d ms)",
	      base->m.vmalloc, base->m.free, base->m.kept, base->slab, ms);
}

/*
 * Back to the baseline, waiting up to SETTLE_MS for the last frees
 * (io_uring's exit work, RCU, the scamems' deferred frees).
 *
 * The tolerances come from the noise measured in the guest, 4 vCPUs
 * under TCG, runs of 1 to 60 s.  Plain kernel (configs/x86_64.config):
 * VmallocUsed +0 to +16 kB, free memory (with what meminfo names) -56 to
 * +84 kB, Slab +48 to +136 kB.  Debug kernel (+ configs/debug.config,
 * KASAN): VmallocUsed -160 to +64 kB, Slab +172 to +832 kB of which the
 * objects in use are under 100 kB (debug_objects' pool the most), free
 * memory -2216 kB after 60 s until read_mem() counted the vmalloc range's
 * KASAN shadow (page_owner: 2.3 MiB of it had grown, nothing else more
 * than 300 kB).
 *
 * VmallocUsed moves by whole kernel stacks (16 kB, 32 kB with KASAN) of
 * kworkers started on the way, which stay: 128 kB is 4 of those, and
 * less than the average buffer of the workload (32 pages).  Slab keeps
 * what the run left scattered in partly used slabs, which shrinking
 * cannot give back: 1536 kB; the objects still in use, which is what a
 * leak of descriptors or page arrays adds to, get 256 kB, the checkers'
 * own caches left out (debug_objects' pool and kmemleak's objects were
 * 120 kB of the 306 kB of one debug run; the rest was kmalloc-cg-8k and
 * -4k, dentries and proc inodes, no scamem cache).  Free memory
 * is -1024 kB: four times the noise of a 20 s run.  A leak that the
 * workload repeats grows past any of these in seconds; the meminfo,
 * slabinfo and page_owner lines printed with them say what moved.
 */
static void check_counts(const struct counts *base)
{
	uint64_t start = now_ns();
	struct counts c;
	long objects;
	int ms;

	for (;;) {
		read_counts(&c);
		ms = ms_since(start);
		if ((vm_near(&c, base) && kept_near(&c, base) &&
		     slab_near(&c, base)) || ms >= SETTLE_MS)
			break;
		usleep(500000);
	}
	take_snapshot(&snap_end);
	say_meminfo_moves();
	say_slab_growth();
	say_owner_growth();
	check(vm_near(&c, base),
	      "VmallocUsed back to baseline: %ld kB, was %ld kB (%+ld kB, tolerance +%d kB, %d ms; KernelStack %+ld kB)",
	      c.m.vmalloc, base->m.vmalloc, c.m.vmalloc - base->m.vmalloc,
	      VM_TOLERANCE_KB, ms, c.stack - base->stack);
	check(kept_near(&c, base),
	      "free memory back to baseline: free and named %+ld kB, tolerance -%d kB (%d ms; free %+ld kB, MemFree %+ld kB, named %+ld kB)",
	      c.m.kept - base->m.kept, FREE_TOLERANCE_KB, ms,
	      c.m.free - base->m.free, c.m.memfree - base->m.memfree,
	      c.m.named - base->m.named);
	check(slab_near(&c, base),
	      "Slab back to baseline: %ld kB, was %ld kB (%+ld kB, tolerance +%d kB, %d ms)",
	      c.slab, base->slab, c.slab - base->slab, SLAB_TOLERANCE_KB, ms);
	objects = slab_objects_kb(&snap_end) - slab_objects_kb(&snap_base);
	check(objects <= OBJECTS_TOLERANCE_KB,
	      "slab objects back to baseline: %+ld kB in use in all caches, tolerance +%d kB",
	      objects, OBJECTS_TOLERANCE_KB);
}

/* ---- Reports ---- */

static void summary(unsigned int seconds)
{
	char line[1024];
	int n;

	n = snprintf(line, sizeof(line), "stress: %u s + %d s warm-up, seed %" PRIu64 ":",
		     seconds, WARMUP_SECONDS, seed);
	for (int i = 0; i < NR_OPS && n < (int)sizeof(line); i++)
		n += snprintf(line + n, sizeof(line) - n, "%s %ld %s",
			      i ? "," : "", stats->op[i].runs, ops[i].name);
	say("%s", line);
}

/* One check per kind of operation: it ran, and nothing unexpected. */
static void check_ops(void)
{
	for (int i = 0; i < NR_OPS; i++) {
		struct op_stats *s = &stats->op[i];

		check(s->runs && !s->failed,
		      "%s: %ld runs, %ld data and REFS checks, %ld expected errors, %ld unexpected results%s%s",
		      ops[i].name, s->runs, s->verified, s->expected,
		      s->failed, s->failed ? "; first: " : "",
		      s->failed ? s->first : s->runs ? "" : " (never ran)");
	}
}

/* /dev/ram0 written once over the workers' regions, before any baseline. */
static void ramdisk(void)
{
	void *zeroes = aligned_alloc(PAGE, REGION);

	if (zeroes) {
		memset(zeroes, 0, REGION);
		rd = open_ramdisk(RD_SIZE, zeroes, REGION);
		free(zeroes);
	}
	check(rd >= 0, RAMDISK " holds %lu MiB, written once with O_DIRECT%s%s",
	      RD_SIZE >> 20, rd < 0 ? ": " : "",
	      rd < 0 ? strerrorname_np(zeroes ? -rd : ENOMEM) : "");
}

int main(int argc, char **argv)
{
	unsigned int seconds = argc > 1 ? strtoul(argv[1], NULL, 10) : 0;
	struct counts base;

	if (argc < 2 || argc > 3 || !seconds) {
		fprintf(stderr, "usage: %s SECONDS [SEED]\n", argv[0]);
		return 2;
	}
	seed = argc > 2 ? strtoull(argv[2], NULL, 0) :
	       (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	setvbuf(stdout, NULL, _IOLBF, 0);
	set_prefix("stress: ");
	plan(PLAN, "stress");
	say("stress: seed %" PRIu64 " (scamem-stress %u %" PRIu64 " repeats the choices)",
	    seed, seconds, seed);
	stats = mmap(NULL, sizeof(*stats), RW, MAP_SHARED | MAP_ANONYMOUS,
		     -1, 0);
	if (stats == MAP_FAILED)
		return 2;

	ramdisk();
	mem_force = proc_mem_forces();
	say("stress: /proc/self/mem reads %s FOLL_FORCE",
	    mem_force ? "with" : "without");
	run_workers(WARMUP_SECONDS, "warm-up");
	stress_baseline(&base);
	make_shared();
	run_workers(seconds, "run");
	summary(seconds);
	check_ops();
	for (int i = 0; i < NR_SHARED; i++) {
		check_shared_refs(&shared[i]);
		check_shared_data(&shared[i]);
	}
	check_counts(&base);
	if (nr_results != PLAN)
		say("stress: BUG: %d result lines, planned %d", nr_results, PLAN);
	return failures ? 1 : 0;
}
