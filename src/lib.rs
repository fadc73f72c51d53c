//! warroom: the library behind the dashboard.
//!
//! Domain modules (`probe`, `logs`, `runbook`, `timeline`, `reconcile`, `config`) do the work and
//! know nothing of the terminal; `tui` draws snapshots of their state and knows nothing of
//! sockets or files; `commands` ties them to the command line; `demo` builds a simulated outage on
//! loopback that the dashboard, the tests and the benchmarks share.

pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod duration;
pub mod logs;
pub mod probe;
pub mod reconcile;
pub mod runbook;
pub mod text;
pub mod timeline;
pub mod trust;
pub mod tui;
