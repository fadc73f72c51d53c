#!/usr/bin/env bash
# Times `warroom logs --json FILE` against GoAccess and lnav on the same generated files, and
# measures warroom's peak memory after 10 million lines.
#
# Usage: benches/logs_compare.sh [LINES] [ROUNDS]     (defaults: 1000000 lines, 5 rounds)
# Needs python3 and GNU time (/usr/bin/time); GoAccess and lnav are timed when installed and
# skipped otherwise. Files go to ${WORK:-/tmp/warroom-logs-bench}; the generator is
# shared/notes/log-fixtures/gen.py when present, else an equivalent built in below.
set -euo pipefail
cd "$(dirname "$0")/.."

LINES=${1:-1000000}
ROUNDS=${2:-5}
WORK=${WORK:-/tmp/warroom-logs-bench}
mkdir -p "$WORK"

GEN=../shared/notes/log-fixtures/gen.py
[ -f "$GEN" ] || GEN=/work/shared/notes/log-fixtures/gen.py
if [ ! -f "$GEN" ]; then
  GEN="$WORK/gen.py"
  cat > "$GEN" <<'PY'
import json, random, sys, time
n, prefix = int(sys.argv[1]), sys.argv[2]
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
paths = ["/", "/api/v1/users/{id}", "/api/v1/orders/{id}", "/checkout", "/healthz", "/login"]
def status():
    r = rng.random()
    if r < 0.03: return rng.choice([500, 502, 503, 504])
    if r < 0.08: return rng.choice([400, 404, 429])
    if r < 0.12: return rng.choice([301, 304])
    return 200
t = 1717200000.0
with open(prefix + ".log", "w") as lf, open(prefix + ".jsonl", "w") as jf:
    for i in range(n):
        t += 0.0005
        tm = time.gmtime(t)
        ip = "10.%d.%d.%d" % (rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
        p = rng.choice(paths).replace("{id}", str(rng.randint(1, 99999)))
        st = status()
        ts = time.strftime("%d/%b/%Y:%H:%M:%S +0000", tm)
        lf.write(f'{ip} - - [{ts}] "GET {p} HTTP/1.1" {st} 512 "-" "curl/8.5.0"\n')
        jf.write(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", tm), "remote_addr": ip,
                             "method": "GET", "path": p, "status": st}, separators=(",", ":")) + "\n")
PY
fi

echo "building warroom (release)..."
cargo build --release --quiet
WARROOM=target/release/warroom

data="$WORK/access-$LINES"
if [ ! -f "$data.log" ]; then
  echo "generating $LINES lines into $data.{log,jsonl}..."
  python3 "$GEN" "$LINES" "$data" 42
fi

# median wall-clock seconds of ROUNDS runs of "$@" (stdout discarded)
median() {
  local times=()
  for _ in $(seq "$ROUNDS"); do
    local start end
    start=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || true
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}'
}

rate() { echo "scale=3; $LINES / $1 / 1000000" | bc -l; }

declare -A SECS
run_case() {  # name, command...
  local name=$1; shift
  local s
  s=$(median "$@")
  SECS[$name]=$s
  printf '%-34s %8.3f s  %7.3f M lines/s\n' "$name" "$s" "$(rate "$s")"
}

echo
echo "== $LINES lines, median of $ROUNDS runs (files in page cache)"
cat "$data.log" "$data.jsonl" > /dev/null
run_case "warroom combined" "$WARROOM" logs --json "$data.log"
run_case "warroom json" "$WARROOM" logs --json "$data.jsonl"
run_case "warroom combined (1 core)" taskset -c 0 "$WARROOM" logs --json "$data.log"

if command -v goaccess > /dev/null; then
  run_case "goaccess combined (all panels)" goaccess "$data.log" --log-format=COMBINED -o json
  run_case "goaccess status panel only" goaccess "$data.log" --log-format=COMBINED -o json \
    --ignore-panel=VISITORS --ignore-panel=REQUESTS --ignore-panel=REQUESTS_STATIC \
    --ignore-panel=NOT_FOUND --ignore-panel=HOSTS --ignore-panel=OS --ignore-panel=BROWSERS \
    --ignore-panel=VISIT_TIMES --ignore-panel=REFERRERS --ignore-panel=REFERRING_SITES \
    --ignore-panel=KEYPHRASES --ignore-panel=GEO_LOCATION --ignore-panel=VIRTUAL_HOSTS \
    --ignore-panel=REMOTE_USER --ignore-panel=CACHE_STATUS --ignore-panel=MIME_TYPE \
    --ignore-panel=TLS_TYPE
