//! Themes: semantic roles mapped to styles, loaded from TOML and resolved to what the terminal
//! can show.
//!
//! Built-in themes are embedded from `themes/*.toml` at build time; a file of the same name in
//! `$XDG_CONFIG_HOME/warroom/themes/` overrides one, and `--theme FILE` loads any file. Colours are
//! resolved once, at load, to the terminal's depth (truecolor, 256, 16 or none), because ratatui
//! emits whatever colour it is given. Every status is also drawn as a glyph and a word, so no
//! theme (and no colour depth) can hide a failure.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// The built-in themes, by name.
pub const BUILTIN: [(&str, &str); 5] = [
    ("default", include_str!("../../themes/default.toml")),
    (
        "warroom-dark",
        include_str!("../../themes/warroom-dark.toml"),
    ),
    (
        "warroom-light",
        include_str!("../../themes/warroom-light.toml"),
    ),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("monochrome", include_str!("../../themes/monochrome.toml")),
];

/// How many colours the terminal can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColorDepth {
    None,
    Ansi16,
    Ansi256,
    TrueColor,
}

impl ColorDepth {
    /// Reads the depth from the environment: `NO_COLOR` or `TERM=dumb` mean none; `COLORTERM`
    /// truecolor (or a `-direct` TERM) means 24-bit; a `256color` TERM means 256; else 16.
    #[must_use]
    pub fn detect() -> ColorDepth {
        let var = |name| std::env::var(name).unwrap_or_default();
        Self::from_env(&var("NO_COLOR"), &var("TERM"), &var("COLORTERM"))
    }

    #[must_use]
    pub fn from_env(no_color: &str, term: &str, colorterm: &str) -> ColorDepth {
        if !no_color.is_empty() || term == "dumb" {
            ColorDepth::None
        } else if matches!(colorterm, "truecolor" | "24bit") || term.ends_with("-direct") {
            ColorDepth::TrueColor
        } else if term.contains("256color") {
            ColorDepth::Ansi256
        } else {
            ColorDepth::Ansi16
        }
    }
}

/// The semantic roles every pane draws with.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub name: String,
    pub text: Style,
    pub muted: Style,
    pub accent: Style,
    pub title: Style,
    pub border: Style,
    pub border_focused: Style,
    pub selection: Style,
    pub ok: Style,
    pub warn: Style,
    pub fail: Style,
    pub blocked: Style,
    pub unknown: Style,
    pub class_2xx: Style,
    pub class_3xx: Style,
    pub class_4xx: Style,
    pub class_5xx: Style,
}

/// A theme that could not be loaded, naming the theme and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("no theme named {0:?}; `warroom themes` lists them")]
    Unknown(String),
    #[error("theme {source_name}: {message}")]
    Invalid {
        source_name: String,
        message: String,
    },
    #[error("reading theme file {path}: {err}")]
    Read { path: String, err: std::io::Error },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    meta: Meta,
    #[serde(default)]
    palette: BTreeMap<String, String>,
    roles: Roles,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    name: String,
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "read for validation and shown by future theme previews"
    )]
    variant: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    modifiers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Roles {
    text: StyleSpec,
    muted: StyleSpec,
    accent: StyleSpec,
    title: StyleSpec,
    border: StyleSpec,
    border_focused: StyleSpec,
    selection: StyleSpec,
    ok: StyleSpec,
    warn: StyleSpec,
    fail: StyleSpec,
    blocked: StyleSpec,
    unknown: StyleSpec,
    class_2xx: StyleSpec,
    class_3xx: StyleSpec,
    class_4xx: StyleSpec,
    class_5xx: StyleSpec,
}

impl Theme {
    /// Loads a theme by built-in name, user theme name, or file path, for the given depth.
    pub fn load(name_or_path: &str, depth: ColorDepth) -> Result<Theme, ThemeError> {
        let path = Path::new(name_or_path);
        let is_file = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        if is_file || path.components().count() > 1 {
            let text = std::fs::read_to_string(path).map_err(|err| ThemeError::Read {
                path: path.display().to_string(),
                err,
            })?;
            return Theme::parse(&text, &path.display().to_string(), depth);
        }
        if let Some(dir) = crate::config::config_dir() {
            let user = dir.join("themes").join(format!("{name_or_path}.toml"));
            if let Ok(text) = std::fs::read_to_string(&user) {
                return Theme::parse(&text, &user.display().to_string(), depth);
            }
        }
        let (_, text) = BUILTIN
            .iter()
            .find(|(name, _)| *name == name_or_path)
            .ok_or_else(|| ThemeError::Unknown(name_or_path.to_owned()))?;
        Theme::parse(text, name_or_path, depth)
    }

