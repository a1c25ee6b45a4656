#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs Kura's main job
# against the default local repository: init, back up a sample tree, list generations,
# restore into a scratch folder and compare, check; then the admin's day with a policy file
# (policy check, run, drill, status, runbook, the cron line, the audit log); then a short
# encrypt/decrypt round trip.
#
# The default repository is ~/.local/share/kura/repository (or $KURA_REPOSITORY). Its
# password is kept in ~/.config/kura/password (created once, random, mode 0600) unless
# KURA_PASSWORD_FILE names another file.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/bootstrap.sh
kura="$(pwd)/.build/release/kura"
sample=${KURA_TOUR_SAMPLE:-/usr/share/doc}

config="${XDG_CONFIG_HOME:-$HOME/.config}/kura"
if [ -z "${KURA_PASSWORD_FILE:-}" ]; then
    export KURA_PASSWORD_FILE="$config/password"
    if [ ! -s "$KURA_PASSWORD_FILE" ]; then
        mkdir -p "$config" && chmod 700 "$config"
        (umask 077 && head -c 24 /dev/urandom | base64 > "$KURA_PASSWORD_FILE")
        echo "tour: created a random repository password in $KURA_PASSWORD_FILE (keep it)"
    fi
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/kura-tour.XXXXXX")"
trap 'rm -rf "$work"' EXIT
step() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; "$@"; }

if "$kura" generations >/dev/null 2>&1; then
    echo "tour: using the existing default repository"
else
    step "$kura" init
fi
step "$kura" backup --subject tour "$sample"
step "$kura" backup --subject tour "$sample"      # unchanged files are not read again
step "$kura" generations --subject tour
step "$kura" ls tour@latest "$sample" > "$work/listing" && head -n 5 "$work/listing" && echo "... $(wc -l < "$work/listing") entries"
step "$kura" restore tour@latest --target "$work/restore" --verify
step diff -r --no-dereference "$sample" "$work/restore$sample" && echo "restored tree is identical to $sample"
step "$kura" check --read-data-subset 25%

# The admin's day: a policy file for the same repository, then what cron would run.
repository="${KURA_REPOSITORY:-${XDG_DATA_HOME:-$HOME/.local/share}/kura/repository}"
cat > "$work/kura.toml" <<EOF
[repository.default]
location = "$repository"
password-file = "$KURA_PASSWORD_FILE"

[subject.tour]
paths = ["$sample"]
priority = 1
rpo = "1h"
rto = "30m"
repositories = ["default"]
keep = { last = 3, daily = 7 }
drill = { every = "7d", sample = "25%" }
EOF
export KURA_CONFIG="$work/kura.toml"
step cat "$KURA_CONFIG"
step "$kura" policy check
step "$kura" run                                 # backed up above, so not due: retention and the first drill
step "$kura" drill tour --sample 10%
step "$kura" status
step "$kura" runbook tour > "$work/runbook.md" && head -n 20 "$work/runbook.md" && echo "... (runbook: $(wc -l < "$work/runbook.md") lines)"
step "$kura" schedule --cron
step "$kura" audit log | tail -n 5
step "$kura" audit verify
unset KURA_CONFIG

cd "$work"
recipient=$(step "$kura" keygen -o identity.txt)
echo "$recipient"
tar -cf sample.tar -C "$(dirname "$sample")" "$(basename "$sample")" 2>/dev/null || head -c 1000000 /dev/urandom > sample.tar
step "$kura" encrypt -r "$recipient" -o sample.tar.age sample.tar
step "$kura" decrypt -i identity.txt -o restored.tar sample.tar.age
step cmp sample.tar restored.tar && echo "decrypted file is identical"
step age -d -i identity.txt -o via-age.tar sample.tar.age
step cmp sample.tar via-age.tar && echo "the age tool reads Kura's file too"
echo
echo "Tour complete."
