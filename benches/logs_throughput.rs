//! Parse + histogram throughput on one core, for the performance targets of the logs issue.
//!
//! Generates 1,000,000-line nginx combined and JSON-lines inputs in memory (the same mix as
//! `benches/logs_compare.sh`: ~88% 2xx, 4% 3xx, 5% 4xx, 3% 5xx, high-cardinality paths), then
//! times the path every line takes in warroom: framing into lines, parsing, and counting into the
//! windowed histogram and the top-k sketches (`Aggregator::ingest`). Reading from disk is left
//! out. Prints the median of five runs in million lines per second.
//!
//! Rates are per second of the benchmark thread's own CPU time (from
//! `/proc/thread-self/schedstat`), so that on a shared machine time spent waiting for a core
//! does not count; the wall-clock rate is printed beside it.
//!
//! Run: `cargo bench --bench logs_throughput` (set `LINES=...` for another size).

use std::hint::black_box;
use std::time::{Duration, Instant};

/// CPU time and wall time since a start.
struct Timer {
    wall: Instant,
    cpu_ns: Option<u64>,
}

impl Timer {
    fn start() -> Timer {
        Timer {
            wall: Instant::now(),
            cpu_ns: thread_cpu_ns(),
        }
    }

    /// (CPU time if the kernel reports it, else wall time; wall time).
    fn elapsed(&self) -> (Duration, Duration) {
        let wall = self.wall.elapsed();
        let cpu = match (self.cpu_ns, thread_cpu_ns()) {
            (Some(start), Some(now)) => Duration::from_nanos(now - start),
            _ => wall,
        };
        (cpu, wall)
    }
}

/// Nanoseconds this thread has run on a CPU.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

use warroom::logs::aggregate::{Aggregator, AggregatorOptions};
use warroom::logs::frame::{Framer, LineBatch};
use warroom::logs::parse::{self, Format};
use warroom::logs::summary::Summary;
use warroom::logs::{SourcePlan, SourceSpec};

const ROUNDS: usize = 5;
const CHUNK: usize = 256 * 1024;

/// A small deterministic generator (xorshift), so runs compare.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Record {
    ip: String,
    method: &'static str,
    path: String,
    status: u16,
    size: u64,
    agent: &'static str,
    request_time: f64,
}

const PATHS: [&str; 10] = [
    "/",
    "/api/v1/users/",
    "/api/v1/orders/",
    "/api/v2/search?q=",
    "/static/js/app.",
    "/products/",
    "/checkout",
    "/healthz",
    "/graphql",
    "/login",
];
const AGENTS: [&str; 4] = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "curl/8.5.0",
    "kube-probe/1.29",
];

fn record(rng: &mut Rng) -> Record {
    let roll = rng.below(100);
    let status = match roll {
        0..=2 => [500, 502, 502, 503, 503, 504][rng.below(6) as usize],
        3..=7 => [400, 401, 403, 404, 404, 404, 429, 499][rng.below(8) as usize],
        8..=11 => [301, 302, 304, 304][rng.below(4) as usize],
        _ => [200, 200, 200, 200, 201, 204][rng.below(6) as usize],
    };
    let base = PATHS[rng.below(PATHS.len() as u64) as usize];
    Record {
        ip: format!(
            "{}.{}.{}.{}",
            rng.below(223) + 1,
            rng.below(256),
            rng.below(256),
            rng.below(254) + 1
        ),
        method: if rng.below(10) < 8 { "GET" } else { "POST" },
        path: if base.ends_with('/') || base.ends_with('=') || base.ends_with('.') {
            format!("{base}{}", rng.below(99_999))
        } else {
            base.to_owned()
        },
        status,
        size: rng.below(50_000),
        agent: AGENTS[rng.below(AGENTS.len() as u64) as usize],
        request_time: rng.below(2000) as f64 / 1000.0,
    }
}

