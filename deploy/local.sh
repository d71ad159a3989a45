#!/usr/bin/env bash
# Serve Digit lens from REPLICAS Streamlit processes behind nginx, on 127.0.0.1:PORT, in the
# foreground; Ctrl-C or SIGTERM stops all of them.
#
#   deploy/local.sh                      # 2 replicas on http://127.0.0.1:8501
#   REPLICAS=3 PORT=8080 deploy/local.sh
#   deploy/local.sh --check              # only write the nginx config and test it (nginx -t)
#
# Needs nginx (Debian: apt-get install nginx) and the app's requirements. The replicas listen on
# 127.0.0.1:FIRST_REPLICA_PORT and up (default PORT+100); they share the model file
# (CNN_MODEL_PATH), so a retrain in one reaches all, and only one trains at a time.
set -euo pipefail

REPLICAS=${REPLICAS:-2}
PORT=${PORT:-8501}
FIRST_REPLICA_PORT=${FIRST_REPLICA_PORT:-$((PORT + 100))}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
run=$(mktemp -d -t digit-lens-XXXXXX)
chmod 755 "$run"
pids=()

stop() {
    trap - INT TERM EXIT
    [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$run"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v nginx >/dev/null || { echo "deploy/local.sh: nginx is missing (apt-get install nginx)" >&2; exit 1; }

servers=""
for ((i = 0; i < REPLICAS; i++)); do
    servers+="    server 127.0.0.1:$((FIRST_REPLICA_PORT + i)) max_fails=0;"$'\n'
done

# nginx's scratch folders live in $run, writable by its workers.
mkdir -m 777 "$run/body" "$run/proxy"
sed -e "s|\${PORT}|127.0.0.1:${PORT}|" "$here/nginx.conf.template" |
    awk -v servers="$servers" '{ if ($0 == "${UPSTREAM_SERVERS}") printf "%s", servers; else print }' >"$run/site.conf"
cat >"$run/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $run/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $run/body;
    proxy_temp_path $run/proxy;
    fastcgi_temp_path $run/proxy;
    uwsgi_temp_path $run/proxy;
    scgi_temp_path $run/proxy;
    include $run/site.conf;
}
CONF
nginx -t -q -p "$run" -c "$run/nginx.conf"
if [ "${1:-}" = "--check" ]; then
    echo "nginx config OK: $REPLICAS replicas behind 127.0.0.1:$PORT"
    exit 0
fi

for ((i = 0; i < REPLICAS; i++)); do
    (cd "$repo" && exec python -m streamlit run app.py --server.headless true --server.address 127.0.0.1 \
        --server.port "$((FIRST_REPLICA_PORT + i))" --browser.gatherUsageStats false) &
    pids+=($!)
done

# Wait for every replica before opening the door (a proxy without its upstreams answers 502).
for ((i = 0; i < REPLICAS; i++)); do
    port=$((FIRST_REPLICA_PORT + i))
    for _ in $(seq 1 300); do
        if python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:$port/_stcore/health', timeout=2).read() != b'ok')" 2>/dev/null; then
            break
        fi
        sleep 0.3
    done
done

nginx -p "$run" -c "$run/nginx.conf" &
pids+=($!)
echo "Digit lens on http://127.0.0.1:${PORT} (${REPLICAS} replicas on ports ${FIRST_REPLICA_PORT}-$((FIRST_REPLICA_PORT + REPLICAS - 1)))"
# If any of them stops, stop them all.
wait -n "${pids[@]}"
