//! How much warroom's own timing costs: TCP connect, TLS handshake (with the capturing verifier
//! and the chain analysis) and time to first byte of one HTTP/1.1 GET, against `curl -w` on the
//! same lab endpoint.
//!
//! Modes:
//! - no arguments (`cargo bench --bench tls_overhead`): starts a lab TLS endpoint in-process,
//!   measures warroom, then curl if it is installed, and prints medians side by side;
//! - `--serve --cacert-out FILE`: starts the endpoint, writes the lab root PEM to FILE, prints
//!   `port=N`, and serves until stdin closes (used by `benches/tls_vs_curl.sh`);
//! - `--connect ADDR --ca-file FILE`: measures warroom only against an endpoint already running
//!   and prints one `warroom CONNECT APPCONNECT STARTTRANSFER` line of medians in milliseconds.
//!
//! `--iterations N` sets the number of measured requests (default 100) after five warm-ups.
//! The HTTP request is written by hand over the TLS stream; the real HTTP hop is not used here.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use warroom::demo::lab::pki::{LabPki, LeafSpec};
use warroom::demo::lab::tls::{HelloHandler, TlsMode, TlsServer};
use warroom::probe::model::HopStatus;
use warroom::probe::spec::ProbeSettings;
use warroom::probe::tls::TlsClient;

const WARM_UPS: usize = 5;
const SERVER_NAME: &str = "localhost";
const TIMEOUT: Duration = Duration::from_secs(5);

/// Cumulative milliseconds from the start of a request, as `curl -w` reports them.
#[derive(Debug, Clone, Copy)]
#[expect(
    clippy::struct_field_names,
    reason = "durations carry their unit in the name"
)]
struct Phases {
    connect_ms: f64,
    appconnect_ms: f64,
    starttransfer_ms: f64,
}

struct Args {
    iterations: usize,
    serve: Option<PathBuf>,
    connect: Option<(SocketAddr, PathBuf)>,
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("tls_overhead: starting the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tls_overhead: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let args = parse_args()?;
    if let Some((addr, ca_file)) = &args.connect {
        let pem =
            std::fs::read(ca_file).with_context(|| format!("reading {}", ca_file.display()))?;
        let roots = rustls_pemfile::certs(&mut pem.as_slice())
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("parsing {}", ca_file.display()))?;
        let samples = measure_warroom(*addr, roots, args.iterations).await?;
        let m = medians(&samples);
        println!(
            "warroom {:.3} {:.3} {:.3}",
            m.connect_ms, m.appconnect_ms, m.starttransfer_ms
        );
        return Ok(());
    }

    let pki = LabPki::new()?;
    let leaf = pki.issue(&LeafSpec::new([SERVER_NAME]))?;
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let server = TlsServer::start(
        loopback,
        leaf.full_chain(),
        TlsMode::Serve,
        Arc::new(HelloHandler),
    )
    .await?;
    let port = server.local_addr().port();

    if let Some(cacert_out) = &args.serve {
        write_pem(cacert_out, &pki.root_pem())?;
        println!("port={port}");
        // Serve until whoever started us closes our stdin.
        tokio::task::spawn_blocking(|| {
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new())
        })
        .await??;
        return Ok(());
    }

    let warroom =
        measure_warroom(server.local_addr(), vec![pki.root_der()], args.iterations).await?;
    let dir = tempfile::tempdir()?;
    let cacert = dir.path().join("lab-root.pem");
    write_pem(&cacert, &pki.root_pem())?;
    let curl = measure_curl(port, &cacert, args.iterations).await;
    report(
        args.iterations,
        &medians(&warroom),
        curl.as_ref().ok().map(|s| medians(s)),
    );
    if let Err(e) = curl {
        println!("(curl not measured: {e:#})");
    }
    Ok(())
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        iterations: 100,
        serve: None,
        connect: None,
    };
    let mut it = std::env::args().skip(1);
    let mut connect_addr = None;
    let mut ca_file = None;
    let mut serve = false;
    let mut cacert_out = None;
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--iterations" => {
                args.iterations = it.next().context("--iterations needs a number")?.parse()?;
            }
            "--serve" => serve = true,
            "--cacert-out" => {
                cacert_out = Some(PathBuf::from(
                    it.next().context("--cacert-out needs a path")?,
                ));
            }
            "--connect" => connect_addr = Some(it.next().context("--connect needs ADDR")?.parse()?),
            "--ca-file" => {
                ca_file = Some(PathBuf::from(it.next().context("--ca-file needs a path")?));
            }
            // cargo bench passes `--bench`; other harness flags do not apply here.
            _ => {}
        }
    }
    if serve {
        args.serve = Some(cacert_out.context("--serve needs --cacert-out FILE for the lab root")?);
    }
    args.connect = match (connect_addr, ca_file) {
        (Some(addr), Some(file)) => Some((addr, file)),
        (None, None) => None,
        _ => bail!("--connect and --ca-file go together"),
    };
    Ok(args)
}

