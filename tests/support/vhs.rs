//! A reader and linter for VHS tapes (Charm's terminal recorder), so that `demo.tape` can be
//! checked on machines where VHS itself cannot run, and replayed in tmux from what it parsed.
//!
//! It knows VHS's command set and the rules VHS enforces or applies silently: `Set` only before
//! the first action (VHS ignores a late one, except `TypingSpeed`), the output formats, `.png`
//! screenshots, `.tape` sources, durations and regular expressions. It is stricter than VHS in
//! two ways that keep tapes readable: one command per line, and `Type`, `Copy` and `Env` values
//! quoted. Every problem is reported with its line, not only the first.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use regex::Regex;

/// Every name `Set` accepts, as VHS spells them.
const SETTINGS: &str = "Shell FontFamily FontSize Framerate PlaybackSpeed Height Width \
    LetterSpacing LineHeight TypingSpeed Padding Theme LoopOffset MarginFill Margin WindowBar \
    WindowBarSize BorderRadius CursorBlink WaitTimeout WaitPattern";

/// Settings whose value is a number of pixels, points, frames or a factor.
const NUMERIC_SETTINGS: &str = "FontSize Framerate PlaybackSpeed Height Width LetterSpacing \
    LineHeight Padding Margin WindowBarSize BorderRadius";

const WINDOW_BARS: &str = "Colorful ColorfulRight Rings RingsRight";

/// Keys that are commands of their own and may follow a modifier.
const KEYS: &str = "Enter Tab Space Backspace Delete Insert Escape Up Down Left Right Home End \
    PageUp PageDown ScrollUp ScrollDown";

/// What VHS may write with `Output`; a directory (trailing `/`) gets one PNG per frame.
const OUTPUT_EXTENSIONS: &str = "gif mp4 webm txt ascii";

/// The word of `list` equal to `word`, borrowed from the list so it lives as long.
fn find_in(list: &'static str, word: &str) -> Option<&'static str> {
    list.split_whitespace().find(|&w| w == word)
}

/// One key as VHS presses it: a named key or a character, with modifiers held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keypress {
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
    pub key: Key,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// One of [`KEYS`].
    Named(&'static str),
    Char(char),
}

/// Which part of the terminal a `Wait` watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitScope {
    /// The last non-empty line (VHS's default).
    Line,
    Screen,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Output(String),
    Require(String),
    Set {
        name: String,
        value: String,
    },
    Env {
        name: String,
        value: String,
    },
    Source(String),
    Type {
        text: String,
        speed: Option<Duration>,
    },
    Key {
        press: Keypress,
        speed: Option<Duration>,
        repeat: u32,
    },
    Sleep(Duration),
    Wait {
        scope: WaitScope,
        timeout: Option<Duration>,
        /// `None` waits for VHS's default prompt pattern.
        pattern: Option<String>,
    },
    Hide,
    Show,
    Screenshot(String),
    Copy(String),
    Paste,
}

impl Command {
    /// Whether VHS counts this as the start of the recording, after which settings are ignored.
    /// `Source` is not counted: what it pulls in is checked where it lives.
    pub fn is_action(&self) -> bool {
        !matches!(
            self,
            Command::Output(_)
                | Command::Require(_)
                | Command::Set { .. }
                | Command::Env { .. }
                | Command::Source(_)
        )
    }
}

/// A command and the line it came from (1-based).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub number: usize,
    pub command: Command,
}

/// A problem VHS would reject, or silently ignore, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A tape that passed the linter.
#[derive(Debug, Clone)]
pub struct Tape {
    pub lines: Vec<Line>,
}

impl Tape {
    /// Parses and lints `text`; every problem found is returned, in line order.
    pub fn parse(text: &str) -> Result<Tape, Vec<Problem>> {
        let mut lines = Vec::new();
        let mut problems = Vec::new();
        for (index, source) in text.lines().enumerate() {
            let number = index + 1;
            match tokenize(source).and_then(|tokens| parse_command(&tokens)) {
                Ok(Some(command)) => lines.push(Line { number, command }),
                Ok(None) => {}
                Err(message) => problems.push(Problem {
                    line: number,
                    message,
                }),
            }
        }
        problems.extend(late_settings(&lines));
        problems.sort_by_key(|p| p.line);
        if problems.is_empty() {
            Ok(Tape { lines })
        } else {
            Err(problems)
        }
    }

