//! warroom's own diagnostics: `tracing` to a file in the XDG state directory, never to the
//! terminal the dashboard is drawing on.

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts logging to `$XDG_STATE_HOME/warroom/warroom.log`; `-v` raises the level. Returns the
/// guard that flushes the log when dropped, or `None` when no state directory can be made (the
/// dashboard then runs without a log rather than not at all).
pub fn init(verbose: u8) -> Option<WorkerGuard> {
    let dir = warroom::config::state_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "warroom.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let level = match verbose {
        0 => "warroom=info",
        1 => "warroom=debug",
        _ => "warroom=trace",
    };
    let filter = EnvFilter::try_from_env("WARROOM_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