    /// Parses theme TOML; `source_name` names it in errors.
    pub fn parse(text: &str, source_name: &str, depth: ColorDepth) -> Result<Theme, ThemeError> {
        let invalid = |message: String| ThemeError::Invalid {
            source_name: source_name.to_owned(),
            message,
        };
        let file: ThemeFile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let style = |role: &str, spec: &StyleSpec| -> Result<Style, ThemeError> {
            resolve_style(spec, &file.palette, depth)
                .map_err(|m| invalid(format!("roles.{role}: {m}")))
        };
        let r = &file.roles;
        Ok(Theme {
            name: file.meta.name.clone(),
            text: style("text", &r.text)?,
            muted: style("muted", &r.muted)?,
            accent: style("accent", &r.accent)?,
            title: style("title", &r.title)?,
            border: style("border", &r.border)?,
            border_focused: style("border_focused", &r.border_focused)?,
            selection: style("selection", &r.selection)?,
            ok: style("ok", &r.ok)?,
            warn: style("warn", &r.warn)?,
            fail: style("fail", &r.fail)?,
            blocked: style("blocked", &r.blocked)?,
            unknown: style("unknown", &r.unknown)?,
            class_2xx: style("class_2xx", &r.class_2xx)?,
            class_3xx: style("class_3xx", &r.class_3xx)?,
            class_4xx: style("class_4xx", &r.class_4xx)?,
            class_5xx: style("class_5xx", &r.class_5xx)?,
        })
    }

    /// The names of every theme available: built-in ones, then user ones not shadowing them.
    #[must_use]
    pub fn available() -> Vec<(String, &'static str)> {
        let mut names: Vec<(String, &'static str)> = BUILTIN
            .iter()
            .map(|(name, _)| ((*name).to_owned(), "built-in"))
            .collect();
        if let Some(dir) = crate::config::config_dir()
            && let Ok(entries) = std::fs::read_dir(dir.join("themes"))
        {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "toml")
                    && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
                {
                    match names.iter_mut().find(|(n, _)| n == stem) {
                        Some(existing) => existing.1 = "user (overrides built-in)",
                        None => names.push((stem.to_owned(), "user")),
                    }
                }
            }
        }
        names
    }
}

fn resolve_style(
    spec: &StyleSpec,
    palette: &BTreeMap<String, String>,
    depth: ColorDepth,
) -> Result<Style, String> {
    let mut style = Style::default();
    if let Some(fg) = &spec.fg
        && let Some(color) = resolve_color(fg, palette, depth)?
    {
        style = style.fg(color);
    }
    if let Some(bg) = &spec.bg
        && let Some(color) = resolve_color(bg, palette, depth)?
    {
        style = style.bg(color);
    }
    for name in &spec.modifiers {
        style = style.add_modifier(match name.as_str() {
            "bold" => Modifier::BOLD,
            "dim" => Modifier::DIM,
            "italic" => Modifier::ITALIC,
            "underlined" => Modifier::UNDERLINED,
            "reversed" => Modifier::REVERSED,
            "crossed_out" => Modifier::CROSSED_OUT,
            other => return Err(format!("unknown modifier {other:?}")),
        });
    }
    // Without colour, a background-only role (selection) would vanish: keep it visible.
    if depth == ColorDepth::None && spec.bg.is_some() {
        style = style.add_modifier(Modifier::REVERSED);
    }
    Ok(style)
}

/// Resolves a colour name (palette entry, ANSI name, `#rrggbb`, 0-255, `reset`) at a depth;
/// `None` when the terminal shows no colour.
fn resolve_color(
    text: &str,
    palette: &BTreeMap<String, String>,
    depth: ColorDepth,
) -> Result<Option<Color>, String> {
    let text = palette.get(text).map_or(text, String::as_str);
    let color: Color = text
        .parse()
        .map_err(|_| format!("{text:?} is not a colour"))?;
    Ok(match depth {
        ColorDepth::None => None,
        ColorDepth::TrueColor => Some(color),
        ColorDepth::Ansi256 => Some(match color {
            Color::Rgb(r, g, b) => Color::Indexed(rgb_to_256(r, g, b)),
            other => other,
        }),
        ColorDepth::Ansi16 => Some(match color {
            Color::Rgb(r, g, b) => nearest_ansi16(r, g, b),
            Color::Indexed(i) if i >= 16 => {
                let (r, g, b) = index_to_rgb(i);
                nearest_ansi16(r, g, b)
            }
            other => other,
        }),
    })
}

