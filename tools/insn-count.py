# SPDX-License-Identifier: GPL-2.0
# gdb script for tools/insn-count: step one call of $FUNC whose second
# argument is $ARG2 (-1: any) to its return, and print its instructions
# by function.
import bisect
import collections
import os
import time

import gdb

func, arg2 = os.environ["FUNC"], int(os.environ["ARG2"])
skip = int(os.environ.get("SKIP", "0"))	# matching calls to let pass
trace = os.environ.get("TRACE")		# a file for every address stepped
calls = int(os.environ.get("CALLS", "1"))	# matching calls to step, summed
symbols = []
for line in open(os.environ["NM"]):
    fields = line.split()
    if len(fields) >= 3 and fields[1] in "tTwW":
        symbols.append((int(fields[0], 16), fields[2]))
symbols.sort()
starts = [address for address, _ in symbols]


def function_at(pc):
    i = bisect.bisect_right(starts, pc) - 1
    return symbols[i][1] if i >= 0 else hex(pc)


def register(name):
    return int(gdb.parse_and_eval(name))


gdb.execute("set pagination off")
# QEMU may not be listening yet.
for attempt in range(100):
    try:
        gdb.execute("target remote :" + os.environ["PORT"], to_string=True)
        break
    except gdb.error:
        time.sleep(0.1)
else:
    raise gdb.GdbError("no gdb stub on port " + os.environ["PORT"])
gdb.execute("hbreak " + func, to_string=True)
counts = collections.Counter()
pcs = []


def next_call():
    """Continue to the next call of $FUNC with the second argument asked."""
    global skip
    while True:
        gdb.execute("continue", to_string=True)
        if arg2 < 0 or register("$rsi") == arg2:
            if not skip:
                return
            skip -= 1


for call in range(calls):
    next_call()
    sp = register("$sp")
    ret = register("*(unsigned long *)$sp")
    while not (register("$pc") == ret and register("$sp") > sp):
        pcs.append(register("$pc"))
        counts[function_at(pcs[-1])] += 1
        gdb.execute("stepi", to_string=True)
if trace:
    with open(trace, "w") as f:
        f.writelines("%x\n" % pc for pc in pcs)
print("TOTAL %s %d (%d calls)" % (func, sum(counts.values()), calls))
for name, n in counts.most_common():
    print("  %6d %s" % (n, name))
gdb.execute("kill", to_string=True)
