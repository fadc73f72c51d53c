//! Keys to actions, as one table that both dispatch and the help overlay read.
//!
//! Keys are plain letters, arrows, Enter, Tab and Esc: nothing that tmux or screen take as a
//! prefix (`C-b`, `C-a`), no flow-control keys (`C-s`, `C-q`), no keyboard-protocol extensions.
//! A key may mean different things in different panes (Space ticks a step in the checklist and
//! pauses the log stream), never two things in one.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::PaneId;

/// What a key asks for, independent of the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    FocusNext,
    FocusPrev,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Close,
    ProbeNow,
    Help,
    /// Asks for confirmation first.
    Quit,
    /// Quits at once (Ctrl-C).
    ForceQuit,
    Note,
    Milestone,
    SeverityUp,
    SeverityDown,
    Status,
    Role,
    AddTarget,
    Export,
    Reconcile,
    Filter,
    ToggleDone,
    Doing,
    Skip,
    Failed,
    Owner,
    TogglePause,
    CycleClass,
    CycleWindow,
    TogglePeople,
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Pane(PaneId),
    /// The log stream and the histogram, which share their state.
    LogPanes,
}

impl Scope {
    fn covers(self, focus: PaneId) -> bool {
        match self {
            Scope::Global => true,
            Scope::Pane(pane) => pane == focus,
            Scope::LogPanes => matches!(focus, PaneId::Logs | PaneId::Histogram),
        }
    }
}

/// One row of the key table.
pub struct Binding {
    pub keys: &'static [KeyCode],
    pub label: &'static str,
    pub action: Action,
    pub scope: Scope,
    pub help: &'static str,
}

const fn bind(
    keys: &'static [KeyCode],
    label: &'static str,
    action: Action,
    scope: Scope,
    help: &'static str,
) -> Binding {
    Binding {
        keys,
        label,
        action,
        scope,
        help,
    }
}

use KeyCode::{BackTab, Char, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Tab, Up};
use Scope::{Global, LogPanes};

const CHECKLIST: Scope = Scope::Pane(PaneId::Checklist);
const PATH: Scope = Scope::Pane(PaneId::Path);
const TIMELINE: Scope = Scope::Pane(PaneId::Timeline);

/// Every binding, in the order the help overlay lists them.
pub const BINDINGS: &[Binding] = &[
    bind(
        &[Tab],
        "Tab",
        Action::FocusNext,
        Global,
        "focus the next pane",
    ),
    bind(
        &[BackTab],
        "Shift-Tab",
        Action::FocusPrev,
        Global,
        "focus the previous pane",
    ),
    bind(&[Up, Char('k')], "↑ / k", Action::Up, Global, "move up"),
    bind(
        &[Down, Char('j')],
        "↓ / j",
        Action::Down,
        Global,
        "move down",
    ),
    bind(
        &[Left, Char('h')],
        "← / h",
        Action::Left,
        PATH,
        "previous hop",
    ),
    bind(
        &[Right, Char('l')],
        "→ / l",
        Action::Right,
        PATH,
        "next hop",
    ),
    bind(&[PageUp], "PgUp", Action::PageUp, Global, "page up"),
    bind(&[PageDown], "PgDn", Action::PageDown, Global, "page down"),
    bind(
        &[Home, Char('g')],
        "Home / g",
        Action::Top,
        Global,
        "first row (oldest)",
    ),
    bind(
        &[End, Char('G')],
        "End / G",
        Action::Bottom,
        Global,
        "last row (newest; resumes following)",
    ),
    bind(
        &[Enter],
        "Enter",
        Action::Open,
        PATH,
        "details of the selected hop: DNS answers, certificate chain, response head",
    ),
    bind(
        &[Enter],
        "Enter",
        Action::Open,
        CHECKLIST,
        "show or hide the step's command and evidence",
    ),
    bind(
        &[Char(' ')],
        "Space",
        Action::ToggleDone,
        CHECKLIST,
        "tick the step done (again: reopen it)",
    ),
    bind(
        &[Char('d')],
        "d",
        Action::Doing,
        CHECKLIST,
        "mark the step as being worked on",
    ),
    bind(
        &[Char('s')],
        "s",
        Action::Skip,
        CHECKLIST,
        "skip the step (asks why)",
    ),
    bind(
        &[Char('x')],
        "x",
        Action::Failed,
        CHECKLIST,
        "mark the step failed",
    ),
    bind(
        &[Char('o')],
        "o",
        Action::Owner,
        CHECKLIST,
        "give the step an owner",
    ),
    bind(
        &[Char(' ')],
        "Space",
        Action::TogglePause,
        LogPanes,
        "pause or follow the log stream",
    ),
    bind(
        &[Char('c')],
        "c",
        Action::CycleClass,
        LogPanes,
        "show all lines, 5xx, 4xx, errors, 2xx, 3xx",
    ),
    bind(
        &[Char('w')],
        "w",
        Action::CycleWindow,
        LogPanes,
        "histogram window: 1m, 5m, 15m, since start",
    ),
    bind(
        &[Char('/')],
        "/",
        Action::Filter,
        LogPanes,
        "filter log lines by text or regular expression",
    ),
    bind(
        &[Char('/')],
        "/",
        Action::Filter,
        TIMELINE,
        "filter the timeline by text",
    ),
    bind(
        &[Char('p')],
        "p",
        Action::TogglePeople,
        TIMELINE,
        "only entries written by people",
    ),
    bind(
        &[Char('n')],
        "n",
        Action::Note,
        Global,
        "add a note to the timeline",
    ),
    bind(
        &[Char('m')],
        "m",
        Action::Milestone,
        Global,
        "set a milestone: impact, detected, mitigated, resolved, restored",
    ),
    bind(
        &[Char('+')],
        "+",
        Action::SeverityUp,
        Global,
        "raise the severity",
    ),
    bind(
        &[Char('-')],
        "-",
        Action::SeverityDown,
        Global,
        "lower the severity",
    ),
    bind(
        &[Char('S')],
        "S",
        Action::Status,
        Global,
        "post a status update",
    ),
    bind(
        &[Char('R')],
        "R",
        Action::Role,
        Global,
        "assign a role: commander, scribe, comms",
    ),
    bind(
        &[Char('a')],
        "a",
        Action::AddTarget,
        Global,
        "add a URL to probe",
    ),
    bind(
        &[Char('e')],
        "e",
        Action::Export,
        Global,
        "export the postmortem (Markdown) beside the journal",
    ),
    bind(
        &[Char('C')],
        "C",
        Action::Reconcile,
        Global,
        "run the configured reconciliation",
    ),
    bind(&[Esc], "Esc", Action::Close, Global, "close the overlay"),
    bind(
        &[Char('r')],
        "r",
        Action::ProbeNow,
        Global,
        "probe every target now",
    ),
    bind(&[Char('?')], "?", Action::Help, Global, "this help"),
    bind(
        &[Char('q')],
        "q",
        Action::Quit,
        Global,
        "quit (asks to confirm with y)",
    ),
];

