//! `warroom logs`: read or follow log sources and print status-code counts.
//!
//! Without `--follow` every source is read to its end once. With it, files are followed through
//! rotation and commands restarted until `--for` elapses or SIGINT/SIGTERM arrives; then every
//! source reads what is left and the summary is printed. Diagnostics (rotations, truncations,
//! errors naming the file) go to stderr as they happen; the report goes to stdout.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::cli::{LogFormatArg, LogsArgs};
use crate::commands::Outcome;
use crate::config::{self, sections};
use crate::logs::aggregate::{Aggregator, AggregatorOptions};
use crate::logs::engine::Engine;
use crate::logs::source::{ReadMode, SourceEvent, SourceMsg, SourceOptions, StartAt, Stop};
use crate::logs::spike::{SpikeEvent, SpikeKind};
use crate::logs::summary::{IntervalTracker, Summary};
use crate::logs::worker::unix_now;
use crate::logs::{Format, LogsConfig, SourcePlan};
use crate::text::inert;

/// How long to wait, after a stop, for sources that cannot be interrupted (standard input).
const STOP_GRACE: Duration = Duration::from_secs(2);
/// Longest wait between two looks at the clock and the stop flags.
const TICK: Duration = Duration::from_millis(200);

pub fn run(args: &LogsArgs) -> Outcome {
    let format = match args.format {
        LogFormatArg::Auto => None,
        LogFormatArg::Combined => Some(Format::Combined),
        LogFormatArg::Common => Some(Format::Common),
        LogFormatArg::Json => Some(Format::Json),
        LogFormatArg::Logfmt => Some(Format::Logfmt),
    };
    let mut plans =
        SourcePlan::from_specs(&args.specs, format).context("reading the log sources")?;
    // `-c` adds the file's `[[log]]` sources and `[logs]` thresholds; without it only the
    // sources on the command line are read, whatever configuration lies around.
    let (sources, settings) = match &args.config {
        Some(path) => {
            let loaded = config::load(Some(path))?;
            (
                sections::log_sources(&loaded)?,
                sections::logs_config(&loaded)?,
            )
        }
        None => (Vec::new(), LogsConfig::default()),
    };
    for entry in &sources {
        plans.extend(SourcePlan::from_config(entry).with_context(|| {
            let file = args.config.as_deref().unwrap_or(Path::new("?"));
            format!("reading [[log]] {:?} in {}", entry.path, file.display())
        })?);
    }
    let options = SourceOptions {
        mode: if args.follow {
            ReadMode::Follow
        } else {
            ReadMode::ToEnd
        },
        start: if args.from_start || !args.follow {
            StartAt::Beginning
        } else {
            StartAt::End { backfill_lines: 0 }
        },
        ..SourceOptions::default()
    };
    let aggregator_options = AggregatorOptions {
        recent_capacity: 0,
        thresholds: settings.spike,
    };
    let mut aggregator = Aggregator::new(&plans, aggregator_options, unix_now());
    let mut engine = Engine::start(&plans, options).context("starting the log sources")?;
    let interrupted = watch_signals();
    let deadline = args.for_duration.map(|d| Instant::now() + d);
    let mut intervals = IntervalTracker::default();
    let mut next_interval = args.every.map(|every| Instant::now() + every);
    let mut stopping_since: Option<Instant> = None;
    let mut any_error = false;
    let mut stdout = std::io::stdout();

    while engine.running() > 0 {
        match engine.messages.recv_timeout(TICK) {
            Ok(msg) => {
                match &msg {
                    SourceMsg::Finished { .. } => {
                        engine.finished_one();
                    }
                    SourceMsg::Event { source, event } => {
                        any_error |= report(&plans[*source].name, event);
                    }
                    SourceMsg::Lines { .. } => {}
                }
                aggregator.apply(&msg, unix_now());
            }
            Err(RecvTimeoutError::Timeout) => aggregator.tick(unix_now()),
            Err(RecvTimeoutError::Disconnected) => break,
        }
        for spike in aggregator.take_new_spikes() {
            eprintln!("warroom: {}", describe_spike(&spike));
        }
        if let (Some(due), Some(every)) = (next_interval, args.every)
            && Instant::now() >= due
        {
            let line = intervals.next(
                &aggregator,
                chrono::Utc::now().format("%H:%M:%S").to_string(),
            );
            let text = if args.json {
                serde_json::to_string(&line).context("encoding an interval summary")?
            } else {
                line.to_text()
            };
            writeln!(stdout, "{text}").context("writing to standard output")?;
            next_interval = Some(due + every);
        }
        let time_is_up = deadline.is_some_and(|d| Instant::now() >= d);
        if stopping_since.is_none() && (time_is_up || interrupted.requested()) {
            engine.stop();
            stopping_since = Some(Instant::now());
        }
        if stopping_since.is_some_and(|since| since.elapsed() > STOP_GRACE) {
            break;
        }
    }

    let summary = Summary::from_aggregator(&aggregator);
    let text = if args.json {
        serde_json::to_string(&summary).context("encoding the summary")?
    } else {
        summary.to_text()
    };
    writeln!(stdout, "{text}").context("writing to standard output")?;
    Ok(if any_error {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn describe_spike(spike: &SpikeEvent) -> String {
    let when = spike.at.format("%H:%M:%S");
    match spike.kind {
        SpikeKind::Began => format!(
            "5xx spike began at {when}: {:.1}% of requests, {:.1}/s (baseline {:.1}%)",
            spike.share * 100.0,
            spike.rate_per_sec,
            spike.baseline_share * 100.0
        ),
        SpikeKind::Ended => format!(
            "5xx spike ended at {when}: {:.1}% of requests now (peak {:.1}%)",
            spike.share * 100.0,
            spike.peak_share * 100.0
        ),
    }
}

/// Prints a source event worth telling on stderr; returns whether it was an error.
fn report(name: &str, event: &SourceEvent) -> bool {
    let name = inert(name);
    let (message, error) = match event {
        SourceEvent::Rotated { path } => (format!("{} was rotated", path.display()), false),
        SourceEvent::Truncated { path } => (
            format!(
                "{} was truncated; reading it from the start",
                path.display()
            ),
            false,
        ),
        SourceEvent::Missing { path } => (
            format!("{} does not exist; waiting for it", path.display()),
            false,
        ),
        SourceEvent::Polling { reason } => (format!("{reason}; polling instead"), false),
        SourceEvent::Error(message) => (message.clone(), true),
        SourceEvent::Stderr(line) => (format!("stderr: {line}"), false),
        SourceEvent::Exited { status, success } => (format!("command exited: {status}"), !success),
        SourceEvent::Restarting { after } => (
            format!("restarting in {}", crate::duration::format_duration(*after)),
            false,
        ),
        SourceEvent::Opened { .. } => return false,
    };
    eprintln!("warroom: {name}: {}", inert(&message));
    error
}

/// Sets the returned flag on SIGINT or SIGTERM, from a small thread running a tokio runtime.
fn watch_signals() -> Stop {
    let flag = Stop::default();
    let setter = flag.clone();
    let spawned = std::thread::Builder::new()
        .name("signals".to_owned())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                let Ok(mut term) =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                else {
                    let _ = tokio::signal::ctrl_c().await;
                    setter.request();
                    return;
                };
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
                setter.request();
            });
        });
    if spawned.is_err() {
        eprintln!("warroom: cannot watch for signals; stop with --for");
    }
    flag
}
