//! A real terminal for end-to-end tests: the release or test binary runs inside a private tmux
//! server, keys go in through `send-keys`, and the screen comes back through `capture-pane`.
//!
//! Each session uses its own tmux socket, so tests never see each other or a developer's tmux,
//! and the server is killed when the handle drops.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the harness"
)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static SESSIONS: AtomicUsize = AtomicUsize::new(0);

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `command` (run by `sh -c`) in a detached session of `width`×`height` cells.
    /// Returns `None` when tmux is not installed and the test may skip; under CI a missing tmux
    /// is a failure, since `.ci/run` installs it.
    pub fn start(command: &str, width: u16, height: u16, env: &[(&str, &str)]) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(
                std::env::var_os("CI").is_none(),
                "tmux is required under CI"
            );
            eprintln!("skipping: tmux is not installed");
            return None;
        }
        let socket = format!(
            "warroom-test-{}-{}",
            std::process::id(),
            SESSIONS.fetch_add(1, Ordering::SeqCst)
        );
        let tmux = Tmux { socket };
        // The pane is kept after the program exits (remain-on-exit), so a test can read its last
        // screen; the option is set before the program starts, in the same tmux invocation.
        let mut args: Vec<String> = [
            "-f",
            "/dev/null",
            "start-server",
            ";",
            "set-option",
            "-wg",
            "remain-on-exit",
            "on",
            ";",
        ]
        .map(String::from)
        .to_vec();
        args.extend(["new-session".into(), "-d".into()]);
        args.extend([
            "-x".into(),
            width.to_string(),
            "-y".into(),
            height.to_string(),
        ]);
        for (name, value) in env {
            args.extend(["-e".into(), format!("{name}={value}")]);
        }
        args.push(command.to_owned());
        let out = tmux.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(out.status.success(), "tmux new-session failed: {out:?}");
        Some(tmux)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("running tmux")
    }

    /// Types text literally.
    pub fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-l", text]);
    }

    /// Sends keys by tmux name: `Enter`, `Tab`, `BTab`, `Escape`, `Up`, `C-c`, `y`.
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// The visible screen as text.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p"]).stdout).into_owned()
    }

    /// The screen and the scrollback above it, for output printed after the dashboard left the
    /// alternate screen.
    pub fn history(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-S", "-"]).stdout).into_owned()
    }

    /// The visible screen with escape sequences for colours and attributes.
    pub fn screen_with_escapes(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-e"]).stdout).into_owned()
    }

    /// Polls the screen until `wanted` returns true or `timeout` passes; returns the last screen.
    pub fn wait_for(
        &self,
        timeout: Duration,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<String, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if wanted(&screen) {
                return Ok(screen);
            }
            if Instant::now() > deadline {
                return Err(screen);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits for text to appear, panicking with the screen when it does not.
    pub fn wait_for_text(&self, text: &str, timeout: Duration) -> String {
        self.wait_for(timeout, |s| s.contains(text))
            .unwrap_or_else(|screen| {
                panic!("{text:?} did not appear within {timeout:?}; screen:\n{screen}")
            })
    }

    pub fn resize(&self, width: u16, height: u16) {
        self.run(&[
            "resize-window",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
    }

    /// The pid of the program in the pane.
    pub fn pane_pid(&self) -> Option<u32> {
        let out = self.run(&["display-message", "-p", "#{pane_pid}"]);
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    }

    /// Whether the program in the pane has exited (the pane is kept by remain-on-exit).
    pub fn pane_dead(&self) -> bool {
        let out = self.run(&["display-message", "-p", "#{pane_dead}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    /// The pane's window title, which escape sequences from untrusted text must never change.
    pub fn pane_title(&self) -> String {
        let out = self.run(&["display-message", "-p", "#{pane_title}"]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// The warroom binary built for the tests.
pub fn warroom_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_warroom"))
}
