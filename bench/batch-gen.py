#!/usr/bin/env python3
"""Writes an N-row IPLOS extract (person,variable,score) for measuring `samsvar translate --file`.

Usage: python3 bench/batch-gen.py N [SEED] > extract.csv
Variables 1-20 and scores 1-5, 9 are drawn uniformly; every 1000th row is deliberately bad (unknown
variable 99) so the error path is part of the measurement. Deterministic for a given SEED.
"""
import random
import sys


def main(argv):
    if len(argv) < 2 or not argv[1].isdigit():
        sys.stderr.write(__doc__)
        return 2
    n = int(argv[1])
    rnd = random.Random(int(argv[2]) if len(argv) > 2 else 1)
    scores = "123459"
    out = sys.stdout
    out.write("person,variable,score\n")
    chunk = []
    for i in range(n):
        var = 99 if i % 1000 == 999 else rnd.randint(1, 20)
        chunk.append("p%d,%d,%s\n" % (i, var, scores[rnd.randrange(6)]))
        if len(chunk) == 10000:
            out.write("".join(chunk))
            chunk = []
    out.write("".join(chunk))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
