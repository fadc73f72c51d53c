//! `warroom themes`: the themes that `--theme` accepts, built-in and user ones.

use std::process::ExitCode;

use crate::commands::Outcome;
use crate::tui::theme::{ColorDepth, Theme};

pub fn run() -> Outcome {
    for (name, origin) in Theme::available() {
        let status = match Theme::load(&name, ColorDepth::TrueColor) {
            Ok(_) => String::new(),
            Err(err) => format!("  (invalid: {err})"),
        };
        println!("{name:<16} {origin}{status}");
    }
    if let Some(dir) = crate::config::config_dir() {
        println!("\nuser themes: {}", dir.join("themes").display());
    }
    Ok(ExitCode::SUCCESS)
}
