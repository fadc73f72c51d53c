//! The terminal guard: raw mode and the alternate screen for the dashboard's lifetime, and the
//! terminal given back as it was on every way out (return, error, panic, signal).
//!
//! Frames go out through [`TerminalGuard::draw`], which writes nothing at all when the new frame
//! is identical to the one on the screen (see [`ScreenCopy`]).

use std::io::{self, Stdout, Write as _};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute, queue};
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::buffer::Buffer;
use ratatui::{Frame, Terminal};

pub type Tty = Terminal<CrosstermBackend<Stdout>>;

/// Owns the terminal while the dashboard runs; dropping it restores the terminal.
pub struct TerminalGuard {
    pub terminal: Tty,
    mouse: bool,
    screen: ScreenCopy,
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen. Mouse capture only when asked: it takes
    /// selection and copy away from everybody watching a shared tmux window.
    pub fn enter(mouse: bool) -> io::Result<Self> {
        install_panic_hook(mouse);
        enable_raw_mode()?;
        let mut stdout = io::stdout();
        execute!(
            stdout,
            EnterAlternateScreen,
            EnableBracketedPaste,
            cursor::Hide
        )?;
        if mouse {
            execute!(stdout, EnableMouseCapture)?;
        }
        let terminal = Terminal::new(CrosstermBackend::new(stdout))?;
        Ok(TerminalGuard {
            terminal,
            mouse,
            screen: ScreenCopy::default(),
        })
    }

    /// Renders a frame and writes the cells that changed, inside a synchronized update so that
    /// terminals (and tmux) show it at once, never half-drawn. A frame identical to the screen
    /// writes nothing. Returns whether anything was written.
    pub fn draw(&mut self, render: impl FnOnce(&mut Frame<'_>)) -> io::Result<bool> {
        if !self.screen.render(&mut self.terminal, render)? {
            return Ok(false);
        }
        // Queued, so the marker goes out with the frame's first bytes, not in a write of its own.
        queue!(self.terminal.backend_mut(), BeginSynchronizedUpdate)?;
        self.terminal.apply_buffer()?;
        execute!(self.terminal.backend_mut(), EndSynchronizedUpdate)?;
        Ok(true)
    }

    /// Follows a change of the terminal's size. ratatui clears the screen when the size changed,
    /// so the copy of the screen is forgotten and the next frame is written whole.
    pub fn resize(&mut self) -> io::Result<()> {
        self.screen.forget();
        self.terminal.autoresize()
    }
}

/// A copy of the frame last written to the terminal, to skip frames that would change nothing.
///
/// The event loop redraws whenever an event may have changed what is shown: a log update whose
/// per-second window moved, a dependency report equal to the previous one. Many such frames come
/// out identical to the screen, and ratatui would still write a cursor hide and attribute resets
/// and we our synchronized-update markers: about 40 bytes and two system calls for nothing. With
/// a log source that has gone quiet, that was every other frame (the log worker publishes once a
/// second, out of step with the clock). Comparing the rendered buffer with this copy, a few
/// thousand cells, costs less than writing them.
#[derive(Debug, Default)]
pub struct ScreenCopy {
    shown: Option<Buffer>,
}

impl ScreenCopy {
    /// Renders into `terminal`'s next buffer. Returns true when the frame differs from the one
    /// last shown and must be applied (`Terminal::apply_buffer`); false when it is identical, in
    /// which case the buffer is reset for the next frame and nothing is written.
    pub fn render<B: Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        render: impl FnOnce(&mut Frame<'_>),
    ) -> Result<bool, B::Error> {
        terminal.autoresize()?;
        render(&mut terminal.get_frame());
        let rendered = terminal.current_buffer_mut();
        match &mut self.shown {
            Some(shown) if *shown == *rendered => {
                // ratatui resets the next buffer when it swaps after a frame; a frame that is not
                // applied must do the same, or cells no widget writes would keep stale content.
                rendered.reset();
                Ok(false)
            }
            Some(shown) => {
                // Reuses the copy's allocation: this runs on every frame.
                shown.area = rendered.area;
                shown.content.clone_from(&rendered.content);
                Ok(true)
            }
            None => {
                self.shown = Some(rendered.clone());
                Ok(true)
            }
        }
    }

    /// The screen no longer shows the copy (it was cleared or resized): write the next frame.
    pub fn forget(&mut self) {
        self.shown = None;
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore(self.mouse);
    }
}

/// Gives the terminal back; safe to call more than once.
pub fn restore(mouse: bool) {
    let mut stdout = io::stdout();
    if mouse {
        let _ = execute!(stdout, DisableMouseCapture);
    }
    let _ = execute!(
        stdout,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = stdout.flush();
}

/// Restores the terminal when the UI thread panics. A panic in a worker thread is caught by the
/// runtime and must not pull the screen from under a dashboard that is still drawing.
fn install_panic_hook(mouse: bool) {
    let ui_thread = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui_thread {
            restore(mouse);
        }
        previous(info);
    }));
}

#[cfg(test)]
mod tests {
    // The test backend cannot fail (its error type is `Infallible`), so its `unwrap`s are not
    // linted.
    use ratatui::backend::TestBackend;
    use ratatui::widgets::Paragraph;

    use super::*;

    fn text(words: &'static str) -> impl FnOnce(&mut Frame<'_>) {
        move |frame: &mut Frame<'_>| frame.render_widget(Paragraph::new(words), frame.area())
    }

    /// Renders through `copy` and applies the frame when it says so, as the guard does.
    fn draw(
        terminal: &mut Terminal<TestBackend>,
        copy: &mut ScreenCopy,
        words: &'static str,
    ) -> bool {
        let changed = copy.render(terminal, text(words)).unwrap();
        if changed {
            terminal.apply_buffer().unwrap();
        }
        changed
    }

    #[test]
    fn a_frame_identical_to_the_screen_is_not_written() {
        let mut terminal = Terminal::new(TestBackend::new(20, 2)).unwrap();
        let mut copy = ScreenCopy::default();

        assert!(draw(&mut terminal, &mut copy, "00:00:01"));
        assert!(!draw(&mut terminal, &mut copy, "00:00:01"));
        assert!(!draw(&mut terminal, &mut copy, "00:00:01"));
        assert!(draw(&mut terminal, &mut copy, "00:00:02"));
        terminal
            .backend()
            .assert_buffer_lines(["00:00:02            ", "                    "]);
    }

    #[test]
    fn a_skipped_frame_leaves_no_stale_cells_in_the_next_one() {
        let mut terminal = Terminal::new(TestBackend::new(20, 1)).unwrap();
        let mut copy = ScreenCopy::default();

        draw(&mut terminal, &mut copy, "a long first line");
        draw(&mut terminal, &mut copy, "a long first line");
        // Nothing is rendered at all: every cell must come out blank, not as the skipped text.
        assert!(copy.render(&mut terminal, |_| {}).unwrap());
        terminal.apply_buffer().unwrap();
        terminal
            .backend()
            .assert_buffer_lines(["                    "]);
    }

    #[test]
    fn after_forget_the_same_frame_is_written_again() {
        let mut terminal = Terminal::new(TestBackend::new(20, 1)).unwrap();
        let mut copy = ScreenCopy::default();

        draw(&mut terminal, &mut copy, "steady");
        terminal.clear().unwrap();
        copy.forget();
        assert!(draw(&mut terminal, &mut copy, "steady"));
        terminal
            .backend()
            .assert_buffer_lines(["steady              "]);
    }
}
