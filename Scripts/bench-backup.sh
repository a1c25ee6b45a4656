#!/usr/bin/env bash
# kura next to restic and Borg (Debian's packages) on the same generated ~1 GiB tree, in one
# run, on a RAM-backed folder: initial backup, unchanged re-backup, incremental after ~2 %
# changes, full restore, check with read-data, then forget all but the newest snapshot and
# prune (Borg: prune and compact). Prints wall and CPU time ratios (other tool ÷
# kura: above 1 means kura is faster), peak RSS and repository size.
#
#   Scripts/bench-backup.sh [ROUNDS]     (default 3; BENCH_DIR overrides /dev/shm)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
rounds=${1:-3}
Scripts/bootstrap.sh >/dev/null
for tool in restic borg; do
    command -v $tool >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
        $sudo apt-get install -y -qq restic borgbackup >/dev/null; break; }
done
kura="$(pwd)/.build/release/kura"
base=${BENCH_DIR:-/dev/shm}
work="$(mktemp -d "$base/kura-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
printf 'benchmark password\n' > password
export KURA_PASSWORD_FILE="$work/password" RESTIC_PASSWORD="benchmark password" BORG_PASSPHRASE="benchmark password"
export BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes BORG_BASE_DIR="$work/borg-home"

# The data: many small text files, large random files, and near-duplicates with inserted bytes.
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
    rm -rf repo-kura repo-restic repo-borg restore-* borg-home
    # kura's key slot gets the memory restic's own calibration gave its scrypt key, so the
    # phases compare the engines, not the password hashing; kura's default (256 MiB) adds a
    # fixed ~0.35 s per command (docs/BENCHMARKS.md).
    restic init -q -r repo-restic
    "$kura" init --repo repo-kura --kdf-memory "$(restic_kdf_mib repo-restic)" >/dev/null
    borg init --encryption=repokey-blake2 repo-borg
    for tool in kura restic borg; do
        case $tool in
            kura)   backup=("$kura" backup --repo repo-kura --subject bench "$work/data") ;;
            restic) backup=(restic -q -r repo-restic backup "$work/data") ;;
            borg)   backup=(borg create --compression zstd,3 "repo-borg::first" "$work/data") ;;
        esac
        measure $tool initial "${backup[@]}"
        [ $tool = borg ] && backup[4]="repo-borg::second"
        measure $tool unchanged "${backup[@]}"
    done
    change_two_percent
    for tool in kura restic borg; do
        case $tool in
            kura)   measure kura incremental "$kura" backup --repo repo-kura --subject bench "$work/data"
                    measure kura restore "$kura" restore --repo repo-kura bench@latest --target restore-kura
                    measure kura check "$kura" check --repo repo-kura --read-data
                    du -sb repo-kura | awk '{print "kura size " $1}' >> "$work/sizes"
                    measure kura prune "$kura" forget --repo repo-kura --keep-last 1 --prune ;;
            restic) measure restic incremental restic -q -r repo-restic backup "$work/data"
                    measure restic restore restic -q -r repo-restic restore latest --target restore-restic
                    measure restic check restic -q -r repo-restic check --read-data
                    du -sb repo-restic | awk '{print "restic size " $1}' >> "$work/sizes"
                    measure restic prune restic -q -r repo-restic forget --keep-last 1 --prune ;;
            borg)   measure borg incremental borg create --compression zstd,3 "repo-borg::third" "$work/data"
                    mkdir -p restore-borg
                    measure borg restore sh -c "cd restore-borg && borg extract ../repo-borg::third"
                    measure borg check borg check --verify-data repo-borg
                    du -sb repo-borg | awk '{print "borg size " $1}' >> "$work/sizes"
                    measure borg prune sh -c "borg prune --keep-last 1 repo-borg && borg compact repo-borg" ;;
        esac
    done
    diff -r --no-dereference data "restore-kura$work/data" >/dev/null || { echo "bench: kura restore differs"; exit 1; }
    # Undo the changes so every round starts from the same data.
    rm -f data/large/new.bin
done

python3 - "$work/times" "$work/sizes" "$rounds" <<'PY'
import statistics, sys
times, sizes = {}, {}
for line in open(sys.argv[1]):
    tool, phase, wall, user, system, rss = line.split()
    times.setdefault((tool, phase), []).append((float(wall), float(user) + float(system), int(rss)))
for line in open(sys.argv[2]):
    tool, _, size = line.split()
    sizes.setdefault(tool, []).append(int(size))
med = lambda tool, phase, i: statistics.median(r[i] for r in times[(tool, phase)])
peak = lambda tool, phase: max(r[2] for r in times[(tool, phase)]) / 1024
print(f"medians of {sys.argv[3]} rounds; ratio = other tool / kura (above 1: kura faster or smaller)")
print(f"{'phase':<12} {'restic wall':>11} {'borg wall':>10} {'restic cpu':>11} {'borg cpu':>9} {'kura MiB':>9} {'restic MiB':>10} {'borg MiB':>9}")
for phase in ("initial", "unchanged", "incremental", "restore", "check", "prune"):
    print(f"{phase:<12} {med('restic',phase,0)/med('kura',phase,0):>11.2f} {med('borg',phase,0)/med('kura',phase,0):>10.2f} "
          f"{med('restic',phase,1)/med('kura',phase,1):>11.2f} {med('borg',phase,1)/med('kura',phase,1):>9.2f} "
          f"{peak('kura',phase):>9.0f} {peak('restic',phase):>10.0f} {peak('borg',phase):>9.0f}")
size = lambda t: statistics.median(sizes[t]) / 2**20
print(f"repository MiB: kura {size('kura'):.0f}, restic {size('restic'):.0f} ({size('kura')/size('restic')*100-100:+.1f} % for kura), borg {size('borg'):.0f}")
PY
