// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace half of "make bench", run in the guest on both kernels.
 * Prints one line per measurement:
 *
 *   @@bench CASE SIZE REP VALUE UNIT
 *
 * which tools/bench collects into a table, CSV and plots.
 */
#include <fcntl.h>
#include <linux/keyctl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "module/scamem_bench.h"

#define REPS		5
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define PAGE		4096UL

static int dev;

/*
 * The mapping the cases measure: the one a converted driver makes
 * (remap_vmalloc_scamem() on the scamem kernel, remap_vmalloc_range() on
 * the unpatched one), or remap_vmalloc_range() on both, whose cases are
 * named "per-page-...".  GUP and unpin look at the pages of a per-page
 * mapping only while some scamem is mapped to userspace: the
 * "beside-mapped-" cases pin a per-page mapping while another buffer,
 * mapped the converted way, stays mapped.
 */
struct mapping {
	const char *prefix;
	__u64 flag;
	bool beside_mapped;
};

static const struct mapping mappings[] = {
	{ "", 0, false },
	{ "per-page-", SCAMEM_BENCH_PER_PAGE, false },
	{ "beside-mapped-per-page-", SCAMEM_BENCH_PER_PAGE, true },
};

static void report_mapping(const struct mapping *m, const char *name,
			   unsigned long size, int rep, double value)
{
	char full[64];

	snprintf(full, sizeof(full), "%s%s", m->prefix, name);
	printf("@@bench %s %lu %d %.1f ns\n", full, size, rep, value);
	fflush(stdout);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void report(const char *name, unsigned long size, int rep,
		   double value, const char *unit)
{
	printf("@@bench %s %lu %d %.1f %s\n", name, size, rep, value, unit);
	fflush(stdout);
}

static int bench_ioctl(unsigned long cmd, struct scamem_bench_args *a)
{
	if (ioctl(dev, cmd, a)) {
		perror("scamem_bench ioctl");
		return -1;
	}
	return 0;
}

/* In-kernel vmalloc()s and their vfree()s, timed apart and together. */
static int bench_vmalloc(unsigned long size, unsigned long loops)
{
	for (int rep = 0; rep < REPS; rep++) {
		struct scamem_bench_args a = { .size = size, .loops = loops };

		if (bench_ioctl(SCAMEM_BENCH_VMALLOC, &a) || !a.ns)
			return -1;
		report("vmalloc", size, rep, (double)a.ns / loops, "ns");
		report("vfree", size, rep, (double)a.ns_free / loops, "ns");
		report("vfree-purge", size, rep,
		       (double)a.ns_purge / loops, "ns");
		report("vmalloc+vfree", size, rep,
		       (double)(a.ns + a.ns_free + a.ns_purge) / loops, "ns");
	}
	return 0;
}

static void touch_every_page(volatile char *p, unsigned long size)
{
	for (unsigned long off = 0; off < size; off += PAGE)
		p[off] = 1;
}

/* mmap of a vmalloc_user() buffer through ->mmap, first touch, munmap. */
static int bench_mmap(const struct mapping *m, unsigned long size)
{
	struct scamem_bench_args a = {
		.size = size, .loops = 1, .addr = m->flag,
	};

	if (bench_ioctl(SCAMEM_BENCH_USER_BUF, &a))
		return -1;
	for (int rep = 0; rep < REPS; rep++) {
		uint64_t t0, t1, t2, t3;
		char *p;

		t0 = now_ns();
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, dev, 0);
		t1 = now_ns();
		if (p == MAP_FAILED) {
			perror("mmap");
			return -1;
		}
		touch_every_page(p, size);
		t2 = now_ns();
		munmap(p, size);
		t3 = now_ns();
		report_mapping(m, "mmap", size, rep, t1 - t0);
		report_mapping(m, "first-touch", size, rep, t2 - t1);
		report_mapping(m, "munmap", size, rep, t3 - t2);
		report_mapping(m, "mmap+touch+munmap", size, rep, t3 - t0);
	}
	return 0;
}

/* A new buffer of @size, mapped the way @m says and touched; NULL on error. */
static char *map_user_buf(const struct mapping *m, unsigned long size)
{
	struct scamem_bench_args a = {
		.size = size, .loops = 1, .addr = m->flag,
	};
	char *p;

	if (bench_ioctl(SCAMEM_BENCH_USER_BUF, &a))
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, dev, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return NULL;
	}
	touch_every_page(p, size);
	return p;
}

/*
 * pin+unpin (pin_user_pages_fast()), locked-pin+unpin (pin_user_pages()
 * under the mmap lock) and gup+put of the whole mapped buffer, timed in
 * the kernel.
 */
