//! The commented sample that `warroom init` writes. A test checks that it passes validation, so
//! the sample can never teach a key that the loader rejects.

/// A complete, commented `warroom.toml`.
pub const SAMPLE_CONFIG: &str = r#"# warroom configuration. Flags on the command line override what is set here.
# Durations are written like 500ms, 2s, 1m or 1h30m.

[defaults]
timeout = "5s"     # per hop: DNS, TCP connect, TLS handshake, time to first byte
interval = "10s"   # time between probe rounds in the dashboard

[dns]
# Nameservers to query directly (ADDR or ADDR:PORT). Empty: those of /etc/resolv.conf.
servers = []
# Show the system resolver's answer (hosts file, nsswitch) beside the direct one.
system_resolver = true

[tls]
# Extra trusted roots for internal CAs, relative to this file.
# ca_file = "internal-ca.pem"
warn_days = 14     # warn when a certificate expires within this many days

# One [[target]] per request path to watch. Every resolved address is probed separately.
[[target]]
name = "webhooks"
url = "https://api.example.com/webhooks/stripe"
method = "GET"
expect_status = ["200-399"]        # 4xx warns, 5xx fails, anything else listed here passes
# expect_ips = ["203.0.113.10"]    # answers outside this set are IP_UNEXPECTED
latency_budget = "800ms"           # slower first byte gives HTTP_SLOW
# Header values may come from the environment; such values never appear in output or journals.
# [target.headers]
# Authorization = "env:WEBHOOK_PROBE_TOKEN"

# Dependencies beside the path: a port (tcp), a health endpoint (http), or a provider's status
# page in the common /api/v2/status.json format (statuspage).
[[dependency]]
name = "queue"
kind = "tcp"
target = "127.0.0.1:5672"

# [[dependency]]
# name = "payment provider"
# kind = "statuspage"
# target = "https://status.example.com/api/v2/status.json"

# Logs to tail: files (globs allowed) or commands.
# [[log]]
# path = "/var/log/nginx/access.log"
# [[log]]
# path = "cmd:kubectl logs -f deploy/api"
# name = "api"

[runbook]
# A Markdown runbook beside this file (warroom init writes the built-in one there for editing),
# or `name = "webhook-outage"` for the built-in one as shipped.
path = "webhook-outage.md"

[journal]
# path = "incident.jsonl"   # default: a new file named after the date and the title
title = "webhook outage"
status_reminder = "30m"     # remind when no status update was posted for this long

[ui]
theme = "default"
max_fps = 15
"#;
