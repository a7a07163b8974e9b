// SPDX-License-Identifier: GPL-2.0-only
///
/// Find the rvmalloc() idiom of old video drivers (bttv and its heirs): a
/// loop that sets PG_reserved on every page of a vmalloc buffer after
/// allocating it, and one that clears it again before vfree().  It dates
/// from remap_page_range(), which only mapped reserved pages.  Nothing
/// needs the flag today: remap_vmalloc_range() and vm_insert_page() map
/// vmalloc pages as they are, vmalloc pages never move, and on a scamem
/// kernel the buffer's scamem keeps mapped pages alive.  Patch mode
/// removes the loops that do nothing else (and the loop variables left
/// unused); allocate a buffer that is mapped with vmalloc_user() instead
/// (vmalloc_user.cocci).
///
// Confidence: High for the loops removed in patch mode; report mode lists
//   every PG_reserved update of a vmalloc page.
// Options: --no-includes --include-headers

virtual patch
virtual context
virtual org
virtual report

@initialize:python@
@@
import re

PG = ('SetPageReserved', 'ClearPageReserved')
PURE_CALLS = ('sizeof', 'PAGE_ALIGN', 'ALIGN', 'unlikely', 'likely')
IDENT = re.compile(r'^[A-Za-z_]\w*$')

def pure(e):
	"""Neither a call (but to a known pure macro) nor an assignment in e?"""
	toks = e.split()
	for i, t in enumerate(toks[:-1]):
		if IDENT.match(t) and toks[i + 1] == '(' and t not in PURE_CALLS:
			return False
	return not any(t in ('=', '++', '--', '+=', '-=', '*=', '/=', '|=', '&=',
			     '^=', '<<=', '>>=', '%=') for t in toks)

def statements(body):
	"""Split a block, as Coccinelle prints it, into token lists."""
	toks = body.split()
	if toks[:1] == ['{'] and toks[-1:] == ['}']:
		toks = toks[1:-1]
	out, cur, depth = [], [], 0
	for t in toks:
		if t in ('{', '}'):
			return None
		if t in ('(', '['):
			depth += 1
		elif t in (')', ']'):
			depth -= 1
		if t == ';' and depth == 0:
			out.append(cur)
			cur = []
		else:
			cur.append(t)
	return None if cur else out

def lvalue(toks):
	"""The variable that a cursor update assigns, or None."""
	return toks[0] if len(toks) == 1 and IDENT.match(toks[0]) else None

def cursor_update(s):
	"""x += e; x -= e; x++; ++x; x--; --x; x = x + e: the variable, or None."""
	if len(s) == 2 and s[1] in ('++', '--'):
		return lvalue(s[:1])
	if len(s) == 2 and s[0] in ('++', '--'):
		return lvalue(s[1:])
	if len(s) >= 3 and s[1] in ('+=', '-=') and pure(' '.join(s[2:])):
		return lvalue(s[:1])
	if len(s) >= 5 and s[1] == '=' and s[2] == s[0] and s[3] in ('+', '-') \
	   and pure(' '.join(s[4:])):
		return lvalue(s[:1])
	return None

def pg_call(s, arg=None):
	"""SetPageReserved(vmalloc_to_page(e)), or SetPageReserved(arg)."""
	if len(s) < 4 or s[0] not in PG or s[1] != '(' or s[-1] != ')':
		return False
	inner = s[2:-1]
	if arg is not None:
		return inner == [arg]
	return len(inner) >= 4 and inner[0] == 'vmalloc_to_page' and \
	       inner[1] == '(' and inner[-1] == ')' and pure(' '.join(inner[2:-1]))

def page_lookup(s):
	"""[struct page *] p = vmalloc_to_page(e): p, or None."""
	if s[:3] == ['struct', 'page', '*']:
		s = s[3:]
	if len(s) >= 6 and IDENT.match(s[0]) and s[1] == '=' and \
	   s[2] == 'vmalloc_to_page' and s[3] == '(' and s[-1] == ')' and \
	   pure(' '.join(s[4:-1])):
		return s[0]
	return None

