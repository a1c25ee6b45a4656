#!/usr/bin/env bash
# What a cron job pays to start: `generations` and an unchanged re-backup of a copy of /etc,
# kura with its default password key (Argon2id t=3, m=256 MiB), with an admin key file and
# with a backup-role key file, next to restic (Debian's package, its default scrypt key).
# Prints median wall and CPU (user + system) ratios, restic ÷ kura (above 1: kura faster),
# and peak RSS in MiB.
#
#   Scripts/bench-startup.sh [ROUNDS]     (default 5; BENCH_DIR overrides /dev/shm)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
Scripts/bootstrap.sh >/dev/null
command -v restic >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq restic >/dev/null; }
kura="$(pwd)/.build/release/kura"
work="$(mktemp -d "${BENCH_DIR:-/dev/shm}/kura-startup.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
printf 'benchmark password\n' > password
export RESTIC_PASSWORD="benchmark password" XDG_CACHE_HOME="$work/cache"
mkdir data && cp -a /etc data/ 2>/dev/null || true
echo "data: $(du -sh data | cut -f1), $(find data -type f | wc -l) files"

"$kura" init --repo repo-kura --password-file password >/dev/null
"$kura" key add --repo repo-kura --password-file password --role admin --name bench-admin --key-file admin.key >/dev/null
"$kura" key add --repo repo-kura --password-file password --role backup --name bench-cron --key-file backup.key >/dev/null
restic init -q -r repo-restic
"$kura" backup --repo repo-kura --password-file password --subject etc "$work/data" >/dev/null
restic -q -r repo-restic backup "$work/data" >/dev/null

measure() {  # variant phase command...
    local variant=$1 phase=$2; shift 2
    /usr/bin/time -f "$variant $phase %e %U %S %M" -a -o "$work/times" "$@" >/dev/null 2>>"$work/errors" \
        || { echo "bench: $variant $phase failed:"; tail -5 "$work/errors"; exit 1; }
}

for ((round = 1; round <= rounds; round++)); do
    measure password generations "$kura" generations --repo repo-kura --password-file password
    measure key-file generations "$kura" generations --repo repo-kura --key-file admin.key
    measure restic generations restic -q -r repo-restic snapshots
    measure password unchanged "$kura" backup --repo repo-kura --password-file password --subject etc "$work/data"
    measure key-file unchanged "$kura" backup --repo repo-kura --key-file admin.key --subject etc "$work/data"
    measure backup-key unchanged "$kura" backup --repo repo-kura --key-file backup.key --subject etc "$work/data"
    measure restic unchanged restic -q -r repo-restic backup "$work/data"
done

python3 - "$work/times" "$rounds" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    variant, phase, wall, user, system, rss = line.split()
    runs.setdefault((variant, phase), []).append((float(wall), float(user) + float(system), int(rss) / 1024))
med = lambda key, i: statistics.median(r[i] for r in runs[key])
print(f"medians of {sys.argv[2]} rounds; ratio = restic / kura (above 1: kura faster)")
print(f"{'phase':<12} {'kura key':<11} {'wall ratio':>10} {'cpu ratio':>10} {'kura MiB':>9} {'restic MiB':>11}")
for phase in ("generations", "unchanged"):
    restic = ("restic", phase)
    for variant in ("password", "key-file", "backup-key"):
        if (variant, phase) not in runs: continue
        key = (variant, phase)
        print(f"{phase:<12} {variant:<11} {med(restic,0)/med(key,0):>10.2f} {med(restic,1)/med(key,1):>10.2f} "
              f"{max(r[2] for r in runs[key]):>9.0f} {max(r[2] for r in runs[restic]):>11.0f}")
PY
