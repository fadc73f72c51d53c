#!/usr/bin/env bash
# Times `warroom reconcile --json` against DuckDB on the same generated files, in one run.
#
# Usage: benches/reconcile_bench.sh [ROWS]   (default 5000000 rows a side)
# Needs: python3 with duckdb (pip install duckdb), /usr/bin/time. Files are cached in
# $BENCH_DIR (default /tmp/warroom-reconcile-bench/ROWS) and reused when present.
# Fails unless both tools agree on every category count and per-currency total, and those
# counts equal the anomalies the generator injected.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=${1:-5000000}
dir=${BENCH_DIR:-/tmp/warroom-reconcile-bench/$rows}
from=2026-03-02T00:00:00Z
to=2026-03-03T00:00:00Z
horizon_secs=3600

if [ ! -s "$dir/expected.json" ]; then
  echo "generating $rows rows a side in $dir"
  python3 benches/reconcile_gen.py "$rows" "$dir" >/dev/null
fi
cargo build --release --quiet --bin warroom
bin=target/release/warroom

# Warm the page cache so that neither tool pays for the first read of the files.
cat "$dir/ours.csv" "$dir/gateway.csv" >/dev/null

measure() { # label, command...: runs under /usr/bin/time -v, keeps stdout and the figures
  local label=$1; shift
  /usr/bin/time -v -o "$dir/$label.time" "$@" >"$dir/$label.json" || {
    local code=$?
    # warroom exits 2 when it finds critical anomalies, which the generated files have.
    [ "$label" = warroom ] && [ "$code" -eq 2 ] || { echo "$label failed ($code)"; exit 1; }
  }
}

measure warroom "$bin" reconcile --ours "$dir/ours.csv" --gateway "$dir/gateway.csv" \
  --from "$from" --to "$to" --now "$to" --retry-horizon "${horizon_secs}s" --json
measure duckdb python3 benches/reconcile_duckdb.py "$dir/ours.csv" "$dir/gateway.csv" \
  "$from" "$to" "$to" "$horizon_secs"

python3 - "$dir" "$rows" <<'PY'
import json, re, sys
d, rows = sys.argv[1], int(sys.argv[2])
def figures(label):
    text = open(f"{d}/{label}.time").read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
    secs = sum(float(p) * 60 ** i for i, p in enumerate(reversed(wall.split(":"))))
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    cpu = re.search(r"Percent of CPU this job got: (\S+)", text).group(1)
    return secs, rss_kb / 1024, cpu
w = json.load(open(f"{d}/warroom.json"))
k = json.load(open(f"{d}/duckdb.json"))
expected = json.load(open(f"{d}/expected.json"))
print(f"rows a side: {rows:,}")
print(f"{'tool':<8} {'wall s':>8} {'peak MiB':>9} {'CPU':>6}")
for label in ("warroom", "duckdb"):
    secs, mib, cpu = figures(label)
    print(f"{label:<8} {secs:>8.2f} {mib:>9.0f} {cpu:>6}")
print(f"duckdb query time inside python: {k['query_seconds']} s")
ok = True
print(f"{'category':<20} {'injected':>9} {'warroom':>9} {'duckdb':>9}")
for cat in sorted(expected):
    e, a, b = expected[cat], w["counts"].get(cat, 0), k["counts"].get(cat, 0)
    flag = "" if e == a == b else "  MISMATCH"
    ok &= not flag
    print(f"{cat:<20} {e:>9,} {a:>9,} {b:>9,}{flag}")
if w["totals"] != k["totals"]:
    ok = False
    print("totals differ:", w["totals"], k["totals"])
else:
    print(f"per-currency totals agree ({', '.join(sorted(w['totals']))})")
if w["bad_row_count"]:
    ok = False
    print("warroom reported bad rows:", w["bad_rows"][:3])
print("AGREE" if ok else "DISAGREE")
sys.exit(0 if ok else 1)
PY