else
  echo "goaccess: not installed, skipped (apt-get install goaccess)"
fi
if command -v lnav > /dev/null; then
  run_case "lnav SQL group by status" lnav -n -c ';SELECT sc_status, count(*) FROM access_log GROUP BY sc_status' "$data.log"
else
  echo "lnav: not installed, skipped (apt-get install lnav)"
fi

echo
echo "== ratios (other tool's seconds / warroom's seconds, same file)"
for other in "goaccess combined (all panels)" "goaccess status panel only" "lnav SQL group by status"; do
  if [ -n "${SECS[$other]:-}" ]; then
    printf '%-34s warroom is %6.1fx faster\n' "$other" \
      "$(echo "${SECS[$other]} / ${SECS[warroom combined]}" | bc -l)"
  fi
done

echo
echo "== following a file that grows at 200,000 lines/s for 10 s (warroom logs --follow --every 100ms)"
python3 - "$WORK/growing.log" "$WARROOM" <<'PY'
import bisect, json, subprocess, sys, threading, time
path, warroom = sys.argv[1], sys.argv[2]
rate, secs = 200_000, 10
line = b'10.0.0.1 - - [01/Jun/2024:00:00:00 +0000] "GET /x HTTP/1.1" 200 5 "-" "bench"\n'
open(path, "wb").close()
proc = subprocess.Popen([warroom, "logs", "--follow", "--json", "--every", "100ms",
                         "--for", f"{secs + 4}s", path], stdout=subprocess.PIPE)
samples = []
def read():
    for raw in proc.stdout:
        doc = json.loads(raw)
        if "total_lines" in doc:
            samples.append((time.monotonic(), doc["total_lines"]))
reader = threading.Thread(target=read)
reader.start()
time.sleep(1.0)
written, n, start = [], 0, time.monotonic()
with open(path, "ab", buffering=0) as out:
    while n < rate * secs:
        k = min(int((time.monotonic() - start) * rate) - n, rate * secs - n)
        if k > 0:
            out.write(line * k)
            n += k
            written.append((time.monotonic(), n))
        time.sleep(0.005)
end = time.monotonic()
proc.wait()
reader.join()
times = [w[0] for w in written]
lags = []
for at, total in samples:
    i = bisect.bisect_right(times, at) - 1
    if 0 <= i and at <= end:
        lags.append(max(0, written[i][1] - total) / rate)
caught = next((max(0.0, at - end) for at, total in samples if total >= n), None)
lags.sort()
print(f"written {n} lines in {end - start:.2f} s; counted {samples[-1][1] if samples else 0}")
if lags:
    print(f"lag while writing: median {lags[len(lags) // 2] * 1000:.0f} ms, "
          f"max {lags[-1] * 1000:.0f} ms")
print("caught up " + (f"{caught * 1000:.0f} ms after the writer stopped" if caught is not None
                       else "never (within the run)"))
PY

echo
echo "== peak memory after 10 copies of the file (10,000,000 lines by default) (GNU time, maximum resident set size)"
if [ -x /usr/bin/time ]; then
  big="$WORK/access-10m.log"
  if [ ! -f "$big" ]; then
    for _ in $(seq 10); do cat "$data.log"; done > "$big"   # ten copies of the file
  fi
  /usr/bin/time -v "$WARROOM" logs --json "$big" 2> "$WORK/time.txt" > "$WORK/summary.json"
  grep -E "Maximum resident|Elapsed" "$WORK/time.txt"
  python3 -c "import json,sys; print('lines counted:', json.load(open(sys.argv[1]))['lines'])" "$WORK/summary.json"
else
  echo "/usr/bin/time not installed, skipped (apt-get install time)"
fi
