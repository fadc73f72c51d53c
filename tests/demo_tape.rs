//! Keeps `demo.tape` honest where VHS cannot run: the tape is linted against VHS's command set
//! and rules, then replayed in tmux on the built binary (typing through `send-keys`, `Wait`
//! through polling the screen), and the test asserts on what the tour leaves behind: the
//! certificate chain it opened, the recovery on the last screenshot, and the exported
//! postmortem with the note and the renewal.

#![expect(
    clippy::unwrap_used,
    reason = "a test stops loudly on a broken fixture"
)]

mod support;
#[path = "support/vhs.rs"]
mod vhs;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use regex::Regex;
use support::tmux::{Tmux, warroom_bin};
use vhs::{Command, Key, Keypress, Tape, WaitScope};

const TAPE: &str = include_str!("../demo.tape");

/// The note the tape types, short enough to show whole on the timeline; the postmortem must
/// carry it.
const NOTE: &str = "renewed by hand; cert cron broken since Monday";

/// The demo runs this fast in the replay; the tape's sleeps shrink by the same ratio.
const REPLAY_SPEED: f64 = 4.0;

/// No `Wait` in the replay gives up sooner: the debug binary on a loaded two-core machine.
const MIN_WAIT: Duration = Duration::from_secs(40);

/// VHS waits 15 s unless `Set WaitTimeout` says otherwise.
const VHS_WAIT_TIMEOUT: Duration = Duration::from_secs(15);

/// VHS's default `Wait` pattern: its shell prompt.
const VHS_PROMPT_PATTERN: &str = ">$";

// The linter.