static int bench_pin(const struct mapping *m, unsigned long size,
		     unsigned long loops)
{
	char *p, *other = NULL;

	/* Its buffer is freed by the next USER_BUF, its mapping stays. */
	if (m->beside_mapped) {
		other = map_user_buf(&mappings[0], PAGE);
		if (!other)
			return -1;
	}
	p = map_user_buf(m, size);
	if (!p)
		return -1;
	/*
	 * The scamem kernel turns GUP's look for scamem pages off a second
	 * after the last mapped scamem is freed (map_user_buf() has just
	 * freed the one before): measure per-page pins in that state, and
	 * beside-mapped- with one mapped.  Free under -icount sleep=off.
	 */
	if (!m->beside_mapped)
		sleep(2);
	for (int rep = 0; rep < REPS; rep++) {
		struct scamem_bench_args pin = {
			.size = size, .loops = loops, .addr = (uintptr_t)p,
		};
		struct scamem_bench_args locked = pin, gup = pin;

		if (bench_ioctl(SCAMEM_BENCH_PIN, &pin) || !pin.ns ||
		    bench_ioctl(SCAMEM_BENCH_PIN_LOCKED, &locked) ||
		    !locked.ns ||
		    bench_ioctl(SCAMEM_BENCH_GUP, &gup) || !gup.ns)
			return -1;
		report_mapping(m, "pin+unpin", size, rep,
			       (double)pin.ns / loops);
		report_mapping(m, "locked-pin+unpin", size, rep,
			       (double)locked.ns / loops);
		report_mapping(m, "gup+put", size, rep, (double)gup.ns / loops);
	}
	munmap(p, size);
	if (other)
		munmap(other, PAGE);
	return 0;
}

/*
 * Pin+unpin of a resident shmem object through pageable scamem; on the
 * unpatched kernels, the open-coded loop GEM drivers use, which the
 * scamem kernel runs too for the same-kernel comparison.
 */
static int bench_pageable(unsigned long size, unsigned long loops)
{
	for (int rep = 0; rep < REPS; rep++) {
		struct scamem_bench_args api = { .size = size, .loops = loops };
		struct scamem_bench_args open_coded = api, gem = api;

		open_coded.addr = SCAMEM_BENCH_OPEN_CODED;
		gem.addr = SCAMEM_BENCH_GEM_PAGES;
		if (bench_ioctl(SCAMEM_BENCH_PAGEABLE, &api) || !api.ns ||
		    bench_ioctl(SCAMEM_BENCH_PAGEABLE, &open_coded) ||
		    !open_coded.ns ||
		    bench_ioctl(SCAMEM_BENCH_PAGEABLE, &gem) || !gem.ns)
			return -1;
		report("pageable-pin+unpin", size, rep,
		       (double)api.ns / loops, "ns");
		report("shmem-get+put", size, rep,
		       (double)open_coded.ns / loops, "ns");
		report("gem-get+put-pages", size, rep,
		       (double)gem.ns / loops, "ns");
	}
	return 0;
}

static long add_key(const char *desc, const void *data, size_t len)
{
	return syscall(SYS_add_key, "big_key", desc, data, len,
		       KEY_SPEC_PROCESS_KEYRING);
}

static long keyctl(int cmd, long a, long b, long c)
{
	return syscall(SYS_keyctl, cmd, a, b, c, 0);
}

/*
 * big_key, the converted user of pageable scamem: add a key of @size
 * bytes (encrypted into shmem) and read it back (decrypted), @loops keys
 * a repetition.  The keys are invalidated untimed, and the key garbage
 * collector given time to destroy them before the next repetition.
 */
static int bench_big_key_size(unsigned long size, unsigned long loops)
{
	char *data = malloc(size), *back = malloc(size), desc[32];
	long *ids = calloc(loops, sizeof(*ids));

	if (!data || !back || !ids)
		return -1;
	memset(data, 0x5c, size);
	for (int rep = 0; rep < REPS; rep++) {
		uint64_t add_ns = 0, read_ns = 0, t0, t1, t2;

		for (unsigned long i = 0; i < loops; i++) {
			snprintf(desc, sizeof(desc), "bench-%d-%lu", rep, i);
			t0 = now_ns();
			ids[i] = add_key(desc, data, size);
			t1 = now_ns();
			if (ids[i] < 0 ||
			    keyctl(KEYCTL_READ, ids[i], (long)back, size) !=
			    (long)size) {
				perror("big_key");
				return -1;
			}
			t2 = now_ns();
			add_ns += t1 - t0;
			read_ns += t2 - t1;
		}
		for (unsigned long i = 0; i < loops; i++)
			keyctl(KEYCTL_INVALIDATE, ids[i], 0, 0);
		sleep(2);
		report("big_key-add", size, rep, (double)add_ns / loops, "ns");
		report("big_key-read", size, rep, (double)read_ns / loops, "ns");
		report("big_key-add+read", size, rep,
		       (double)(add_ns + read_ns) / loops, "ns");
	}
	free(data);
	free(back);
	free(ids);
	return 0;
}

