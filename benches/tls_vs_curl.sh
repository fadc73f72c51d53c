#!/usr/bin/env bash
# warroom's TCP + TLS + first-byte timing against `curl -w` on the same lab TLS endpoint.
#
# The tls_overhead bench serves a lab endpoint (valid chain for "localhost" on 127.0.0.1) until
# its stdin closes; curl runs from here with the lab root as --cacert, then the same bench
# measures warroom against that endpoint. Every figure is a median of cumulative milliseconds
# from the start of the request, as curl's time_connect, time_appconnect, time_starttransfer.
#
# Columns: warroom (one client for all requests, as a probe run), warroom_new_client (client
# built inside each TLS phase), curl (one process per request, a plain `curl -w` loop),
# curl_one_process (one process, every request on a new connection, no session reuse).
#
# Usage: benches/tls_vs_curl.sh [ITERATIONS]   (default 200)
set -euo pipefail

iterations="${1:-200}"
warm_ups=5
cd "$(dirname "$0")/.."
command -v curl >/dev/null || { echo "tls_vs_curl: curl is not installed" >&2; exit 1; }

tmp="$(mktemp -d)"
cleanup() {
    exec 3>&- || true
    wait "${server_pid:-}" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

cargo bench --quiet --bench tls_overhead --no-run 2>/dev/null

# The endpoint lives as long as fd 3, the write end of its stdin, stays open.
mkfifo "$tmp/hold"
cargo bench --quiet --bench tls_overhead -- --serve --cacert-out "$tmp/root.pem" \
    <"$tmp/hold" >"$tmp/endpoint" &
server_pid=$!
exec 3>"$tmp/hold"

for _ in $(seq 100); do
    grep -q '^port=' "$tmp/endpoint" 2>/dev/null && break
    sleep 0.1
done
port="$(sed -n 's/^port=//p' "$tmp/endpoint")"
[ -n "$port" ] || { echo "tls_vs_curl: the lab endpoint did not start" >&2; exit 1; }

url="https://localhost:$port/"
curl_args=(-s --http1.1 --no-sessionid --cacert "$tmp/root.pem"
    --resolve "localhost:$port:127.0.0.1"
    -w '%{time_connect} %{time_appconnect} %{time_starttransfer}\n')

for i in $(seq $((warm_ups + iterations))); do
    line="$(curl "${curl_args[@]}" -o /dev/null "$url")"
    if [ "$i" -gt "$warm_ups" ]; then echo "$line" >>"$tmp/curl"; fi
done

one_process_urls=()
for _ in $(seq $((warm_ups + iterations))); do one_process_urls+=(-o /dev/null "$url"); done
curl "${curl_args[@]}" "${one_process_urls[@]}" | tail -n "$iterations" >"$tmp/curl_one_process"

cargo bench --quiet --bench tls_overhead -- \
    --connect "127.0.0.1:$port" --ca-file "$tmp/root.pem" --iterations "$iterations" \
    >"$tmp/warroom"

# Median of column $2 of file $1 (seconds), in milliseconds.
median_ms() {
    cut -d' ' -f"$2" "$1" | sort -g |
        awk '{ v[NR] = $1 } END { printf "%.3f", v[int(NR / 2) + 1] * 1000 }'
}
warroom_ms() { awk -v key="$1" -v col="$2" '$1 == key { print $(col + 1) }' "$tmp/warroom"; }

echo "median of $iterations requests, ms from the start of the request (cumulative)"
printf '%-14s %10s %18s %10s %16s %9s\n' phase warroom warroom_new_client curl \
    curl_one_process 'w/c1p'
col=1
for phase in connect appconnect starttransfer; do
    ours="$(warroom_ms warroom "$col")"
    one="$(median_ms "$tmp/curl_one_process" "$col")"
    printf '%-14s %10.3f %18.3f %10.3f %16.3f %9.2f\n' "$phase" "$ours" \
        "$(warroom_ms warroom_new_client "$col")" "$(median_ms "$tmp/curl" "$col")" "$one" \
        "$(awk -v a="$ours" -v b="$one" 'BEGIN { print (b > 0 ? a / b : 0) }')"
    col=$((col + 1))
done
