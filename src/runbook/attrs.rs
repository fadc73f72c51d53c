//! Step attributes: the `<!-- id=... owner=... kind=... check=... -->` comment on a step line,
//! the step kinds, the live checks a step can be bound to, and id derivation from step text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::probe::model::HopId;

use super::Problem;

/// What a step is for; the export lists `follow-up` steps as action items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    Check,
    Mitigate,
    Fix,
    Comms,
    Recover,
    FollowUp,
}

impl StepKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Check => "check",
            StepKind::Mitigate => "mitigate",
            StepKind::Fix => "fix",
            StepKind::Comms => "comms",
            StepKind::Recover => "recover",
            StepKind::FollowUp => "follow-up",
        }
    }
}

impl FromStr for StepKind {
    type Err = Problem;

    fn from_str(value: &str) -> Result<Self, Problem> {
        let kind = match value {
            "check" => StepKind::Check,
            "mitigate" => StepKind::Mitigate,
            "fix" => StepKind::Fix,
            "comms" => StepKind::Comms,
            "recover" => StepKind::Recover,
            "follow-up" | "followup" => StepKind::FollowUp,
            _ => {
                return Err(Problem::BadKind {
                    value: value.to_owned(),
                });
            }
        };
        Ok(kind)
    }
}

/// The live evidence a step is bound to; shown beside the step and recorded when it is ticked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum CheckBinding {
    /// A hop of every target, or of the named one (`tls`, `tls:api`).
    Hop { hop: HopId, target: Option<String> },
    /// A dependency by name (`dep:queue`).
    Dependency(String),
    /// The 5xx share of the access logs (`logs:5xx`).
    Logs5xx,
    /// The latest reconciliation result (`reconcile`).
    Reconcile,
}

impl FromStr for CheckBinding {
    type Err = Problem;

    fn from_str(value: &str) -> Result<Self, Problem> {
        let bad = || Problem::BadCheck {
            value: value.to_owned(),
        };
        let (head, tail) = match value.split_once(':') {
            Some((head, tail)) => (head, Some(tail)),
            None => (value, None),
        };
        match (head, tail) {
            ("reconcile", None) => Ok(CheckBinding::Reconcile),
            ("logs", Some("5xx")) => Ok(CheckBinding::Logs5xx),
            ("dep", Some(name)) if !name.is_empty() => Ok(CheckBinding::Dependency(name.into())),
            (hop, target) => {
                let hop = HopId::from_id(hop).ok_or_else(bad)?;
                match target {
                    Some("") => Err(bad()),
                    target => Ok(CheckBinding::Hop {
                        hop,
                        target: target.map(str::to_owned),
                    }),
                }
            }
        }
    }
}

impl fmt::Display for CheckBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckBinding::Hop { hop, target: None } => f.write_str(hop.id()),
            CheckBinding::Hop {
                hop,
                target: Some(target),
            } => write!(f, "{}:{target}", hop.id()),
            CheckBinding::Dependency(name) => write!(f, "dep:{name}"),
            CheckBinding::Logs5xx => f.write_str("logs:5xx"),
            CheckBinding::Reconcile => f.write_str("reconcile"),
        }
    }
}

impl From<CheckBinding> for String {
    fn from(binding: CheckBinding) -> String {
        binding.to_string()
    }
}

impl TryFrom<String> for CheckBinding {
    type Error = Problem;

    fn try_from(value: String) -> Result<Self, Problem> {
        value.parse()
    }
}

/// Attributes read from one comment.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Attributes {
    pub id: Option<String>,
    pub owner: Option<String>,
    pub kind: Option<StepKind>,
    pub check: Option<CheckBinding>,
}

/// Whether an HTML comment is meant as step attributes: comments without any `=` are ordinary
/// remarks and are left alone.
pub(super) fn is_attribute_comment(html: &str) -> bool {
    comment_body(html).is_some_and(|body| body.contains('='))
}

fn comment_body(html: &str) -> Option<&str> {
    html.trim()
        .strip_prefix("<!--")
        .and_then(|rest| rest.strip_suffix("-->"))
}

/// Reads `id=x owner=y kind=z check=w` (an optional leading `step` word is accepted).
// Known gap: values cannot contain spaces, even quoted, because tokens are split on blanks;
// owners and ids are single words in every runbook seen so far.
pub(super) fn parse_attributes(html: &str, into: &mut Attributes) -> Result<(), Problem> {
    let body = comment_body(html).unwrap_or_default();
    let mut seen: Vec<&str> = Vec::new();
    for (index, token) in body.split_whitespace().enumerate() {
        if index == 0 && token == "step" {
            continue;
        }
        let Some((name, value)) = token.split_once('=') else {
            return Err(Problem::MalformedAttribute {
                token: token.to_owned(),
            });
        };
        let value = value.trim_matches('"');
        if seen.contains(&name) {
            return Err(Problem::RepeatedAttribute { name: name.into() });
        }
        seen.push(name);
        match name {
            "id" => into.id = Some(checked_id(value)?),
            "owner" => into.owner = Some(value.to_owned()),
            "kind" => into.kind = Some(value.parse()?),
            "check" => into.check = Some(value.parse()?),
            _ => return Err(Problem::UnknownAttribute { name: name.into() }),
        }
    }
    Ok(())
}

fn checked_id(id: &str) -> Result<String, Problem> {
    let valid = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(id.to_owned())
    } else {
        Err(Problem::BadId { id: id.to_owned() })
    }
}

/// Lowercase ASCII words joined by `-`, at most 48 bytes: a step id derived from its text, or
/// a file name from an incident title.
#[must_use]
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if slug.len() >= 48 {
                break;
            }
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        slug.push_str("step");
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_bindings_round_trip_through_their_text() {
        let cases = [
            "dns",
            "tls",
            "tls:api",
            "http:hooks",
            "dep:queue",
            "logs:5xx",
            "reconcile",
        ];
        for text in cases {
            let binding: CheckBinding = text.parse().expect(text);
            assert_eq!(binding.to_string(), text);
        }
    }

    #[test]
    fn bad_check_bindings_are_refused() {
        for text in ["smtp", "tls:", "dep:", "logs:4xx", "reconcile:x", ""] {
            assert!(text.parse::<CheckBinding>().is_err(), "{text:?} accepted");
        }
    }

    #[test]
    fn attributes_are_read_from_a_comment() {
        let mut attrs = Attributes::default();
        parse_attributes(
            "<!-- step id=tls-expiry owner=ic kind=check check=tls:api -->",
            &mut attrs,
        )
        .expect("valid");
        assert_eq!(attrs.id.as_deref(), Some("tls-expiry"));
        assert_eq!(attrs.owner.as_deref(), Some("ic"));
        assert_eq!(attrs.kind, Some(StepKind::Check));
        assert_eq!(
            attrs.check,
            Some(CheckBinding::Hop {
                hop: HopId::Tls,
                target: Some("api".into())
            })
        );
    }

    #[test]
    fn slugs_are_short_lowercase_words() {
        let cases = [
            ("Renew the TLS certificate!", "renew-the-tls-certificate"),
            ("  --  ", "step"),
            ("Check `dig +short` output", "check-dig-short-output"),
        ];
        for (text, want) in cases {
            assert_eq!(slugify(text), want);
        }
        assert!(slugify(&"word ".repeat(40)).len() <= 48);
    }
}
