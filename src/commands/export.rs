//! `warroom export` (being written).

use crate::commands::Outcome;

pub fn run(_args: &crate::cli::ExportArgs) -> Outcome {
    anyhow::bail!("warroom export is not available in this build yet")
}
