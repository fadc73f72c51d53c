//! The timeline pane's state: scroll position (from the newest entry) and the filter.

use crate::timeline::TimelineFilter;

#[derive(Debug, Clone, Default)]
pub struct TimelinePane {
    /// Entries scrolled up from the newest.
    pub scroll: usize,
    pub filter: TimelineFilter,
}
