//! How much warroom's own timing costs: TCP connect, TLS handshake (with the capturing verifier
//! and the chain analysis) and time to first byte of one HTTP/1.1 GET, against `curl -w` on the
//! same lab endpoint.
//!
//! Columns: `warroom` reuses one `TlsClient` as a probe run does; `warroom_new_client` builds
//! the client (roots, verifier) inside the TLS phase of every request; `curl` is one process per
//! request, as a `curl -w` loop measures; `curl_one_process` makes every request from one
//! process, each on a new connection without session reuse, so OpenSSL is set up only once.
//!
//! Modes:
//! - no arguments (`cargo bench --bench tls_overhead`): starts a lab TLS endpoint in-process,
//!   measures warroom, then curl if it is installed, and prints medians side by side;
//! - `--serve --cacert-out FILE`: starts the endpoint, writes the lab root PEM to FILE, prints
//!   `port=N`, and serves until stdin closes (used by `benches/tls_vs_curl.sh`);
//! - `--connect ADDR --ca-file FILE`: measures warroom only against an endpoint already running
//!   and prints one `COLUMN CONNECT APPCONNECT STARTTRANSFER` line of medians (ms) per column.
//!
//! `--iterations N` sets the number of measured requests (default 100) after five warm-ups.
//! The HTTP request is written by hand over the TLS stream; the real HTTP hop is not used here.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rustls_pki_types::CertificateDer;
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
        for column in warroom_columns(*addr, &roots, args.iterations).await? {
            let m = column.medians;
            println!(
                "{} {:.3} {:.3} {:.3}",
                column.key, m.connect_ms, m.appconnect_ms, m.starttransfer_ms
            );
        }
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

    let mut columns =
        warroom_columns(server.local_addr(), &[pki.root_der()], args.iterations).await?;
    let dir = tempfile::tempdir()?;
    let cacert = dir.path().join("lab-root.pem");
    write_pem(&cacert, &pki.root_pem())?;
    match curl_columns(port, &cacert, args.iterations).await {
        Ok(curl) => columns.extend(curl),
        Err(e) => println!("(curl not measured: {e:#})"),
    }
    report(args.iterations, &columns);
    Ok(())
}

/// One way of making the request, with the medians of its phases.
struct Column {
    key: &'static str,
    medians: Phases,
}

/// warroom as a run uses it (one client for every probe), and with a client built inside the
/// TLS phase of each request (what a one-shot tool pays, as curl does per process).
async fn warroom_columns(
    addr: SocketAddr,
    extra_roots: &[CertificateDer<'static>],
    iterations: usize,
) -> Result<Vec<Column>> {
    let settings = ProbeSettings {
        extra_roots: extra_roots.to_vec(),
        ..ProbeSettings::default()
    };
    let shared = TlsClient::new(&settings)?;
    let mut columns = Vec::new();
    for (key, fresh) in [("warroom", false), ("warroom_new_client", true)] {
        let mut samples = Vec::with_capacity(iterations);
        for i in 0..WARM_UPS + iterations {
            let phases = one_request(&shared, fresh.then_some(&settings), addr).await?;
            if i >= WARM_UPS {
                samples.push(phases);
            }
        }
        columns.push(Column {
            key,
            medians: medians(&samples),
        });
    }
    Ok(columns)
}

/// curl with one process per request (what a `curl -w` loop measures), and one process making
/// every request on a new connection without session reuse (OpenSSL set up once).
async fn curl_columns(port: u16, cacert: &Path, iterations: usize) -> Result<Vec<Column>> {
    let mut per_process = Vec::with_capacity(iterations);
    for i in 0..WARM_UPS + iterations {
        let samples = run_curl(port, cacert, 1).await?;
        if i >= WARM_UPS {
            per_process.extend(samples);
        }
    }
    let one_process = run_curl(port, cacert, WARM_UPS + iterations).await?;
    Ok(vec![
        Column {
            key: "curl",
            medians: medians(&per_process),
        },
        Column {
            key: "curl_one_process",
            medians: medians(one_process.get(WARM_UPS..).unwrap_or_default()),
        },
    ])
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

/// Connect, shake hands, send a GET and wait for the first byte of the answer. With
/// `fresh_settings`, a new client is built after the connect, inside the TLS phase.
async fn one_request(
    shared: &TlsClient,
    fresh_settings: Option<&ProbeSettings>,
    addr: SocketAddr,
) -> Result<Phases> {
    let started = Instant::now();
    let tcp = TcpStream::connect(addr).await?;
    let connected = started.elapsed();
    let fresh = fresh_settings.map(TlsClient::new).transpose()?;
    let client = fresh.as_ref().unwrap_or(shared);
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

/// Runs one curl process making `transfers` requests, each on a new connection (the server
/// closes it) without TLS session reuse, and returns the phases of each.
async fn run_curl(port: u16, cacert: &Path, transfers: usize) -> Result<Vec<Phases>> {
    let url = format!("https://{SERVER_NAME}:{port}/");
    let mut command = tokio::process::Command::new("curl");
    command
        .args(["-s", "--http1.1", "--no-sessionid", "--cacert"])
        .arg(cacert)
        .arg("--resolve")
        .arg(format!("{SERVER_NAME}:{port}:127.0.0.1"))
        .args([
            "-w",
            "%{time_connect} %{time_appconnect} %{time_starttransfer}\\n",
        ]);
    for _ in 0..transfers {
        command.args(["-o", "/dev/null", &url]);
    }
    let output = command.output().await.context("running curl")?;
    if !output.status.success() {
        bail!("curl exited with {}", output.status);
    }
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .map(|line| {
            let secs: Vec<f64> = line
                .split_whitespace()
                .filter_map(|s| s.parse().ok())
                .collect();
            let [connect, appconnect, starttransfer] = secs[..] else {
                bail!("unexpected curl -w output {line:?}");
            };
            Ok(Phases {
                connect_ms: connect * 1000.0,
                appconnect_ms: appconnect * 1000.0,
                starttransfer_ms: starttransfer * 1000.0,
            })
        })
        .collect()
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

/// Picks one phase out of a sample.
type PhasePick = fn(&Phases) -> f64;

fn report(iterations: usize, columns: &[Column]) {
    println!("median of {iterations} requests, ms from the start of the request (cumulative)");
    print!("{:<16}", "phase");
    for column in columns {
        print!(" {:>18}", column.key);
    }
    println!();
    let phases: [(&str, PhasePick); 3] = [
        ("connect", |p| p.connect_ms),
        ("appconnect", |p| p.appconnect_ms),
        ("starttransfer", |p| p.starttransfer_ms),
    ];
    for (phase, pick) in phases {
        print!("{phase:<16}");
        for column in columns {
            print!(" {:>18.3}", pick(&column.medians));
        }
        println!();
    }
    let find = |key: &str| columns.iter().find(|c| c.key == key).map(|c| c.medians);
    if let (Some(ours), Some(theirs)) = (find("warroom"), find("curl_one_process")) {
        println!(
            "ratio warroom / curl_one_process: starttransfer {:.2}, appconnect {:.2}",
            ours.starttransfer_ms / theirs.starttransfer_ms,
            ours.appconnect_ms / theirs.appconnect_ms
        );
    }
}

fn write_pem(path: &Path, pem: &str) -> Result<()> {
    std::fs::write(path, pem).with_context(|| format!("writing {}", path.display()))
}

fn ms(elapsed: Duration) -> f64 {
    elapsed.as_secs_f64() * 1000.0
}
