// SPDX-License-Identifier: GPL-2.0-only
///
/// Convert a driver's ->mmap from remap_vmalloc_range() to
/// remap_vmalloc_scamem(): the VMA then holds one reference on the
/// buffer's scamem instead of a reference and a mapcount on every page,
/// GUP pins the scamem, and the driver may vfree() the buffer while it is
/// still mapped or pinned.  The conversion changes what userspace sees
/// of the mapping (see Documentation/mm/scamem.rst): RSS and smaps count
/// nothing, pagemap loses PM_FILE, MADV_DONTNEED fails with EINVAL,
/// hmm_range_fault() refuses the VMA, MAP_PRIVATE is refused; and a
/// revoke must be scamem_revoke(), since a scamem VMA maps its pages
/// again after unmap_mapping_range().  So it is made driver by driver,
/// and patch mode converts only a call where nothing in the file says
/// the driver relies on the old behaviour:
///  - the buffer comes from vmalloc_user() or vmalloc_32_user() in the
///    same file (the same struct field, global or local name):
///    remap_vmalloc_scamem() refuses other memory;
///  - the buffer is mapped from the page at the VMA's own file offset
///    (vma->vm_pgoff): a scamem VMA's vm_pgoff is its index in the
///    scamem, and a driver whose offsets mean something else (a region,
///    a BAR) would see them rewritten;
///  - the function refuses VMAs that are not shared (it tests VM_SHARED
///    or VM_MAYSHARE), so no MAP_PRIVATE user loses its mapping;
///  - the function sets none of vma->vm_ops, vma->vm_private_data,
///    VM_IO, VM_PFNMAP and VM_MIXEDMAP (the mmap would fail);
///  - the file calls neither unmap_mapping_range() nor zap_vma_range()
///    (a revoke that the conversion would undo).
/// Report mode lists every remap_vmalloc_range() call, converted or not,
/// and why.
///
// Confidence: Moderate: userspace may depend on the per-page behaviour
//   in ways no script sees (RSS, MADV_DONTNEED); read the driver before
//   sending its conversion.
// Options: --no-includes --include-headers

virtual patch
virtual context
virtual org
virtual report

@initialize:python@
@@
import re

usermap = set()		# keys of buffers from vmalloc_user()
shared_fns = set()	# functions that test VM_SHARED or VM_MAYSHARE
taken_fns = {}		# function -> what it does to the VMA
revokes = []		# what in the file revokes a mapping

IDENT = re.compile(r'[A-Za-z_]\w*')

def key(expr):
	"""A buffer's name: its last field or identifier, array index aside."""
	names = IDENT.findall(re.sub(r'\[[^]]*\]', '', expr))
	return names[-1] if names else expr

def pretty(expr):
	"""An expression as the driver writes it: "r->buf", not "r -> buf"."""
	return re.sub(r'\s*(->|\.)\s*', r'\1', expr)

def why_not(fn, vma, buf, off):
	"""Why a call in fn of buf is left alone, or None to convert it."""
	if key(buf) not in usermap:
		return "%s is not seen to come from vmalloc_user() in this " \
		       "file" % pretty(buf)
	if pretty(off) != vma + "->vm_pgoff":
		return "mapped at page %s of the buffer rather than at the " \
		       "VMA's vm_pgoff, which scamem_mmap() would rewrite" % \
		       pretty(off)
	if fn in taken_fns:
		return "%s() %s" % (fn, taken_fns[fn])
	if fn not in shared_fns:
		return "%s() does not refuse private VMAs (MAP_PRIVATE would " \
		       "fail after the conversion)" % fn
	if revokes:
		return "the file revokes mappings with %s() (line %s), which " \
		       "a scamem VMA would undo: use scamem_revoke()" % revokes[0]
	return None

// ---------------------------------------------------------------------
//  Facts about the file

@alloc@
expression E;
identifier f = {vmalloc_user, vmalloc_32_user};
@@
E = f(...)

@script:python depends on alloc@
e << alloc.E;
@@
usermap.add(key(e))

@shared@
identifier fn;
position p;
@@
fn(...) {
<+...
(
VM_SHARED@p
|
VM_MAYSHARE@p
)
...+>
}

@script:python@
fn << shared.fn;
@@
shared_fns.add(fn)

@taken@
identifier fn, vma;
expression E;
position p;
@@
fn(..., struct vm_area_struct *vma, ...) {
<+...
(
vma->vm_ops@p = E
|
vma->vm_private_data@p = E
|
vm_flags_set@p(vma, <+... \(VM_IO\|VM_PFNMAP\|VM_MIXEDMAP\) ...+>)
)
...+>
}

@script:python@
fn << taken.fn;
p << taken.p;
@@
taken_fns.setdefault(fn, "sets vm_ops, vm_private_data or VM_IO/PFNMAP/"
		     "MIXEDMAP on the VMA (line %s)" % p[0].line)

@revoke@
identifier f = {unmap_mapping_range, zap_vma_range};
position p;
@@
f@p(...)

@script:python@
f << revoke.f;
p << revoke.p;
@@
revokes.append((f, p[0].line))

// ---------------------------------------------------------------------
//  The calls

@call@
identifier fn, vma;
expression buf, off;
position p;
@@
fn(..., struct vm_area_struct *vma, ...) {
<...
remap_vmalloc_range@p(vma, buf, off)
...>
}

@script:python depends on patch@
fn << call.fn;
vma << call.vma;
buf << call.buf;
off << call.off;
@@
if why_not(fn, vma, buf, off) is not None:
	cocci.include_match(False)

@depends on patch@
position call.p;
expression vma, buf, off;
@@
- remap_vmalloc_range@p(vma, buf, off)
+ remap_vmalloc_scamem(vma, buf, off)

@depends on context@
position call.p;
@@
* remap_vmalloc_range@p(...)

@script:python depends on org@
fn << call.fn;
vma << call.vma;
buf << call.buf;
off << call.off;
p << call.p;
@@
why = why_not(fn, vma, buf, off)
cocci.print_main("remap_vmalloc_range() of %s: %s" %
		 (pretty(buf), why or "convert to remap_vmalloc_scamem()"), p)

@script:python depends on report@
fn << call.fn;
vma << call.vma;
buf << call.buf;
off << call.off;
p << call.p;
@@
why = why_not(fn, vma, buf, off)
if why is None:
	msg = "remap_vmalloc_range() of %s: map it with " \
	      "remap_vmalloc_scamem() (one scamem reference per VMA)" % \
	      pretty(buf)
else:
	msg = "remap_vmalloc_range() of %s kept: %s" % (pretty(buf), why)
coccilib.report.print_report(p[0], msg)
