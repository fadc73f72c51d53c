//! The overlays: at most one at a time, drawn over the panes and taking the keys while open.

use crate::timeline::{Milestone, Role, Status};

/// The longest text an input takes; a note is a line in a timeline, not an essay.
pub const MAX_INPUT_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    /// Details of the selected hop, scrolled by this many lines.
    HopDetail {
        scroll: u16,
    },
    ConfirmQuit,
    /// A single-line text input.
    Input {
        purpose: InputPurpose,
        text: String,
    },
    /// A choice from a short list.
    Pick {
        purpose: PickPurpose,
        selected: usize,
    },
}

/// What a text input is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputPurpose {
    Note,
    SkipReason,
    FailReason,
    Owner,
    RolePerson(Role),
    StatusMessage(Status),
    AddTarget,
    LogFilter,
    TimelineFilter,
}

impl InputPurpose {
    #[must_use]
    pub fn prompt(self) -> String {
        match self {
            InputPurpose::Note => "Note for the timeline".to_owned(),
            InputPurpose::SkipReason => "Why is this step skipped?".to_owned(),
            InputPurpose::FailReason => "What failed? (optional)".to_owned(),
            InputPurpose::Owner => "New owner of this step".to_owned(),
            InputPurpose::RolePerson(role) => format!("Who is {}?", role.word()),
            InputPurpose::StatusMessage(status) => {
                format!("Status {}: message (optional)", status.word())
            }
            InputPurpose::AddTarget => "URL to probe (https:// assumed)".to_owned(),
            InputPurpose::LogFilter => {
                "Filter log lines (regular expression or text; empty clears)".to_owned()
            }
            InputPurpose::TimelineFilter => "Filter the timeline (text; empty clears)".to_owned(),
        }
    }
}

/// What a pick list chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickPurpose {
    Milestone,
    Status,
    Role,
}

impl PickPurpose {
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            PickPurpose::Milestone => "Set a milestone (now)",
            PickPurpose::Status => "Post a status update",
            PickPurpose::Role => "Assign a role",
        }
    }

    #[must_use]
    pub fn options(self) -> Vec<&'static str> {
        match self {
            PickPurpose::Milestone => Milestone::ALL.iter().map(|m| m.label()).collect(),
            PickPurpose::Status => Status::ALL.iter().map(|s| s.word()).collect(),
            PickPurpose::Role => Role::ALL.iter().map(|r| r.word()).collect(),
        }
    }
}

/// Appends typed or pasted text to an input: line breaks become spaces, other control
/// characters are dropped, and the length is capped.
pub fn push_text(buffer: &mut String, text: &str) {
    for c in text.chars() {
        if buffer.chars().count() >= MAX_INPUT_CHARS {
            break;
        }
        match c {
            '\n' | '\r' | '\t' => buffer.push(' '),
            c if c.is_control() => {}
            c => buffer.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_text_is_flattened_and_capped() {
        let mut buffer = String::new();
        push_text(&mut buffer, "line one\nline two\x1b[2J");
        assert_eq!(buffer, "line one line two[2J");
        push_text(&mut buffer, &"x".repeat(1000));
        assert_eq!(buffer.chars().count(), MAX_INPUT_CHARS);
    }
}
