//! What can be wrong with a runbook, with the file and line a person has to fix.

use std::path::PathBuf;

use thiserror::Error;

/// A runbook that could not be read, found or accepted.
#[derive(Debug, Error)]
pub enum RunbookError {
    #[error("cannot read runbook {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write runbook {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} already exists; edit it, or pass --force to replace it", path.display())]
    AlreadyExists { path: PathBuf },
    #[error("no runbook file or built-in runbook named {name:?} (built-in: {known})")]
    UnknownBuiltin { name: String, known: String },
    #[error("{file}:{line}: {problem}")]
    Invalid {
        file: String,
        line: usize,
        problem: Problem,
    },
}

impl RunbookError {
    /// The line at fault, for errors inside the file.
    #[must_use]
    pub fn line(&self) -> Option<usize> {
        match self {
            RunbookError::Invalid { line, .. } => Some(*line),
            _ => None,
        }
    }

    #[must_use]
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            RunbookError::Invalid { problem, .. } => Some(problem),
            _ => None,
        }
    }
}

/// A mistake in a runbook's text. Each message says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Problem {
    #[error("the runbook has no `# Title` heading before its first section")]
    MissingTitle,
    #[error("a second `# ` title; use `##` or `###` for sections")]
    SecondTitle,
    #[error("step {text:?} is outside any section; put a `## Section` heading above it")]
    StepOutsideSection { text: String },
    #[error("a step has no text after its checkbox")]
    EmptyStep,
    #[error("unknown step attribute {name:?}; known: id, owner, kind, check")]
    UnknownAttribute { name: String },
    #[error("attribute {name:?} is given twice on one step")]
    RepeatedAttribute { name: String },
    #[error("{token:?} is not an attribute; write name=value, for example kind=check")]
    MalformedAttribute { token: String },
    #[error("unknown step kind {value:?}; use check, mitigate, fix, comms, recover or follow-up")]
    BadKind { value: String },
    #[error(
        "unknown check {value:?}; use a hop (dns, ip, tcp, tls, http) optionally with a target \
         (tls:api), dep:NAME, logs:5xx or reconcile"
    )]
    BadCheck { value: String },
    #[error("step id {id:?} may only hold lowercase letters, digits, '-', '_' and '.'")]
    BadId { id: String },
    #[error("step id {id:?} is already used on line {first_line}; ids must be unique")]
    DuplicateId { id: String, first_line: usize },
    #[error("the runbook has no `- [ ]` steps")]
    NoSteps,
}
