//! The timeline pane: entries oldest to newest with the newest at the bottom, people's entries
//! brighter than warroom's own, filterable by text and by author.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{pane_block_with, truncate_to};
use crate::text::inert;
use crate::timeline::Entry;
use crate::tui::incident_view::IncidentView;
use crate::tui::theme::Theme;

pub fn render(
    frame: &mut Frame<'_>,
    area: Rect,
    view: &IncidentView,
    theme: &Theme,
    focused: bool,
) {
    let filter = &view.timeline.filter;
    let mut title = format!("Timeline · {} entries", view.incident.timeline.len());
    if filter.people_only {
        title.push_str(" · people only");
    }
    if !filter.search.is_empty() {
        title.push_str(&format!(" · /{}", truncate_to(&filter.search, 16)));
    }
    let block = pane_block_with(&title, focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let height = usize::from(inner.height);
    let width = usize::from(inner.width);
    let matching: Vec<&Entry> = view.incident.timeline.filtered(filter).collect();
    let end = matching.len().saturating_sub(view.timeline.scroll);
    let start = end.saturating_sub(height);
    let lines: Vec<Line<'_>> = matching[start..end]
        .iter()
        .map(|e| line(e, width, theme))
        .collect();
    if lines.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(
                "nothing recorded yet: n adds a note",
                theme.muted,
            )),
            inner,
        );
        return;
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn line<'a>(entry: &Entry, width: usize, theme: &Theme) -> Line<'a> {
    let automatic = entry.actor.is_automatic();
    let time = entry.occurred_at.format("%H:%M:%S").to_string();
    let who = if automatic {
        "warroom".to_owned()
    } else {
        inert(&entry.actor.name).into_owned()
    };
    let prefix = format!(
        "{time} {:<8} {:<9} ",
        truncate_to(&who, 8),
        entry.kind.word()
    );
    let room = width.saturating_sub(prefix.chars().count());
    let style = if automatic { theme.muted } else { theme.text };
    Line::from(vec![
        Span::styled(prefix, if automatic { theme.muted } else { theme.accent }),
        Span::styled(truncate_to(&inert(&entry.text), room), style),
    ])
}