    /// The last value given to setting `name`, as written.
    pub fn setting(&self, name: &str) -> Option<&str> {
        self.lines
            .iter()
            .rev()
            .find_map(|line| match &line.command {
                Command::Set { name: n, value } if n == name => Some(value.as_str()),
                _ => None,
            })
    }
}

/// `Set` after the first action: VHS warns and ignores it, except for `TypingSpeed`.
fn late_settings(lines: &[Line]) -> Vec<Problem> {
    let Some(first_action) = lines.iter().position(|l| l.command.is_action()) else {
        return Vec::new();
    };
    lines[first_action..]
        .iter()
        .filter_map(|line| match &line.command {
            Command::Set { name, .. } if name != "TypingSpeed" => Some(Problem {
                line: line.number,
                message: format!(
                    "Set {name} comes after the first action (line {}); VHS ignores it there, \
                     move it to the top",
                    lines[first_action].number
                ),
            }),
            _ => None,
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Regex(String),
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Word(w) => format!("`{w}`"),
            Token::Quoted(q) => format!("string {q:?}"),
            Token::Regex(r) => format!("/{r}/"),
        }
    }
}

/// Splits a line into words, quoted strings (`"…"`, `'…'`, `` `…` ``), regular expressions
/// (`/…/`) and JSON (`{…}` to the end of the line, for `Set Theme`); `#` starts a comment.
fn tokenize(source: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = source.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        match c {
            '#' => break,
            '"' | '\'' | '`' | '/' => {
                chars.next();
                let mut text = String::new();
                let mut closed = false;
                while let Some((_, next)) = chars.next() {
                    if next == c {
                        closed = true;
                        break;
                    }
                    // Inside a regular expression `\/` is a literal slash, as in Go's lexer.
                    if c == '/' && next == '\\' && chars.peek().is_some_and(|&(_, n)| n == '/') {
                        text.push('/');
                        chars.next();
                        continue;
                    }
                    text.push(next);
                }
                if !closed {
                    return Err(format!(
                        "unterminated {c}…{c} starting at column {}",
                        start + 1
                    ));
                }
                tokens.push(if c == '/' {
                    Token::Regex(text)
                } else {
                    Token::Quoted(text)
                });
            }
            '{' => {
                tokens.push(Token::Quoted(source[start..].trim_end().to_owned()));
                break;
            }
            _ => {
                let mut word = String::new();
                while let Some(&(_, next)) = chars.peek() {
                    if next.is_whitespace() {
                        break;
                    }
                    word.push(next);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

/// `500ms`, `2s`, `1m`, or bare seconds (`1.5`).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let (number, unit_seconds) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else {
        (text, 1.0)
    };
    let digits_only = !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit() || c == '.')
        && number.chars().filter(|&c| c == '.').count() <= 1
        && !number.starts_with('.')
        && !number.ends_with('.');
    if !digits_only {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    Some(Duration::from_secs_f64(value * unit_seconds))
}

fn duration_arg(text: &str, what: &str) -> Result<Duration, String> {
    parse_duration(text)
        .ok_or_else(|| format!("{what} expects a duration like 500ms, 2s or 1m, got `{text}`"))
}

/// Splits `Down@200ms` into the head and its speed; an `@` right after `+` is a key (`Ctrl+@`).
fn split_speed(head: &str) -> Result<(&str, Option<Duration>), String> {
    let at = head
        .char_indices()
        .find(|&(i, c)| c == '@' && i > 0 && !head[..i].ends_with('+'))
        .map(|(i, _)| i);
    match at {
        None => Ok((head, None)),
        Some(i) => {
            let speed = duration_arg(&head[i + 1..], &format!("{}@", &head[..i]))?;
            if speed.is_zero() {
                return Err(format!("{}@ expects a positive duration", &head[..i]));
            }
            Ok((&head[..i], Some(speed)))
        }
    }
}

fn parse_command(tokens: &[Token]) -> Result<Option<Command>, String> {
    let Some((first, args)) = tokens.split_first() else {
        return Ok(None);
    };
    let Token::Word(head) = first else {
        return Err(format!(
            "a line must start with a command, not {}",
            first.describe()
        ));
    };
    let (name, speed) = split_speed(head)?;
    let takes_speed =
        matches!(name, "Type") || name.starts_with("Wait") || find_in(KEYS, name).is_some();
    if speed.is_some() && !takes_speed {
        return Err(format!("{name} takes no @speed"));
    }

    let command = match name {
        "Output" => {
            let path = one_path(name, args)?;
            check_output(&path)?;
            Command::Output(path)
        }
        "Require" => Command::Require(one_path(name, args)?),
        "Screenshot" => {
            let path = one_path(name, args)?;
            if !has_extension(&path, "png") {
                return Err(format!(
                    "Screenshot writes PNG only; `{path}` must end in .png"
                ));
            }
            Command::Screenshot(path)
        }
        "Source" => {
            let path = one_path(name, args)?;
            if !has_extension(&path, "tape") {
                return Err(format!(
                    "Source reads tapes only; `{path}` must end in .tape"
                ));
            }
            Command::Source(path)
        }
        "Set" => parse_set(args)?,
        "Env" => match args {
            [Token::Word(key), Token::Quoted(value)] => Command::Env {
                name: key.clone(),
                value: value.clone(),
            },
            _ => return Err("Env expects a name and a quoted value: Env NAME \"value\"".into()),
        },
        "Type" | "Copy" => {
            let text = quoted_strings(name, args)?;
            if name == "Type" {
                Command::Type { text, speed }
            } else {
                Command::Copy(text)
            }
        }
        "Sleep" => match args {
            [Token::Word(time)] => Command::Sleep(duration_arg(time, "Sleep")?),
            _ => return Err("Sleep expects one duration, like 500ms or 2s".into()),
        },
        "Hide" | "Show" | "Paste" => {
            no_args(name, args)?;
            match name {
                "Hide" => Command::Hide,
                "Show" => Command::Show,
                _ => Command::Paste,
            }
        }
        _ if name == "Wait" || name.starts_with("Wait+") => parse_wait(name, speed, args)?,
        _ if name.contains('+') => {
            let press = parse_chord(name)?;
            no_args(name, args)?;
            Command::Key {
                press,
                speed: None,
                repeat: 1,
            }
        }
        _ => {
            let Some(key) = find_in(KEYS, name) else {
                return Err(format!("unknown command `{name}`"));
            };
            Command::Key {
                press: Keypress {
                    ctrl: false,
                    alt: false,
                    shift: false,
                    key: Key::Named(key),
                },
                speed,
                repeat: repeat_count(name, args)?,
            }
        }
    };
    Ok(Some(command))
}

fn one_path(name: &str, args: &[Token]) -> Result<String, String> {
    match args {
        [Token::Word(path) | Token::Quoted(path)] if !path.is_empty() => Ok(path.clone()),
        _ => Err(format!("{name} expects one path")),
    }
}

fn has_extension(path: &str, extension: &str) -> bool {
    Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(extension))
}

fn no_args(name: &str, args: &[Token]) -> Result<(), String> {
    match args.first() {
        None => Ok(()),
        Some(extra) => Err(format!(
            "{name} takes no argument, got {}",
            extra.describe()
        )),
    }
}

fn check_output(path: &str) -> Result<(), String> {
    if path.ends_with('/') {
        return Ok(());
    }
    let extension = path.rsplit_once('.').map(|(_, e)| e);
    match extension {
        Some(e) if find_in(OUTPUT_EXTENSIONS, e).is_some() && !e.contains('/') => Ok(()),
        _ => Err(format!(
            "Output `{path}`: VHS writes .gif, .mp4, .webm, .txt, .ascii or a frames directory \
             ending in /"
        )),
    }
}

/// `Type` and `Copy` take one or more quoted strings, joined by single spaces as VHS does.
fn quoted_strings(name: &str, args: &[Token]) -> Result<String, String> {
    if args.is_empty() {
        return Err(format!("{name} expects a quoted string"));
    }
    let mut parts = Vec::new();
    for arg in args {
        match arg {
            Token::Quoted(text) => parts.push(text.as_str()),
            other => {
                return Err(format!(
                    "{name} expects quoted strings, got {}",
                    other.describe()
                ));
            }
        }
    }
    Ok(parts.join(" "))
}

fn repeat_count(name: &str, args: &[Token]) -> Result<u32, String> {
    match args {
        [] => Ok(1),
        [Token::Word(count)] => match count.parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!(
                "{name} expects a repeat count like 3, got `{count}`"
            )),
        },
        [_, extra, ..] | [extra] => Err(format!(
            "{name} takes an optional repeat count, got {}",
            extra.describe()
        )),
    }
}

