// SPDX-License-Identifier: GPL-2.0-only
///
/// Find vmalloc(), vzalloc() and vmalloc_32() buffers that the same file
/// maps to userspace: with remap_vmalloc_range*(), with vm_insert_page()
/// of vmalloc_to_page(), or from a fault handler or an ALSA .page
/// callback that returns vmalloc_to_page().  Allocate them with
/// vmalloc_user() (vmalloc_32_user() for vmalloc_32()) instead:
///  - remap_vmalloc_range() refuses a buffer without VM_USERMAP;
///  - vmalloc_user() zeroes the buffer, so no stale kernel data reaches
///    userspace (vzalloc() zeroes too: vmalloc_user() is its drop-in);
///  - on a scamem kernel, only a vmalloc_user() buffer can be mapped as
///    a scamem (one reference per VMA instead of one per page).
/// Patch mode rewrites the allocation when the buffer is clearly the one
/// mapped: the same struct field, the same global, or the same local
/// variable of one function, also through a local copy made on the way
/// (as in "area = kcov->area", or "kcov->area = area" after allocating).
/// Report mode also lists, in a file that maps a vmalloc buffer it does
/// not allocate itself, the buffers it looks up with vmalloc_to_page()
/// or returns from an allocator function, as candidates to check.
///
// Confidence: High for patch mode (same field or variable); Moderate for
//   the "check" reports.
// Options: --no-includes --include-headers

virtual patch
virtual context
virtual org
virtual report

@initialize:python@
@@
import re

IDENT = re.compile(r'^[A-Za-z_]\w*$')
TYPEWORDS = frozenset(['void', 'char', 'short', 'int', 'long', 'unsigned',
		       'signed', 'const', 'volatile', 'u8', 'u16', 'u32', 'u64',
		       's8', 's16', 's32', 's64', '__u8', '__u32', '__u64',
		       'uintptr_t', 'size_t', 'phys_addr_t', '__force', '__user',
		       '__iomem', 'caddr_t'])
REPLACEMENT = {'vmalloc': 'vmalloc_user', 'vzalloc': 'vmalloc_user',
	       'vmalloc_32': 'vmalloc_32_user'}

def closing(toks, i):
	"""Index of the bracket closing toks[i], or None."""
	depth = 0
	for j in range(i, len(toks)):
		if toks[j] in ('(', '['):
			depth += 1
		elif toks[j] in (')', ']'):
			depth -= 1
			if depth == 0:
				return j
	return None

def is_type(toks):
	"""Do the tokens inside parentheses look like a cast's type?"""
	if not toks or not all(t == '*' or IDENT.match(t) for t in toks):
		return False
	return toks[-1] == '*' or toks[0] in ('struct', 'union', 'enum') or \
	       all(t in TYPEWORDS for t in toks) or \
	       (len(toks) == 1 and toks[0].endswith('_t'))

def lchain(toks):
	"""The postfix chain (a, a->b, a.b[i], ...) the tokens start with, if
	only an offset is added to it."""
	if not toks or not IDENT.match(toks[0]) or toks[1:2] == ['(']:
		return None
	out, i = [toks[0]], 1
	while i < len(toks):
		if toks[i] in ('->', '.') and i + 1 < len(toks) and \
		   IDENT.match(toks[i + 1]):
			out += toks[i:i + 2]
			i += 2
		elif toks[i] == '[':
			j = closing(toks, i)
			if j is None:
				return None
			out += toks[i:j + 1]
			i = j + 1
		else:
			break
	if i < len(toks) and toks[i] not in ('+', '-'):
		return None
	return out

def base(expr):
	"""The lvalue chain an address expression is based on: casts,
	parentheses and added offsets stripped; &a[i] is a."""
	toks = expr.split()
	while toks:
		if toks[0] == '(':
			j = closing(toks, 0)
			if j is None:
				return None
			inner, rest = toks[1:j], toks[j + 1:]
			if rest and is_type(inner) and \
			   (IDENT.match(rest[0]) or rest[0] in ('(', '&')):
				toks = rest
			else:
				toks = inner
			continue
		if toks[0] == '&':
			c = lchain(toks[1:])
			if not c or c[-1] != ']':
				return None
			return c[:last_index(c)]
		break
	return lchain(toks)

def last_index(c):
	"""Where the last [i] of a chain starts."""
	depth = 0
	for j in range(len(c) - 1, -1, -1):
		if c[j] == ']':
			depth += 1
		elif c[j] == '[':
			depth -= 1
			if depth == 0:
				return j
	return 0

