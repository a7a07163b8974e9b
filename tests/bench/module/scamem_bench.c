// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel half of "make bench".  The same source builds against the
 * unpatched and the scamem kernel, so that both are measured doing the
 * same thing:
 *
 * - vmalloc() and vfree() of a given size, timed apart in the kernel;
 * - a vmalloc_user() buffer mapped by ->mmap, for userspace to time mmap,
 *   first touch and munmap: with remap_vmalloc_range() on the unpatched
 *   kernel, with remap_vmalloc_scamem() on the scamem one (HAVE_SCAMEM,
 *   see Kbuild), as a driver converted to scamem does;
 * - pin_user_pages_fast() + unpin_user_pages(), pin_user_pages() under
 *   the mmap lock + unpin_user_pages(), and get_user_pages_fast() +
 *   put_page() of a user range, timed in the kernel;
 * - many vmalloc areas held at once, for userspace to read the metadata
 *   cost from /proc/meminfo;
 * - pin and unpin of a resident shmem object: a pageable scamem's
 *   scamem_pin_range() on the scamem kernel, the loop GEM open-codes
 *   everywhere (and on the scamem kernel when asked).
 *
 * /dev/scamem_bench takes the ioctls below; results come back in the
 * argument.
 */

#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/folio_batch.h>
#include <linux/pagemap.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "scamem_bench.h"

#ifdef HAVE_SCAMEM
#include <linux/scamem.h>
#endif

static DEFINE_MUTEX(bench_lock);
static void *user_buf;			/* the buffer ->mmap maps */
static bool user_buf_per_page;		/* with remap_vmalloc_range() */
static unsigned long user_buf_size;
static void **held_areas;
static unsigned long nr_held;

/* Areas a vmalloc batch holds at once: at most this many, and 256 MiB. */
#define VMALLOC_BATCH		64
#define VMALLOC_BATCH_BYTES	(256UL << 20)

/*
 * @loops vmalloc()s of @size, and their vfree()s, timed apart: a batch of
 * areas is allocated, then freed, until @loops are done.  After each
 * batch, vm_unmap_aliases() purges the freed areas' lazily unmapped
 * address space, timed apart too.  Left to itself, that purge runs in a
 * worker once enough address space is waiting, at the next tick: in
 * whichever timed loop the tick falls, a large cost that moves between
 * the vmalloc()s and the vfree()s with the timing of each kernel.
 * Returns the nanoseconds of the vmalloc()s and sets @free_ns and
 * @purge_ns to those of the vfree()s and of the purges; 0 if an
 * allocation failed.
 */
static u64 bench_vmalloc(unsigned long size, unsigned long loops,
			 u64 *free_ns, u64 *purge_ns)
{
	unsigned long batch = clamp(VMALLOC_BATCH_BYTES / size, 1UL,
				    (unsigned long)VMALLOC_BATCH);
	void *areas[VMALLOC_BATCH];
	u64 alloc_ns = 0, start;
	unsigned long done, i, n;

	*free_ns = 0;
	*purge_ns = 0;
	vm_unmap_aliases();		/* nothing of earlier cases pending */
	for (done = 0; done < loops; done += n) {
		n = min(batch, loops - done);
		start = ktime_get_ns();
		for (i = 0; i < n; i++) {
			areas[i] = vmalloc(size);
			if (!areas[i])
				break;
		}
		alloc_ns += ktime_get_ns() - start;
		n = i;
		start = ktime_get_ns();
		for (i = 0; i < n; i++)
			vfree(areas[i]);
		*free_ns += ktime_get_ns() - start;
		start = ktime_get_ns();
		vm_unmap_aliases();
		*purge_ns += ktime_get_ns() - start;
		if (!n || n < min(batch, loops - done))
			return 0;
	}
	return alloc_ns;
}

/* Take the pages of a user range the way @cmd says; see scamem_bench.h. */
static long bench_grab(unsigned int cmd, unsigned long uaddr, unsigned long nr,
		       struct page **pages)
{
	long got;

	switch (cmd) {
	case SCAMEM_BENCH_PIN:
		return pin_user_pages_fast(uaddr, nr, FOLL_WRITE, pages);
	case SCAMEM_BENCH_PIN_LOCKED:
		mmap_read_lock(current->mm);
		got = pin_user_pages(uaddr, nr, FOLL_WRITE, pages);
		mmap_read_unlock(current->mm);
		return got;
	default:
		return get_user_pages_fast(uaddr, nr, FOLL_WRITE, pages);
	}
}

static void bench_release(unsigned int cmd, struct page **pages, long nr)
{
	if (cmd != SCAMEM_BENCH_GUP) {
		unpin_user_pages(pages, nr);
		return;
	}
	while (nr-- > 0)
		put_page(pages[nr]);
}

