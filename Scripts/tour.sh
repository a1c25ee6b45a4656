#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and walks through Kura's
# main job on real files in a scratch folder.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/bootstrap.sh
kura="$(pwd)/.build/release/kura"
work="$(mktemp -d "${TMPDIR:-/tmp}/kura-tour.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

echo "Kura tour in $work"
tar -cf sample.tar -C /usr/share/doc "$(ls /usr/share/doc | head -n 1)" 2>/dev/null || head -c 1000000 /dev/urandom > sample.tar
recipient=$(step "$kura" keygen -o identity.txt)
echo "$recipient"
step "$kura" encrypt -r "$recipient" -o sample.tar.age sample.tar
step "$kura" decrypt -i identity.txt -o restored.tar sample.tar.age
step cmp sample.tar restored.tar && echo "restored.tar is byte-for-byte identical"
printf 'tour passphrase\n' > passphrase.txt && chmod 600 passphrase.txt
step "$kura" encrypt -p --passphrase-file passphrase.txt -a -o notes.age sample.tar
head -n 3 notes.age
step "$kura" decrypt --passphrase-file passphrase.txt -o notes.out notes.age
step cmp sample.tar notes.out && echo "passphrase (Argon2id) round trip is identical"
step age -d -i identity.txt -o via-age.tar sample.tar.age
step cmp sample.tar via-age.tar && echo "the age tool reads Kura's file too"
echo
echo "Tour complete."
