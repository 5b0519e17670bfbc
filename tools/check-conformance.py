#!/usr/bin/env python3
"""check-conformance.py RESULTS KNOWN — compares a txrunner --json-out RESULTS file with the list of
cases known to fail (the `suite/test` names in backquotes in the first column of KNOWN's tables,
tests/tx-known-failures.md). Exits 0 when every failing case is listed there, 1 when a case fails
that is not (a regression, or a new case), and prints listed cases that now pass so the list can be
kept short. Run by tests/run.sh through tools/conformance.sh."""
import json
import re
import sys

results = json.load(open(sys.argv[1], encoding='utf-8'))
rows = results['results'] if isinstance(results, dict) and 'results' in results else results
if isinstance(rows, dict):
    rows = list(rows.values())
known = set()
for line in open(sys.argv[2], encoding='utf-8'):
    if line.startswith('|'):
        first = line.split('|')[1]
        known.update(re.findall(r'`([\w.-]+/[\w.-]+)`', first))
# A case name may stand twice (variants per FHIR version): a name fails when any of its runs fails.
status = {}
for r in rows:
    name = '%s/%s' % (r['suite'], r['test'])
    if status.get(name) != 'fail':
        status[name] = r['status']
failing = sorted(k for k, s in status.items() if s == 'fail')
passing = sum(1 for r in rows if r['status'] == 'pass')
unexpected = [k for k in failing if k not in known]
fixed = sorted(k for k in known if status.get(k) == 'pass')
print('conformance: %d passed, %d failed (%d listed in %s), %d not run' %
      (passing, len(failing), len(failing) - len(unexpected), sys.argv[2],
       sum(1 for r in rows if r['status'] not in ('pass', 'fail'))))
for k in unexpected:
    print('conformance: FAIL %s is not a known failure' % k)
for k in fixed:
    print('conformance: %s passes now: take it off %s' % (k, sys.argv[2]))
sys.exit(1 if unexpected else 0)
