//! Runs the real `warroom logs --follow` binary against files a test rewrites, and reads its
//! JSON. The binary prints an interval line every 100 ms, which tells the test when the source
//! has been opened, and its final summary as the last line.

#![allow(dead_code)]

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct Follow {
    child: Child,
    lines: Receiver<String>,
    last: Option<Value>,
}

impl Follow {
    /// Starts `warroom logs --follow --from-start --json --every 100ms --for SECS EXTRA... SPEC`.
    pub fn start(spec: &Path, for_secs: f64, extra: &[&str]) -> Follow {
        let mut command = Command::new(env!("CARGO_BIN_EXE_warroom"));
        command
            .args([
                "logs",
                "--follow",
                "--from-start",
                "--json",
                "--every",
                "100ms",
            ])
            .arg("--for")
            .arg(format!("{}ms", (for_secs * 1000.0) as u64))
            .args(extra)
            .arg(spec)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = command.spawn().expect("start warroom");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Follow {
            child,
            lines: rx,
            last: None,
        }
    }

    /// Waits until the binary has counted at least `n` lines.
    pub fn wait_for_lines(&mut self, n: u64) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
                let value: Value = serde_json::from_str(&line).expect("JSON line");
                let total = value["total_lines"].as_u64().unwrap_or(0);
                self.last = Some(value);
                if total >= n {
                    return;
                }
            }
        }
        panic!("warroom never counted {n} lines; last: {:?}", self.last);
    }

    /// Waits for the binary to exit and returns its final summary.
    pub fn finish(mut self) -> Value {
        let status = self.child.wait().expect("wait for warroom");
        let mut last = None;
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            last = Some(line);
        }
        assert!(status.success(), "warroom exited with {status}");
        let summary: Value = serde_json::from_str(&last.expect("a summary")).expect("summary JSON");
        assert_eq!(summary["schema_version"], 1);
        summary
    }
}

pub fn append(path: &Path, text: &str) {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open for append");
    file.write_all(text.as_bytes()).expect("append");
}

pub fn write_new(path: &Path, text: &str) {
    let mut file = File::create(path).expect("create");
    file.write_all(text.as_bytes()).expect("write");
}

pub fn pause(ms: u64) {
    thread::sleep(Duration::from_millis(ms));
}

pub fn source(summary: &Value) -> &Value {
    &summary["sources"][0]
}

pub fn remove(path: &Path) {
    fs::remove_file(path).expect("remove");
}
