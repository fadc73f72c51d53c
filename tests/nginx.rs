//! The proxy-or-app attribution against the real thing: Debian's nginx, started by the harness
//! in the foreground on a free loopback port from a configuration in a temporary directory.
//!
//! Cases: a 502 that nginx makes for a dead upstream, an application's JSON 500 that nginx
//! passes through (with its own `Server: nginx` on it), and a 504 after `proxy_read_timeout`.
//! Without nginx the tests fail when `CI` is set (CI installs it) and skip with a reason
//! otherwise.
#![expect(
    clippy::unwrap_used,
    reason = "a failed lab setup should stop the test loudly"
)]

mod support;

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{codes, prober, show, target, within};
use warroom::demo::lab::http::{AppBehaviour, AppServer, CannedResponse};
use warroom::demo::lab::tcp::refusing_port;
use warroom::probe::model::{FindingCode, HopDetail, Origin, TargetReport};

const TIMEOUT: Duration = Duration::from_secs(5);

/// A running nginx; dropping it kills the process.
struct Nginx {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Nginx {
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

/// The nginx binary, or `None` after saying why the test skips (or failing under CI).
fn nginx_binary() -> Option<PathBuf> {
    let candidates = [
        PathBuf::from("/usr/sbin/nginx"),
        PathBuf::from("/usr/bin/nginx"),
    ];
    if let Some(found) = candidates.into_iter().find(|path| path.exists()) {
        return Some(found);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "nginx is not installed, and CI must run these tests (.ci/run installs nginx-light)"
    );
    println!("skipped: nginx is not installed (apt-get install nginx-light to run this test)");
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Writes a configuration with one `location` per entry of `locations` (path prefix, upstream
/// and extra directives) and starts nginx on it, waiting until it accepts connections.
fn start_nginx(binary: &Path, locations: &[(&str, SocketAddr, &str)]) -> Nginx {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().display().to_string();
    let port = free_port();
    let mut servers = String::new();
    for (prefix, upstream, extra) in locations {
        servers.push_str(&format!(
            "    location {prefix} {{ proxy_pass http://{upstream}; {extra} }}\n"
        ));
    }
    let config = format!(
        "master_process off;\nworker_processes 1;\npid {root}/nginx.pid;\n\
         error_log {root}/error.log warn;\nevents {{ worker_connections 64; }}\n\
         http {{\n  access_log {root}/access.log;\n  client_body_temp_path {root}/body;\n\
         proxy_temp_path {root}/proxy;\n  server {{\n    listen 127.0.0.1:{port};\n\
         {servers}  }}\n}}\n"
    );
    let config_path = dir.path().join("nginx.conf");
    std::fs::write(&config_path, config).unwrap();

    let child = Command::new(binary)
        .arg("-p")
        .arg(dir.path())
        .arg("-c")
        .arg(&config_path)
        .arg("-e")
        .arg(dir.path().join("error.log"))
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut nginx = Nginx { child, port, dir };

    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = nginx.child.try_wait() {
            panic!("nginx exited with {status}:\n{}", nginx.error_log());
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nginx did not listen within 10 s:\n{}",
            nginx.error_log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    nginx
}

fn http_detail(report: &TargetReport) -> (u16, Option<Origin>, Option<String>) {
    match &report.addresses[0].hops.http.detail {
        HopDetail::Http(detail) => (
            detail.status.unwrap_or_default(),
            detail.origin,
            detail.server.clone(),
        ),
        _ => panic!("no http detail: {}", show(report)),
    }
}

async fn probe(url: &str) -> TargetReport {
    within(
        TIMEOUT * 4,
        prober(None).probe_target(&target(url, TIMEOUT)),
    )
    .await
}

#[tokio::test]
async fn nginx_502_for_a_dead_upstream_is_the_proxys() {
    let Some(binary) = nginx_binary() else {
        return;
    };
    let dead = refusing_port("127.0.0.1".parse().unwrap()).await.unwrap();
    let nginx = start_nginx(&binary, &[("/", dead, "")]);

    let report = probe(&nginx.url("/webhooks")).await;

    let http = &report.addresses[0].hops.http;
    assert_eq!(
        codes(http),
        vec![FindingCode::HttpProxy5xx],
        "{}",
        show(&report)
    );
    let (status, origin, server) = http_detail(&report);
    assert_eq!((status, origin), (502, Some(Origin::Proxy)));
    assert!(server.unwrap_or_default().starts_with("nginx"));
}

#[tokio::test]
async fn an_app_500_passed_through_nginx_is_the_apps() {
    let Some(binary) = nginx_binary() else {
        return;
    };
    let app = AppServer::start(
        "127.0.0.1:0".parse().unwrap(),
        AppBehaviour::answering(CannedResponse::app_error()),
    )
    .await
    .unwrap();
    let nginx = start_nginx(&binary, &[("/", app.local_addr(), "")]);

    let report = probe(&nginx.url("/webhooks")).await;

    let http = &report.addresses[0].hops.http;
    assert_eq!(
        codes(http),
        vec![FindingCode::HttpApp5xx],
        "{}",
        show(&report)
    );
    let (status, origin, server) = http_detail(&report);
    assert_eq!((status, origin), (500, Some(Origin::App)));
    assert!(
        server.unwrap_or_default().starts_with("nginx"),
        "nginx stamps its name on the app's response, so the header alone cannot tell"
    );
}

#[tokio::test]
async fn nginx_504_after_the_upstream_read_timeout_is_the_proxys() {
    let Some(binary) = nginx_binary() else {
        return;
    };
    let slow = AppServer::start(
        "127.0.0.1:0".parse().unwrap(),
        AppBehaviour {
            delay: Duration::from_secs(3),
            ..AppBehaviour::default()
        },
    )
    .await
    .unwrap();
    let nginx = start_nginx(
        &binary,
        &[("/", slow.local_addr(), "proxy_read_timeout 1s;")],
    );

    let report = probe(&nginx.url("/webhooks")).await;

    let http = &report.addresses[0].hops.http;
    assert_eq!(
        codes(http),
        vec![FindingCode::HttpProxy5xx],
        "{}",
        show(&report)
    );
    let (status, origin, _) = http_detail(&report);
    assert_eq!((status, origin), (504, Some(Origin::Proxy)));
}
