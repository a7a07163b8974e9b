/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the in-guest programs that drive /dev/scamem_sample share
 * (scamem-pin.c, scamem-hostile.c and scamem-trace.c, the tests;
 * scamem-demo.c, the demo): the two kinds of buffer, the checks and their
 * report lines, /proc readings, the data pattern, I/O to the ram disk,
 * the scamem:* trace events.  Built into each
 * program with scamem-guest.c.
 */
#ifndef SCAMEM_GUEST_H
#define SCAMEM_GUEST_H

#include <liburing.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../linux/samples/scamem/scamem_sample.h"

#define DEV		"/dev/scamem_sample"
#define RAMDISK		"/dev/ram0"
#define PAGE		4096UL
/*
 * How far free memory, counted with what the kernel holds for something
 * /proc/meminfo names (struct mem), strays from where it stands in a
 * quiet debug kernel: up to 232 kB over 30 readings 100 ms apart, pages
 * freed after an RCU grace period being in no counter meanwhile.  One page is seen by
 * sample_pages() instead (see check_back_to_baseline()).
 */
#define MEMFREE_SLACK_KB 256
#define SETTLE_US	10000000	/* the last free may be deferred */

/* How the driver allocates a buffer: one per ALLOC ioctl. */
struct sample_kind {
	const char *name;	/* in the names of the checks */
	unsigned long alloc;	/* SCAMEM_SAMPLE_ALLOC or _ALLOC_SCAMEM */
	bool vmalloc;		/* in /proc/vmallocinfo and VmallocUsed */
};

#define NR_SAMPLE_KINDS	2
extern const struct sample_kind sample_kinds[NR_SAMPLE_KINDS];

/*
 * The checks of the tests: one "@@ pass PREFIXwhat" or "@@ fail
 * PREFIXwhat" line each, for the host to count; failures counts the
 * second kind, for the exit status.  plan() comes first: "@@ plan N
 * NAME" says that N check lines whose PREFIX starts with NAME (then a
 * space or a colon) follow, and the host fails a program that prints
 * fewer or more.
 */
extern int failures;
void plan(int n, const char *name);
void set_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void result(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void expect_errno(int ret, int want, const char *what);
/* Open the device and ALLOC @size bytes of kind @k; -1 if that failed. */
int open_alloc(const struct sample_kind *k, uint64_t size, int flags);
int sample_refs(int fd, uint32_t *val);
void check_refs(int fd, long want, const char *when);
void report_compare(const uint64_t *p, size_t size, unsigned int run,
		    const char *what);

long meminfo_kb(const char *field);
long read_long(const char *path, const char *field);
long swap_used_kb(void);
void check_shmem_swap_back(long shmem_kb, long swap_kb, const char *when);
long free_kb(void);
bool sample_area(char *buf, size_t len);

/*
 * One reading of /proc/meminfo (and the per-cpu free lists, the stack
 * depot, the kernel stacks in /proc/vmallocinfo, what the vmalloc range
 * holds by itself), up to date, in kB.
 * kept is free memory plus what the kernel holds for something /proc/
 * meminfo names, vmalloc aside: a page that leaves it is neither free
 * nor accounted for.  The kernel stacks move from vmalloc to the named.
 */
/*
 * The callers /proc/vmallocinfo shows for a kernel stack: fork()'s
 * alloc_thread_stack_node() and dup_task_struct() are inlined into
 * copy_process(), which may itself be inlined into kernel_clone().
 */
#define STACK_CALLERS	{ "copy_process", "kernel_clone" }
struct mem {
	long vmalloc;	/* VmallocUsed, but the kernel stacks */
	long memfree;	/* MemFree */
	long free;	/* free_kb(): MemFree + the per-cpu free lists */
	long stacks;	/* the kernel stacks' vmalloc areas */
	long nr_stacks;	/* how many */
	long space;	/* the vmalloc range's KASAN shadow and page tables */
	long named;	/* slab, page tables, percpu, anon, page cache, stack depot,
			 * stacks, space */
	long kept;	/* free + named */
	long sample;	/* sample_pages() at the baseline, or -1 */
};
void read_mem(struct mem *m);
void purge_lazy_vmap(void);
/* purge_lazy_vmap(), then read_mem(): what check_back_to_baseline() wants. */
void take_baseline(struct mem *base);
void check_back_to_baseline(const struct mem *base, const char *when);
/* Pages allocated through the sample driver, still allocated (page_owner). */
long sample_pages(bool show);

/*
 * page_owner's allocation stacks (the debug kernel): what is still
 * allocated, by where it was allocated, for a report of what grew.
 */
#define OWNER_TEXT	640	/* of a stack's first frames */
struct owner_stacks {
	size_t nr;
	struct owner_stack {
		uint64_t hash;
		long pages;
		char text[OWNER_TEXT];
	} *stack;
};
bool owner_stacks_read(struct owner_stacks *o);
void owner_stacks_free(struct owner_stacks *o);
long owner_stacks_growth(const struct owner_stacks *before,
			 const struct owner_stacks *after, int top,
			 const char *prefix);

bool all_bytes(const volatile void *p, size_t len, char c);
uint64_t pattern(unsigned int run, size_t i);
void fill(uint64_t *p, size_t size, unsigned int run, bool invert);
long compare(const uint64_t *p, size_t size, unsigned int run);

long direct_io(bool write, int fd, void *buf, size_t size, off_t off);
long write_fixed(struct io_uring *ring, int rd, void *addr, size_t size,
		 off_t off);
int open_ramdisk(size_t size, void *zeroes, size_t len);
void warm_up(int rd, size_t size);

/*
 * The scamem:* trace events of the scamems of @capacity pages: start
 * from an empty buffer; each call of scamem_trace_each() hands @fn the
 * events since the last ("scamem_ref: scamem=... delta=+1 refcount=2
 * caller=..."), oldest first, then empties the buffer, and returns how
 * many there were (-1 if tracefs is not there).
 */
bool scamem_trace_start(unsigned long capacity);
void scamem_trace_stop(void);
long scamem_trace_each(void (*fn)(const char *event, void *arg), void *arg);
/* The number after " @name=" in an event, LONG_MIN if it has none. */
long trace_field(const char *event, const char *name);

#endif /* SCAMEM_GUEST_H */
