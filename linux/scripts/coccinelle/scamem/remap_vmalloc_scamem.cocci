// SPDX-License-Identifier: GPL-2.0-only
///
/// Convert a driver's ->mmap from remap_vmalloc_range(), or from a
/// vm_insert_page() loop over vmalloc_to_page(), to
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
///    same file (the same struct field, global or local name, or one
///    assigned from it): remap_vmalloc_scamem() refuses other memory;
///  - the buffer is mapped from the page at the VMA's own file offset
///    (vma->vm_pgoff): a scamem VMA's vm_pgoff is its index in the
///    scamem, and a driver whose offsets mean something else (a region,
///    a BAR) would see them rewritten.  A loop maps from page 0, so the
///    function must test the offset (vma->vm_pgoff, vma_start_pgoff());
///  - the function sets none of vma->vm_ops, vma->vm_private_data,
///    VM_IO, VM_PFNMAP and VM_MIXEDMAP (the mmap would fail);
///  - the file calls neither unmap_mapping_range() nor zap_vma_range()
///    (a revoke that the conversion would undo).
/// A function that does not refuse private VMAs (it tests neither
/// VM_SHARED nor VM_MAYSHARE) is converted too, and report mode says that
/// its MAP_PRIVATE mappings will fail with EINVAL: a changelog must say
/// so.  Report mode lists every call and loop, converted or not, and why.
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
import collections
import re

class Facts(object):
	"""What one file says about its buffers, functions and revokes."""
	def __init__(self):
		self.usermap = set()	# keys of buffers from vmalloc_user()
		self.assigned = []	# (to, from) keys of assignments and casts
		self.shared_fns = set()	# functions that test VM_SHARED/MAYSHARE
		self.pgoff_fns = set()	# functions that test the VMA file offset
		self.taken_fns = {}	# function -> what it does to the VMA
		self.revokes = []	# what in the file revokes a mapping

# By file: with --dir, one spatch worker goes through many files.
facts = collections.defaultdict(Facts)

IDENT = re.compile(r'[A-Za-z_]\w*')

def key(expr):
	"""A buffer's name: its last field or identifier, array index aside."""
	names = IDENT.findall(re.sub(r'\[[^]]*\]', '', expr))
	return names[-1] if names else expr

def pretty(expr):
	"""An expression as the driver writes it: "r->buf", not "r -> buf"."""
	expr = re.sub(r'\s*(->|\.)\s*', r'\1', expr)
	return re.sub(r'\s+\)', ')', re.sub(r'\(\s+', '(', expr))

def from_usermap(fs, buf):
	"""Whether buf is a vmalloc_user() buffer, or assigned from one."""
	names = {key(buf)}
	for _ in range(3):	# a short chain: field = (cast)local = ...
		names |= {f for t, f in fs.assigned if t in names}
	return bool(names & fs.usermap)

def why_not(p, fn, vma, buf, off):
	"""Why a call in fn of buf (at p) is left alone, or None to convert."""
	fs = facts[p[0].file]
	if not from_usermap(fs, buf):
		return "%s is not seen to come from vmalloc_user() in this " \
		       "file" % pretty(buf)
	if off is None:
		if fn not in fs.pgoff_fns:
			return "the loop maps page 0 of the buffer whatever the " \
			       "VMA's vm_pgoff, and %s() does not test it" % fn
	elif pretty(off) != vma + "->vm_pgoff":
		return "mapped at page %s of the buffer rather than at the " \
		       "VMA's vm_pgoff, which scamem_mmap() would rewrite" % \
		       pretty(off)
	if fn in fs.taken_fns:
		return "%s() %s" % (fn, fs.taken_fns[fn])
	if fs.revokes:
		return "the file revokes mappings with %s() (line %s), which " \
		       "a scamem VMA would undo: use scamem_revoke()" % \
		       fs.revokes[0]
	return None

def private_note(p, fn):
	"""What a changelog must say about fn's private VMAs, if anything."""
	if fn in facts[p[0].file].shared_fns:
		return ""
	return "; %s() takes private VMAs, whose mmap() will fail with " \
	       "EINVAL: say so in the changelog" % fn

// ---------------------------------------------------------------------
//  Facts about the file: only a file that maps vmalloc pages at all, so
//  that spatch skips the rest of the tree without parsing it.

@present@
@@
(
remap_vmalloc_range(...)
|
vm_insert_page(...)
)

@alloc depends on present@
expression E;
identifier f = {vmalloc_user, vmalloc_32_user};
position p;
@@
E = f@p(...)

@script:python depends on alloc@
e << alloc.E;
p << alloc.p;
@@
facts[p[0].file].usermap.add(key(e))