fn parse_wait(name: &str, timeout: Option<Duration>, args: &[Token]) -> Result<Command, String> {
    let scope = match name {
        "Wait" | "Wait+Line" => WaitScope::Line,
        "Wait+Screen" => WaitScope::Screen,
        _ => return Err(format!("`{name}`: Wait+ expects Line or Screen")),
    };
    let pattern = match args {
        [] => None,
        [Token::Regex(pattern)] => {
            Regex::new(pattern)
                .map_err(|e| format!("Wait: invalid regular expression /{pattern}/: {e}"))?;
            Some(pattern.clone())
        }
        [other, ..] => {
            return Err(format!(
                "Wait expects an optional /regex/, got {}",
                other.describe()
            ));
        }
    };
    Ok(Command::Wait {
        scope,
        timeout,
        pattern,
    })
}

/// `Ctrl+C`, `Ctrl+Alt+Shift+X`, `Alt+Enter`, `Shift+Tab`: modifiers first, in that order,
/// then one key or character.
fn parse_chord(name: &str) -> Result<Keypress, String> {
    let parts: Vec<&str> = name.split('+').collect();
    let (key_name, modifiers) = match parts.split_last() {
        // `Ctrl++` splits into ["Ctrl", "", ""]: the key is the `+` itself.
        Some((&"", rest)) if rest.last() == Some(&"") => ("+", &rest[..rest.len() - 1]),
        Some((key, rest)) => (*key, rest),
        None => return Err(format!("unknown command `{name}`")),
    };
    let mut press = Keypress {
        ctrl: false,
        alt: false,
        shift: false,
        key: Key::Char(' '),
    };
    let mut last_rank = 0;
    for modifier in modifiers {
        let (rank, flag) = match *modifier {
            "Ctrl" => (1, &mut press.ctrl),
            "Alt" => (2, &mut press.alt),
            "Shift" => (3, &mut press.shift),
            other => {
                return Err(format!(
                    "`{name}`: `{other}` is not a modifier (Ctrl, Alt, Shift)"
                ));
            }
        };
        if rank <= last_rank {
            return Err(format!(
                "`{name}`: modifiers go once each, in the order Ctrl+Alt+Shift"
            ));
        }
        last_rank = rank;
        *flag = true;
    }
    let mut chars = key_name.chars();
    press.key = match (chars.next(), chars.next()) {
        (Some(c), None) => Key::Char(c),
        _ => match find_in(KEYS, key_name) {
            Some(key) => Key::Named(key),
            None => return Err(format!("`{name}`: `{key_name}` is not a key")),
        },
    };
    Ok(press)
}