fn generate(lines: usize) -> (Vec<u8>, Vec<u8>) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut combined = Vec::with_capacity(lines * 170);
    let mut json = Vec::with_capacity(lines * 260);
    for i in 0..lines {
        let r = record(&mut rng);
        let second = i / 2000;
        combined.extend_from_slice(
            format!(
                "{} - - [01/Jun/2024:00:{:02}:{:02} +0000] \"{} {} HTTP/1.1\" {} {} \"-\" \"{}\"\n",
                r.ip,
                second / 60 % 60,
                second % 60,
                r.method,
                r.path,
                r.status,
                r.size,
                r.agent
            )
            .as_bytes(),
        );
        json.extend_from_slice(
            format!(
                "{{\"time\":\"2024-06-01T00:{:02}:{:02}.000Z\",\"remote_addr\":\"{}\",\"method\":\"{}\",\"path\":\"{}\",\"protocol\":\"HTTP/1.1\",\"status\":{},\"body_bytes_sent\":{},\"referer\":\"-\",\"user_agent\":\"{}\",\"request_time\":{}}}\n",
                second / 60 % 60,
                second % 60,
                r.ip,
                r.method,
                r.path,
                r.status,
                r.size,
                r.agent,
                r.request_time
            )
            .as_bytes(),
        );
    }
    (combined, json)
}

/// Frames, parses and counts `input` as one source; returns (lines counted, elapsed).
fn aggregate(input: &[u8], format: Option<Format>) -> (u64, (Duration, Duration)) {
    let plan = SourcePlan {
        name: "bench".into(),
        spec: SourceSpec::Stdin,
        format,
        custom: None,
    };
    let options = AggregatorOptions {
        recent_capacity: 0,
        ..AggregatorOptions::default()
    };
    let started = Timer::start();
    let mut aggregator = Aggregator::new(&[plan], options, 1_700_000_000);
    let mut framer = Framer::default();
    let mut batch = LineBatch::default();
    for (i, chunk) in input.chunks(CHUNK).enumerate() {
        batch.bytes.clear();
        batch.lines.clear();
        framer.push(chunk, &mut batch);
        // Lines arrive live, one second of arrival time per 16 chunks.
        aggregator.ingest(0, &batch, 1_700_000_000 + (i / 16) as i64);
    }
    let elapsed = started.elapsed();
    let summary = Summary::from_aggregator(black_box(&aggregator));
    (summary.lines, elapsed)
}

/// Parses every line without counting, for the parser's own share.
fn parse_only(input: &[u8], format: Format) -> (u64, (Duration, Duration)) {
    let started = Timer::start();
    let mut statuses = 0u64;
    for line in input.split(|b| *b == b'\n') {
        if let Some(parsed) = parse::parse_line(format, black_box(line), None) {
            statuses += u64::from(parsed.status.is_some());
        }
    }
    (black_box(statuses), started.elapsed())
}

/// Median rates over the rounds in million lines per second: (per CPU second, per wall second).
fn median_rate(mut run: impl FnMut() -> (u64, (Duration, Duration))) -> (u64, f64, f64) {
    let mut cpu_rates = Vec::new();
    let mut wall_rates = Vec::new();
    let mut lines = 0;
    for _ in 0..ROUNDS {
        let (n, (cpu, wall)) = run();
        lines = n;
        cpu_rates.push(n as f64 / cpu.as_secs_f64() / 1e6);
        wall_rates.push(n as f64 / wall.as_secs_f64() / 1e6);
    }
    cpu_rates.sort_by(f64::total_cmp);
    wall_rates.sort_by(f64::total_cmp);
    (lines, cpu_rates[ROUNDS / 2], wall_rates[ROUNDS / 2])
}

fn main() {
    let lines: usize = std::env::var("LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let (combined, json) = generate(lines);
    println!(
        "inputs: {lines} lines; combined {:.0} MB, json {:.0} MB; median of {ROUNDS} runs, one core",
        combined.len() as f64 / 1e6,
        json.len() as f64 / 1e6
    );
    let cases: [(&str, &[u8], Option<Format>, f64); 3] = [
        ("combined, format detected", &combined, None, 5.0),
        (
            "combined, format given",
            &combined,
            Some(Format::Combined),
            5.0,
        ),
        ("json lines, format detected", &json, None, 3.0),
    ];
    for (name, input, format, target) in cases {
        let (counted, rate, wall) = median_rate(|| aggregate(input, format));
        assert_eq!(counted, lines as u64, "{name}: every line counted");
        let verdict = if rate >= target { "meets" } else { "MISSES" };
        println!(
            "frame+parse+histogram  {name:<28} {rate:6.2} M lines/s  (wall {wall:5.2})  {verdict} the {target} M target"
        );
    }
    for (name, input, format) in [
        ("combined", &combined, Format::Combined),
        ("json", &json, Format::Json),
    ] {
        let (_, rate, wall) = median_rate(|| parse_only(input, format));
        println!("parse only             {name:<28} {rate:6.2} M lines/s  (wall {wall:5.2})");
    }
}
