//! The command line: every subcommand and flag, defined once with clap.
//!
//! Validation that needs more than a type (a URL's scheme, a file's contents) happens in the
//! command that uses it, so that its error can name the field; clap only shapes the arguments.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::duration::parse_duration;

fn duration_arg(text: &str) -> Result<Duration, String> {
    parse_duration(text).map_err(|e| e.to_string())
}

/// warroom: the request path, live logs, the runbook and the incident timeline on one screen.
#[derive(Debug, Parser)]
#[command(name = "warroom", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub dashboard: DashboardArgs,

    /// More diagnostics in warroom's own log file (repeat for more).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the dashboard on a built-in outage simulated on loopback.
    Demo(DemoArgs),
    /// Probe each target once, print the verdict per hop and exit with a monitoring status.
    Check(CheckArgs),
    /// Read or follow logs and print status-code counts and rates.
    Logs(LogsArgs),
    /// Turn an incident journal into a Markdown postmortem or JSON.
    Export(ExportArgs),
    /// Compare our webhook events or transactions with the payment gateway's records.
    Reconcile(ReconcileArgs),
    /// Write a commented sample configuration and the built-in runbook for editing.
    Init(InitArgs),
    /// List the built-in and user themes.
    Themes,
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// Print the man page (roff) generated from these definitions.
    Man,
}

/// Settings shared by every command that probes.
#[derive(Debug, Args, Clone, Default)]
pub struct ProbeArgs {
    /// Configuration file (default: `./warroom.toml`, then `$XDG_CONFIG_HOME/warroom/config.toml`).
    #[arg(short = 'c', long = "config", value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,

    /// Nameserver to query instead of /etc/resolv.conf's, as ADDR or ADDR:PORT (repeatable).
    #[arg(long = "dns-server", value_name = "ADDR[:PORT]")]
    pub dns_servers: Vec<String>,

    /// PEM file of extra trusted root certificates (an internal CA).
    #[arg(long = "ca-file", value_name = "PEM")]
    pub ca_file: Option<PathBuf>,

    /// Timeout of each hop, like 2s or 500ms.
    #[arg(long, value_name = "DURATION", value_parser = duration_arg)]
    pub timeout: Option<Duration>,
}

/// Flags of the dashboard, also accepted by `warroom demo`.
#[derive(Debug, Args, Clone, Default)]
pub struct DashboardArgs {
    /// URLs to probe, in addition to the configured targets.
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,

    #[command(flatten)]
    pub probe: ProbeArgs,

    /// Log source to tail: a file or glob, `cmd:COMMAND ARGS`, or `-` for standard input.
    #[arg(long = "log", value_name = "SPEC")]
    pub logs: Vec<String>,

    /// Read log files from their start instead of the last 1,000 lines.
    #[arg(long)]
    pub from_start: bool,

    /// Runbook: a Markdown file or the name of a built-in one.
    #[arg(long, value_name = "FILE|NAME")]
    pub runbook: Option<String>,

    /// Incident journal (JSON lines); created when missing, resumed when present.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,

    /// Incident title, used for a new journal's name.
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,

    /// Who is at the keyboard, recorded with every entry (default: the login name).
    #[arg(long = "as", value_name = "NAME")]
    pub actor: Option<String>,

    /// When the incident started (RFC 3339), for the incident clock.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Theme: a built-in name or a TOML file.
    #[arg(long, value_name = "NAME|FILE")]
    pub theme: Option<String>,

    /// Capture the mouse (off by default so that selection works for everyone in tmux).
    #[arg(long)]
    pub mouse: bool,

    /// Most frames drawn per second.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=60))]
    pub max_fps: Option<u16>,

    /// Time between probe rounds, like 5s.
    #[arg(long, value_name = "DURATION", value_parser = duration_arg)]
    pub interval: Option<Duration>,
}

