//! `warroom init`: writes a commented configuration that passes validation.

use std::process::ExitCode;

use anyhow::Context as _;

use crate::cli::InitArgs;
use crate::commands::Outcome;
use crate::config::sample::SAMPLE_CONFIG;

pub fn run(args: &InitArgs) -> Outcome {
    if args.path.exists() && !args.force {
        anyhow::bail!(
            "{} exists; use --force to overwrite it",
            args.path.display()
        );
    }
    std::fs::write(&args.path, SAMPLE_CONFIG)
        .with_context(|| format!("writing {}", args.path.display()))?;
    eprintln!("wrote {}", args.path.display());
    Ok(ExitCode::SUCCESS)
}