static u64 bench_pin(unsigned int cmd, unsigned long uaddr, unsigned long size,
		     unsigned long loops)
{
	unsigned long nr = size >> PAGE_SHIFT, i;
	struct page **pages;
	u64 start, elapsed = 0;

	pages = kvmalloc_array(nr, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return 0;
	for (i = 0; i < loops; i++) {
		long got;

		start = ktime_get_ns();
		got = bench_grab(cmd, uaddr, nr, pages);
		if (got != nr) {
			if (got > 0)
				bench_release(cmd, pages, got);
			elapsed = 0;
			break;
		}
		bench_release(cmd, pages, nr);
		elapsed += ktime_get_ns() - start;
	}
	kvfree(pages);
	return elapsed;
}

/*
 * What drm_gem_get_pages() and drm_gem_put_pages(dirty=false,
 * accessed=true) do to every page of an object: a reference from the
 * page cache, then mark it accessed and drop it.
 */
static int shmem_get_put(struct address_space *mapping, struct page **pages,
			 unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		struct folio *folio = shmem_read_folio_gfp(mapping, i,
						mapping_gfp_mask(mapping));

		if (IS_ERR(folio))
			break;
		pages[i] = folio_file_page(folio, i);
	}
	nr = i;
	for (i = 0; i < nr; i++) {
		struct folio *folio = page_folio(pages[i]);

		folio_mark_accessed(folio);
		folio_put(folio);
	}
	return nr;
}

/*
 * drm_gem_get_pages() and drm_gem_put_pages(dirty=false, accessed=true)
 * as drivers/gpu/drm/drm_gem.c has them (without the DMA32 check and the
 * error path, which a resident object does not reach): a page array per
 * call, the mapping unevictable while the pages are held, and the
 * references dropped in batches that go back to the evictable LRU.
 */
static struct page **gem_get_pages(struct address_space *mapping,
				   unsigned long npages)
{
	struct page **pages;
	unsigned long i = 0, j;

	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;
	mapping_set_unevictable(mapping);
	while (i < npages) {
		struct folio *folio = shmem_read_folio_gfp(mapping, i,
						mapping_gfp_mask(mapping));
		unsigned long nr;

		if (IS_ERR(folio))
			break;
		nr = min(npages - i, folio_nr_pages(folio));
		for (j = 0; j < nr; j++, i++)
			pages[i] = folio_file_page(folio, i);
	}
	return pages;
}

static void gem_release_batch(struct folio_batch *fbatch)
{
	check_move_unevictable_folios(fbatch);
	__folio_batch_release(fbatch);
	cond_resched();
}

static void gem_put_pages(struct address_space *mapping, struct page **pages,
			  unsigned long npages)
{
	struct folio_batch fbatch;
	unsigned long i;

	mapping_clear_unevictable(mapping);
	folio_batch_init(&fbatch);
	for (i = 0; i < npages; i++) {
		struct folio *folio = page_folio(pages[i]);

		folio_mark_accessed(folio);
		if (!folio_batch_add(&fbatch, folio))
			gem_release_batch(&fbatch);
		i += folio_nr_pages(folio) - 1;
	}
	if (folio_batch_count(&fbatch))
		gem_release_batch(&fbatch);
	kvfree(pages);
}

/* One round of an open-coded get and put of all @nr pages; false if it failed. */
typedef bool (*shmem_round_t)(struct address_space *mapping,
			      struct page **pages, unsigned long nr);

static bool open_coded_round(struct address_space *mapping,
			     struct page **pages, unsigned long nr)
{
	return shmem_get_put(mapping, pages, nr) == nr;
}

/* GEM allocates its page array in every round: @pages goes unused. */
static bool gem_pages_round(struct address_space *mapping,
			    struct page **pages, unsigned long nr)
{
	pages = gem_get_pages(mapping, nr);
	if (!pages)
		return false;
	gem_put_pages(mapping, pages, nr);
	return true;
}

/*
 * @loops timed rounds of @round over a shmem file of @size bytes, after
 * a first round that allocates its pages: the resident ones are timed.
 */
static u64 bench_shmem_rounds(unsigned long size, unsigned long loops,
			      shmem_round_t round)
{
	unsigned long nr = size >> PAGE_SHIFT, i;
	struct page **pages;
	struct file *file;
	u64 start, elapsed = 0;

	file = shmem_kernel_file_setup("scamem-bench", size, EMPTY_VMA_FLAGS);
	if (IS_ERR(file))
		return 0;
	pages = kvmalloc_array(nr, sizeof(*pages), GFP_KERNEL);
	if (pages && round(file->f_mapping, pages, nr)) {
		for (i = 0; i < loops; i++) {
			start = ktime_get_ns();
			if (!round(file->f_mapping, pages, nr)) {
				elapsed = 0;
				break;
			}
			elapsed += ktime_get_ns() - start;
		}
	}
	kvfree(pages);
	fput(file);
	return elapsed;
}

static u64 bench_open_coded(unsigned long size, unsigned long loops)
{
	return bench_shmem_rounds(size, loops, open_coded_round);
}

