//! The checklist pane's state: which step the cursor is on. Step states themselves live in the
//! incident (rebuilt from the journal), never here.

use crate::runbook::checklist::{Checklist, StepOutline};

#[derive(Debug, Clone, Default)]
pub struct ChecklistPane {
    pub cursor: usize,
    /// Whether the detail area of the selected step is expanded.
    pub details: bool,
}

impl ChecklistPane {
    /// The step under the cursor.
    #[must_use]
    pub fn selected<'a>(&self, checklist: &'a Checklist) -> Option<&'a StepOutline> {
        checklist.outline()?.steps().nth(self.cursor)
    }

    pub fn move_by(&mut self, delta: isize, checklist: &Checklist) {
        let count = checklist.outline().map_or(0, |o| o.steps().count());
        if count > 0 {
            self.cursor = self.cursor.saturating_add_signed(delta).min(count - 1);
        }
    }
}
