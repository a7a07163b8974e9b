// SPDX-License-Identifier: GPL-2.0
/* An allocator whose buffers a generic mmap maps (sound/core/memalloc-like). */
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <sound/memalloc.h>

static void *snd_dma_vmalloc_alloc(struct snd_dma_buffer *dmab, size_t size)
{
	return vmalloc(size);
}

static void snd_dma_vmalloc_free(struct snd_dma_buffer *dmab)
{
	vfree(dmab->area);
}

static int snd_dma_vmalloc_mmap(struct snd_dma_buffer *dmab,
				struct vm_area_struct *area)
{
	return remap_vmalloc_range(area, dmab->area, 0);
}