/// Maps a key to an action. Overlays that take text or a choice handle keys before this.
#[must_use]
pub fn action_for(key: KeyEvent, focus: PaneId) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return match key.code {
            Char('c') => Some(Action::ForceQuit),
            _ => None,
        };
    }
    bindings_for(focus)
        .find(|b| b.keys.contains(&key.code))
        .map(|b| b.action)
}

/// The bindings that apply to a pane, pane-specific ones first, for dispatch and the help.
pub fn bindings_for(focus: PaneId) -> impl Iterator<Item = &'static Binding> {
    let specific = BINDINGS
        .iter()
        .filter(move |b| b.scope != Global && b.scope.covers(focus));
    specific.chain(BINDINGS.iter().filter(|b| b.scope == Global))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_map_to_actions_in_their_scope() {
        let cases = [
            (key(Char('j')), PaneId::Path, Some(Action::Down)),
            (key(Char('r')), PaneId::Path, Some(Action::ProbeNow)),
            (key(Enter), PaneId::Path, Some(Action::Open)),
            (key(Char(' ')), PaneId::Checklist, Some(Action::ToggleDone)),
            (key(Char(' ')), PaneId::Logs, Some(Action::TogglePause)),
            (key(Char(' ')), PaneId::Path, None),
            (key(Char('s')), PaneId::Checklist, Some(Action::Skip)),
            (key(Char('S')), PaneId::Checklist, Some(Action::Status)),
            (key(Char('w')), PaneId::Histogram, Some(Action::CycleWindow)),
            (key(Char('q')), PaneId::Timeline, Some(Action::Quit)),
            (
                KeyEvent::new(Char('c'), KeyModifiers::CONTROL),
                PaneId::Path,
                Some(Action::ForceQuit),
            ),
            (
                KeyEvent::new(Char('b'), KeyModifiers::CONTROL),
                PaneId::Path,
                None,
            ),
            (key(Char('z')), PaneId::Path, None),
        ];
        for (event, focus, want) in cases {
            assert_eq!(action_for(event, focus), want, "{event:?} in {focus:?}");
        }
    }

    #[test]
    fn no_key_means_two_things_in_one_pane() {
        for pane in [
            PaneId::Path,
            PaneId::Logs,
            PaneId::Histogram,
            PaneId::Checklist,
            PaneId::Timeline,
        ] {
            let bindings: Vec<&Binding> = bindings_for(pane).collect();
            for (i, a) in bindings.iter().enumerate() {
                for b in &bindings[i + 1..] {
                    let shared = a.keys.iter().any(|k| b.keys.contains(k));
                    assert!(
                        !shared,
                        "{} and {} share a key in {pane:?}",
                        a.label, b.label
                    );
                }
            }
        }
    }
}