fn problems(tape: &str) -> Vec<String> {
    match Tape::parse(tape) {
        Ok(_) => Vec::new(),
        Err(problems) => problems.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn demo_tape_passes_the_linter() {
    let tape = Tape::parse(TAPE).unwrap_or_else(|problems| {
        let listed: Vec<String> = problems.iter().map(ToString::to_string).collect();
        panic!("demo.tape:\n{}", listed.join("\n"))
    });
    assert_eq!(tape.setting("Shell"), Some("bash"));
    assert!(
        tape.lines
            .iter()
            .any(|l| l.command == Command::Output("demo.gif".into())),
        "demo.tape must write demo.gif"
    );
    assert!(
        tape.lines
            .iter()
            .any(|l| l.command == Command::Screenshot("demo.png".into())),
        "demo.tape must take demo.png"
    );

    // The same tape with a setting after its actions must fail, or the rule checks nothing.
    let late = problems(&format!("{TAPE}\nSet FontSize 20\n"));
    assert!(
        late.iter().any(|p| p.contains("Set FontSize comes after")),
        "{late:?}"
    );
}

#[test]
fn linter_accepts_every_command_form_vhs_documents() {
    let tape = r##"
Output demo.gif
Output demo.ascii
Output frames/
Require warroom
Set Shell "bash"
Set FontSize 14
Set TypingSpeed 40ms
Set Theme { "name": "Mine", "background": "#000000" }
Set WaitTimeout 20s
Set WaitPattern /\$ $/
Set CursorBlink false
Set LoopOffset 20%
Env NO_COLOR "1"
Source setup.tape
Hide
Type "echo hi" 'and' `more`
Type@100ms "slow"
Show
Sleep 500ms
Sleep 2
Sleep 1.5s
Wait
Wait /ready/
Wait+Line /\$ $/
Wait+Screen@10s /a|b/
Enter
Down@200ms 3
PageDown 2
ScrollUp
Ctrl+C
Ctrl+Alt+Shift+X
Alt+Enter
Shift+Tab
Copy "text"
Paste
Screenshot shot.png
Set TypingSpeed 10ms # allowed late
"##;
    assert_eq!(problems(tape), Vec::<String>::new());
}

#[test]
fn linter_rejects_each_kind_of_broken_tape() {
    // (what is wrong, the tape, a phrase the problem must contain)
    let cases = [
        (
            "unknown command",
            "Output a.gif\nPress Enter\n",
            "unknown command `Press`",
        ),
        (
            "lowercase command",
            "type \"ls\"\n",
            "unknown command `type`",
        ),
        (
            "late Set",
            "Type \"ls\"\nSet FontSize 20\n",
            "Set FontSize comes after",
        ),
        (
            "unknown setting",
            "Set FontColour red\n",
            "unknown setting `FontColour`",
        ),
        (
            "bad Output extension",
            "Output demo.png\n",
            "Output `demo.png`",
        ),
        ("Output without extension", "Output demo\n", "Output `demo`"),
        (
            "Screenshot not png",
            "Screenshot shot.jpg\n",
            "must end in .png",
        ),
        (
            "Source not a tape",
            "Source setup.sh\n",
            "must end in .tape",
        ),
        (
            "duration with a bad unit",
            "Sleep 2h\n",
            "expects a duration",
        ),
        (
            "duration that is a word",
            "Sleep soon\n",
            "expects a duration",
        ),
        ("bad key speed", "Down@fast 3\n", "expects a duration"),
        (
            "bad TypingSpeed",
            "Set TypingSpeed quick\n",
            "expects a duration",
        ),
        ("unquoted Type", "Type ls\n", "expects quoted strings"),
        ("unterminated string", "Type \"ls\n", "unterminated"),
        ("Type without text", "Type\n", "expects a quoted string"),
        ("bad repeat count", "Down 0\n", "repeat count"),
        ("bad regex", "Wait /(/\n", "invalid regular expression"),
        ("bad Wait scope", "Wait+Window /x/\n", "Line or Screen"),
        ("modifier order", "Shift+Ctrl+C\n", "order Ctrl+Alt+Shift"),
        ("not a key", "Ctrl+Banana\n", "not a key"),
        ("speed on Sleep", "Sleep@1s 2s\n", "takes no @speed"),
        ("argument on Hide", "Hide now\n", "takes no argument"),
        ("non-numeric Width", "Set Width wide\n", "not a valid value"),
        (
            "unknown window bar",
            "Set WindowBar Fancy\n",
            "not a valid value",
        ),
    ];
    for (what, tape, expected) in cases {
        let found = problems(tape);
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "{what}: expected a problem containing {expected:?}, got {found:?}"
        );
    }
}

#[test]
fn linter_reports_every_problem_with_its_line() {
    let found = problems("Output a.gif\nBogus\nSleep 1s\nSet Width 800\nSleep forever\n");
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found[0].starts_with("line 2:"), "{found:?}");
    assert!(found[1].starts_with("line 4:"), "{found:?}");
    assert!(found[2].starts_with("line 5:"), "{found:?}");
}

// The replay.

/// The terminal VHS would draw: a cell is about 8×16 px at 14 pt, so 1600×900 px is 200×56.
fn terminal_cells(tape: &Tape) -> (u16, u16) {
    let pixels = |name, default: f64| {
        tape.setting(name)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(default)
    };
    let points = pixels("FontSize", 22.0);
    let columns = pixels("Width", 1200.0) / (points * 8.0 / 14.0);
    let rows = pixels("Height", 600.0) / (points * 16.0 / 14.0);
    (columns as u16, rows as u16)
}

/// The journal the tape's `warroom` command names, if any.
fn tape_journal(tape: &Tape) -> Option<PathBuf> {
    tape.lines.iter().find_map(|line| {
        let Command::Type { text, .. } = &line.command else {
            return None;
        };
        let words = shell_words::split(text).ok()?;
        if words.first()? != "warroom" {
            return None;
        }
        let flag = words.iter().position(|w| w == "--journal")?;
        words.get(flag + 1).map(PathBuf::from)
    })
}

