//! Configuration: the `warroom.toml` schema, where it is found, and validation into probe specs.
//!
//! Loading is two steps. [`schema`] deserialises the file strictly (unknown keys are errors) and
//! keeps the position of every value that needs more than a type check; [`resolve`] turns it into
//! the specs the workers run on, resolving `env:` secrets and reporting any bad value with the
//! file, line and key. Command-line flags are applied last and win.

pub mod resolve;
pub mod sample;
pub mod schema;
pub mod sections;

use std::fmt;
use std::path::{Path, PathBuf};

pub use resolve::{ResolvedConfig, resolve, resolve_with_env};
pub use schema::ConfigFile;

/// A configuration problem, located as precisely as the file allows.
#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based line and column, when the problem has a position in the file.
    pub position: Option<(usize, usize)>,
    /// The key at fault, like `target[1].url`.
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": {key}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The configuration as read from disk, with its source text kept to locate errors.
#[derive(Debug)]
pub struct LoadedConfig {
    pub path: Option<PathBuf>,
    pub text: String,
    pub file: ConfigFile,
}

impl LoadedConfig {
    /// The empty configuration used when no file exists.
    #[must_use]
    pub fn empty() -> Self {
        LoadedConfig {
            path: None,
            text: String::new(),
            file: ConfigFile::default(),
        }
    }

    /// Builds an error at a byte span of the file.
    pub(crate) fn error_at(
        &self,
        span: Option<std::ops::Range<usize>>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError {
            path: self
                .path
                .clone()
                .unwrap_or_else(|| PathBuf::from("<command line>")),
            position: span.map(|s| line_column(&self.text, s.start)),
            key: Some(key.into()),
            message: message.into(),
        }
    }

    /// The directory relative paths in the file are resolved against.
    #[must_use]
    pub fn base_dir(&self) -> PathBuf {
        self.path
            .as_deref()
            .and_then(Path::parent)
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    }
}

/// Finds the configuration: the explicit file, else `./warroom.toml`, else
/// `$XDG_CONFIG_HOME/warroom/config.toml`. No file at all is not an error.
pub fn load(explicit: Option<&Path>) -> Result<LoadedConfig, ConfigError> {
    let path = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => default_locations().into_iter().find(|p| p.is_file()),
    };
    let Some(path) = path else {
        return Ok(LoadedConfig::empty());
    };
    let text = std::fs::read_to_string(&path).map_err(|err| ConfigError {
        path: path.clone(),
        position: None,
        key: None,
        message: format!("cannot read the configuration: {err}"),
    })?;
    parse(path, text)
}

/// Parses configuration text that came from `path`.
pub fn parse(path: PathBuf, text: String) -> Result<LoadedConfig, ConfigError> {
    match toml::from_str::<ConfigFile>(&text) {
        Ok(file) => Ok(LoadedConfig {
            path: Some(path),
            text,
            file,
        }),
        Err(err) => Err(ConfigError {
            position: err.span().map(|s| line_column(&text, s.start)),
            path,
            key: None,
            message: err.message().trim().to_owned(),
        }),
    }
}

/// Where a configuration is looked for when none is named, in order.
#[must_use]
pub fn default_locations() -> Vec<PathBuf> {
    let mut paths = vec![PathBuf::from("warroom.toml")];
    if let Some(dir) = config_dir() {
        paths.push(dir.join("config.toml"));
    }
    paths
}

/// `$XDG_CONFIG_HOME/warroom`, or `~/.config/warroom`.
#[must_use]
pub fn config_dir() -> Option<PathBuf> {
    xdg_dir("XDG_CONFIG_HOME", ".config").map(|d| d.join("warroom"))
}

/// `$XDG_STATE_HOME/warroom`, or `~/.local/state/warroom`: warroom's own logs.
#[must_use]
pub fn state_dir() -> Option<PathBuf> {
    xdg_dir("XDG_STATE_HOME", ".local/state").map(|d| d.join("warroom"))
}

fn xdg_dir(var: &str, fallback: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(dir) if !dir.is_empty() && Path::new(&dir).is_absolute() => Some(PathBuf::from(dir)),
        _ => std::env::var_os("HOME").map(|home| PathBuf::from(home).join(fallback)),
    }
}

/// 1-based line and column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_from_one() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 9), (2, 4));
    }
}