/// The 6×6×6 cube or grey ramp entry closest to an RGB colour.
fn rgb_to_256(r: u8, g: u8, b: u8) -> u8 {
    let level = |v: u8| -> u8 {
        match v {
            0..48 => 0,
            48..115 => 1,
            _ => ((u16::from(v) - 35) / 40) as u8,
        }
    };
    let (cr, cg, cb) = (level(r), level(g), level(b));
    let cube_index = 16 + 36 * cr + 6 * cg + cb;
    let grey_level = ((u16::from(r) + u16::from(g) + u16::from(b)) / 3) as u8;
    let grey_index = if grey_level < 8 {
        16
    } else {
        232 + ((grey_level - 8) / 10).min(23)
    };
    let dist = |(xr, xg, xb): (u8, u8, u8)| {
        let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
        d(xr, r) + d(xg, g) + d(xb, b)
    };
    if dist(index_to_rgb(grey_index)) < dist(index_to_rgb(cube_index)) {
        grey_index
    } else {
        cube_index
    }
}

fn index_to_rgb(index: u8) -> (u8, u8, u8) {
    match index {
        0..16 => ANSI16[usize::from(index)].1,
        16..232 => {
            let i = index - 16;
            let step = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            (step(i / 36), step(i / 6 % 6), step(i % 6))
        }
        _ => {
            let v = 8 + (index - 232) * 10;
            (v, v, v)
        }
    }
}

/// The xterm defaults of the 16 ANSI colours, used to pick the nearest one.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

fn nearest_ansi16(r: u8, g: u8, b: u8) -> Color {
    let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
    ANSI16
        .iter()
        .min_by_key(|(_, (xr, xg, xb))| d(*xr, r) + d(*xg, g) + d(*xb, b))
        .map_or(Color::Reset, |(c, _)| *c)
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a test stops loudly on a broken fixture"
)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_loads_at_every_depth() {
        for (name, _) in BUILTIN {
            for depth in [
                ColorDepth::None,
                ColorDepth::Ansi16,
                ColorDepth::Ansi256,
                ColorDepth::TrueColor,
            ] {
                let theme = Theme::load(name, depth).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(theme.name, name);
            }
        }
    }

    #[test]
    fn no_colour_leaves_no_colour_but_keeps_failures_distinct() {
        let theme = Theme::load("warroom-dark", ColorDepth::None).unwrap();
        assert_eq!(theme.fail.fg, None);
        assert_ne!(
            theme.fail, theme.ok,
            "failures must differ from ok without colour"
        );
    }

    #[test]
    fn truecolor_is_reduced_to_the_terminal_depth() {
        let theme = Theme::load("warroom-dark", ColorDepth::Ansi256).unwrap();
        assert!(matches!(theme.ok.fg, Some(Color::Indexed(_))));
        let theme = Theme::load("warroom-dark", ColorDepth::Ansi16).unwrap();
        assert!(!matches!(
            theme.ok.fg,
            Some(Color::Rgb(..) | Color::Indexed(_))
        ));
    }

    #[test]
    fn depth_follows_the_environment() {
        assert_eq!(
            ColorDepth::from_env("1", "xterm-256color", "truecolor"),
            ColorDepth::None
        );
        assert_eq!(ColorDepth::from_env("", "dumb", ""), ColorDepth::None);
        assert_eq!(
            ColorDepth::from_env("", "tmux-256color", "truecolor"),
            ColorDepth::TrueColor
        );
        assert_eq!(
            ColorDepth::from_env("", "tmux-256color", ""),
            ColorDepth::Ansi256
        );
        assert_eq!(ColorDepth::from_env("", "xterm", ""), ColorDepth::Ansi16);
    }

    #[test]
    fn a_bad_role_names_the_theme_and_key() {
        let text = BUILTIN[0].1.replace("fg = \"green\"", "fg = \"greenish\"");
        let err = Theme::parse(&text, "mine.toml", ColorDepth::TrueColor)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("mine.toml") && err.contains("roles.ok"),
            "{err}"
        );
    }

    #[test]
    fn grey_maps_to_the_grey_ramp() {
        assert_eq!(rgb_to_256(128, 128, 128), 244);
        assert_eq!(rgb_to_256(0, 0, 0), 16);
    }
}
