// SPDX-License-Identifier: GPL-2.0-only
///
/// Find vmalloc pages mapped to userspace one by one:
///  - loops that vm_insert_page() vmalloc_to_page() of every page of a
///    buffer into a VMA.  Over the whole VMA, such a loop is
///    remap_vmalloc_range(vma, buf, 0): one call, the same per-page
///    mapping, and the shape remap_vmalloc_scamem.cocci can then convert
///    to a scamem mapping (one reference per VMA).  Patch mode
///    replaces the loop when it runs from offset 0 over exactly the VMA
///    (its bound is, is set to, or was checked against the VMA's size)
///    and the buffer comes from vmalloc_user() or vmalloc_32_user() in
///    the same file: remap_vmalloc_range() refuses other buffers (run
///    vmalloc_user.cocci first).  Other such calls are reported.
///  - fault handlers that set vmf->page to vmalloc_to_page(): each fault
///    takes a page reference.  Reported only: the buffer might be mapped
///    at mmap time with remap_vmalloc_range() or scamem_mmap(), unless the
///    handler needs to fault (write tracking, private mappings, mixed
///    memory in one VMA).
///
// Confidence: High for patch mode; Moderate for the fault handlers.
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
		'locals': set(), 'copies': {}, 'usermap': [], 'loops': {},
		'whole': set(), 'bodies': {}, 'uses': {}, 'ok': {}, 'why': {}})

def key(p):
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
	the statement at position at."""
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

def add_copy(p, x, other):
	state(p)['copies'].setdefault(key(p), []).append((x, other))

def pretty(expr):
	"""Coccinelle's tokens back to kernel style: dev->buf[i]."""
	return re.sub(r' ?(->|\.|\[|\]|\)) ?| ?(\() ', r'\1\2', expr.strip())


# Functions that are remap_vmalloc_range() themselves.
IMPLEMENTATIONS = frozenset(['remap_vmalloc_range', 'remap_vmalloc_range_partial'])

def norm(e):
	"""Tokens of an expression without enclosing parentheses."""
	t = e.split()
	while t[:1] == ['('] and closing(t, 0) == len(t) - 1:
		t = t[1:-1]
	return ' '.join(t)

def vma_size(v, e):
	"""'bytes' or 'pages' if e is the size of VMA v, else None."""
	v, e = norm(v), norm(e)
	span = '%s -> vm_end - %s -> vm_start' % (v, v)
	pages = 'vma_pages ( %s )' % v
	if e in (span, pages + ' << PAGE_SHIFT', pages + ' * PAGE_SIZE',
		 'PAGE_SIZE * ' + pages):
		return 'bytes'
	if e in (pages, '( %s ) >> PAGE_SHIFT' % span):
		return 'pages'
	return None

def loop_kind(off, update, o1, o2):
	"""'bytes' for off += PAGE_SIZE with buf + off, 'pages' for off++ with
	buf + off * PAGE_SIZE; None if the offsets do not follow the loop."""
	u, o1, o2 = norm(update), norm(o1), norm(o2)
	if u == off + ' += PAGE_SIZE' and o1 == o2 == off:
		return 'bytes'
	if u in (off + ' ++', '++ ' + off, off + ' += 1') and o1 == o2 and \
	   o1 in (off + ' * PAGE_SIZE', 'PAGE_SIZE * ' + off,
		  '( %s << PAGE_SHIFT )' % off, off + ' << PAGE_SHIFT'):
		return 'pages'
	return None

def exits(stmt):
	"""Does the statement (an if branch) end in return or goto?"""
	t = stmt.split()
	if t[:1] == ['{'] and t[-1:] == ['}']:
		t = t[1:-1]
	if not t or t[-1] != ';':
		return False
	last = t[:-1]
	for i in range(len(last) - 1, -1, -1):
		if last[i] in (';', '{', '}'):
			last = last[i + 1:]
			break
	return last[:1] in (['return'], ['goto'])