static int bench_big_key(void)
{
	/* add_key() takes less than 1 MiB. */
	static const unsigned long sizes[] = {
		4 * PAGE, 64 * PAGE, (1UL << 20) - PAGE,
	};
	static const unsigned long loops[ARRAY_SIZE(sizes)] = { 64, 16, 4 };
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		err |= bench_big_key_size(sizes[i], loops[i]);
	return err;
}

static long meminfo_kb(const char *field)
{
	char line[256];
	long value = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)) &&
		    line[strlen(field)] == ':')
			value = strtol(line + strlen(field) + 1, NULL, 10);
	fclose(f);
	return value;
}

/* Metadata of many areas held at once, from /proc/meminfo. */
static int bench_memory(unsigned long count, unsigned long size)
{
	for (int rep = 0; rep < REPS; rep++) {
		struct scamem_bench_args a = { .size = size, .loops = count };
		long slab0, free0, slab1, free1, data;

		sync();
		/*
		 * Let the frees of earlier cases (and of the last rep's
		 * RELEASE) that wait for a grace period land first: kfree_rcu()
		 * batches, slab pages of SLAB_TYPESAFE_BY_RCU caches.  They
		 * would shrink Slab while the areas are being allocated.  With
		 * -icount sleep=off an idle guest costs no real time.
		 */
		sleep(6);
		slab0 = meminfo_kb("Slab");
		free0 = meminfo_kb("MemFree");
		if (bench_ioctl(SCAMEM_BENCH_HOLD, &a))
			return -1;
		slab1 = meminfo_kb("Slab");
		free1 = meminfo_kb("MemFree");
		bench_ioctl(SCAMEM_BENCH_RELEASE, &a);
		data = count * ((size + PAGE - 1) / PAGE) * PAGE;
		report("slab-bytes-per-area", size, rep,
		       (slab1 - slab0) * 1024.0 / count, "B");
		report("metadata-bytes-per-area", size, rep,
		       ((free0 - free1) * 1024.0 - data) / count, "B");
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const unsigned long vm_sizes[] = {
		PAGE, 16 * PAGE, 1UL << 20, 16UL << 20, 64UL << 20,
		256UL << 20,
	};
	static const unsigned long vm_loops[ARRAY_SIZE(vm_sizes)] = {
		20000, 10000, 500, 32, 8, 4,
	};
	static const unsigned long map_sizes[] = {
		PAGE, 1UL << 20, 16UL << 20, 256UL << 20,
	};
	/* 32 KiB: the most GUP-fast takes of a scamem mapping. */
	static const unsigned long pin_sizes[] = {
		PAGE, 8 * PAGE, 1UL << 20, 16UL << 20, 256UL << 20,
	};
	static const unsigned long pin_loops[ARRAY_SIZE(pin_sizes)] = {
		1000, 500, 50, 4, 1,
	};
	static const unsigned long pageable_sizes[] = {
		PAGE, 16 * PAGE, 1UL << 20, 16UL << 20, 64UL << 20,
	};
	static const unsigned long pageable_loops[ARRAY_SIZE(pageable_sizes)] = {
		2000, 500, 20, 2, 1,
	};
	int err = 0;

	dev = open("/dev/scamem_bench", O_RDWR);
	if (dev < 0) {
		perror("/dev/scamem_bench");
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(vm_sizes); i++)
		err |= bench_vmalloc(vm_sizes[i], vm_loops[i]);
	for (size_t m = 0; m < ARRAY_SIZE(mappings); m++) {
		for (size_t i = 0; i < ARRAY_SIZE(map_sizes); i++)
			if (!mappings[m].beside_mapped)
				err |= bench_mmap(&mappings[m], map_sizes[i]);
		for (size_t i = 0; i < ARRAY_SIZE(pin_sizes); i++)
			err |= bench_pin(&mappings[m], pin_sizes[i],
					 pin_loops[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(pageable_sizes); i++)
		err |= bench_pageable(pageable_sizes[i], pageable_loops[i]);
	err |= bench_big_key();
	err |= bench_memory(10000, PAGE);
	err |= bench_memory(10000, 16 * PAGE);
	printf("@@bench-done %s\n", err ? "failed" : "ok");
	return err ? 1 : 0;
}