async fn measure_warroom(
    addr: SocketAddr,
    extra_roots: Vec<rustls_pki_types::CertificateDer<'static>>,
    iterations: usize,
) -> Result<Vec<Phases>> {
    let settings = ProbeSettings {
        extra_roots,
        ..ProbeSettings::default()
    };
    let client = TlsClient::new(&settings)?;
    let mut samples = Vec::with_capacity(iterations);
    for i in 0..WARM_UPS + iterations {
        let phases = one_request(&client, addr).await?;
        if i >= WARM_UPS {
            samples.push(phases);
        }
    }
    Ok(samples)
}

/// Connect, shake hands, send a GET and wait for the first byte of the answer.
async fn one_request(client: &TlsClient, addr: SocketAddr) -> Result<Phases> {
    let started = Instant::now();
    let tcp = TcpStream::connect(addr).await?;
    let connected = started.elapsed();
    let (hop, stream) = client.handshake(tcp, SERVER_NAME, TIMEOUT).await;
    let handshaken = started.elapsed();
    let Some(mut stream) = stream else {
        bail!("the lab endpoint failed the TLS hop: {:?}", hop.findings);
    };
    if hop.status != HopStatus::Ok {
        bail!("the lab endpoint should be healthy: {:?}", hop.findings);
    }
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await?;
    let mut first = [0u8; 1];
    stream.read_exact(&mut first).await?;
    let first_byte = started.elapsed();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await?;
    Ok(Phases {
        connect_ms: ms(connected),
        appconnect_ms: ms(handshaken),
        starttransfer_ms: ms(first_byte),
    })
}

async fn measure_curl(port: u16, cacert: &Path, iterations: usize) -> Result<Vec<Phases>> {
    let mut samples = Vec::with_capacity(iterations);
    for i in 0..WARM_UPS + iterations {
        let output = tokio::process::Command::new("curl")
            .args(["-s", "-o", "/dev/null", "--http1.1", "--cacert"])
            .arg(cacert)
            .arg("--resolve")
            .arg(format!("{SERVER_NAME}:{port}:127.0.0.1"))
            .args([
                "-w",
                "%{time_connect} %{time_appconnect} %{time_starttransfer}",
            ])
            .arg(format!("https://{SERVER_NAME}:{port}/"))
            .output()
            .await
            .context("running curl")?;
        if !output.status.success() {
            bail!("curl exited with {}", output.status);
        }
        let text = String::from_utf8_lossy(&output.stdout);
        let secs: Vec<f64> = text
            .split_whitespace()
            .filter_map(|s| s.parse().ok())
            .collect();
        let [connect, appconnect, starttransfer] = secs[..] else {
            bail!("unexpected curl -w output {text:?}");
        };
        if i >= WARM_UPS {
            samples.push(Phases {
                connect_ms: connect * 1000.0,
                appconnect_ms: appconnect * 1000.0,
                starttransfer_ms: starttransfer * 1000.0,
            });
        }
    }
    Ok(samples)
}

fn medians(samples: &[Phases]) -> Phases {
    let median = |pick: fn(&Phases) -> f64| {
        let mut values: Vec<f64> = samples.iter().map(pick).collect();
        values.sort_by(f64::total_cmp);
        values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
    };
    Phases {
        connect_ms: median(|p| p.connect_ms),
        appconnect_ms: median(|p| p.appconnect_ms),
        starttransfer_ms: median(|p| p.starttransfer_ms),
    }
}

fn report(iterations: usize, warroom: &Phases, curl: Option<Phases>) {
    println!("median of {iterations} requests, ms from the start of the request (cumulative)");
    println!(
        "{:<18} {:>10} {:>10} {:>8}",
        "phase", "warroom", "curl", "ratio"
    );
    let rows = [
        ("connect", warroom.connect_ms, curl.map(|c| c.connect_ms)),
        (
            "appconnect (TLS)",
            warroom.appconnect_ms,
            curl.map(|c| c.appconnect_ms),
        ),
        (
            "starttransfer",
            warroom.starttransfer_ms,
            curl.map(|c| c.starttransfer_ms),
        ),
    ];
    for (phase, ours, theirs) in rows {
        match theirs {
            Some(theirs) => println!(
                "{phase:<18} {ours:>10.3} {theirs:>10.3} {:>8.2}",
                ours / theirs
            ),
            None => println!("{phase:<18} {ours:>10.3} {:>10} {:>8}", "-", "-"),
        }
    }
}

fn write_pem(path: &Path, pem: &str) -> Result<()> {
    std::fs::write(path, pem).with_context(|| format!("writing {}", path.display()))
}

fn ms(elapsed: Duration) -> f64 {
    elapsed.as_secs_f64() * 1000.0
}