def strip_index(c):
	"""a->b[i][j] -> (a->b, True)."""
	idx = False
	while c and c[-1] == ']':
		c = c[:last_index(c)]
		idx = True
	return c, idx

files = {}

def state(p):
	return files.setdefault(p[0].file, {
		'sinks': [], 'weak': [], 'lookups': [], 'locals': set(),
		'copies': {}, 'returns': set(), 'allocs': {}})

def pos(p):
	return (p[0].line, p[0].column)

def raw_key(s, fn, c):
	"""The key of a chain: a field name, a global, or a local of fn."""
	c, idx = strip_index(c)
	if not c:
		return None
	suffix = '[]' if idx else ''
	if len(c) > 1:
		return ('field', c[-1] + suffix)
	if (fn, c[0]) in s['locals']:
		return ('local', fn, c[0] + suffix)
	return ('global', c[0] + suffix)

def keys(s, fn, expr, at):
	"""Keys of the buffer an expression points into.  If it is a local
	variable, also those of what was copied to or from it on the way to
	the call at position at."""
	c = base(expr)
	k = raw_key(s, fn, c) if c else None
	if k is None:
		return set()
	out = {k}
	if k[0] == 'local':
		for (x, other) in s['copies'].get(at, ()):
			if x == c[0]:
				c2 = base(other)
				k2 = raw_key(s, fn, c2) if c2 else None
				if k2:
					out.add(k2)
	return out

def add_sink(p, expr, how, strong):
	state(p)['sinks' if strong else 'weak'].append(
		(p[0].current_element, expr, how, int(p[0].line), pos(p)))

def add_lookup(p, expr):
	state(p)['lookups'].append((p[0].current_element, expr, pos(p)))

def add_copy(p, x, other):
	"""x was copied from (sinks) or to (allocations) other, then used at p."""
	state(p)['copies'].setdefault(pos(p), []).append((x, other))

def add_alloc(p, dest, fname):
	"""An allocation by fname at p, assigned to dest (None: returned)."""
	state(p)['allocs'][pos(p)] = (p[0].current_element, dest, fname)

def destination(p):
	"""What the allocation at p is assigned to (None: returned), or False
	if neither (an argument, a condition ...)."""
	return state(p)['allocs'].get(pos(p), (None, False, None))[1]

def buffer_keys(s, at, fn, dest):
	if not dest:
		return set()
	return keys(s, fn, dest, at)

def pretty(expr):
	"""Coccinelle's tokens back to kernel style: dev->buf[i]."""
	return re.sub(r' ?(->|\.|\[|\]|\)) ?| ?(\() ', r'\1\2', expr.strip())

def classify(p, fname):
	"""("map", how, line) if the allocation of fname at p is mapped;
	("helper", how, line) if a helper returns its pages; ("check", how,
	line) if it may be the mapped buffer; or None."""
	if fname not in REPLACEMENT:
		return None
	s = state(p)
	fn = p[0].current_element
	dest = destination(p)
	if dest is False:
		return None
	ak = buffer_keys(s, pos(p), fn, dest)
	if dest is None:
		returned = True
	else:
		c = base(dest)
		returned = c is not None and len(c) == 1 and \
			   (fn, c[0]) in s['returns'] and (fn, c[0]) in s['locals']
	hits = sorted((line, how) for (sfn, expr, how, line, at) in s['sinks']
		      if ak & keys(s, sfn, expr, at))
	if hits:
		return ('map', hits[0][1], hits[0][0])
	# The buffer of a helper returning vmalloc_to_page(): to check.
	hits = sorted((line, how) for (sfn, expr, how, line, at) in s['weak']
		      if ak & keys(s, sfn, expr, at))
	if hits:
		return ('helper', hits[0][1], hits[0][0])
	# Otherwise a "check" needs a mapping of a buffer that the file does
	# not allocate, and an allocation that the file looks up with
	# vmalloc_to_page() or that a function returns (unless that function
	# returns a vmalloc_user() buffer in another #ifdef branch).
	if dest is None and any(afn == fn and d is None and
				a in ('vmalloc_user', 'vmalloc_32_user')
				for (afn, d, a) in s['allocs'].values()):
		return None
	allocated = set()
	for at, (afn, d, a) in s['allocs'].items():
		allocated |= buffer_keys(s, at, afn, d)
	unresolved = sorted((line, how) for (sfn, expr, how, line, at) in
			    s['sinks'] + s['weak']
			    if not keys(s, sfn, expr, at) & allocated)
	if not unresolved:
		return None
	looked = set()
	for (lfn, expr, at) in s['lookups']:
		looked |= keys(s, lfn, expr, at)
	if returned or ak & looked:
		return ('check', unresolved[0][1], unresolved[0][0])
	return None

