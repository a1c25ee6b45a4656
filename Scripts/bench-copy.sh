#!/usr/bin/env bash
# kura copy against kura backup on the generated ~1 GiB tree, on a RAM-backed folder: the
# first copy (local → local) against the initial backup, and the incremental copy after ~2 %
# changes against the incremental backup. Prints time ratios (copy ÷ backup), the bytes the
# incremental copy read from the source against the generation's size, and peak RSS.
#
#   Scripts/bench-copy.sh [ROUNDS]     (default 3; BENCH_DIR overrides /dev/shm)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
rounds=${1:-3}
kura="$root/.build/release/kura"
[ -x "$kura" ] || swift build -c release --product kura >/dev/null
base=${BENCH_DIR:-/dev/shm}
work="$(mktemp -d "$base/kura-bench-copy.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
printf 'benchmark password\n' > password
export KURA_PASSWORD_FILE="$work/password"

python3 "$root/Scripts/make-bench-tree.py" data
du -sh data | sed 's/^/data: /'

change_two_percent() {
    python3 - <<'PY'
import os, random
random.seed(len(os.listdir("data/text")))
for d in range(40):
    for f in random.sample(range(500), 10):
        with open(f"data/text/d{d}/f{f}.txt", "a") as out:
            out.write(" appended %d" % random.random())
with open("data/large/random1.bin", "r+b") as out:
    out.seek(50 * 1024 * 1024)
    out.write(os.urandom(4 * 1024 * 1024))
with open("data/large/new.bin", "wb") as out:
    out.write(os.urandom(16 * 1024 * 1024))
PY
}

measure() {  # phase command...
    local phase=$1; shift
    /usr/bin/time -f "$phase %e %U %S %M" -a -o "$work/times" "$@" > "$work/last.out" 2>>"$work/errors" \
        || { echo "bench: $phase failed:"; tail -5 "$work/errors"; exit 1; }
}

for ((round = 1; round <= rounds; round++)); do
    rm -rf repo-a repo-b restore-b
    "$kura" init --repo repo-a --kdf-memory 64 >/dev/null
    "$kura" init --repo repo-b --kdf-memory 64 >/dev/null
    measure backup-initial "$kura" backup --repo repo-a --subject bench "$work/data"
    measure copy-initial "$kura" copy --from repo-a --to repo-b --json
    change_two_percent
    measure backup-incremental "$kura" backup --repo repo-a --subject bench "$work/data"
    measure copy-incremental "$kura" copy --from repo-a --to repo-b --json
    grep '"type":"copied"' "$work/last.out" >> "$work/incremental.json"
    "$kura" restore --repo repo-b bench@latest --target restore-b >/dev/null
    diff -r --no-dereference data "restore-b$work/data" >/dev/null || { echo "bench: restore of the copy differs"; exit 1; }
    rm -f data/large/new.bin
done

python3 - "$work/times" "$work/incremental.json" "$rounds" <<'PY'
import json, statistics, sys
times = {}
for line in open(sys.argv[1]):
    phase, wall, user, system, rss = line.split()
    times.setdefault(phase, []).append((float(wall), float(user) + float(system), int(rss)))
med = lambda phase, i: statistics.median(r[i] for r in times[phase])
print(f"medians of {sys.argv[3]} rounds; ratio = copy / backup (below 1: the copy is faster)")
for kind in ("initial", "incremental"):
    print(f"{kind:<12} wall {med('copy-' + kind, 0) / med('backup-' + kind, 0):.2f}  "
          f"cpu {med('copy-' + kind, 1) / med('backup-' + kind, 1):.2f}  "
          f"peak MiB copy {max(r[2] for r in times['copy-' + kind]) / 1024:.0f} "
          f"backup {max(r[2] for r in times['backup-' + kind]) / 1024:.0f}")
lines = [json.loads(l) for l in open(sys.argv[2])]
read = statistics.median(l["bytes_read"] for l in lines)
size = statistics.median(l["bytes"] for l in lines)
print(f"incremental copy read {read / 2**20:.1f} MiB of a {size / 2**20:.0f} MiB generation ({read / size * 100:.1f} %)")
PY