def plain(expr):
	"""Is the expression a buffer pointer itself, not an offset into one?"""
	toks = expr.split()
	while toks and toks[0] == '(':
		j = closing(toks, 0)
		if j is None:
			return False
		if j == len(toks) - 1:
			toks = toks[1:-1]
		elif is_type(toks[1:j]):
			toks = toks[j + 1:]
		else:
			return False
	return lchain(toks) == toks

def add_loop(p, s_pos, fn, off, page, bound, update, o1, o2, buf, vma, err):
	"""Record a candidate loop; None if its offsets do not follow it."""
	kind = loop_kind(off, update, o1, o2)
	if not kind or fn in IMPLEMENTATIONS:
		return None
	loop = {'kind': kind, 'bound': bound, 'update': update, 'buf': buf,
		'vma': vma, 'fn': fn, 'off': off, 'page': page, 'err': err,
		'site': key(s_pos)}
	state(p)['loops'][key(p)] = loop
	return loop

def mark_whole(p, e):
	s = state(p)
	loop = s['loops'].get(key(p))
	if loop and vma_size(loop['vma'], e) == loop['kind']:
		s['whole'].add(key(p))

def count(name, text):
	"""How often the variable name occurs in text (not as a struct tag
	or a field name)."""
	t = text.split()
	return sum(1 for i, w in enumerate(t) if w == name and
		   (i == 0 or t[i - 1] not in ('struct', 'union', '->', '.')))

def private(s, p, loop):
	"""Are the loop's variables used in the loop only, not in its error
	branch (which is about to leave the loop), and does the loop hold no
	break or continue?"""
	body = s['bodies'].get(key(p))
	if body is None or count('break', body) or count('continue', body):
		return False
	off, page, fn = loop['off'], loop['page'], loop['fn']
	if count(off, loop['err']) or page and count(page, loop['err']):
		return False
	inside = 2 + count(off, loop['update']) + count(off, loop['bound']) + \
		 count(off, body)
	if len(s['uses'].get((fn, off), ())) != inside:
		return False
	if page:
		inside = count(page, body)
		if 'struct page * %s =' % page in ' '.join(body.split()):
			inside -= 1	# its declaration is no use
		if len(s['uses'].get((fn, page), ())) != inside:
			return False
	return True

def convertible(p, loop):
	"""Can the loop at p become remap_vmalloc_range(vma, buf, 0)?  If
	not, say why, for the report on its vm_insert_page()."""
	s = state(p)
	if not loop:
		return False
	why = None
	if not private(s, p, loop):
		why = "its variables are used outside it"
	elif key(p) not in s['whole'] and \
	     vma_size(loop['vma'], loop['bound']) != loop['kind']:
		why = "not seen to cover the whole VMA"
	elif not plain(loop['buf']):
		why = "it starts at an offset into the buffer"
	else:
		mine = keys(s, loop['fn'], loop['buf'], key(p))
		if not any(mine & keys(s, afn, d, at)
			   for (afn, d, at) in s['usermap']):
			why = "%s is not seen to come from vmalloc_user()" % \
			      pretty(loop['buf'])
	if why:
		s['why'][loop['site']] = why
		return False
	s['ok'][loop['site']] = loop
	return True

def site_message(p):
	"""What to say about a vm_insert_page() of a vmalloc page."""
	s = state(p)
	loop = s['ok'].get(key(p))
	if loop:
		return "vm_insert_page() loop over the whole VMA: use " \
		       "remap_vmalloc_range(%s, %s, 0)" % \
		       (pretty(loop['vma']), pretty(loop['buf']))
	msg = "vm_insert_page() of vmalloc_to_page(): map a vmalloc_user() " \
	      "buffer with remap_vmalloc_range() or scamem_mmap() instead " \
	      "of page by page"
	if key(p) in s['why']:
		msg += " (no patch: %s)" % s['why'][key(p)]
	return msg

FAULT = "fault handler %s() maps vmalloc pages one at a time, a page " \
	"reference each: unless it must fault (write tracking, private or " \
	"mixed mappings), map the buffer in ->mmap with " \
	"remap_vmalloc_range() or scamem_mmap()"

//----------------------------------------------------------
//  Facts about the buffers: locals, vmalloc_user() buffers
//----------------------------------------------------------

