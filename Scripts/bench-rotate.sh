#!/usr/bin/env bash
# How long `kura key rotate --reencrypt` takes on the ~1 GiB benchmark tree (the one
# bench-backup.sh uses), next to the initial backup and check --read-data of the same
# repository. restic and Borg have no re-encryption to compare with (their key commands
# rewrap the master key only). Prints wall and CPU time, peak RSS and ratios to the backup.
#
#   Scripts/bench-rotate.sh     (BENCH_DIR overrides /dev/shm)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
Scripts/bootstrap.sh >/dev/null
kura="$(pwd)/.build/release/kura"
work="$(mktemp -d "${BENCH_DIR:-/dev/shm}/kura-rotate.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
printf 'benchmark password\n' > password
printf 'removed key password\n' > removed.pw
export KURA_PASSWORD_FILE="$work/password" KURA_REPOSITORY="$work/repo"
python3 "$root/Scripts/make-bench-tree.py" data
du -sh data | sed 's/^/data: /'

measure() {  # phase command...
    local phase=$1; shift
    /usr/bin/time -f "$phase %e %U %S %M" -a -o "$work/times" "$@" >/dev/null 2>>"$work/errors" \
        || { echo "bench: $phase failed:"; tail -5 "$work/errors"; exit 1; }
}

"$kura" init --kdf-memory 64 >/dev/null
measure backup "$kura" backup --subject bench data
"$kura" key add --role restore --name leaving --new-password-file removed.pw --kdf-memory 64 >/dev/null
"$kura" key remove "$("$kura" key list --json | python3 -c 'import json,sys; print([json.loads(l)["id"] for l in sys.stdin if json.loads(l)["name"] == "leaving"][0])')" >/dev/null
measure reencrypt "$kura" key rotate --reencrypt
measure check "$kura" check --read-data
du -s --block-size=1M repo | sed 's/^/repository MiB: /'

python3 - "$work/times" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    phase, wall, user, system, rss = line.split()
    rows[phase] = (float(wall), float(user) + float(system), int(rss) // 1024)
backup = rows["backup"]
print(f"{'phase':10} {'wall s':>7} {'CPU s':>7} {'RSS MiB':>8} {'wall ÷ backup':>14}")
for phase, (wall, cpu, rss) in rows.items():
    print(f"{phase:10} {wall:7.2f} {cpu:7.2f} {rss:8} {wall / backup[0]:14.2f}")
PY