/// Text the tape types, made real and harmless for the replay: every path that starts like the
/// tape's journal (`/tmp/warroom-demo.jsonl`, `/tmp/warroom-demo.postmortem.md`) moves into
/// `dir`, and a command starting with `warroom` runs the built binary. Returns the text and, for
/// a warroom command, how much faster the replay runs than the tape.
fn rewrite_for_replay(typed: &str, journal: Option<&Path>, dir: &Path) -> (String, Option<f64>) {
    let mut text = typed.to_owned();
    if let Some(journal) = journal {
        let stem = journal.with_extension("");
        if let Some(name) = stem.file_name() {
            text = text.replace(
                stem.to_string_lossy().as_ref(),
                dir.join(name).to_string_lossy().as_ref(),
            );
        }
    }
    match warroom_command(&text, dir) {
        Some((command, faster)) => (command, Some(faster)),
        None => (text, None),
    }
}

/// A `warroom` command line with the built binary in front, `--speed` at [`REPLAY_SPEED`] and a
/// journal in `dir` when it names none; `None` for any other text.
fn warroom_command(typed: &str, dir: &Path) -> Option<(String, f64)> {
    let mut words = shell_words::split(typed).ok()?;
    if words.first().map(String::as_str) != Some("warroom") {
        return None;
    }
    words[0] = warroom_bin().display().to_string();

    let mut tape_speed = 1.0;
    if let Some(flag) = words.iter().position(|w| w == "--speed")
        && let Some(value) = words.get_mut(flag + 1)
    {
        tape_speed = value.parse().unwrap_or(1.0);
        *value = REPLAY_SPEED.to_string();
    }
    if !words.iter().any(|w| w == "--journal") {
        words.push("--journal".into());
        words.push(dir.join("journal.jsonl").display().to_string());
    }
    Some((shell_words::join(words), REPLAY_SPEED / tape_speed))
}

/// A key as tmux's `send-keys` names it; `None` for VHS's scroll commands, which move the
/// recorder's viewport rather than send a key.
fn tmux_key(press: &Keypress) -> Option<String> {
    let base = match press.key {
        Key::Named("Tab") if press.shift && !press.ctrl && !press.alt => {
            return Some("BTab".into());
        }
        Key::Named("ScrollUp" | "ScrollDown") => return None,
        Key::Named(name) => match name {
            "Backspace" => "BSpace",
            "Delete" => "DC",
            "Insert" => "IC",
            "PageUp" => "PPage",
            "PageDown" => "NPage",
            other => other,
        }
        .to_owned(),
        Key::Char(c) if press.shift && !press.ctrl => c.to_uppercase().to_string(),
        Key::Char(c) if press.ctrl => c.to_lowercase().to_string(),
        Key::Char(c) => c.to_string(),
    };
    let mut name = String::new();
    if press.ctrl {
        name.push_str("C-");
    }
    if press.alt {
        name.push_str("M-");
    }
    if press.shift && matches!(press.key, Key::Named(_)) {
        name.push_str("S-");
    }
    Some(name + &base)
}