#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// Run the scripted outage faster (2 = twice as fast).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,

    /// Seed for the simulated traffic, for a repeatable run.
    #[arg(long)]
    pub seed: Option<u64>,

    /// Journal to write (default: a temporary directory, removed on exit).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,

    /// Theme: a built-in name or a TOML file.
    #[arg(long, value_name = "NAME|FILE")]
    pub theme: Option<String>,

    /// Who is at the keyboard, recorded with every entry.
    #[arg(long = "as", value_name = "NAME")]
    pub actor: Option<String>,

    /// Most frames drawn per second.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=60))]
    pub max_fps: Option<u16>,

    /// Capture the mouse.
    #[arg(long)]
    pub mouse: bool,
}

#[derive(Debug, Args, Clone)]
pub struct CheckArgs {
    /// URLs to probe, in addition to the configured targets.
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,

    #[command(flatten)]
    pub probe: ProbeArgs,

    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormatArg {
    Auto,
    Combined,
    Common,
    Json,
    Logfmt,
}

#[derive(Debug, Args, Clone)]
pub struct LogsArgs {
    /// Log sources: files or globs, `cmd:COMMAND ARGS`, or `-` for standard input.
    #[arg(value_name = "SPEC", required = true)]
    pub specs: Vec<String>,

    /// Format of every source (default: detected per source from its first lines).
    #[arg(long, value_enum, default_value_t = LogFormatArg::Auto)]
    pub format: LogFormatArg,

    /// With --follow, start from the beginning of files rather than their end.
    #[arg(long)]
    pub from_start: bool,

    /// Keep following through rotation until --for elapses or a signal arrives.
    #[arg(long)]
    pub follow: bool,

    /// How long to follow.
    #[arg(long = "for", value_name = "DURATION", value_parser = duration_arg)]
    pub for_duration: Option<Duration>,

    /// Print one summary line per interval while following.
    #[arg(long, value_name = "DURATION", value_parser = duration_arg)]
    pub every: Option<Duration>,

    /// Print JSON (one document, or JSON lines with --every).
    #[arg(long)]
    pub json: bool,

    /// Configuration file, for `[[log]]` sources and custom formats.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Md,
    Json,
}

#[derive(Debug, Args, Clone)]
pub struct ExportArgs {
    /// The incident journal to export.
    #[arg(value_name = "JOURNAL")]
    pub journal: PathBuf,

    #[arg(long, value_enum, default_value_t = ExportFormat::Md)]
    pub format: ExportFormat,

    /// Write here (atomically) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct ReconcileArgs {
    /// Our records: webhook events or ledger transactions (CSV or JSON lines).
    #[arg(long, value_name = "FILE")]
    pub ours: PathBuf,

    /// The gateway's export (CSV or JSON lines).
    #[arg(long, value_name = "FILE")]
    pub gateway: PathBuf,

    /// Column mapping: a built-in profile name or a TOML file.
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,

    /// Start of the reconciliation window (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,

    /// End of the reconciliation window (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,

    /// Fields that identify a record, comma separated (default: the profile's key).
    #[arg(long, value_name = "FIELDS")]
    pub key: Option<String>,

    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,

    /// Write a CSV of the event ids to replay.
    #[arg(long, value_name = "FILE")]
    pub replay_out: Option<PathBuf>,

    /// Margin added on both sides of --from/--to for clock skew, like 5m (default: the profile's).
    #[arg(long, value_name = "DURATION", value_parser = duration_arg)]
    pub skew: Option<Duration>,

    /// How long the provider keeps retrying, like 3d (default: the profile's).
    #[arg(long, value_name = "DURATION", value_parser = duration_arg)]
    pub retry_horizon: Option<Duration>,

    /// Reference time for the retry horizon (RFC 3339; default: --to, then the clock).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,

    /// CSV field delimiter, one character (default: the profile's).
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<char>,

    /// Example rows per category in the report; the rest are counted as omitted.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_rows: usize,
}

#[derive(Debug, Args, Clone)]
pub struct InitArgs {
    /// Where to write the configuration.
    #[arg(default_value = "warroom.toml", value_name = "FILE")]
    pub path: PathBuf,

    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}
