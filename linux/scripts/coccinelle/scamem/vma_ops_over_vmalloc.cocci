// SPDX-License-Identifier: GPL-2.0-only
///
/// Find ->mmap implementations that map a vmalloc buffer with
/// remap_vmalloc_range*() (or vm_insert_page() of vmalloc_to_page()) and
/// also set vma->vm_ops or vma->vm_private_data: the drivers that cannot
/// be converted to a scamem mapping (remap_vmalloc_scamem(),
/// scamem_mmap(); see remap_vmalloc_scamem.cocci) as they are.  A scamem
/// VMA's vm_ops and vm_private_data are scamem's, because they hold the
/// VMA's reference on the buffer:
///  - set AFTER the remap, they would make the converted mmap() fail
///    (mmap_region() refuses a scamem VMA its driver took over);
///  - set BEFORE it, scamem_mmap() would replace them, and the driver's
///    callbacks would no longer run;
///  - next to a vm_insert_page() of vmalloc pages: the same, once the loop
///    becomes a remap.
/// Either way the callbacks move into the buffer's scamem_ops first.
/// remap_vmalloc_range() itself keeps its per-page mapping, with which
/// the driver's own vm_ops are fine.
/// Context, org and report modes; no patch mode: where vm_ops go is the
/// driver's choice.
///
// Confidence: High
// Options: --no-includes --include-headers

virtual context
virtual org
virtual report

@initialize:python@
@@
import re

REMAP = {
	'after': "%s set after %s() (line %s): remap_vmalloc_scamem() "
		 "would make this mmap() fail (its driver takes the scamem VMA "
		 "over); move the callbacks to scamem_ops before converting",
	'before': "%s set before %s() (line %s): remap_vmalloc_scamem() "
		  "would replace it with scamem's; move the callbacks to "
		  "scamem_ops before converting",
	'insert_after': "%s set after a vm_insert_page() of vmalloc pages "
			"(line %s): a scamem mapping of the buffer would make "
			"this mmap() fail; move the callbacks to scamem_ops "
			"before converting",
	'insert_before': "%s set before a vm_insert_page() of vmalloc pages "
			 "(line %s): a scamem mapping of the buffer would "
			 "replace it; move the callbacks to scamem_ops before "
			 "converting",
}

seen = set()

def callee(p):
	"""Which remap_vmalloc_range*() has its first argument at p."""
	with open(p[0].file, errors='replace') as f:
		for n, text in enumerate(f, 1):
			if n == int(p[0].line):
				m = re.search(r'(remap_vmalloc_range\w*)\s*\(\s*$',
					      text[:int(p[0].column)])
				if m:
					return m.group(1)
				break
	return 'remap_vmalloc_range'

def message(kind, v, fld, how, line, pa):
	"""The report for an assignment at pa, once per assignment and kind."""
	k = (kind, pa[0].file, pa[0].line, pa[0].column)
	if k in seen:
		return None
	seen.add(k)
	what = "%s->%s" % (v, fld)
	if kind.startswith('insert'):
		return REMAP[kind] % (what, line)
	return REMAP[kind] % (what, how, line)

@after depends on context || org || report exists@
expression V, E;
identifier fld = {vm_ops, vm_private_data};
position pr, pa;
@@

* \(remap_vmalloc_range\|remap_vmalloc_range_partial\)(V@pr, ...)
  ... when any
* V->fld@pa = E

@before depends on context || org || report exists@
expression V, E;
identifier fld = {vm_ops, vm_private_data};
position pr, pa;
@@

* V->fld@pa = E
  ... when any
* \(remap_vmalloc_range\|remap_vmalloc_range_partial\)(V@pr, ...)

@insert depends on context || org || report@
expression V, A, B;
position pr;
@@

  vm_insert_page@pr(V, A, vmalloc_to_page(B))

@insert_page depends on context || org || report exists@
expression V, A, B;
identifier P;
position pr;
@@

(
  P = vmalloc_to_page(B);
|
  struct page *P = vmalloc_to_page(B);
)
  ... when any
  vm_insert_page@pr(V, A, P)

@insert_after depends on context || org || report exists@
expression V, A, B, E;
identifier fld = {vm_ops, vm_private_data};
position insert.pr;
position pa, q;
@@

* vm_insert_page@pr@q(V, A, B)
  ... when any
* V->fld@pa = E

@insert_before depends on context || org || report exists@
expression V, A, B, E;
identifier fld = {vm_ops, vm_private_data};
position insert.pr;
position pa, q;
@@