@has@
@@

vm_insert_page(...)

@locals depends on has@
local idexpression x;
position p;
@@

x@p

@script:python@
x << locals.x;
p << locals.p;
@@

state(p)['locals'].add((p[0].current_element, x))

@usermap depends on has@
identifier f = {vmalloc_user, vmalloc_32_user};
position p;
@@

f@p(...)

@usermap_dest@
identifier usermap.f;
position usermap.p;
position q;
expression D;
type T;
@@

(
  D = f@p@q(...)
|
  D = (T)f@p@q(...)
)

@script:python@
d << usermap_dest.D;
q << usermap_dest.q;
@@

state(q)['usermap'].append((q[0].current_element, d, key(q)))

@usermap_decl@
identifier usermap.f;
position usermap.p;
position q;
identifier x;
type T, T2;
@@

(
  T2 x = f@p@q(...);
|
  T2 x = (T)f@p@q(...);
)

@script:python@
x << usermap_decl.x;
q << usermap_decl.q;
@@

state(q)['usermap'].append((q[0].current_element, x, key(q)))

// A local that the buffer goes through on its way to its home
@usermap_copy exists@
identifier usermap.f;
position usermap.p;
position q;
local idexpression x;
expression D, E;
assignment operator aop;
@@

  x = f@p@q(...);
  ... when != x aop E
      when != x++
      when != x--
      when != ++x
      when != --x
  D = x

@script:python@
x << usermap_copy.x;
d << usermap_copy.D;
q << usermap_copy.q;
@@

add_copy(q, x, d)

@usermap_copy_decl exists@
identifier usermap.f;
position usermap.p;
position q;
identifier x;
type T;
expression D, E;
assignment operator aop;
@@

  T x = f@p@q(...);
  ... when != x aop E
      when != x++
      when != x--
      when != ++x
      when != --x
  D = x

@script:python@
x << usermap_copy_decl.x;
d << usermap_copy_decl.D;
q << usermap_copy_decl.q;
@@

add_copy(q, x, d)

//----------------------------------------------------------
//  Loops that map a vmalloc buffer page by page
//----------------------------------------------------------

@cand exists@
identifier fn, off, R, P;
expression V, B, SZ, O1, O2, U;
statement S;
position p, s;
@@

fn(...) {
  ... when any
(
  for@p (off = 0; off < SZ; U) {
    P = vmalloc_to_page(B + O1);
    R = vm_insert_page@s(V, V->vm_start + O2, P);
    if (\(R\|R < 0\|unlikely(R)\|R != 0\)) S
  }
|
  for@p (off = 0; off < SZ; U) {
    struct page *P = vmalloc_to_page(B + O1);
    R = vm_insert_page@s(V, V->vm_start + O2, P);
    if (\(R\|R < 0\|unlikely(R)\|R != 0\)) S
  }
|
  for@p (off = 0; off < SZ; U) {
    R = vm_insert_page@s(V, V->vm_start + O2, vmalloc_to_page(B + O1));
    if (\(R\|R < 0\|unlikely(R)\|R != 0\)) S
  }
|
  for@p (off = 0; off < SZ; U) {
    if (vm_insert_page@s(V, V->vm_start + O2, vmalloc_to_page(B + O1))) S
  }
|
  for@p (off = 0; off < SZ; U) {
    P = vmalloc_to_page(B + O1);
    if (vm_insert_page@s(V, V->vm_start + O2, P)) S
  }
|
  for@p (off = 0; off < SZ; U) {
    struct page *P = vmalloc_to_page(B + O1);
    if (vm_insert_page@s(V, V->vm_start + O2, P)) S
  }
)
  ... when any
}

@script:python@
p << cand.p;
s << cand.s;
fn << cand.fn;
off << cand.off;
pg << cand.P = "";
err << cand.S;
sz << cand.SZ;
u << cand.U;
o1 << cand.O1;
o2 << cand.O2;
b << cand.B;
v << cand.V;
@@

if not add_loop(p, s, fn, off, pg, sz, u, o1, o2, b, v, err):
	cocci.include_match(False)

