//! A command's standard output as a source (`cmd:kubectl logs -f deploy/api`).
//!
//! The command runs without a shell (arguments were split like a shell would, with no
//! expansion). Its stderr lines and its exit status are sent as events, never dropped. When
//! following, it is started again after it exits, with a backoff doubling from 1 s to 30 s that
//! resets once a run lasted 30 s, so a crash-looping `kubectl` neither spins nor goes unnoticed.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use super::stdin::read_stream;
use super::{ReadMode, SourceEvent, SourceMsg, SourceOptions, Stop, send};
use crate::text::inert_bytes;

const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A run at least this long resets the backoff.
const HEALTHY_RUN: Duration = Duration::from_secs(30);
/// How often waiting threads look at the stop flag.
const STOP_CHECK: Duration = Duration::from_millis(100);
/// Longest stderr line kept, in bytes.
const MAX_STDERR_LINE: usize = 1024;

/// Runs the command (again and again when following) until stopped.
#[expect(
    clippy::needless_pass_by_value,
    reason = "the source thread owns its channel end and stop flag"
)]
pub fn run(
    source: usize,
    program: &str,
    args: &[String],
    options: SourceOptions,
    tx: SyncSender<SourceMsg>,
    stop: Stop,
) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        let started = Instant::now();
        run_once(source, program, args, &tx, &stop);
        if options.mode == ReadMode::ToEnd || stop.requested() {
            break;
        }
        if started.elapsed() >= HEALTHY_RUN {
            backoff = FIRST_BACKOFF;
        }
        let event = SourceEvent::Restarting { after: backoff };
        if !send(&tx, SourceMsg::Event { source, event }) || !sleep_unless_stopped(backoff, &stop) {
            break;
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
    send(&tx, SourceMsg::Finished { source });
}

fn run_once(
    source: usize,
    program: &str,
    args: &[String],
    tx: &SyncSender<SourceMsg>,
    stop: &Stop,
) {
    let spawned = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            let event = SourceEvent::Error(format!("starting {program}: {e}"));
            send(tx, SourceMsg::Event { source, event });
            return;
        }
    };
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let child = Arc::new(Mutex::new(child));
    let finished = Stop::default();

    let killer = {
        let (child, stop, finished) = (Arc::clone(&child), stop.clone(), finished.clone());
        thread::spawn(move || kill_on_stop(&child, &stop, &finished))
    };
    let stderr_reader = stderr.map(|stderr| {
        let tx = tx.clone();
        thread::spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                let text = line.strip_suffix(b"\n").unwrap_or(&line);
                let text = &text[..text.len().min(MAX_STDERR_LINE)];
                let event = SourceEvent::Stderr(inert_bytes(text));
                if !send(&tx, SourceMsg::Event { source, event }) {
                    break;
                }
                line.clear();
            }
        })
    });

    if let Some(mut stdout) = stdout {
        read_stream(source, &mut stdout, tx, program);
    }
    let status = reap(&child);
    finished.request();
    if let Some(reader) = stderr_reader {
        let _ = reader.join();
    }
    let _ = killer.join();
    tracing::info!(program, ?status, "log command exited");
    let event = match status {
        Ok(status) => SourceEvent::Exited {
            status: status.to_string(),
            success: status.success(),
        },
        Err(e) => SourceEvent::Error(format!("waiting for {program}: {e}")),
    };
    send(tx, SourceMsg::Event { source, event });
}

/// Waits for the child without holding its lock, so that a stop can still kill it.
fn reap(child: &Mutex<Child>) -> std::io::Result<std::process::ExitStatus> {
    loop {
        if let Some(status) = child
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .try_wait()?
        {
            return Ok(status);
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Kills the child when a stop is requested; ends when the child has been reaped.
fn kill_on_stop(child: &Mutex<Child>, stop: &Stop, finished: &Stop) {
    while !finished.requested() {
        if stop.requested() {
            let _ = child.lock().unwrap_or_else(PoisonError::into_inner).kill();
            return;
        }
        thread::sleep(STOP_CHECK);
    }
}

/// Sleeps for `total` in short steps; `false` if a stop was requested meanwhile.
fn sleep_unless_stopped(total: Duration, stop: &Stop) -> bool {
    let deadline = Instant::now() + total;
    while Instant::now() < deadline {
        if stop.requested() {
            return false;
        }
        thread::sleep(STOP_CHECK.min(deadline - Instant::now()));
    }
    !stop.requested()
}