* V->fld@pa = E
  ... when any
* vm_insert_page@pr@q(V, A, B)

@insert_page_after depends on context || org || report exists@
expression V, A, B, E;
identifier fld = {vm_ops, vm_private_data};
position insert_page.pr;
position pa, q;
@@

* vm_insert_page@pr@q(V, A, B)
  ... when any
* V->fld@pa = E

@insert_page_before depends on context || org || report exists@
expression V, A, B, E;
identifier fld = {vm_ops, vm_private_data};
position insert_page.pr;
position pa, q;
@@

* V->fld@pa = E
  ... when any
* vm_insert_page@pr@q(V, A, B)

@script:python depends on report@
v << after.V;
fld << after.fld;
pr << after.pr;
pa << after.pa;
@@

msg = message('after', v, fld, callee(pr), pr[0].line, pa)
if msg:
	coccilib.report.print_report(pa[0], "WARNING: " + msg)

@script:python depends on report@
v << before.V;
fld << before.fld;
pr << before.pr;
pa << before.pa;
@@

msg = message('before', v, fld, callee(pr), pr[0].line, pa)
if msg:
	coccilib.report.print_report(pa[0], "WARNING: " + msg)

@script:python depends on org@
v << after.V;
fld << after.fld;
pr << after.pr;
pa << after.pa;
@@

msg = message('after', v, fld, callee(pr), pr[0].line, pa)
if msg:
	coccilib.org.print_safe_todo(pa[0], msg)
	coccilib.org.print_link(pr[0], "")

@script:python depends on org@
v << before.V;
fld << before.fld;
pr << before.pr;
pa << before.pa;
@@

msg = message('before', v, fld, callee(pr), pr[0].line, pa)
if msg:
	coccilib.org.print_safe_todo(pa[0], msg)
	coccilib.org.print_link(pr[0], "")

@script:python depends on report@
v << insert_after.V;
fld << insert_after.fld;
pr << insert_after.q;
pa << insert_after.pa;
@@

msg = message('insert_after', v, fld, None, pr[0].line, pa)
if msg:
	coccilib.report.print_report(pa[0], "WARNING: " + msg)

@script:python depends on report@
v << insert_before.V;
fld << insert_before.fld;
pr << insert_before.q;
pa << insert_before.pa;
@@

msg = message('insert_before', v, fld, None, pr[0].line, pa)
if msg:
	coccilib.report.print_report(pa[0], "WARNING: " + msg)

@script:python depends on report@
v << insert_page_after.V;
fld << insert_page_after.fld;
pr << insert_page_after.q;
pa << insert_page_after.pa;
@@

msg = message('insert_after', v, fld, None, pr[0].line, pa)
if msg:
	coccilib.report.print_report(pa[0], "WARNING: " + msg)

@script:python depends on report@
v << insert_page_before.V;
fld << insert_page_before.fld;
pr << insert_page_before.q;
pa << insert_page_before.pa;
@@

msg = message('insert_before', v, fld, None, pr[0].line, pa)
if msg:
	coccilib.report.print_report(pa[0], "WARNING: " + msg)

@script:python depends on org@
v << insert_after.V;
fld << insert_after.fld;
pr << insert_after.q;
pa << insert_after.pa;
@@

msg = message('insert_after', v, fld, None, pr[0].line, pa)
if msg:
	coccilib.org.print_safe_todo(pa[0], msg)
	coccilib.org.print_link(pr[0], "")

@script:python depends on org@
v << insert_before.V;
fld << insert_before.fld;
pr << insert_before.q;
pa << insert_before.pa;
@@

msg = message('insert_before', v, fld, None, pr[0].line, pa)
if msg:
	coccilib.org.print_safe_todo(pa[0], msg)
	coccilib.org.print_link(pr[0], "")

@script:python depends on org@
v << insert_page_after.V;
fld << insert_page_after.fld;
pr << insert_page_after.q;
pa << insert_page_after.pa;
@@

msg = message('insert_after', v, fld, None, pr[0].line, pa)
if msg:
	coccilib.org.print_safe_todo(pa[0], msg)
	coccilib.org.print_link(pr[0], "")

@script:python depends on org@
v << insert_page_before.V;
fld << insert_page_before.fld;
pr << insert_page_before.q;
pa << insert_page_before.pa;
@@

msg = message('insert_before', v, fld, None, pr[0].line, pa)
if msg:
	coccilib.org.print_safe_todo(pa[0], msg)
	coccilib.org.print_link(pr[0], "")
