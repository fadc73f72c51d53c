//! One module per subcommand: each turns parsed arguments into work and an exit code.
//!
//! Commands print their result on stdout and diagnostics on stderr, and return the process exit
//! code; errors bubble up as `anyhow` with context naming the file or field at fault.

pub mod check;
pub mod dashboard;
pub mod demo;
pub mod export;
pub mod incident;
pub mod init;
pub mod logs;
pub mod reconcile;
pub mod themes;

use std::process::ExitCode;

/// Exit code for bad arguments, bad configuration or an internal error, as monitoring plugins
/// use it (`UNKNOWN`).
pub const EXIT_UNKNOWN: u8 = 3;

/// What a command returns: the process exit code.
pub type Outcome = anyhow::Result<ExitCode>;
