//! Untrusted text made safe to draw.
//!
//! Log lines, HTTP bodies, certificate fields and DNS names come from systems that are, at the
//! moment warroom is needed, misbehaving or hostile. Nothing from them may reach the terminal
//! with a control character intact: an ESC could retitle the window, clear the shared screen or
//! move the cursor for everybody watching the tmux session. [`inert`] rewrites every control,
//! escape and bidirectional-override character into a visible, harmless spelling.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Returns `s` with every control character spelled out (`\x1b`, `\t` as `\t`, and so on) and
/// every bidirectional formatting character shown as `\u{202e}`.
///
/// Printable text, including wide and combining characters, passes through unchanged, and when
/// nothing needs rewriting no allocation is made.
#[must_use]
pub fn inert(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Like [`inert`] for bytes that may not be UTF-8: invalid sequences become U+FFFD first.
#[must_use]
pub fn inert_bytes(bytes: &[u8]) -> String {
    inert(&String::from_utf8_lossy(bytes)).into_owned()
}

fn needs_escape(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || is_invisible_format(c)
}

/// Characters that reorder text (the Trojan Source family) and so can make a log line or a
/// certificate subject read differently from what it is.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
    )
}

/// Zero-width characters that hide content from the reader.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}')
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x100 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            inert("GET /webhooks 200 — ok ✓ 漢字"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn escape_sequences_become_visible() {
        let cases = [
            ("\x1b[2J", "\\x1b[2J"),
            ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),
            ("a\tb\r\n", "a\\tb\\r\\n"),
            ("\u{9b}31m", "\\x9b31m"),
            ("abc\u{202e}fed", "abc\\u{202e}fed"),
            ("zero\u{200b}width", "zero\\u{200b}width"),
            ("nul\0byte", "nul\\x00byte"),
        ];
        for (input, want) in cases {
            assert_eq!(inert(input), want, "input {input:?}");
        }
    }

    #[test]
    fn invalid_utf8_is_replaced_then_made_inert() {
        assert_eq!(inert_bytes(b"ok\xff\x1b"), "ok\u{fffd}\\x1b");
    }
}
