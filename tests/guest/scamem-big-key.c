// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test of big_key, the first in-tree user of pageable scamem,
 * run by big_key.test inside a memory cgroup whose limit (memory.max) is
 * below what its keys take, with swap on zram.  It runs on the unpatched
 * kernel too (make check's guest-base), where big_key keeps its contents
 * in a shmem file: what it checks must hold on both.
 *
 *   a. KEYS keys of KEY_SIZE (more than the limit) added and read back
 *      intact, not all of them resident (Shmem), swap use up;
 *   b. a key updated with new contents (a page: KEYCTL_UPDATE takes no
 *      more) reads the new contents;
 *   c. a small key (kept in the payload, not in shmem) reads back;
 *   d. a revoked key reads EKEYREVOKED;
 *   e. all invalidated: Shmem and swap use back where they were.
 *
 * One "@@ pass big_key ..." or "@@ fail big_key ...: details" line per
 * check; exit status 1 if any failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "scamem-guest.h"

#define CGROUP		"/sys/fs/cgroup/big_key/"
#define KEYS		12
/* add_key() takes less than 1 MiB. */
#define KEY_SIZE	((1UL << 20) - PAGE)
#define UPDATE_SIZE	PAGE
#define SMALL_SIZE	100
#define CHECKS		9

static long add_key(const char *desc, const void *data, size_t len)
{
	return syscall(SYS_add_key, "big_key", desc, data, len,
		       KEY_SPEC_PROCESS_KEYRING);
}

static long keyctl(int cmd, long a, long b, long c)
{
	return syscall(SYS_keyctl, cmd, a, b, c, 0);
}

/* Whether key @id reads back as @size bytes of pattern @run. */
static bool reads_back(long id, uint64_t *buf, size_t size, unsigned int run)
{
	return id > 0 && keyctl(KEYCTL_READ, id, (long)buf, size) == (long)size &&
	       compare(buf, size, run) < 0;
}

/* a: more keys than the cgroup holds, read back intact. */
static void add_and_read(long *ids, uint64_t *data, uint64_t *back)
{
	long shmem = meminfo_kb("Shmem"), swap = swap_used_kb();
	long read_ok = 0, added = 0;
	char desc[32];
	int err = 0;

	for (int i = 0; i < KEYS; i++) {
		fill(data, KEY_SIZE, 100 + i, false);
		snprintf(desc, sizeof(desc), "scamem-%d", i);
		ids[i] = add_key(desc, data, KEY_SIZE);
		if (ids[i] < 0)
			err = errno;
		added += ids[i] > 0;
	}
	result(added == KEYS, "%ld of %d keys of %lu KiB added%s%s", added,
	       KEYS, KEY_SIZE >> 10, err ? ": " : "", err ? strerror(err) : "");
	for (int i = 0; i < KEYS; i++)
		read_ok += reads_back(ids[i], back, KEY_SIZE, 100 + i);
	result(read_ok == KEYS, "%ld of %d read back intact", read_ok, KEYS);
	result(meminfo_kb("Shmem") - shmem < (long)(KEYS * KEY_SIZE >> 10),
	       "not all resident: Shmem +%ld kB", meminfo_kb("Shmem") - shmem);
	result(swap_used_kb() > swap, "swap use up: +%ld kB",
	       swap_used_kb() - swap);
}

/* b, c: an update replaces the contents; a small key stays small. */
static void update_and_small(long id, uint64_t *data, uint64_t *back)
{
	long small, ret;
	int err;

	/* keyctl_update_key() takes a page at most: still beyond the inode. */
	fill(data, UPDATE_SIZE, 200, false);
	ret = keyctl(KEYCTL_UPDATE, id, (long)data, UPDATE_SIZE);
	err = ret ? errno : 0;
	result(!ret && reads_back(id, back, UPDATE_SIZE, 200),
	       "a key updated to %lu bytes reads its new contents (update: %s)",
	       UPDATE_SIZE, strerror(err));
	fill(data, SMALL_SIZE, 300, false);
	small = add_key("scamem-small", data, SMALL_SIZE);
	result(reads_back(small, back, SMALL_SIZE, 300),
	       "a key of %d bytes reads back", SMALL_SIZE);
	keyctl(KEYCTL_INVALIDATE, small, 0, 0);
}

int main(void)
{
	long limit = read_long(CGROUP "memory.max", NULL);
	uint64_t *data = malloc(KEY_SIZE), *back = malloc(KEY_SIZE);
	long shmem, swap, ids[KEYS];

	plan(CHECKS, "big_key");
	set_prefix("big_key: ");
	if (limit <= 0 || meminfo_kb("SwapTotal") <= 0 || !data || !back) {
		result(false, "no memory cgroup limit (%ld) or no swap", limit);
		return 1;
	}
	shmem = meminfo_kb("Shmem");
	swap = swap_used_kb();
	add_and_read(ids, data, back);
	update_and_small(ids[1], data, back);
	keyctl(KEYCTL_REVOKE, ids[0], 0, 0);
	expect_errno(keyctl(KEYCTL_READ, ids[0], (long)back, KEY_SIZE) < 0,
		     EKEYREVOKED, "reading a revoked key");
	for (int i = 0; i < KEYS; i++)
		keyctl(KEYCTL_INVALIDATE, ids[i], 0, 0);
	check_shmem_swap_back(shmem, swap, "invalidated");
	free(data);
	free(back);
	return failures ? 1 : 0;
}