// A local that the buffer was copied to before the loop
@loop_copy exists@
position cand.p;
position q;
local idexpression x;
expression F, E;
statement S;
assignment operator aop;
@@

  x = F;
  ... when != x aop E
      when != x++
      when != x--
      when != ++x
      when != --x
  for@p@q (...;...;...) S

@script:python@
x << loop_copy.x;
f << loop_copy.F;
q << loop_copy.q;
@@

add_copy(q, x, f)

@loop_copy_decl exists@
position cand.p;
position q;
identifier x;
type T;
expression F, E;
statement S;
assignment operator aop;
@@

  T x = F;
  ... when != x aop E
      when != x++
      when != x--
      when != ++x
      when != --x
  for@p@q (...;...;...) S

@script:python@
x << loop_copy_decl.x;
f << loop_copy_decl.F;
q << loop_copy_decl.q;
@@

add_copy(q, x, f)

// The bound is the VMA's size: set to it ...
@whole_set exists@
position cand.p;
expression cand.SZ;
expression VS, E;
statement S;
position q;
assignment operator aop;
@@

  SZ = VS;
  ... when != SZ aop E
      when != SZ++
      when != SZ--
      when != ++SZ
      when != --SZ
  for@p@q (...;...;...) S

@script:python@
q << whole_set.q;
vs << whole_set.VS;
@@

mark_whole(q, vs)

@whole_decl exists@
position cand.p;
identifier x;
expression VS, E;
statement S;
type T;
position q;
assignment operator aop;
@@

  T x = VS;
  ... when != x aop E
      when != x++
      when != x--
      when != ++x
      when != --x
  for@p@q (...;...;...) S

@script:python@
q << whole_decl.q;
x << whole_decl.x;
vs << whole_decl.VS;
@@

loop = state(q)['loops'].get(key(q))
if loop and norm(loop['bound']) == x:
	mark_whole(q, vs)

// ... or checked against it, failing the mmap if it differs.
@whole_check exists@
position cand.p;
expression cand.SZ;
expression VS, E, E1;
statement S, S1;
position q;
assignment operator aop;
@@

  if (\(VS != SZ\|SZ != VS\|E1 || VS != SZ\|E1 || SZ != VS\|VS != SZ || E1\|SZ != VS || E1\)) S1
  ... when != SZ aop E
      when != SZ++
      when != SZ--
      when != ++SZ
      when != --SZ
  for@p@q (...;...;...) S

@script:python@
q << whole_check.q;
vs << whole_check.VS;
s1 << whole_check.S1;
@@

if exits(s1):
	mark_whole(q, vs)

// The loop's body, and every use of its variables in the function: they
// must not be used outside the loop, which is about to go.
@loop_body@
position cand.p;
position q;
statement BODY;
@@

  for@p@q (...;...;...) BODY

@script:python@
q << loop_body.q;
body << loop_body.BODY;
@@

state(q)['bodies'][key(q)] = body

@uses_off@
identifier cand.off;
position u;
@@

off@u

@script:python@
off << cand.off;
u << uses_off.u;
@@

state(u)['uses'].setdefault((u[0].current_element, off), set()).add(key(u))

@uses_page@
identifier cand.P;
position u;
@@

P@u

@script:python@
p << cand.P;
u << uses_page.u;
@@

state(u)['uses'].setdefault((u[0].current_element, p), set()).add(key(u))

@script:python@
p << cand.p;
s << cand.s;
fn << cand.fn;
off << cand.off;
pg << cand.P = "";
err << cand.S;
sz << cand.SZ;
u << cand.U;
o1 << cand.O1;
o2 << cand.O2;
b << cand.B;
v << cand.V;
@@

if not convertible(p, add_loop(p, s, fn, off, pg, sz, u, o1, o2, b, v, err)):
	cocci.include_match(False)

//----------------------------------------------------------
//  patch: the loop becomes remap_vmalloc_range()
//----------------------------------------------------------

@depends on patch@
position cand.p;
expression cand.B, cand.V;
identifier R, P;
expression O1, O2;
statement S;
@@