// Only in files with such a buffer: every assignment would cost a call.
@assign depends on alloc@
expression A, B;
type T;
position p;
@@
(
A@p = (T)B
|
A@p = B
)

@script:python@
a << assign.A;
b << assign.B;
p << assign.p;
@@
facts[p[0].file].assigned.append((key(a), key(b)))

@shared depends on present@
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
p << shared.p;
@@
facts[p[0].file].shared_fns.add(fn)

@pgoff depends on present@
identifier fn, vma;
position p;
@@
fn(..., struct vm_area_struct *vma, ...) {
<+...
(
vma->vm_pgoff@p
|
vma_start_pgoff@p(vma)
)
...+>
}

@script:python@
fn << pgoff.fn;
p << pgoff.p;
@@
facts[p[0].file].pgoff_fns.add(fn)

@taken depends on present@
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
facts[p[0].file].taken_fns.setdefault(fn,
	"sets vm_ops, vm_private_data or VM_IO/PFNMAP/MIXEDMAP on the VMA "
	"(line %s)" % p[0].line)

@revoke depends on present@
identifier f = {unmap_mapping_range, zap_vma_range};
position p;
@@
f@p(...)

@script:python@
f << revoke.f;
p << revoke.p;
@@
facts[p[0].file].revokes.append((f, p[0].line))

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
p << call.p;
@@
if why_not(p, fn, vma, buf, off) is not None:
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
why = why_not(p, fn, vma, buf, off)
cocci.print_main("remap_vmalloc_range() of %s: %s" %
		 (pretty(buf), why or "convert to remap_vmalloc_scamem()"), p)

@script:python depends on report@
fn << call.fn;
vma << call.vma;
buf << call.buf;
off << call.off;
p << call.p;
@@
why = why_not(p, fn, vma, buf, off)
if why is None:
	msg = "remap_vmalloc_range() of %s: map it with " \
	      "remap_vmalloc_scamem() (one scamem reference per VMA)%s" % \
	      (pretty(buf), private_note(p, fn))
else:
	msg = "remap_vmalloc_range() of %s kept: %s" % (pretty(buf), why)
coccilib.report.print_report(p[0], msg)

// ---------------------------------------------------------------------
//  The loops: vm_insert_page() of each vmalloc_to_page(), from page 0

@loop@
identifier fn, vma, off, res;
expression buf, size, page;
statement S;
position p;
@@
fn(..., struct vm_area_struct *vma, ...) {
<...
for@p (off = 0; off < size; off += PAGE_SIZE) {
(
	page = vmalloc_to_page(buf + off);
	res = vm_insert_page(vma, vma->vm_start + off, page);
|
	res = vm_insert_page(vma, vma->vm_start + off,
			     vmalloc_to_page(buf + off));
)
	if (res) S
}
...>
}

@script:python depends on patch@
fn << loop.fn;
vma << loop.vma;
buf << loop.buf;
p << loop.p;
@@
if why_not(p, fn, vma, buf, None) is not None:
	cocci.include_match(False)

// The loop and what was left for it to do: one call does it all.
@loopconv depends on patch@
identifier loop.vma, loop.off, loop.res;
expression loop.buf, loop.size;
statement loop.S;
position loop.p;
statement L;
@@
(
- for@p (off = 0; off < size; off += PAGE_SIZE) L
- return 0;
+ return remap_vmalloc_scamem(vma, buf, 0);
|
- for@p (off = 0; off < size; off += PAGE_SIZE) L
+ res = remap_vmalloc_scamem(vma, buf, 0);
+ if (res)
+	S
)

// The variables only the loop used.
@unused depends on patch && loopconv@
identifier loop.fn, x;
type T;
@@
fn(...) {
... when any
- T x;
... when != x
}

@depends on context@
identifier loop.off;
expression loop.size;
position loop.p;
statement L;
@@
* for@p (off = 0; off < size; off += PAGE_SIZE) L

@script:python depends on org@
fn << loop.fn;
vma << loop.vma;
buf << loop.buf;
p << loop.p;
@@
why = why_not(p, fn, vma, buf, None)
cocci.print_main("vm_insert_page() loop over %s: %s" %
		 (pretty(buf), why or "convert to remap_vmalloc_scamem()"), p)

@script:python depends on report@
fn << loop.fn;
vma << loop.vma;
buf << loop.buf;
p << loop.p;
@@
why = why_not(p, fn, vma, buf, None)
if why is None:
	msg = "vm_insert_page() loop over %s: map it with " \
	      "remap_vmalloc_scamem(%s, %s, 0) (one scamem reference per " \
	      "VMA)%s" % (pretty(buf), vma, pretty(buf), private_note(p, fn))
else:
	msg = "vm_insert_page() loop over %s kept: %s" % (pretty(buf), why)
coccilib.report.print_report(p[0], msg)
