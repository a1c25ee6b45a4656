#!/usr/bin/env bash
# kura next to restic's S3 backend, both against one SeaweedFS server on 127.0.0.1 (started
# here by Scripts/seaweedfs.sh, authentication on), on the benchmark tree of
# Scripts/make-bench-tree.py: initial backup and full restore. Prints wall and CPU time ratios
# (restic ÷ kura: above 1 means kura is faster) and peak RSS.
#
#   Scripts/bench-s3.sh [ROUNDS]     (default 3; BENCH_DIR overrides /dev/shm)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
rounds=${1:-3}
Scripts/bootstrap.sh >/dev/null
command -v restic >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq restic >/dev/null; }
kura="$root/.build/release/kura"
work="$(mktemp -d "${BENCH_DIR:-/dev/shm}/kura-bench-s3.XXXXXX")"
port=$((24000 + RANDOM % 500 * 10))
trap '"$root/Scripts/seaweedfs.sh" stop "$work/weed"; rm -rf "$work"' EXIT
endpoint="$(Scripts/seaweedfs.sh start "$work/weed" "$port")"
cd "$work"
printf 'benchmark password\n' > password
export KURA_PASSWORD_FILE="$work/password" RESTIC_PASSWORD="benchmark password"
export AWS_ACCESS_KEY_ID=kuratest AWS_SECRET_ACCESS_KEY=kuratest-secret-key-0123456789 AWS_ENDPOINT_URL="$endpoint"
python3 "$root/Scripts/make-bench-tree.py" data
du -sh data | sed 's/^/data: /'

restic_kdf_mib() {  # repository: MiB of restic's scrypt key (128 · N · r bytes)
    restic -q -r "$1" cat key "$(restic -q -r "$1" list keys | head -1)" |
        python3 -c 'import json, sys; key = json.load(sys.stdin); print(max(8, 128 * key["N"] * key["r"] >> 20))'
}

measure() {  # tool phase command...
    local tool=$1 phase=$2; shift 2
    /usr/bin/time -f "$tool $phase %e %U %S %M" -a -o "$work/times" "$@" >/dev/null 2>>"$work/errors" \
        || { echo "bench: $tool $phase failed:"; tail -5 "$work/errors"; exit 1; }
}

for ((round = 1; round <= rounds; round++)); do
    rm -rf restore-*
    # kura's key slot gets the memory of restic's scrypt key, as in Scripts/bench-backup.sh.
    restic init -q -r "s3:$endpoint/restic-bench/round$round"
    "$kura" init --repo "s3://kura-bench/round$round" --kdf-memory "$(restic_kdf_mib "s3:$endpoint/restic-bench/round$round")" >/dev/null
    measure kura backup "$kura" backup --repo "s3://kura-bench/round$round" --subject bench "$work/data"
    measure restic backup restic -q -r "s3:$endpoint/restic-bench/round$round" backup "$work/data"
    measure kura restore "$kura" restore --repo "s3://kura-bench/round$round" bench@latest --target restore-kura
    measure restic restore restic -q -r "s3:$endpoint/restic-bench/round$round" restore latest --target restore-restic
    diff -r --no-dereference data "restore-kura$work/data" >/dev/null || { echo "bench: kura restore differs"; exit 1; }
done

python3 - "$work/times" "$rounds" <<'PY'
import statistics, sys
times = {}
for line in open(sys.argv[1]):
    tool, phase, wall, user, system, rss = line.split()
    times.setdefault((tool, phase), []).append((float(wall), float(user) + float(system), int(rss)))
med = lambda tool, phase, i: statistics.median(r[i] for r in times[(tool, phase)])
peak = lambda tool, phase: max(r[2] for r in times[(tool, phase)]) / 1024
print(f"medians of {sys.argv[2]} rounds against SeaweedFS; ratio = restic / kura (above 1: kura faster)")
print(f"{'phase':<10} {'wall':>6} {'cpu':>6} {'kura MiB':>9} {'restic MiB':>10}")
for phase in ("backup", "restore"):
    print(f"{phase:<10} {med('restic',phase,0)/med('kura',phase,0):>6.2f} {med('restic',phase,1)/med('kura',phase,1):>6.2f} "
          f"{peak('kura',phase):>9.0f} {peak('restic',phase):>10.0f}")
PY
