#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""One whole-process run for the bench scripts: `measure.py CMD...` prints "wall_s cpu_s maxrss_kib exit extra_s".

CPU is user+sys of the process and of every child it waited for (wait4), plus, when EXTRA_PID is
set, what that process (an agent) spent meanwhile (/proc/PID/stat). maxrss is the process's peak,
or, when EXTRA_PID is set and larger, that process's peak during the run (its VmHWM, reset before
through /proc/PID/clear_refs where allowed; else its peak since it started: an upper bound). Output
of CMD is discarded.
"""
import os
import subprocess
import sys
import time


def ticks(pid):
    try:
        with open("/proc/%s/stat" % pid) as f:
            v = f.read().rsplit(")", 1)[1].split()
        return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def hwm(pid):
    try:
        with open("/proc/%s/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


extra = os.environ.get("EXTRA_PID") or None
if extra:
    try:
        with open("/proc/%s/clear_refs" % extra, "w") as f:
            f.write("5")  # proc(5): resets the peak resident set size
    except OSError:
        pass
x0 = ticks(extra) if extra else 0.0
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, st, ru = os.wait4(p.pid, 0)
wall = time.perf_counter() - t0
x1 = ticks(extra) if extra else 0.0
rss = max(ru.ru_maxrss, hwm(extra)) if extra else ru.ru_maxrss
# extra_s (the fifth column) is the EXTRA_PID process's part of cpu_s alone. The kernel counts it in
# clock ticks (10 ms here), coarser than one agent stamp: a row's median of cpu_s is then quantised,
# so the scripts add the mean of extra_s over the row's runs (exact over many) to the median of the
# command's own CPU (cpu_s - extra_s): cpu_of() in bench/pdf.sh and bench/stamp-agent.sh.
print("%.6f %.6f %d %d %.6f" % (wall, ru.ru_utime + ru.ru_stime + (x1 - x0), rss, os.waitstatus_to_exitcode(st),
                                x1 - x0))
