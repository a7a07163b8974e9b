/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lifetime events of scamems: creation, every change of the reference
 * count (owners, mappings, pins) and the return of the pages.  See
 * "Watching a scamem's life" in Documentation/mm/scamem.rst.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM scamem

#if !defined(_TRACE_SCAMEM_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_SCAMEM_H

#include <linux/scamem.h>
#include <linux/tracepoint.h>

TRACE_EVENT(scamem_create,
	    TP_PROTO(const struct scamem *sm),
	    TP_ARGS(sm),
	    TP_STRUCT__entry(__field(const void *, sm)
			     __field(unsigned int, capacity)),
	    TP_fast_assign(__entry->sm = sm;
			   __entry->capacity = sm->capacity;),
	    TP_printk("scamem=%p capacity=%u", __entry->sm, __entry->capacity)
);

/* @capacity is passed: after a put, @sm may be gone. */
TRACE_EVENT(scamem_ref,
	    TP_PROTO(const struct scamem *sm, unsigned int capacity, int delta,
		     int refcount, unsigned long caller),
	    TP_ARGS(sm, capacity, delta, refcount, caller),
	    TP_STRUCT__entry(__field(const void *, sm)
			     __field(unsigned int, capacity)
			     __field(int, delta)
			     __field(int, refcount)
			     __field(unsigned long, caller)),
	    TP_fast_assign(__entry->sm = sm;
			   __entry->capacity = capacity;
			   __entry->delta = delta;
			   __entry->refcount = refcount;
			   __entry->caller = caller;),
	    TP_printk("scamem=%p capacity=%u delta=%+d refcount=%d caller=%pS",
		      __entry->sm, __entry->capacity, __entry->delta,
		      __entry->refcount, (void *)__entry->caller)
);

TRACE_EVENT(scamem_free,
	    TP_PROTO(const struct scamem *sm),
	    TP_ARGS(sm),
	    TP_STRUCT__entry(__field(const void *, sm)
			     __field(unsigned int, capacity)
			     __field(unsigned int, nr_pages)),
	    TP_fast_assign(__entry->sm = sm;
			   __entry->capacity = sm->capacity;
			   __entry->nr_pages = sm->nr_pages;),
	    TP_printk("scamem=%p capacity=%u nr_pages=%u", __entry->sm,
		      __entry->capacity, __entry->nr_pages)
);

#endif /* _TRACE_SCAMEM_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
