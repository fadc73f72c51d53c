//! The input line and the pick list overlays.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::centered;
use crate::tui::overlay::{InputPurpose, PickPurpose};
use crate::tui::theme::Theme;

pub fn render_input(
    frame: &mut Frame<'_>,
    area: Rect,
    purpose: InputPurpose,
    text: &str,
    theme: &Theme,
) {
    let popup = centered(area, area.width.saturating_sub(8).min(100), 3);
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(format!(" {} ", purpose.prompt()), theme.title))
        .title_bottom(Span::styled(" Enter saves · Esc cancels ", theme.muted));
    // Show the end of a long input, where the cursor is.
    let room = usize::from(popup.width.saturating_sub(3));
    let mut shown: &str = text;
    while shown.width() > room {
        let mut chars = shown.chars();
        chars.next();
        shown = chars.as_str();
    }
    let line = Line::from(vec![
        Span::styled(shown.to_owned(), theme.text),
        Span::styled("▏", theme.accent),
    ]);
    frame.render_widget(Paragraph::new(line).block(block), popup);
}

pub fn render_pick(
    frame: &mut Frame<'_>,
    area: Rect,
    purpose: PickPurpose,
    selected: usize,
    theme: &Theme,
) {
    let options = purpose.options();
    let popup = centered(area, 44, options.len() as u16 + 2);
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(format!(" {} ", purpose.title()), theme.title))
        .title_bottom(Span::styled(" ↑↓ Enter · Esc ", theme.muted));
    let lines: Vec<Line<'_>> = options
        .iter()
        .enumerate()
        .map(|(i, option)| {
            let style = if i == selected {
                theme.selection
            } else {
                theme.text
            };
            Line::styled(format!(" {option} "), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
