#!/usr/bin/env python3
"""Writes the benchmark tree (about 960 MiB) into the folder named on the command line: 20,000
small text files in 40 folders, seven 100 MiB random files, and three 60 MiB near-duplicates of
one of them with a few random bytes inserted. Deterministic apart from the random bytes."""
import os, random, sys

top = sys.argv[1]
random.seed(1)
os.makedirs(f"{top}/text", exist_ok=True)
words = [("w%d" % i) for i in range(5000)]
for d in range(40):
    os.makedirs(f"{top}/text/d{d}", exist_ok=True)
    for f in range(500):
        n = random.randint(200, 4000)
        with open(f"{top}/text/d{d}/f{f}.txt", "w") as out:
            out.write(" ".join(random.choice(words) for _ in range(n // 6)))
os.makedirs(f"{top}/large", exist_ok=True)
for i in range(7):
    with open(f"{top}/large/random{i}.bin", "wb") as out:
        out.write(os.urandom(100 * 1024 * 1024))
base = open(f"{top}/large/random0.bin", "rb").read()[: 60 * 1024 * 1024]
os.makedirs(f"{top}/near", exist_ok=True)
for i in range(3):
    pos = random.randint(0, len(base))
    with open(f"{top}/near/copy{i}.bin", "wb") as out:
        out.write(base[:pos] + os.urandom(random.randint(1, 5000)) + base[pos:])
