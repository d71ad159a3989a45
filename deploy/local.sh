#!/usr/bin/env bash
# Serve Digit lens from REPLICAS Streamlit processes behind nginx, on BIND:PORT (default
# 127.0.0.1:8501), in the foreground; Ctrl-C or SIGTERM stops all of them.
#
#   deploy/local.sh                      # 2 replicas on http://127.0.0.1:8501, this machine only
#   REPLICAS=3 PORT=8080 deploy/local.sh
#   TLS_CERT=hall.crt TLS_KEY=hall.key PORT=8443 HTTP_PORT=8080 deploy/local.sh
#                                        # https on 8443; plain http on 8080 (and 8443) redirects
#   BIND=0.0.0.0 TLS_CERT=hall.crt TLS_KEY=hall.key PORT=443 HTTP_PORT=80 deploy/local.sh
#                                        # a lecture hall: the students reach it over the Wi-Fi
#   deploy/local.sh --check              # only write the nginx config and test it (nginx -t)
#   deploy/local.sh --check --print      # the same, and print the site config it would serve
#   kill -HUP <pid of local.sh>          # rolling restart: one replica at a time (a deploy)
#
# BIND is the address nginx listens on (its https, plain and redirect servers): 127.0.0.1 by
# default, so a laptop (and a test) serves nobody else; 0.0.0.0 (every IPv4 address of this
# machine), one of its addresses, or an IPv6 one such as :: for the hall's network.
#
# Needs nginx (Debian: apt-get install nginx) and the app's requirements. The replicas listen on
# 127.0.0.1:FIRST_REPLICA_PORT and up (default PORT+100) whatever BIND is: only nginx, which sets
# the client's address for them (nginx.conf.template), may reach them. They share the model file
# (CNN_MODEL_PATH), so a retrain in one reaches all, and only one trains at a time.
#
# Supervision: a replica that stops is started again (nginx sends its students to the others
# meanwhile); nginx stopping stops everything, since without it nothing is served.
set -euo pipefail

REPLICAS=${REPLICAS:-2}
BIND=${BIND:-127.0.0.1}
PORT=${PORT:-8501}
FIRST_REPLICA_PORT=${FIRST_REPLICA_PORT:-$((PORT + 100))}
TLS_CERT=${TLS_CERT:-}
TLS_KEY=${TLS_KEY:-}
HTTP_PORT=${HTTP_PORT:-}
# Seconds between taking a replica out of nginx and stopping it: requests already under way end.
DRAIN_SECONDS=${DRAIN_SECONDS:-2}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
run=$(mktemp -d -t digit-lens-XXXXXX)
chmod 755 "$run"
replica_pids=()
replica_started=()
nginx_pid=

say() { echo "deploy/local.sh: $*"; }

