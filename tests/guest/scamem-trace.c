// SPDX-License-Identifier: GPL-2.0
/*
 * The scamem:* trace events tell the life of a driver's buffer: created
 * with one reference, +1 for the mapping, +n for a pin of n pages, -1 at
 * FREE and at munmap, the pins given back, then scamem_free with every
 * page.  This replays the events of a sample buffer of each kind and
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
#include <unistd.h>

#include "scamem-guest.h"

/* No other scamem in the guest has this many pages: the trace filter. */
#define NPAGES		777UL
#define SIZE		(NPAGES * PAGE)

struct replay {
	long creates, frees, freed_pages, bad_steps;
	long refs;		/* the count, as the events tell it */
	bool pin_seen;		/* +NPAGES, to 2 + NPAGES */
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
	if (delta == (long)NPAGES && count == 2 + (long)NPAGES)
		r->pin_seen = true;
	r->refs = count;
}

/* ALLOC, mmap, pin with io_uring, FREE, munmap, unpin, close. */
static bool buffer_life(const struct sample_kind *k)
{
	struct io_uring ring;
	uint64_t size = SIZE;
	struct iovec iov;
	void *p;
	int fd;

	fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, k->alloc, &size)) {
		result(false, "ALLOC of %lu pages: %s", NPAGES, strerror(errno));
		return false;
	}
	p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || io_uring_queue_init(4, &ring, 0)) {
		result(false, "mmap and io_uring: %s", strerror(errno));
		return false;
	}
	iov.iov_base = p;
	iov.iov_len = SIZE;
	result(!io_uring_register_buffers(&ring, &iov, 1),
	       "io_uring pins the mapping");
	result(!ioctl(fd, SCAMEM_SAMPLE_FREE), "FREE while pinned");
	munmap(p, SIZE);
	io_uring_unregister_buffers(&ring);
	io_uring_queue_exit(&ring);
	close(fd);
	return true;
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
	if (buffer_life(k)) {
		/* The last put may leave the free to a workqueue. */
		for (waited = 0; waited < 40 && !r.frees; waited++) {
			scamem_trace_each(replay, &r);
			if (!r.frees)
				usleep(50000);
		}
		result(r.creates == 1, "one scamem_create: %ld", r.creates);
		result(r.pin_seen, "the pin is one event, +%lu to refcount %lu",
		       NPAGES, 2 + NPAGES);
		result(!r.bad_steps,
		       "each scamem_ref count is the one before + delta: %ld not (first: %s)",
		       r.bad_steps, r.first_bad);
		result(r.refs == 0, "the count ends at 0: %ld", r.refs);
		result(r.frees == 1 && r.freed_pages == (long)NPAGES,
		       "one scamem_free of %lu pages: %ld of %ld", NPAGES,
		       r.frees, r.freed_pages);
	}
	scamem_trace_stop();
}

int main(void)
{
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < NR_SAMPLE_KINDS; i++)
		trace_kind(&sample_kinds[i]);
	return failures ? 1 : 0;
}
