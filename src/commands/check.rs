//! `warroom check` (being written).

use crate::commands::Outcome;

pub fn run(_args: &crate::cli::CheckArgs) -> Outcome {
    anyhow::bail!("warroom check is not available in this build yet")
}
