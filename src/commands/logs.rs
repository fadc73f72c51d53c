//! `warroom logs` (being written).

use crate::commands::Outcome;

pub fn run(_args: &crate::cli::LogsArgs) -> Outcome {
    anyhow::bail!("warroom logs is not available in this build yet")
}
