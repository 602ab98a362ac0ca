"""Runs every check_* function of checks.py and writes a JUnit XML report."""
import sys
import time
from xml.sax.saxutils import quoteattr

import checks

cases = []
for name in sorted(n for n in dir(checks) if n.startswith("check_")):
    started = time.perf_counter()
    try:
        getattr(checks, name)()
        cases.append((name, None, time.perf_counter() - started))
    except AssertionError as exc:
        cases.append((name, str(exc) or "assertion failed", time.perf_counter() - started))
failed = [c for c in cases if c[1] is not None]
with open(sys.argv[1], "w", encoding="utf-8") as out:
    out.write('<?xml version="1.0" encoding="utf-8"?>\n')
    out.write(f'<testsuite name="oa-checks" tests="{len(cases)}" failures="{len(failed)}">')
    for name, message, seconds in cases:
        out.write(f'<testcase classname="checks" name="{name}" time="{seconds:.3f}">')
        if message is not None:
            out.write(f"<failure message={quoteattr(message)}/>")
        out.write("</testcase>")
    out.write("</testsuite>")
print(f"{len(cases)} checks, {len(failed)} failed")
sys.exit(1 if failed else 0)
