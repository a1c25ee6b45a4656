#!/usr/bin/env bash
# Encrypt and decrypt a 1 GiB file with kura and with age (Debian's package) in one run,
# on a RAM-backed folder so the disk does not blur the comparison. Prints, per phase, the
# median wall time ratio (age ÷ kura: above 1 means kura is faster), CPU time and peak RSS.
#
#   Scripts/bench-age.sh [ROUNDS]      (default 5 rounds; BENCH_DIR overrides /dev/shm)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
Scripts/bootstrap.sh >/dev/null
kura="$(pwd)/.build/release/kura"
base=${BENCH_DIR:-/dev/shm}
work="$(mktemp -d "$base/kura-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"

head -c 1073741824 /dev/urandom > plain
recipient=$("$kura" keygen -o key.txt)
"$kura" encrypt -r "$recipient" -o warm.age plain   # warms the page cache and both binaries
rm -f warm.age

measure() {  # name, then the command; appends "name wall user+sys maxrss_kib"
    local name=$1; shift
    /usr/bin/time -f "$name %e %U %S %M" -a -o times "$@" >/dev/null
}

for ((round = 1; round <= rounds; round++)); do
    measure kura-encrypt "$kura" encrypt -r "$recipient" -o kura.age --force plain
    measure age-encrypt age -r "$recipient" -o age.age plain
    measure kura-decrypt "$kura" decrypt -i key.txt -o kura.out --force age.age
    measure age-decrypt age -d -i key.txt -o age.out kura.age
    cmp -s plain kura.out && cmp -s plain age.out || { echo "bench: round trip mismatch" >&2; exit 1; }
    rm -f age.age age.out kura.out
done

python3 - "$rounds" <<'PY'
import statistics, sys
rows = {}
for line in open("times"):
    name, wall, user, system, rss = line.split()
    rows.setdefault(name, []).append((float(wall), float(user) + float(system), int(rss)))
def med(name, i): return statistics.median(r[i] for r in rows[name])
print(f"1 GiB, {sys.argv[1]} rounds, medians")
print(f"{'phase':<9} {'age/kura wall':>14} {'age/kura cpu':>13} {'kura RSS MiB':>13} {'age RSS MiB':>12}")
for phase in ("encrypt", "decrypt"):
    k, a = f"kura-{phase}", f"age-{phase}"
    print(f"{phase:<9} {med(a,0)/med(k,0):>14.2f} {med(a,1)/med(k,1):>13.2f} "
          f"{max(r[2] for r in rows[k])/1024:>13.1f} {max(r[2] for r in rows[a])/1024:>12.1f}")
PY
