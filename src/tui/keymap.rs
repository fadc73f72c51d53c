//! Keys to actions, as one table that both dispatch and the help overlay read.
//!
//! Keys are plain letters, arrows, Enter, Tab and Esc: nothing that tmux or screen take as a
//! prefix (`C-b`, `C-a`), no flow-control keys (`C-s`, `C-q`), no keyboard-protocol extensions.

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
    Confirm,
    Deny,
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Pane(PaneId),
}

/// One row of the key table.
pub struct Binding {
    pub keys: &'static [KeyCode],
    pub label: &'static str,
    pub action: Action,
    pub scope: Scope,
    pub help: &'static str,
}

/// Every binding, in the order the help overlay lists them.
pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &[KeyCode::Tab],
        label: "Tab",
        action: Action::FocusNext,
        scope: Scope::Global,
        help: "focus the next pane",
    },
    Binding {
        keys: &[KeyCode::BackTab],
        label: "Shift-Tab",
        action: Action::FocusPrev,
        scope: Scope::Global,
        help: "focus the previous pane",
    },
    Binding {
        keys: &[KeyCode::Up, KeyCode::Char('k')],
        label: "↑ / k",
        action: Action::Up,
        scope: Scope::Global,
        help: "move up",
    },
    Binding {
        keys: &[KeyCode::Down, KeyCode::Char('j')],
        label: "↓ / j",
        action: Action::Down,
        scope: Scope::Global,
        help: "move down",
    },
    Binding {
        keys: &[KeyCode::Left, KeyCode::Char('h')],
        label: "← / h",
        action: Action::Left,
        scope: Scope::Pane(PaneId::Path),
        help: "previous hop",
    },
    Binding {
        keys: &[KeyCode::Right, KeyCode::Char('l')],
        label: "→ / l",
        action: Action::Right,
        scope: Scope::Pane(PaneId::Path),
        help: "next hop",
    },
    Binding {
        keys: &[KeyCode::PageUp],
        label: "PgUp",
        action: Action::PageUp,
        scope: Scope::Global,
        help: "page up",
    },
    Binding {
        keys: &[KeyCode::PageDown],
        label: "PgDn",
        action: Action::PageDown,
        scope: Scope::Global,
        help: "page down",
    },
    Binding {
        keys: &[KeyCode::Home, KeyCode::Char('g')],
        label: "Home / g",
        action: Action::Top,
        scope: Scope::Global,
        help: "first row",
    },
    Binding {
        keys: &[KeyCode::End, KeyCode::Char('G')],
        label: "End / G",
        action: Action::Bottom,
        scope: Scope::Global,
        help: "last row",
    },
    Binding {
        keys: &[KeyCode::Enter],
        label: "Enter",
        action: Action::Open,
        scope: Scope::Pane(PaneId::Path),
        help: "details of the selected hop: DNS answers, certificate chain, response head",
    },
    Binding {
        keys: &[KeyCode::Esc],
        label: "Esc",
        action: Action::Close,
        scope: Scope::Global,
        help: "close the overlay",
    },
    Binding {
        keys: &[KeyCode::Char('r')],
        label: "r",
        action: Action::ProbeNow,
        scope: Scope::Global,
        help: "probe every target now",
    },
    Binding {
        keys: &[KeyCode::Char('?')],
        label: "?",
        action: Action::Help,
        scope: Scope::Global,
        help: "this help",
    },
    Binding {
        keys: &[KeyCode::Char('q')],
        label: "q",
        action: Action::Quit,
        scope: Scope::Global,
        help: "quit (asks to confirm with y)",
    },
];

/// Maps a key to an action. Overlays that take text or a yes/no answer are handled before this.
#[must_use]
pub fn action_for(key: KeyEvent, focus: PaneId) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return match key.code {
            KeyCode::Char('c') => Some(Action::ForceQuit),
            _ => None,
        };
    }
    BINDINGS
        .iter()
        .filter(|b| b.scope == Scope::Global || b.scope == Scope::Pane(focus))
        .find(|b| b.keys.contains(&key.code))
        .map(|b| b.action)
}

/// The bindings that apply to a pane, for the help overlay.
pub fn bindings_for(focus: PaneId) -> impl Iterator<Item = &'static Binding> {
    BINDINGS
        .iter()
        .filter(move |b| b.scope == Scope::Global || b.scope == Scope::Pane(focus))
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
            (key(KeyCode::Char('j')), PaneId::Path, Some(Action::Down)),
            (
                key(KeyCode::Char('r')),
                PaneId::Path,
                Some(Action::ProbeNow),
            ),
            (key(KeyCode::Enter), PaneId::Path, Some(Action::Open)),
            (key(KeyCode::Char('q')), PaneId::Path, Some(Action::Quit)),
            (
                KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
                PaneId::Path,
                Some(Action::ForceQuit),
            ),
            (
                KeyEvent::new(KeyCode::Char('b'), KeyModifiers::CONTROL),
                PaneId::Path,
                None,
            ),
            (key(KeyCode::Char('z')), PaneId::Path, None),
        ];
        for (event, focus, want) in cases {
            assert_eq!(action_for(event, focus), want, "{event:?}");
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_one_scope() {
        for a in BINDINGS {
            for b in BINDINGS {
                if std::ptr::eq(a, b) {
                    continue;
                }
                let overlap =
                    a.scope == b.scope || a.scope == Scope::Global || b.scope == Scope::Global;
                let shared = a.keys.iter().any(|k| b.keys.contains(k));
                assert!(
                    !(overlap && shared),
                    "{} and {} share a key",
                    a.label,
                    b.label
                );
            }
        }
    }
}