def removable(init, cond, update, body):
	"""The loop variables if the loop does nothing but update PG_reserved
	of vmalloc pages, else None."""
	m = re.match(r'^([A-Za-z_]\w*) = (.*)$', init)
	if init and not (m and pure(m.group(2))):
		return None
	if cond and not pure(cond):
		return None
	if update and not (pure(update) or cursor_update(update.split())):
		return None
	stmts = statements(body)
	if stmts is None:
		return None
	cursors, flags, page = [], 0, None
	for s in stmts:
		if page is not None:
			if not pg_call(s, page):
				return None
			page = None
			flags += 1
			continue
		p = page_lookup(s)
		if p:
			page = p
			cursors.append(p)
		elif pg_call(s):
			flags += 1
		else:
			c = cursor_update(s)
			if not c:
				return None
			cursors.append(c)
	if flags != 1 or page is not None:
		return None
	if m:
		cursors.append(m.group(1))
	return cursors

MSG = "PG_reserved on a vmalloc page (rvmalloc idiom): neither mapping " \
      "it to userspace nor keeping it in place needs it; drop the " \
      "Set/ClearPageReserved() (and its loop)"

seen = set()

def once(p):
	"""Report each position once."""
	key = (p[0].file, p[0].line, p[0].column)
	if key in seen:
		return False
	seen.add(key)
	return True

//----------------------------------------------------------
//  context, org, report: every PG_reserved update of a vmalloc page
//----------------------------------------------------------

@rsv depends on !patch && (context || org || report)@
identifier pgf = {SetPageReserved, ClearPageReserved};
expression E;
position p;
@@

* pgf@p(vmalloc_to_page(E))

@rsv_page depends on !patch && (context || org || report)@
identifier pgf = {SetPageReserved, ClearPageReserved};
expression E;
identifier pg;
position p;
@@

(
  pg = vmalloc_to_page(E);
|
  struct page *pg = vmalloc_to_page(E);
)
  ...
* pgf@p(pg)

@script:python depends on report@
p << rsv.p;
@@

if once(p):
	coccilib.report.print_report(p[0], "WARNING: " + MSG)

@script:python depends on report@
p << rsv_page.p;
@@

if once(p):
	coccilib.report.print_report(p[0], "WARNING: " + MSG)

@script:python depends on org@
p << rsv.p;
@@

if once(p):
	coccilib.org.print_safe_todo(p[0], MSG)

@script:python depends on org@
p << rsv_page.p;
@@

if once(p):
	coccilib.org.print_safe_todo(p[0], MSG)

//----------------------------------------------------------
//  patch: remove the loops that do nothing else
//----------------------------------------------------------

@has depends on patch@
expression E;
@@

vmalloc_to_page(E)

@loop depends on patch && has@
expression I, C, U;
statement S;
position p;
@@

(
  for@p (I; C; U) S
|
  for@p (; C; U) S
|
  while@p (C) S
)

@script:python cur depends on patch@
p << loop.p;
init << loop.I = "";
cond << loop.C = "";
update << loop.U = "";
body << loop.S;
fn;
c1;
c2;
c3;
c4;
@@

cursors = removable(init, cond, update, body)
if cursors is None:
	cocci.include_match(False)
else:
	# Unused slots get a name no kernel variable has.
	cursors = (cursors + ['scamem_cocci_unused'] * 4)[:4]
	coccinelle.c1, coccinelle.c2, coccinelle.c3, coccinelle.c4 = \
		[cocci.make_ident(c) for c in cursors]
	coccinelle.fn = cocci.make_ident(p[0].current_element)

@depends on patch@
position loop.p;
statement S;
@@

(
- for@p (...;...;...) S
|
- while@p (...) S
)

// The loop variables may now be dead: drop their last assignments (of
// locals and parameters only) and their declarations, where nothing else
// in the function uses them.
@depends on patch@
identifier cur.fn;
identifier x = {cur.c1, cur.c2, cur.c3, cur.c4};
type T;
expression E : script:python() { pure(E) };
@@

fn(...) {
  ... when any
  T x;
  ... when any
- x = E;
  ... when != x
}

@depends on patch@
identifier cur.fn;
identifier x = {cur.c1, cur.c2, cur.c3, cur.c4};
type T;
expression E : script:python() { pure(E) };
@@

fn(..., T x, ...) {
  ... when any
- x = E;
  ... when != x
}

@depends on patch@
identifier cur.fn;
identifier x = {cur.c1, cur.c2, cur.c3, cur.c4};
type T;
expression E : script:python() { pure(E) };
@@

fn(...) {
  ... when any
(
- T x;
|
- T x = E;
)
  ... when != x
}
