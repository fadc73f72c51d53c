//! `warroom reconcile` (being written).

use crate::commands::Outcome;

pub fn run(_args: &crate::cli::ReconcileArgs) -> Outcome {
    anyhow::bail!("warroom reconcile is not available in this build yet")
}
