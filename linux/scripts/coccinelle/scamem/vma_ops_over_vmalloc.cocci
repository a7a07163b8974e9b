// SPDX-License-Identifier: GPL-2.0-only
///
/// Find ->mmap implementations that map a vmalloc buffer with
/// remap_vmalloc_range*() (or vm_insert_page() of vmalloc_to_page()) and
/// also set vma->vm_ops or vma->vm_private_data.  On a scamem kernel,
/// remap_vmalloc_range() maps a whole shared VMA of a vmalloc_user()
/// buffer as a scamem mapping, with vm_ops and vm_private_data of its
/// own, unless the driver has installed vm_ops already:
///  - set AFTER the remap, they overwrite scamem's: the VMA's reference
///    on the scamem is never dropped and vma_scamem() no longer finds it.
///    Set them before the remap (the mapping then stays per-page, as
///    before), or move the callbacks into the buffer's scamem_ops.
///  - set BEFORE the remap, the mapping stays per-page: correct, only not
///    a scamem mapping.  Moving the callbacks into scamem_ops lets it be.
///  - next to a vm_insert_page() of vmalloc pages: the same choice
///    applies as soon as the loop becomes remap_vmalloc_range().
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
	'after': "%s set after %s() (line %s): on a scamem kernel this "
		 "overwrites the vm_ops and vm_private_data of the scamem "
		 "mapping, whose VMA reference then leaks; set it before the "
		 "remap (the mapping stays per-page) or move the callbacks to "
		 "scamem_ops",
	'before': "%s set before %s() (line %s): correct, but the mapping "
		  "stays per-page; to make it a scamem mapping, move the "
		  "callbacks to scamem_ops",
	'insert_after': "%s set after a vm_insert_page() of vmalloc pages "
			"(line %s): if that becomes remap_vmalloc_range(), set "
			"it before the remap or move the callbacks to "
			"scamem_ops, or it overwrites scamem's vm_ops",
	'insert_before': "%s set before a vm_insert_page() of vmalloc pages "
			 "(line %s): if that becomes remap_vmalloc_range(), "
			 "the mapping stays per-page unless the callbacks move "
			 "to scamem_ops",
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
