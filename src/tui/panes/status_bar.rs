//! The status bar: incident clock, overall verdict, probe interval, focused pane, help hint.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use unicode_width::UnicodeWidthStr;

use crate::duration::format_duration;
use crate::text::inert;
use crate::tui::app::App;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let elapsed = app.incident_elapsed().as_secs();
    let clock = format!(
        "{:02}:{:02}:{:02}",
        elapsed / 3600,
        elapsed % 3600 / 60,
        elapsed % 60
    );
    let verdict = app.path.overall();
    let separator = Span::styled(" │ ", theme.muted);
    let mut spans = vec![
        Span::styled(format!(" ⏱ {clock} "), theme.accent),
        separator.clone(),
        Span::styled(
            format!("{} {}", verdict.glyph(), verdict.word().to_uppercase()),
            theme.verdict(verdict),
        ),
        separator.clone(),
        Span::styled(
            format!("probe every {}", format_duration(app.probe_interval)),
            theme.text,
        ),
        separator.clone(),
        Span::styled(format!("[{}]", app.focus.title()), theme.title),
        separator,
        Span::styled("? help  r probe  q quit", theme.muted),
    ];
    // The incident title goes last, and only when it fits whole.
    let used: usize = spans.iter().map(Span::width).sum();
    let title = format!("  {}", inert(&app.title));
    if used + title.width() <= usize::from(area.width) {
        spans.push(Span::styled(title, theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
