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
#define VMALLOC_SLACK_KB 64		/* unrelated vmalloc activity */
#define MEMFREE_SLACK_KB 1024		/* unrelated allocations, caches */
#define SETTLE_US	2000000		/* the last free may be deferred */

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
 * second kind, for the exit status.
 */
extern int failures;
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
void check_back_to_baseline(long vm_base, long free_base,
			    long memfree_base, const char *when);

long meminfo_kb(const char *field);
long free_kb(void);
bool sample_area(char *buf, size_t len);
int wait_for_baseline(long vm_base, long free_base, long *vm, long *free);

static inline bool vmalloc_near(long vm, long base)
{
	return vm - base <= VMALLOC_SLACK_KB && base - vm <= VMALLOC_SLACK_KB;
}

static inline bool free_near(long free, long base)
{
	return free >= base - MEMFREE_SLACK_KB;
}

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