(
- for@p (...;...;...) {
-   P = vmalloc_to_page(B + O1);
-   R = vm_insert_page(V, V->vm_start + O2, P);
-   if (\(R\|R < 0\|unlikely(R)\|R != 0\)) S
- }
+ R = remap_vmalloc_range(V, B, 0);
+ if (R) S
|
- for@p (...;...;...) {
-   struct page *P = vmalloc_to_page(B + O1);
-   R = vm_insert_page(V, V->vm_start + O2, P);
-   if (\(R\|R < 0\|unlikely(R)\|R != 0\)) S
- }
+ R = remap_vmalloc_range(V, B, 0);
+ if (R) S
|
- for@p (...;...;...) {
-   R = vm_insert_page(V, V->vm_start + O2, vmalloc_to_page(B + O1));
-   if (\(R\|R < 0\|unlikely(R)\|R != 0\)) S
- }
+ R = remap_vmalloc_range(V, B, 0);
+ if (R) S
|
- for@p (...;...;...) {
-   if (vm_insert_page(V, V->vm_start + O2, vmalloc_to_page(B + O1))) S
- }
+ if (remap_vmalloc_range(V, B, 0)) S
|
- for@p (...;...;...) {
-   P = vmalloc_to_page(B + O1);
-   if (vm_insert_page(V, V->vm_start + O2, P)) S
- }
+ if (remap_vmalloc_range(V, B, 0)) S
|
- for@p (...;...;...) {
-   struct page *P = vmalloc_to_page(B + O1);
-   if (vm_insert_page(V, V->vm_start + O2, P)) S
- }
+ if (remap_vmalloc_range(V, B, 0)) S
)

// The loop's variables are now unused: drop their declarations.
@depends on patch@
identifier cand.fn, cand.off;
type T;
@@

fn(...) {
  ... when any
- T off;
  ... when != off
}

@depends on patch@
identifier cand.fn, cand.P;
@@

fn(...) {
  ... when any
- struct page *P;
  ... when != P
}

//----------------------------------------------------------
//  context, org, report
//----------------------------------------------------------

@site depends on !patch && (context || org || report)@
expression V, A, B;
position s;
@@

* vm_insert_page@s(V, A, vmalloc_to_page(B))

@site_page depends on !patch && (context || org || report) exists@
identifier P;
expression V, A, B;
position s;
@@

(
  P = vmalloc_to_page(B);
|
  struct page *P = vmalloc_to_page(B);
)
  ... when any
* vm_insert_page@s(V, A, P)

@script:python depends on report@
s << site.s;
@@

if s[0].current_element not in IMPLEMENTATIONS:
	coccilib.report.print_report(s[0], "WARNING: " + site_message(s))

@script:python depends on report@
s << site_page.s;
@@

if s[0].current_element not in IMPLEMENTATIONS:
	coccilib.report.print_report(s[0], "WARNING: " + site_message(s))

@script:python depends on org@
s << site.s;
@@

if s[0].current_element not in IMPLEMENTATIONS:
	coccilib.org.print_safe_todo(s[0], site_message(s))

@script:python depends on org@
s << site_page.s;
@@

if s[0].current_element not in IMPLEMENTATIONS:
	coccilib.org.print_safe_todo(s[0], site_message(s))

@fault depends on !patch && (context || org || report) exists@
identifier fn, vmf, P;
expression B;
position f;
@@

fn(..., struct vm_fault *vmf, ...) {
  ... when any
(
* vmf->page = vmalloc_to_page@f(B);
|
  P = vmalloc_to_page@f(B);
  ... when any
* vmf->page = P;
|
  struct page *P = vmalloc_to_page@f(B);
  ... when any
* vmf->page = P;
)
  ... when any
}

@script:python depends on report@
f << fault.f;
fn << fault.fn;
@@

coccilib.report.print_report(f[0], "WARNING: " + FAULT % fn)

@script:python depends on org@
f << fault.f;
fn << fault.fn;
@@

coccilib.org.print_safe_todo(f[0], FAULT % fn)
