//! Sources: where log bytes come from, each read on its own thread.
//!
//! A source thread owns its I/O (a followed file, a command's pipes, standard input), frames the
//! bytes into lines and sends [`SourceMsg`]s over a bounded channel to whoever aggregates. When
//! the aggregator falls behind, the channel fills and the source simply waits: a file keeps its
//! place and a command's pipe fills up, so backpressure never costs a line. Everything notable
//! that is not a line (a rotation, a truncation, an exit status, a line on stderr) is sent as a
//! [`SourceEvent`], so the operator sees it and nothing is dropped silently.

pub mod command;
pub mod file;
pub mod stdin;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::LogError;
use super::frame::LineBatch;

/// One source as given on the command line or in the configuration, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A file followed by name.
    File(PathBuf),
    /// A command run without a shell, its standard output read as the log.
    Command { program: String, args: Vec<String> },
    /// Standard input.
    Stdin,
}

impl SourceSpec {
    /// Reads one spec: `-`, `cmd:PROGRAM ARGS...` (split like a shell would, no expansion), a
    /// glob (expanded now; it must match at least one file) or a plain path (which need not
    /// exist yet when following).
    pub fn parse(spec: &str) -> Result<Vec<SourceSpec>, LogError> {
        if spec == "-" {
            return Ok(vec![SourceSpec::Stdin]);
        }
        if let Some(command) = spec.strip_prefix("cmd:") {
            let mut words = shell_words::split(command).map_err(|e| LogError::BadCommand {
                spec: spec.to_owned(),
                reason: e.to_string(),
            })?;
            if words.is_empty() {
                return Err(LogError::BadCommand {
                    spec: spec.to_owned(),
                    reason: "no program is named after `cmd:`".to_owned(),
                });
            }
            let program = words.remove(0);
            return Ok(vec![SourceSpec::Command {
                program,
                args: words,
            }]);
        }
        if !spec.contains(['*', '?', '[']) {
            return Ok(vec![SourceSpec::File(PathBuf::from(spec))]);
        }
        let pattern = glob::glob(spec).map_err(|e| LogError::BadGlob {
            pattern: spec.to_owned(),
            reason: e.to_string(),
        })?;
        let mut paths: Vec<PathBuf> = pattern.filter_map(Result::ok).collect();
        paths.sort();
        if paths.is_empty() {
            return Err(LogError::GlobMatchesNothing {
                pattern: spec.to_owned(),
            });
        }
        Ok(paths.into_iter().map(SourceSpec::File).collect())
    }

    /// A short display name: the file name, the program, or `stdin`.
    #[must_use]
    pub fn default_name(&self) -> String {
        match self {
            SourceSpec::File(path) => path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into(),
            ),
            SourceSpec::Command { program, args } => {
                let mut name = program.clone();
                for arg in args {
                    name.push(' ');
                    name.push_str(arg);
                }
                name
            }
            SourceSpec::Stdin => "stdin".to_owned(),
        }
    }

    /// The path or command line, as shown in summaries.
    #[must_use]
    pub fn display(&self) -> String {
        match self {
            SourceSpec::File(path) => path.display().to_string(),
            SourceSpec::Command { .. } => format!("cmd:{}", self.default_name()),
            SourceSpec::Stdin => "-".to_owned(),
        }
    }
}

/// Where following starts in a file that already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartAt {
    /// The whole file is read first (as backfill), then followed.
    Beginning,
    /// At the end, after reading back this many lines as backfill.
    End { backfill_lines: usize },
}

/// Whether sources stop at the end of their input or keep following it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMode {
    /// Read to the end once, then finish (files, stdin, one run of a command).
    ToEnd,
    /// Follow files through rotation and restart commands until stopped.
    Follow,
}

/// Options every source thread receives.
#[derive(Debug, Clone, Copy)]
pub struct SourceOptions {
    pub mode: ReadMode,
    pub start: StartAt,
    /// How often a followed file is checked when no change notification arrives.
    pub poll_interval: Duration,
}

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            mode: ReadMode::Follow,
            start: StartAt::End {
                backfill_lines: 1000,
            },
            poll_interval: Duration::from_millis(250),
        }
    }
}

/// Something a source reports besides lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceEvent {
    /// A file was opened (at startup, after a rotation, or once it appeared).
    Opened { path: PathBuf },
    /// A new file took the path (rename and re-create, delete and re-create, symlink swapped);
    /// the old one was read to its end first.
    Rotated { path: PathBuf },
    /// The file shrank or was rewritten in place (copytruncate); reading restarted at 0.
    Truncated { path: PathBuf },
    /// The path does not exist (yet, or any more); following waits for it.
    Missing { path: PathBuf },
    /// Change notifications are unavailable, so the file is polled.
    Polling { reason: String },
    /// A failure worth showing: it names the file or command.
    Error(String),
    /// A line the command wrote on its standard error (already made inert).
    Stderr(String),
    /// The command exited; `status` as the OS reports it (`exit status: 1`, `signal: 9`).
    Exited { status: String, success: bool },
    /// The command will be started again after this delay.
    Restarting { after: Duration },
}

/// What a source thread sends.
#[derive(Debug)]
pub enum SourceMsg {
    Lines {
        source: usize,
        batch: LineBatch,
    },
    Event {
        source: usize,
        event: SourceEvent,
    },
    /// The source has nothing more to send (end of input, or stopped).
    Finished {
        source: usize,
    },
}

/// A shared stop flag for source threads; they check it at least every poll interval.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    #[must_use]
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Batches are sent once they hold about this many bytes, or at the end of what was available.
pub(crate) const BATCH_BYTES: usize = 256 * 1024;

/// Sends a message; `false` when the receiver is gone and the source should end.
pub(crate) fn send(tx: &std::sync::mpsc::SyncSender<SourceMsg>, msg: SourceMsg) -> bool {
    tx.send(msg).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_are_told_apart() {
        assert_eq!(SourceSpec::parse("-").ok(), Some(vec![SourceSpec::Stdin]));
        assert_eq!(
            SourceSpec::parse("cmd:kubectl logs -f 'deploy/api gw'").ok(),
            Some(vec![SourceSpec::Command {
                program: "kubectl".into(),
                args: vec!["logs".into(), "-f".into(), "deploy/api gw".into()],
            }])
        );
        assert_eq!(
            SourceSpec::parse("/var/log/nginx/access.log").ok(),
            Some(vec![SourceSpec::File("/var/log/nginx/access.log".into())])
        );
        assert!(matches!(
            SourceSpec::parse("cmd:"),
            Err(LogError::BadCommand { .. })
        ));
        assert!(matches!(
            SourceSpec::parse("cmd:echo 'unclosed"),
            Err(LogError::BadCommand { .. })
        ));
        assert!(matches!(
            SourceSpec::parse("/nonexistent-dir-for-test/*.log"),
            Err(LogError::GlobMatchesNothing { .. })
        ));
    }
}