def message(p, fname, verdict):
	kind, how, line = verdict
	dest = destination(p)
	new = REPLACEMENT[fname]
	if dest:
		alloc = "%s = %s()" % (pretty(dest), fname)
	else:
		alloc = "return %s() in %s()" % (fname, p[0].current_element)
	if kind == 'map':
		return "%s: mapped to userspace (%s, line %d): use %s()" % \
		       (alloc, how, line, new)
	if kind == 'helper':
		return "%s: %s (line %d); if that serves a fault handler, " \
		       "use %s()" % (alloc, how, line, new)
	return "%s: this file maps vmalloc memory it does not allocate " \
	       "(%s, line %d); if it is this buffer, use %s()" % \
	       (alloc, how, line, new)

//----------------------------------------------------------
//  Where vmalloc pages go to userspace
//----------------------------------------------------------

// The rest is for files that look up or map vmalloc pages
@mapped@
@@

\(vmalloc_to_page\|remap_vmalloc_range\|remap_vmalloc_range_partial\)(...)

@sink_remap@
expression V, B, O, U, Z;
position pm;
@@

(
  remap_vmalloc_range@pm(V, B, O)
|
  remap_vmalloc_range_partial@pm(V, U, B, O, Z)
)

@script:python@
b << sink_remap.B;
pm << sink_remap.pm;
@@

add_sink(pm, b, "remap_vmalloc_range()", True)
add_lookup(pm, b)

@sink_insert@
expression V, A, B;
position pm;
@@

vm_insert_page(V, A, vmalloc_to_page@pm(B))

@script:python@
b << sink_insert.B;
pm << sink_insert.pm;
@@

add_sink(pm, b, "vm_insert_page()", True)

@sink_insert_page exists@
expression V, A, B;
identifier P;
position pm;
@@

(
  P = vmalloc_to_page@pm(B);
|
  struct page *P = vmalloc_to_page@pm(B);
)
  ... when any
  vm_insert_page(V, A, P)

@script:python@
b << sink_insert_page.B;
pm << sink_insert_page.pm;
@@

add_sink(pm, b, "vm_insert_page()", True)

@sink_fault@
identifier fn, vmf;
expression B;
position pm;
@@

fn(..., struct vm_fault *vmf, ...) {
  <+... vmalloc_to_page@pm(B) ...+>
}

@script:python@
b << sink_fault.B;
pm << sink_fault.pm;
@@

add_sink(pm, b, "fault handler %s()" % pm[0].current_element, True)

// Every vmalloc_to_page(): a buffer looked up page by page
@lookup@
expression B;
position pm;
@@

vmalloc_to_page@pm(B)

@script:python@
b << lookup.B;
pm << lookup.pm;
@@

add_lookup(pm, b)

// ->fault of vm_operations_struct, ->page of snd_pcm_ops
@callback depends on lookup@
identifier I, S, fn, fld = {fault, huge_fault, page};
@@

struct S I = { ..., .fld = fn, ... };

@sink_callback@
identifier callback.fn;
expression B;
position pm;
@@

fn(...) {
  <+... vmalloc_to_page@pm(B) ...+>
}

@script:python@
b << sink_callback.B;
pm << sink_callback.pm;
@@

add_sink(pm, b, "%s() callback" % pm[0].current_element, True)

// A helper that returns a vmalloc page (to a fault handler elsewhere?)
@sink_helper@
expression B;
position pm;
@@

return vmalloc_to_page@pm(B);

@script:python@
b << sink_helper.B;
pm << sink_helper.pm;
@@

add_sink(pm, b, "%s() returns vmalloc_to_page()" % pm[0].current_element,
	 False)

//----------------------------------------------------------
//  Facts about the buffers: locals, copies, returns
//----------------------------------------------------------

@locals depends on mapped@
local idexpression x;
position p;
@@

x@p

@script:python@
x << locals.x;
p << locals.p;
@@

state(p)['locals'].add((p[0].current_element, x))

// A local that the buffer was copied to before it reached the call
@sink_copy depends on mapped exists@
local idexpression x;
expression F, E;
position pm;
assignment operator aop;
@@

  x = F;
  ... when != x aop E
      when != x++
      when != x--
      when != ++x
      when != --x
(
  vmalloc_to_page@pm(...)
|
  remap_vmalloc_range@pm(...)
|
  remap_vmalloc_range_partial@pm(...)
)

