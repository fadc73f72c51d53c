//! One probe round over 200 plain-HTTP targets on loopback, all probed concurrently.
//!
//! Each target is its own lab app server on 127.0.0.1, so the round measures warroom's engine
//! (connect, reset watch, request, response, verdicts) rather than one server's accept queue.
//! Run with `cargo bench --bench probe_round`; prints the median and fastest round in
//! milliseconds and the rounds per second the median allows.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use url::Url;
use warroom::demo::lab::http::{AppBehaviour, AppServer};
use warroom::probe::Prober;
use warroom::probe::spec::{ProbeSettings, TargetSpec};

const TARGETS: usize = 200;
const ROUNDS: usize = 15;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut servers = Vec::with_capacity(TARGETS);
    for _ in 0..TARGETS {
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        servers.push(AppServer::start(addr, AppBehaviour::default()).await?);
    }
    let targets: Vec<TargetSpec> = servers
        .iter()
        .map(|server| {
            let url = Url::parse(&format!("http://{}/health", server.local_addr()))?;
            let mut spec = TargetSpec::from_url(url);
            spec.timeout = Duration::from_secs(5);
            Ok(spec)
        })
        .collect::<Result<_, url::ParseError>>()?;
    // IP-literal targets skip the domain hop; the nameserver is never asked.
    let prober = Prober::new(ProbeSettings {
        dns_servers: vec![SocketAddr::from(([127, 0, 0, 1], 9))],
        compare_system_resolver: false,
        ..ProbeSettings::default()
    })?;

    // One round to warm up sockets and allocations.
    let warmup = prober.round(&targets, &[]).await;
    let healthy = warmup
        .targets
        .iter()
        .filter(|t| t.status == warroom::probe::model::Verdict::Ok)
        .count();
    println!("warm-up round: {healthy}/{TARGETS} targets healthy");

    let mut rounds_ms = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let report = prober.round(&targets, &[]).await;
        rounds_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(report.targets.len(), TARGETS);
    }
    rounds_ms.sort_by(f64::total_cmp);
    let median_ms = rounds_ms[ROUNDS / 2];
    let min_ms = rounds_ms[0];
    println!(
        "probe round over {TARGETS} loopback http targets, {ROUNDS} rounds: \
         median {median_ms:.1} ms, min {min_ms:.1} ms, {:.1} rounds/s \
         (each address includes the {} ms reset watch after connect)",
        1000.0 / median_ms,
        warroom::probe::RESET_WATCH.as_millis()
    );
    Ok(())
}
