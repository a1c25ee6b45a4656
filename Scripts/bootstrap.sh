#!/usr/bin/env bash
# Installs what Kura needs from Debian's packages (only what is missing) and builds the
# release binary. Safe to run again: it does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(pkg-config libssl-dev libsodium-dev libzstd-dev zlib1g-dev age time python3-venv util-linux curl)
# --test: what the test suite checks against as well: crontab, systemd-analyze, headless
# Chromium to render kura status --html pages (Scripts/render-html.py), PostgreSQL for database
# dumps, and OpenSSH's server and sftp-server for ssh:// and sftp: repositories.
if [ "${1:-}" = "--test" ]; then
    packages+=(cron systemd chromium postgresql openssh-client openssh-server openssh-sftp-server)
fi
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "bootstrap: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${KURA_SKIP_RELEASE_BUILD:-}" != 1 ]; then
    # Progress lines are dropped; the build's own exit status decides (pipefail).
    swift build -c release 2>&1 | { grep -Ev '^\[[0-9]+/[0-9]+\]' || true; }
    test -x .build/release/kura
    echo "bootstrap: built $(pwd)/.build/release/kura"
fi
