// SPDX-License-Identifier: GPL-2.0
/* A TV card's audio capture (saa7134-alsa-like): the PCM core maps the
 * buffer through the .page callback; the buffer is also DMA'd into. */
#include <linux/vmalloc.h>
#include <sound/pcm.h>

struct card_dma {
	void *vaddr;
	struct scatterlist *sglist;
	unsigned long nr_pages;
};

static int card_alsa_dma_init(struct card_dma *dma, unsigned long nr_pages)
{
	struct page *pg;
	int i;

	dma->vaddr = vmalloc_32(nr_pages << PAGE_SHIFT);
	if (NULL == dma->vaddr)
		return -ENOMEM;
	memset(dma->vaddr, 0, nr_pages << PAGE_SHIFT);
	dma->nr_pages = nr_pages;

	dma->sglist = vzalloc(array_size(sizeof(*dma->sglist), dma->nr_pages));
	if (NULL == dma->sglist)
		goto vzalloc_err;

	sg_init_table(dma->sglist, dma->nr_pages);
	for (i = 0; i < dma->nr_pages; i++) {
		pg = vmalloc_to_page(dma->vaddr + i * PAGE_SIZE);
		if (NULL == pg)
			goto vmalloc_to_page_err;
		sg_set_page(&dma->sglist[i], pg, PAGE_SIZE, 0);
	}
	return 0;

vmalloc_to_page_err:
	vfree(dma->sglist);
	dma->sglist = NULL;
vzalloc_err:
	vfree(dma->vaddr);
	dma->vaddr = NULL;
	return -ENOMEM;
}

static struct page *snd_card_page(struct snd_pcm_substream *substream,
				  unsigned long offset)
{
	void *pageptr = substream->runtime->dma_area + offset;

	return vmalloc_to_page(pageptr);
}

static const struct snd_pcm_ops snd_card_capture_ops = {
	.open =		snd_card_capture_open,
	.close =	snd_card_capture_close,
	.hw_params =	snd_card_hw_params,
	.page =		snd_card_page,
};
