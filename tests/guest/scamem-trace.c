// SPDX-License-Identifier: GPL-2.0
/*
 * The scamem:* trace events tell the life of a driver's buffer: created
 * with one reference, +1 for the mapping, +n for a pin of n pages, -1 at
 * FREE and at munmap, the pins given back, then scamem_free with every
 * page (the pin in two parts when the buffer straddles a page table).  This replays the events of a sample buffer of each kind and
 * checks that each count follows from the one before (trace.test).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <stdint.h>
#include <unistd.h>

#include "scamem-guest.h"

/* No other scamem in the guest has this many pages: the trace filter. */
#define NPAGES		777UL
#define SIZE		(NPAGES * PAGE)

/* The count changes the life of a buffer makes before its unpin. */
static const long first_deltas[] = {
	+1,			/* mmap */
	+(long)NPAGES,		/* the io_uring pin */
	-1,			/* FREE */
	-1,			/* munmap */
};
#define NR_FIRST	(sizeof(first_deltas) / sizeof(first_deltas[0]))

struct replay {
	long creates, frees, freed_pages, bad_steps;
	long refs;		/* the count, as the events tell it */
	long steps;		/* scamem_ref events so far */
	long first[NR_FIRST];	/* the deltas of the first of them */
	long unpinned;		/* the deltas after them, negated */
	bool rise_after_first;	/* a positive delta after them */
	char first_bad[160];
};

static void replay(const char *event, void *arg)
{
	struct replay *r = arg;
	long delta, count;

	if (!strncmp(event, "scamem_create:", 14)) {
		r->creates++;
		r->refs = 1;
		return;
	}
	if (!strncmp(event, "scamem_free:", 12)) {
		r->frees++;
		r->freed_pages = trace_field(event, "nr_pages");
		return;
	}
	delta = trace_field(event, "delta");
	count = trace_field(event, "refcount");
	if (count != r->refs + delta && !r->bad_steps++)
		snprintf(r->first_bad, sizeof(r->first_bad), "%s", event);
	/*
	 * The pin may come in two parts: GUP-fast takes a run of up to 8
	 * pages that ends at a page table boundary, the VMA the rest
	 * (buffer_life() maps the buffer so that it does).
	 */
	if (r->steps == 2 && delta > 0) {
		r->first[1] += delta;
		r->refs = count;
		return;
	}
	if (r->steps < (long)NR_FIRST)
		r->first[r->steps] = delta;
	else if (delta > 0)
		r->rise_after_first = true;
	else
		r->unpinned -= delta;
	r->steps++;
	r->refs = count;
}

/* Where a 2 MiB page table's range ends this many pages into the buffer. */
#define PMD_SIZE_	(2UL << 20)
#define HEAD_PAGES	4UL

/*
 * An address for the buffer HEAD_PAGES pages before a 2 MiB boundary,
 * reserved with an inaccessible mapping that mmap(MAP_FIXED) replaces:
 * the io_uring pin is then split, whatever the address layout, into a
 * GUP-fast run and the rest, as it is for 1 buffer in 64 placed anywhere.
 */
static void *straddling_address(void)
{
	void *res = mmap(NULL, SIZE + 2 * PMD_SIZE_, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t addr;

	if (res == MAP_FAILED)
		return NULL;
	addr = ((uintptr_t)res + PMD_SIZE_ - 1) & ~(PMD_SIZE_ - 1);
	return (void *)(addr + PMD_SIZE_ - HEAD_PAGES * PAGE);
}

/* ALLOC, mmap, pin with io_uring, FREE, munmap, unpin, close. */
static void buffer_life(const struct sample_kind *k)
{
	struct io_uring ring;
	struct iovec iov;
	int fd, ret;
	void *p;

	fd = open_alloc(k, SIZE, O_RDWR);
	if (fd < 0)
		return;
	p = straddling_address();
	p = mmap(p, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | (p ? MAP_FIXED : 0),
		 fd, 0);
	if (p == MAP_FAILED) {
		result(false, "mmap: %s", strerror(errno));
		goto out_close;
	}
	ret = io_uring_queue_init(4, &ring, 0);
	if (ret) {
		result(false, "io_uring_queue_init: %s", strerror(-ret));
		goto out_unmap;
	}
	iov.iov_base = p;
	iov.iov_len = SIZE;
	ret = io_uring_register_buffers(&ring, &iov, 1);
	result(!ret, "io_uring pins the mapping: %s", strerror(-ret));
	result(!ioctl(fd, SCAMEM_SAMPLE_FREE), "FREE while pinned");
	munmap(p, SIZE);
	io_uring_unregister_buffers(&ring);
	io_uring_queue_exit(&ring);
	close(fd);
	return;
out_unmap:
	munmap(p, SIZE);
out_close:
	close(fd);
}

static void trace_kind(const struct sample_kind *k)
{
	struct replay r = { .refs = -1 };
	int waited;

	set_prefix("trace %s: ", k->name);
	if (!scamem_trace_start(NPAGES)) {
		result(false, "tracefs: %s", strerror(errno));
		return;
	}
	buffer_life(k);
	/* The last put may leave the free to a workqueue. */
	for (waited = 0; waited < 40 && !r.frees; waited++) {
		scamem_trace_each(replay, &r);
		if (!r.frees)
			usleep(50000);
	}
	result(r.creates == 1, "one scamem_create: %ld", r.creates);
	result(r.steps >= (long)NR_FIRST &&
	       !memcmp(r.first, first_deltas, sizeof(first_deltas)),
	       "mmap, pin, FREE, munmap change the count by +1, +%lu, -1, -1: %+ld %+ld %+ld %+ld",
	       NPAGES, r.first[0], r.first[1], r.first[2], r.first[3]);
	result(!r.rise_after_first && r.unpinned == (long)NPAGES,
	       "the unpin takes %lu off, nothing added: %ld", NPAGES,
	       r.unpinned);
	result(!r.bad_steps,
	       "each scamem_ref count is the one before + delta: %ld not (first: %s)",
	       r.bad_steps, r.first_bad);
	result(r.refs == 0, "the count ends at 0: %ld", r.refs);
	result(r.frees == 1 && r.freed_pages == (long)NPAGES,
	       "one scamem_free of %lu pages: %ld of %ld", NPAGES, r.frees,
	       r.freed_pages);
	scamem_trace_stop();
}

int main(void)
{
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Per kind: 2 in buffer_life(), 6 in trace_kind(). */
	plan(NR_SAMPLE_KINDS * 8, "trace");
	for (i = 0; i < NR_SAMPLE_KINDS; i++)
		trace_kind(&sample_kinds[i]);
	return failures ? 1 : 0;
}