#ifdef HAVE_SCAMEM
static u64 bench_pageable(unsigned long size, unsigned long loops)
{
	struct scamem *sm = scamem_create_pageable(size, NUMA_NO_NODE);
	u64 start, elapsed = 0;
	unsigned long i;

	if (IS_ERR(sm))
		return 0;
	/* The first round allocates the pages: time the resident ones. */
	if (!scamem_pin_range(sm, 0, size)) {
		scamem_unpin_range(sm, 0, size);
		for (i = 0; i < loops; i++) {
			start = ktime_get_ns();
			if (scamem_pin_range(sm, 0, size)) {
				elapsed = 0;
				break;
			}
			scamem_unpin_range(sm, 0, size);
			elapsed += ktime_get_ns() - start;
		}
	}
	scamem_put(sm);
	return elapsed;
}
#else
static u64 bench_pageable(unsigned long size, unsigned long loops)
{
	return bench_open_coded(size, loops);
}
#endif

static void free_held_areas(void)
{
	while (nr_held)
		vfree(held_areas[--nr_held]);
	kvfree(held_areas);
	held_areas = NULL;
}

static int hold_areas(unsigned long count, unsigned long size)
{
	free_held_areas();
	held_areas = kvcalloc(count, sizeof(*held_areas), GFP_KERNEL);
	if (!held_areas)
		return -ENOMEM;
	for (nr_held = 0; nr_held < count; nr_held++) {
		held_areas[nr_held] = vmalloc(size);
		if (!held_areas[nr_held]) {
			free_held_areas();
			return -ENOMEM;
		}
	}
	return 0;
}

static void free_user_buf(void)
{
	vfree(user_buf);
	user_buf = NULL;
	user_buf_size = 0;
}

static long bench_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct scamem_bench_args a;
	long ret = 0;

	if (copy_from_user(&a, (void __user *)arg, sizeof(a)))
		return -EFAULT;
	if (!a.loops || a.size > SZ_1G)
		return -EINVAL;

	switch (cmd) {
	case SCAMEM_BENCH_PIN:
	case SCAMEM_BENCH_PIN_LOCKED:
	case SCAMEM_BENCH_GUP:
		/*
		 * No bench_lock: these share nothing, and ->mmap takes it
		 * under the mmap lock, which pinning may take.
		 */
		if (!PAGE_ALIGNED(a.addr) || !PAGE_ALIGNED(a.size) || !a.size)
			return -EINVAL;
		a.ns = bench_pin(cmd, a.addr, a.size, a.loops);
		return copy_to_user((void __user *)arg, &a, sizeof(a)) ?
		       -EFAULT : 0;
	}

	mutex_lock(&bench_lock);
	switch (cmd) {
	case SCAMEM_BENCH_VMALLOC:
		a.ns = bench_vmalloc(a.size, a.loops, &a.ns_free, &a.ns_purge);
		break;
	case SCAMEM_BENCH_USER_BUF:
		free_user_buf();
		user_buf = vmalloc_user(a.size);
		user_buf_size = user_buf ? PAGE_ALIGN(a.size) : 0;
		user_buf_per_page = a.addr == SCAMEM_BENCH_PER_PAGE;
		ret = user_buf ? 0 : -ENOMEM;
		break;
	case SCAMEM_BENCH_HOLD:
		ret = hold_areas(a.loops, a.size);
		break;
	case SCAMEM_BENCH_RELEASE:
		free_held_areas();
		free_user_buf();
		break;
	case SCAMEM_BENCH_PAGEABLE:
		if (!PAGE_ALIGNED(a.size) || !a.size)
			ret = -EINVAL;
		else if (a.addr == SCAMEM_BENCH_OPEN_CODED)
			a.ns = bench_open_coded(a.size, a.loops);
		else if (a.addr == SCAMEM_BENCH_GEM_PAGES)
			a.ns = bench_shmem_rounds(a.size, a.loops,
						  gem_pages_round);
		else
			a.ns = bench_pageable(a.size, a.loops);
		break;
	default:
		ret = -ENOTTY;
	}
	mutex_unlock(&bench_lock);
	if (!ret && copy_to_user((void __user *)arg, &a, sizeof(a)))
		ret = -EFAULT;
	return ret;
}

/*
 * What a driver that maps a vmalloc_user() buffer does, before and after
 * its conversion; or, asked to, what every driver that did not convert
 * does on either kernel.
 */
static int bench_remap(struct vm_area_struct *vma)
{
#ifdef HAVE_SCAMEM
	if (!user_buf_per_page)
		return remap_vmalloc_scamem(vma, user_buf, vma->vm_pgoff);
#endif
	return remap_vmalloc_range(vma, user_buf, vma->vm_pgoff);
}

static int bench_mmap(struct file *file, struct vm_area_struct *vma)
{
	int ret = -EINVAL;

	mutex_lock(&bench_lock);
	if (user_buf && vma->vm_end - vma->vm_start <= user_buf_size)
		ret = bench_remap(vma);
	mutex_unlock(&bench_lock);
	return ret;
}

static const struct file_operations bench_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= bench_ioctl,
	.mmap		= bench_mmap,
};

static struct miscdevice bench_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "scamem_bench",
	.fops	= &bench_fops,
};

static int __init bench_init(void)
{
	return misc_register(&bench_dev);
}

static void __exit bench_exit(void)
{
	misc_deregister(&bench_dev);
	free_held_areas();
	free_user_buf();
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_DESCRIPTION("scamem benchmarks, the same on both kernels");
MODULE_LICENSE("GPL");
