//! The detail overlay of the selected hop: DNS answers from both resolver views, the certificate
//! chain as the server sent it, the HTTP response head. Every value from the network is made
//! inert before it is drawn.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::probe::model::{DnsAnswer, HopDetail, HopReport};
use crate::text::inert;
use crate::tui::path_state::PathState;
use crate::tui::theme::Theme;

pub fn render(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &PathState,
    scroll: u16,
    now: DateTime<Utc>,
    theme: &Theme,
) {
    let popup = Rect {
        x: area.x + 2,
        y: area.y + 1,
        width: area.width.saturating_sub(4),
        height: area.height.saturating_sub(3),
    };
    frame.render_widget(Clear, popup);
    let hop = state.selected_hop_id();
    let row = state.selected();
    let target = row.and_then(|r| state.targets.get(r.target));
    let title = match (target, row.and_then(|r| r.ip)) {
        (Some(t), Some(ip)) => format!(" {} · {} · {} ", inert(&t.name), hop.label(), ip),
        (Some(t), None) => format!(" {} · {} ", inert(&t.name), hop.label()),
        _ => " details ".to_owned(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Span::styled(title, theme.title))
        .title_bottom(Span::styled(" ↑↓ scroll · Esc close ", theme.muted));
    let lines = match target.and_then(|t| t.hop(row.and_then(|r| r.ip), hop)) {
        Some(report) => detail_lines(report, theme, now),
        None => vec![Line::styled("Not probed yet.", theme.muted)],
    };
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        popup,
    );
}

/// The lines of the overlay for one hop report; `now` dates certificate expiry.
#[must_use]
pub fn detail_lines(report: &HopReport, theme: &Theme, now: DateTime<Utc>) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("{} {}", report.status.glyph(), report.status.word()),
            theme.hop(report.status),
        ),
        Span::styled(
            report
                .ms
                .map(|ms| format!("  {ms:.1} ms"))
                .unwrap_or_default(),
            theme.muted,
        ),
    ])];
    for finding in &report.findings {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} ", finding.code.as_str()),
                theme.hop(finding.code.severity()),
            ),
            Span::styled(inert(&finding.message).into_owned(), theme.text),
        ]));
    }
    lines.push(Line::raw(""));
    let mut field = |name: &str, value: String| {
        lines.push(Line::from(vec![
            Span::styled(format!("{name:<14}"), theme.muted),
            Span::styled(inert(&value).into_owned(), theme.text),
        ]));
    };
    match &report.detail {
        HopDetail::None => {}
        HopDetail::Dns(dns) => {
            field("nameservers", dns.nameservers.join(", "));
            field("A", answer(&dns.a));
            field("AAAA", answer(&dns.aaaa));
            if !dns.cname_chain.is_empty() {
                field("CNAME chain", dns.cname_chain.join(" → "));
            }
            if let Some(system) = &dns.system_resolver {
                let addresses = join(&system.addresses);
                let note = if system.differs {
                    "  (differs from the direct answer)"
                } else {
                    ""
                };
                field(
                    "system view",
                    match &system.error {
                        Some(err) => format!("error: {err}"),
                        None => format!("{addresses}{note}"),
                    },
                );
            }
        }
        HopDetail::Ip(ip) => {
            field("addresses", join(&ip.addresses));
            if !ip.expected.is_empty() {
                field("expected", join(&ip.expected));
            }
            field("first seen", join(&ip.baseline));
        }
        HopDetail::Tcp(tcp) => {
            field("peer", tcp.peer.clone());
            if let Some(local) = &tcp.local {
                field("local", local.clone());
            }
        }
        HopDetail::Tls(tls) => {
            field("SNI", tls.sni.clone());
            field("version", tls.version.clone().unwrap_or_else(|| "-".into()));
            field("ALPN", tls.alpn.clone().unwrap_or_else(|| "-".into()));
            field("cipher", tls.cipher.clone().unwrap_or_else(|| "-".into()));
            for (i, cert) in tls.chain.iter().enumerate() {
                field(&format!("cert {i}"), cert.subject.clone());
                field("  issuer", cert.issuer.clone());
                if !cert.sans.is_empty() {
                    field("  names", cert.sans.join(", "));
                }
                if let Some(not_after) = cert.not_after {
                    field(
                        "  not after",
                        format!(
                            "{} ({})",
                            not_after.format("%Y-%m-%d %H:%M UTC"),
                            relative(not_after, now)
                        ),
                    );
                }
                if let Some(not_before) = cert.not_before {
                    field(
                        "  not before",
                        not_before.format("%Y-%m-%d %H:%M UTC").to_string(),
                    );
                }
                field("  sha256", cert.sha256.clone());
            }
        }
        HopDetail::Http(http) => {
            field("request", http.method.clone());
            field(
                "status",
                http.status.map_or_else(|| "-".into(), |s| s.to_string()),
            );
            if let Some(origin) = http.origin {
                field("made by", format!("{origin:?}").to_lowercase());
            }
            for (name, value) in &http.headers {
                field(name, value.clone());
            }
            if !http.body_preview.is_empty() {
                field("body", format!("{} bytes read", http.body_bytes));
                for line in http.body_preview.lines().take(20) {
                    lines.push(Line::styled(format!("  {}", inert(line)), theme.muted));
                }
            }
        }
    }
    lines
}

fn answer(answer: &DnsAnswer) -> String {
    let ttl = answer
        .ttl_s
        .map(|t| format!(" TTL {t}s"))
        .unwrap_or_default();
    let ms = answer
        .ms
        .map(|m| format!(" in {m:.1} ms"))
        .unwrap_or_default();
    format!("{} {}{ttl}{ms}", answer.rcode, join(&answer.addresses))
}

fn join<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn relative(when: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let days = (when - now).num_days();
    match days {
        d if d < 0 => format!("expired {} day(s) ago", -d),
        0 if when < now => "expired today".to_owned(),
        d => format!("in {d} day(s)"),
    }
}