stop() {
    trap - INT TERM EXIT HUP
    local pids=("${replica_pids[@]}" $nginx_pid)
    [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$run"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v nginx >/dev/null || { echo "deploy/local.sh: nginx is missing (apt-get install nginx)" >&2; exit 1; }
if [ -n "$TLS_CERT$TLS_KEY" ] && ! { [ -r "$TLS_CERT" ] && [ -r "$TLS_KEY" ]; }; then
    echo "deploy/local.sh: TLS needs both TLS_CERT and TLS_KEY, readable files" >&2
    exit 1
fi

replica_address() { echo "127.0.0.1:$((FIRST_REPLICA_PORT + $1))"; }

# The upstream groups (see nginx.conf.template): newcomers go to the replica with the fewest open
# connections (one websocket per tab); a student whose cookie names replica rI goes to group
# digit_lens_rI, where rI is the server and every other replica a backup for when it is down.
# Replica $1 (or none, -1) is left out: marked down everywhere, for a rolling restart.
upstreams() {
    # upstreams DRAINED [own]: DRAINED gets no newcomers and is no one's backup; with "own" it
    # still serves its own students (the pictures its answers point to live in it alone).
    local drained=$1 keep=${2:-} i j mark
    echo "upstream digit_lens {"
    echo "    least_conn;"
    for ((i = 0; i < REPLICAS; i++)); do
        mark=""; [ "$i" = "$drained" ] && mark=" down"
        echo "    server $(replica_address $i) max_fails=1 fail_timeout=5s$mark;"
    done
    echo "    keepalive 32;"
    echo "}"
    for ((i = 0; i < REPLICAS; i++)); do
        echo "upstream digit_lens_r$i {"
        for ((j = 0; j < REPLICAS; j++)); do
            mark=""; [ "$j" = "$drained" ] && { [ "$j" != "$i" ] || [ "$keep" != own ]; } && mark=" down"
            [ "$j" != "$i" ] && mark=" backup$mark"
            echo "    server $(replica_address $j) max_fails=1 fail_timeout=5s$mark;"
        done
        echo "    keepalive 16;"
        echo "}"
    done
    echo 'map $cookie_digit_lens_replica $digit_lens_group {'
    echo "    default digit_lens;"
    for ((i = 0; i < REPLICAS; i++)); do echo "    r$i digit_lens_r$i;"; done
    echo "}"
    # $upstream_addr lists every replica tried ("a, b" after a failover): the last one answered.
    echo 'map $upstream_addr $digit_lens_served {'
    echo '    default $cookie_digit_lens_replica;'
    for ((i = 0; i < REPLICAS; i++)); do
        echo "    \"~(^|\\s)$(replica_address $i | sed 's/\./\\./g')\$\" r$i;"
    done
    echo "}"
}

# An IPv6 address goes in brackets in nginx's listen (and in a URL).
bind=$BIND; [[ "$bind" == *:* && "$bind" != \[* ]] && bind="[$bind]"
listen="${bind}:${PORT}" tls="" redirect=""
if [ -n "$TLS_CERT" ]; then
    listen+=" ssl"
    tls="    ssl_certificate $(realpath "$TLS_CERT");"$'\n'"    ssl_certificate_key $(realpath "$TLS_KEY");"
    # Plain HTTP spoken to the https port (nginx's code 497) goes to https too.
    tls+=$'\n'"    error_page 497 =301 https://\$host:${PORT}\$request_uri;"
    if [ -n "$HTTP_PORT" ]; then
        redirect="server { listen ${bind}:${HTTP_PORT}; return 301 https://\$host:${PORT}\$request_uri; }"
    fi
fi

# Fill in the template: each ${NAME} line (or ${NAME} within one) gets its text.
write_site() {
    upstreams "$1" "${2:-}" >"$run/upstreams"
    printf '%s' "$tls" >"$run/tls"
    printf '%s' "$redirect" >"$run/redirect"
    awk -v listen="$listen" -v run="$run" '
        function file(path,   line, text) { text = ""; while ((getline line < path) > 0) text = text line "\n"; close(path); return text }
        $0 == "${UPSTREAMS}" { printf "%s", file(run "/upstreams"); next }
        $0 == "${TLS}"       { printf "%s", file(run "/tls"); next }
        $0 == "${REDIRECT}"  { printf "%s", file(run "/redirect"); next }
        { gsub(/\$\{LISTEN\}/, listen); print }
    ' "$here/nginx.conf.template" >"$run/site.conf.new"
    mv "$run/site.conf.new" "$run/site.conf"
}

# nginx's scratch folders live in $run, writable by its workers.
mkdir -m 777 "$run/body" "$run/proxy"
write_site -1
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
    [ "${2:-}" = "--print" ] && cat "$run/site.conf"
    echo "nginx config OK: $REPLICAS replicas behind $bind:$PORT${TLS_CERT:+ (https)}"
    exit 0
fi

start_replica() {
    (cd "$repo" && exec python -m streamlit run app.py --server.headless true --server.address 127.0.0.1 \
        --server.port "$((FIRST_REPLICA_PORT + $1))" --browser.gatherUsageStats false) &
    replica_pids[$1]=$!
    replica_started[$1]=$SECONDS
    say "replica $1 (pid $!) on port $((FIRST_REPLICA_PORT + $1))"
}

wait_until_healthy() {
    local port=$((FIRST_REPLICA_PORT + $1))
    for _ in $(seq 1 300); do
        if python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:$port/_stcore/health', timeout=2).read() != b'ok')" 2>/dev/null; then
            return 0
        fi
        kill -0 "${replica_pids[$1]}" 2>/dev/null || return 1
        sleep 0.3
    done
    return 1
}

reload_nginx() {  # reload_nginx DRAINED [own]: nginx's new workers take new requests at once
    write_site "$1" "${2:-}"
    if nginx -t -q -p "$run" -c "$run/nginx.conf"; then
        kill -HUP "$nginx_pid"
    else
        say "the new nginx config is refused; nginx keeps the one it has"
    fi
}

# One replica at a time: out of nginx (requests under way finish, new ones go to the others),
# stopped (its websockets close; those tabs reconnect through nginx to another replica, as from
# a dead one), started again, back in once it answers. nginx's old worker keeps the websockets
# it holds to the replicas that stay up, so their students notice nothing.
rolling_restart() {
    local i
    say "rolling restart of $REPLICAS replicas"
    for ((i = 0; i < REPLICAS; i++)); do
        # Newcomers elsewhere first, its own students' requests still to it while they finish
        # (a picture its last answer points to is nowhere else); then out of nginx and stopped.
        reload_nginx "$i" own
        sleep "$DRAIN_SECONDS"
        reload_nginx "$i"
        sleep 0.5  # nginx's new workers up: no new request for it reaches the old ones
        kill "${replica_pids[$i]}" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "${replica_pids[$i]}" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "${replica_pids[$i]}" 2>/dev/null || true
        start_replica "$i"
        wait_until_healthy "$i" || say "replica $i did not come up; it is retried"
        reload_nginx -1
    done
    say "rolling restart done"
}

for ((i = 0; i < REPLICAS; i++)); do start_replica "$i"; done
# Wait for every replica before opening the door (a proxy without its upstreams answers 502).
for ((i = 0; i < REPLICAS; i++)); do wait_until_healthy "$i" || true; done

nginx -p "$run" -c "$run/nginx.conf" &
nginx_pid=$!
say "nginx (pid $nginx_pid) on port $PORT"
scheme=http; [ -n "$TLS_CERT" ] && scheme=https
echo "Digit lens on ${scheme}://${bind}:${PORT} (${REPLICAS} replicas on ports ${FIRST_REPLICA_PORT}-$((FIRST_REPLICA_PORT + REPLICAS - 1)))"

restart_wanted=0
trap 'restart_wanted=1' HUP
while true; do
    # A signal (HUP, TERM) ends this wait at once; otherwise look again every second.
    sleep 1 &
    wait $! || true
    if ! kill -0 "$nginx_pid" 2>/dev/null; then
        say "nginx stopped; stopping everything"
        exit 1
    fi
    for ((i = 0; i < REPLICAS; i++)); do
        if ! kill -0 "${replica_pids[$i]}" 2>/dev/null; then
            # One that dies right after starting (a broken deploy) is retried every 5 s, not in a loop.
            if ((SECONDS - replica_started[i] < 5)); then continue; fi
            say "replica $i (pid ${replica_pids[$i]}) stopped; starting it again"
            start_replica "$i"
        fi
    done
    if [ "$restart_wanted" = 1 ]; then
        restart_wanted=0
        rolling_restart
    fi
done