fn parse_set(args: &[Token]) -> Result<Command, String> {
    let Some((Token::Word(name), values)) = args.split_first() else {
        return Err("Set expects a setting name and a value".into());
    };
    if find_in(SETTINGS, name).is_none() {
        return Err(format!("unknown setting `{name}`"));
    }
    let value = match values {
        [Token::Word(v) | Token::Quoted(v) | Token::Regex(v)] => v.clone(),
        [] => return Err(format!("Set {name} expects a value")),
        [_, extra, ..] => {
            return Err(format!(
                "Set {name} takes one value, got also {}",
                extra.describe()
            ));
        }
    };
    check_setting(name, &value)?;
    Ok(Command::Set {
        name: name.clone(),
        value,
    })
}

fn check_setting(name: &str, value: &str) -> Result<(), String> {
    let fits = match name {
        "TypingSpeed" | "WaitTimeout" => {
            duration_arg(value, &format!("Set {name}"))?;
            true
        }
        "CursorBlink" => matches!(value, "true" | "false"),
        "WaitPattern" => Regex::new(value).is_ok(),
        "WindowBar" => find_in(WINDOW_BARS, value).is_some(),
        "LoopOffset" => value.trim_end_matches('%').parse::<f64>().is_ok(),
        _ if find_in(NUMERIC_SETTINGS, name).is_some() => {
            value.parse::<f64>().is_ok_and(|v| v >= 0.0)
        }
        _ => true,
    };
    if fits {
        Ok(())
    } else {
        Err(format!("Set {name}: `{value}` is not a valid value"))
    }
}