@script:python@
x << sink_copy.x;
f << sink_copy.F;
pm << sink_copy.pm;
@@

add_copy(pm, x, f)

@sink_copy_decl depends on mapped exists@
identifier x;
type T;
expression F, E;
position pm;
assignment operator aop;
@@

  T x = F;
  ... when != x aop E
      when != x++
      when != x--
      when != ++x
      when != --x
(
  vmalloc_to_page@pm(...)
|
  remap_vmalloc_range@pm(...)
|
  remap_vmalloc_range_partial@pm(...)
)

@script:python@
x << sink_copy_decl.x;
f << sink_copy_decl.F;
pm << sink_copy_decl.pm;
@@

add_copy(pm, x, f)

@returns depends on mapped@
local idexpression x;
position p;
@@

return x@p;

@script:python@
x << returns.x;
p << returns.p;
@@

state(p)['returns'].add((p[0].current_element, x))

//----------------------------------------------------------
//  The allocations, and where each one goes
//----------------------------------------------------------

@alloc depends on mapped@
identifier af = {vmalloc, vzalloc, vmalloc_32, vmalloc_user, vmalloc_32_user,
		 __vmalloc, __vmalloc_node, __vmalloc_node_range, vmalloc_node,
		 vzalloc_node, vmap, kvmalloc, kvzalloc, kvmalloc_array, kvcalloc};
position pa;
@@

af@pa(...)

@dest@
identifier alloc.af;
position alloc.pa;
position q;
expression D;
type T;
@@

(
  D = af@pa@q(...)
|
  D = (T)af@pa@q(...)
)

@script:python@
af << alloc.af;
d << dest.D;
q << dest.q;
@@

add_alloc(q, d, af)

@dest_decl@
identifier alloc.af;
position alloc.pa;
position q;
identifier x;
type T, T2;
@@

(
  T2 x = af@pa@q(...);
|
  T2 x = (T)af@pa@q(...);
)

@script:python@
af << alloc.af;
x << dest_decl.x;
q << dest_decl.q;
@@

add_alloc(q, x, af)

@dest_return@
identifier alloc.af;
position alloc.pa;
position q;
@@

return af@pa@q(...);

@script:python@
af << alloc.af;
q << dest_return.q;
@@

add_alloc(q, None, af)

// A local that the buffer goes through on its way to its home
@dest_copy exists@
identifier alloc.af;
position alloc.pa;
position q;
local idexpression x;
expression D, E;
assignment operator aop;
@@

  x = af@pa@q(...);
  ... when != x aop E
      when != x++
      when != x--
      when != ++x
      when != --x
  D = x

@script:python@
x << dest_copy.x;
d << dest_copy.D;
q << dest_copy.q;
@@

add_copy(q, x, d)

@dest_copy_decl exists@
identifier alloc.af;
position alloc.pa;
position q;
identifier x;
type T;
expression D, E;
assignment operator aop;
@@

  T x = af@pa@q(...);
  ... when != x aop E
      when != x++
      when != x--
      when != ++x
      when != --x
  D = x

@script:python@
x << dest_copy_decl.x;
d << dest_copy_decl.D;
q << dest_copy_decl.q;
@@

add_copy(q, x, d)

//----------------------------------------------------------
//  report, org, context, patch
//----------------------------------------------------------

@script:python depends on report@
af << alloc.af;
pa << alloc.pa;
@@

verdict = classify(pa, af)
if verdict:
	coccilib.report.print_report(pa[0],
				     "WARNING: " + message(pa, af, verdict))

@script:python depends on org@
af << alloc.af;
pa << alloc.pa;
@@

verdict = classify(pa, af)
if verdict:
	coccilib.org.print_safe_todo(pa[0], message(pa, af, verdict))

@script:python depends on patch@
af << alloc.af;
pa << alloc.pa;
@@

verdict = classify(pa, af)
if not verdict or verdict[0] != 'map':
	cocci.include_match(False)

@script:python depends on context && !patch@
af << alloc.af;
pa << alloc.pa;
@@

if not classify(pa, af):
	cocci.include_match(False)

@depends on context && !patch@
identifier alloc.af;
position alloc.pa;
@@

* af@pa(...)

@depends on patch@
position alloc.pa;
expression S;
@@

(
- vmalloc@pa(S)
+ vmalloc_user(S)
|
- vzalloc@pa(S)
+ vmalloc_user(S)
|
- vmalloc_32@pa(S)
+ vmalloc_32_user(S)
)