/// The last non-empty line of a screen, as VHS's `Wait+Line` reads it.
fn last_line(screen: &str) -> &str {
    screen
        .lines()
        .rev()
        .map(str::trim_end)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

/// Runs the tape's actions in `tmux`, with the files the demo writes in `dir`. Returns the
/// screenshots, by the tape's file name, as plain text; each is also kept with its colours
/// beside the journal (`demo.png` as `demo.ansi`).
fn replay(tape: &Tape, tmux: &Tmux, dir: &Path) -> Vec<(String, String)> {
    let wait_timeout = tape
        .setting("WaitTimeout")
        .and_then(vhs::parse_duration)
        .unwrap_or(VHS_WAIT_TIMEOUT);
    let typing_delay = tape
        .setting("TypingSpeed")
        .and_then(vhs::parse_duration)
        .unwrap_or(Duration::from_millis(50));
    let journal = tape_journal(tape);
    let mut sleep_scale = 1.0;
    let mut clipboard = String::new();
    let mut screenshots = Vec::new();

    for line in &tape.lines {
        match &line.command {
            // Settings shape the recording, not the terminal; `Env` is applied when the shell
            // starts.
            Command::Output(_)
            | Command::Require(_)
            | Command::Set { .. }
            | Command::Env { .. }
            | Command::Hide
            | Command::Show => {}
            Command::Source(path) => panic!("line {}: Source {path} is not replayed", line.number),
            Command::Type { text, .. } => {
                let (text, faster) = rewrite_for_replay(text, journal.as_deref(), dir);
                if let Some(faster) = faster {
                    sleep_scale = 1.0 / faster;
                }
                tmux.type_text(&text);
            }
            Command::Copy(text) => clipboard.clone_from(text),
            Command::Paste => tmux.type_text(&clipboard),
            Command::Key {
                press,
                speed,
                repeat,
            } => {
                let key = tmux_key(press).unwrap_or_else(|| {
                    panic!(
                        "line {}: scrolling the recorder is not replayed",
                        line.number
                    )
                });
                let pause = speed.unwrap_or(typing_delay).mul_f64(sleep_scale);
                for _ in 0..*repeat {
                    tmux.keys(&[&key]);
                    // A bare Escape followed at once by another key reads as Alt+key.
                    std::thread::sleep(pause.max(Duration::from_millis(60)));
                }
            }
            Command::Sleep(duration) => {
                std::thread::sleep(
                    duration
                        .mul_f64(sleep_scale)
                        .max(Duration::from_millis(100)),
                );
            }
            Command::Wait {
                scope,
                timeout,
                pattern,
            } => {
                let pattern = pattern.as_deref().unwrap_or(VHS_PROMPT_PATTERN);
                let regex = Regex::new(pattern).unwrap();
                let limit = timeout.unwrap_or(wait_timeout).max(MIN_WAIT);
                let found = tmux.wait_for(limit, |screen| match scope {
                    WaitScope::Screen => regex.is_match(screen),
                    WaitScope::Line => regex.is_match(last_line(screen)),
                });
                if let Err(screen) = found {
                    panic!(
                        "line {}: /{pattern}/ did not appear within {limit:?}; screen:\n{screen}",
                        line.number
                    );
                }
            }
            Command::Screenshot(name) => {
                let ansi = dir.join(Path::new(name).with_extension("ansi"));
                std::fs::write(&ansi, tmux.screen_with_escapes()).unwrap();
                screenshots.push((name.clone(), tmux.screen()));
            }
        }
    }
    screenshots
}

#[test]
fn replay_runs_the_built_binary_and_keeps_the_tapes_files_in_its_directory() {
    let tape = Tape::parse(TAPE).unwrap();
    let journal = tape_journal(&tape).unwrap();
    assert_eq!(journal, Path::new("/tmp/warroom-demo.jsonl"));
    let dir = Path::new("/tmp/replay");
    let rewrite = |typed| rewrite_for_replay(typed, Some(&journal), dir);

    let (command, faster) = rewrite("warroom demo --speed 2 --journal /tmp/warroom-demo.jsonl");
    let words = shell_words::split(&command).unwrap();
    assert_eq!(words[0], warroom_bin().display().to_string());
    assert_eq!(
        words[1..],
        [
            "demo",
            "--speed",
            "4",
            "--journal",
            "/tmp/replay/warroom-demo.jsonl"
        ]
    );
    assert_eq!(faster, Some(2.0));

    let (cleanup, faster) =
        rewrite("rm -f /tmp/warroom-demo.jsonl /tmp/warroom-demo.postmortem.md");
    assert_eq!(
        cleanup,
        "rm -f /tmp/replay/warroom-demo.jsonl /tmp/replay/warroom-demo.postmortem.md"
    );
    assert_eq!(faster, None);
    assert_eq!(rewrite("c"), ("c".to_owned(), None));

    let (command, _) = rewrite_for_replay("warroom demo", None, dir);
    assert!(
        command.ends_with("demo --journal /tmp/replay/journal.jsonl"),
        "{command}"
    );
}

#[test]
fn replay_names_keys_as_tmux_does() {
    let cases = [
        ("Shift+Tab", "BTab"),
        ("Ctrl+C", "C-c"),
        ("Alt+x", "M-x"),
        ("Shift+a", "A"),
        ("Ctrl+Alt+Shift+X", "C-M-x"),
        ("Escape", "Escape"),
        ("Backspace", "BSpace"),
        ("PageDown", "NPage"),
        ("Space", "Space"),
    ];
    for (written, expected) in cases {
        let tape = Tape::parse(written).unwrap();
        let Command::Key { press, .. } = &tape.lines[0].command else {
            panic!("{written} is not a key");
        };
        assert_eq!(tmux_key(press).as_deref(), Some(expected), "{written}");
    }
}

#[test]
fn replay_terminal_has_as_many_cells_as_the_tapes_pixels_hold() {
    let tape = Tape::parse(TAPE).unwrap();
    assert_eq!(terminal_cells(&tape), (200, 56));
    let small = Tape::parse("Set Width 800\nSet Height 480\nSet FontSize 28\n").unwrap();
    assert_eq!(terminal_cells(&small), (50, 15));
}

#[test]
fn demo_tape_replayed_in_tmux_heals_the_outage_and_exports_the_postmortem() {
    let started = Instant::now();
    let tape = Tape::parse(TAPE).unwrap();
    assert!(
        TAPE.contains(NOTE),
        "the tape's note changed; update NOTE in this test"
    );
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().display().to_string();
    let (columns, rows) = terminal_cells(&tape);

    // VHS starts the `Set Shell` without start-up files and with its own prompt, `> `; the
    // replay does the same. PS1 goes through `env`: given to tmux with `-e`, it did not reach
    // the shell.
    let shell = tape.setting("Shell").unwrap_or("bash");
    let mut env: Vec<(&str, &str)> = tape
        .lines
        .iter()
        .filter_map(|line| match &line.command {
            Command::Env { name, value } => Some((name.as_str(), value.as_str())),
            _ => None,
        })
        .collect();
    env.push(("XDG_STATE_HOME", &state));
    let Some(tmux) = Tmux::start(
        &format!("env 'PS1=> ' {shell} --norc --noprofile"),
        columns,
        rows,
        &env,
    ) else {
        return;
    };
    tmux.wait_for(MIN_WAIT, |s| last_line(s).ends_with('>'))
        .unwrap();

    let screenshots = replay(&tape, &tmux, dir.path());

    let shot = |name: &str| {
        screenshots.iter().find(|(n, _)| n == name).map_or_else(
            || panic!("no screenshot {name}"),
            |(_, screen)| screen.as_str(),
        )
    };
    let certificate = shot("demo-certificate.png");
    for expected in [
        "Ingress · 127.0.0.2",
        "TLS_CERT_EXPIRED",
        "not after",
        "issuer",
    ] {
        assert!(
            certificate.contains(expected),
            "{expected:?} missing from the certificate screenshot:\n{certificate}"
        );
    }

    let (last_name, last) = screenshots.last().unwrap();
    assert_eq!(last_name, "demo.png");
    for expected in [
        "tls of webhooks recovered",
        "[✔] Renew or replace the certificate",
        "▶ Checklist",
        "Logs · 5xx",
        NOTE,
    ] {
        assert!(
            last.contains(expected),
            "{expected:?} missing from the last screenshot:\n{last}"
        );
    }

    let exported = Regex::new(r"exported (\S+)")
        .unwrap()
        .captures(last)
        .unwrap_or_else(|| panic!("no `exported` in the status bar:\n{last}"))[1]
        .to_owned();
    let exported = PathBuf::from(exported);
    assert!(
        exported.starts_with(dir.path()),
        "{exported:?} is outside the replay's directory"
    );
    let postmortem = std::fs::read_to_string(&exported).unwrap();
    for expected in [
        NOTE,
        "done: Renew or replace the certificate on the ingress",
        "tls of webhooks recovered",
        "TLS_CERT_EXPIRED",
    ] {
        assert!(
            postmortem.contains(expected),
            "{expected:?} missing from the postmortem:\n{postmortem}"
        );
    }

    // The tape ends back at the shell: the dashboard quit and printed where its journal is.
    assert!(!tmux.pane_dead(), "the shell itself exited");
    let end = tmux.screen();
    assert!(
        end.contains("warroom demo: journal"),
        "the dashboard did not quit:\n{end}"
    );
    eprintln!("replayed demo.tape in {:?}", started.elapsed());
}
