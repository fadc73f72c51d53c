//! `warroom themes` (being written).

use crate::commands::Outcome;

pub fn run() -> Outcome {
    anyhow::bail!("warroom themes is not available in this build yet")
}
