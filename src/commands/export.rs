//! `warroom export JOURNAL [--format md|json] [-o FILE]`: the postmortem skeleton or a JSON
//! document, from the journal alone.
//!
//! Lines the journal reader could not use are reported on stderr and left out; the export still
//! succeeds, because a postmortem with one torn line missing beats none.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::cli::{ExportArgs, ExportFormat};
use crate::commands::Outcome;
use crate::timeline::{export, journal};

pub fn run(args: &ExportArgs) -> Outcome {
    let path = &args.journal;
    let replay =
        journal::read(path).with_context(|| format!("reading journal {}", path.display()))?;
    for problem in &replay.problems {
        eprintln!("warroom: {}: {problem}", path.display());
    }

    let text = match args.format {
        ExportFormat::Md => {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            export::markdown(&replay.entries, name.as_deref())
        }
        ExportFormat::Json => export::json(&replay.entries).context("encoding the JSON export")?,
    };

    if let Some(output) = &args.output {
        export::write_atomically(output, text.as_bytes())
            .with_context(|| format!("writing {}", output.display()))?;
    } else {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .context("writing the export to standard output")?;
    }
    Ok(ExitCode::SUCCESS)
}
