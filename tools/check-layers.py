#!/usr/bin/env python3
"""Checks that the modules of gateway/ include each other without cycles (layers only point down).

A module is a header include/samsvar/NAME.h with the gateway/ files that implement it (NAME.c,
NAME_*.c). Prints each cycle and exits 1 when there is one; prints the module count and exits 0
otherwise. Run by `make test`."""
import collections
import glob
import os
import re
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
headers = {os.path.basename(h)[:-2] for h in glob.glob(os.path.join(root, 'include/samsvar/*.h'))}


def module_of(path):
    stem = os.path.basename(path)[:-2]
    if stem in headers:
        return stem
    # The longest header prefix wins: message_fhir_read.c belongs to message_fhir.h, not message.h.
    for part in range(1, stem.count('_') + 1):
        prefix = stem.rsplit('_', part)[0]
        if prefix in headers:
            return prefix
    return stem


edges = collections.defaultdict(set)
for path in glob.glob(os.path.join(root, 'gateway/*.c')) + glob.glob(os.path.join(root, 'include/samsvar/*.h')):
    mod = module_of(path)
    with open(path, encoding='utf-8') as f:
        for inc in re.findall(r'#include "samsvar/(\w+)\.h"', f.read()):
            if inc != mod:
                edges[mod].add(inc)

cycles, state, stack = [], {}, []


def visit(u):
    state[u] = 1
    stack.append(u)
    for v in sorted(edges.get(u, ())):
        if state.get(v) == 1:
            cycles.append(stack[stack.index(v):] + [v])
        elif v not in state:
            visit(v)
    stack.pop()
    state[u] = 2


for m in sorted(edges):
    if m not in state:
        visit(m)
for c in cycles:
    print('include cycle: ' + ' -> '.join(c))
if cycles:
    sys.exit(1)
print('check-layers: %d modules, no include cycles' % len(set(edges) | headers))
