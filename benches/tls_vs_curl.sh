#!/usr/bin/env bash
# warroom's TCP + TLS + first-byte timing against `curl -w` on the same lab TLS endpoint.
#
# The tls_overhead bench serves a lab endpoint (valid chain for "localhost" on 127.0.0.1) until
# its stdin closes; curl runs from here with the lab root as --cacert, then the same bench
# measures warroom against that endpoint. Both report cumulative milliseconds from the start of
# the request; the table shows medians and warroom/curl ratios.
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

for i in $(seq $((warm_ups + iterations))); do
    line="$(curl -s -o /dev/null --http1.1 --cacert "$tmp/root.pem" \
        --resolve "localhost:$port:127.0.0.1" \
        -w '%{time_connect} %{time_appconnect} %{time_starttransfer}\n' \
        "https://localhost:$port/")"
    [ "$i" -gt "$warm_ups" ] && echo "$line" >>"$tmp/curl"
done

warroom="$(cargo bench --quiet --bench tls_overhead -- \
    --connect "127.0.0.1:$port" --ca-file "$tmp/root.pem" --iterations "$iterations")"

median() { # column of $tmp/curl, in seconds -> median in milliseconds
    cut -d' ' -f"$1" "$tmp/curl" | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", v[int(NR / 2) + 1] * 1000 }'
}

read -r _ w_connect w_app w_start <<<"$warroom"
echo "median of $iterations requests, ms from the start of the request (cumulative)"
printf '%-18s %10s %10s %8s\n' phase warroom curl ratio
for row in "connect $w_connect $(median 1)" "appconnect(TLS) $w_app $(median 2)" \
    "starttransfer $w_start $(median 3)"; do
    read -r phase ours theirs <<<"$row"
    printf '%-18s %10.3f %10.3f %8.2f\n' "$phase" "$ours" "$theirs" \
        "$(awk -v a="$ours" -v b="$theirs" 'BEGIN { print (b > 0 ? a / b : 0) }')"
done
