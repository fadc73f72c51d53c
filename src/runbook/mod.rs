//! Runbooks: the Markdown checklists an incident is worked from.
//!
//! A runbook is a Markdown file with GitHub task lists: a `#` title, `##`/`###` sections and
//! `- [ ] step` items. A fenced code block under a step is the step's command (shown and
//! copyable, never run by warroom), and an HTML comment on the step line carries its attributes
//! (`<!-- id=renew-certificate owner=ic kind=mitigate check=tls -->`), invisible when the file is
//! rendered on a forge. [`parse`] turns the text into a [`Runbook`]; [`load`] takes a file path or
//! a built-in name; [`checklist`] holds the progress of each step, rebuilt from timeline entries.
//!
//! This module knows nothing of the terminal: the checklist pane draws [`checklist::Checklist`].

mod attrs;
pub mod checklist;
mod error;
pub mod evidence;
mod parse;

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use attrs::{CheckBinding, StepKind, slugify};
pub use error::{Problem, RunbookError};
pub use parse::parse;

/// The built-in runbooks, by name, with their Markdown source.
const BUILTINS: &[(&str, &str)] = &[("webhook-outage", include_str!("builtin/webhook-outage.md"))];

/// A parsed runbook: its title and sections in file order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Runbook {
    /// The built-in name or the file stem; recorded in the journal with the outline.
    pub name: String,
    /// Where it came from (`builtin:webhook-outage` or the file path), for messages.
    pub source: String,
    pub title: String,
    pub sections: Vec<Section>,
}

/// A `##` or `###` heading and the steps under it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub title: String,
    /// 2 for `##`, 3 for `###`.
    pub level: u8,
    pub line: usize,
    pub steps: Vec<Step>,
}

/// One task-list item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Stable key used in the journal: given by `id=` or derived from the text.
    pub id: String,
    /// The first line of the item, as plain text.
    pub text: String,
    /// Further lines and paragraphs of the item, as plain text.
    pub detail: String,
    /// A role (`ic`, `comms`, ...), not a person.
    pub owner: Option<String>,
    pub kind: Option<StepKind>,
    pub check: Option<CheckBinding>,
    /// The first fenced code block under the step.
    pub command: Option<String>,
    /// Whether the file itself had the box ticked (`[x]`); progress lives in the journal.
    pub ticked_in_file: bool,
    /// 1-based line of the item in the file.
    pub line: usize,
}

impl Runbook {
    /// Every step in file order.
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.sections.iter().flat_map(|s| s.steps.iter())
    }

    #[must_use]
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps().find(|s| s.id == id)
    }
}

/// Names of the runbooks compiled into warroom.
#[must_use]
pub fn builtin_names() -> Vec<&'static str> {
    BUILTINS.iter().map(|(name, _)| *name).collect()
}

/// The Markdown source of a built-in runbook.
#[must_use]
pub fn builtin_source(name: &str) -> Option<&'static str> {
    BUILTINS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, src)| *src)
}

/// Parses a built-in runbook by name.
pub fn builtin(name: &str) -> Result<Runbook, RunbookError> {
    let text = builtin_source(name).ok_or_else(|| RunbookError::UnknownBuiltin {
        name: name.to_owned(),
        known: builtin_names().join(", "),
    })?;
    let mut runbook = parse(text, &format!("builtin:{name}"))?;
    name.clone_into(&mut runbook.name);
    Ok(runbook)
}

/// Loads `--runbook FILE|NAME`: an existing file wins over a built-in of the same name.
pub fn load(spec: &str) -> Result<Runbook, RunbookError> {
    let path = Path::new(spec);
    if path.is_file() {
        return load_file(path);
    }
    // A bare word that is no file was meant as a built-in name: say which ones exist.
    let looks_like_name = !spec.contains('/') && path.extension().is_none();
    if builtin_source(spec).is_some() || looks_like_name {
        return builtin(spec);
    }
    load_file(path)
}

/// Reads and parses a runbook file.
pub fn load_file(path: &Path) -> Result<Runbook, RunbookError> {
    let text = fs::read_to_string(path).map_err(|source| RunbookError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut runbook = parse(&text, &path.display().to_string())?;
    if let Some(stem) = path.file_stem() {
        runbook.name = stem.to_string_lossy().into_owned();
    }
    Ok(runbook)
}

/// Writes a built-in runbook as `NAME.md` in the directory of `config_path`, for `warroom init`.
/// An existing file is kept unless `force` is set, because it may hold the team's edits.
pub fn write_builtin_beside(
    config_path: &Path,
    name: &str,
    force: bool,
) -> Result<PathBuf, RunbookError> {
    let text = builtin_source(name).ok_or_else(|| RunbookError::UnknownBuiltin {
        name: name.to_owned(),
        known: builtin_names().join(", "),
    })?;
    let dir = match config_path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let target = dir.join(format!("{name}.md"));
    let write_error = |source| RunbookError::Write {
        path: target.clone(),
        source,
    };
    let mut options = fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(&target).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            RunbookError::AlreadyExists {
                path: target.clone(),
            }
        } else {
            write_error(source)
        }
    })?;
    file.write_all(text.as_bytes()).map_err(write_error)?;
    Ok(target)
}
