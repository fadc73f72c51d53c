//! Who made a 5xx: the proxy in front (ingress, load balancer, CDN) or the application behind it.
//!
//! The `Server` header alone cannot tell: nginx, for one, stamps `Server: nginx` on every response
//! it passes through. What can tell is what each proxy writes when it generates an error itself:
//! a recognisable body (nginx's `<hr><center>nginx</center>` page, Envoy's "upstream connect
//! error", `HAProxy`'s "No server is available"), or a header only set on proxied responses
//! (Envoy's `x-envoy-upstream-service-time`). When nothing matches, 502 and 504 are gateway statuses by
//! definition and count as the proxy's; any other 5xx counts as the application's.

use super::model::Origin;

/// Something a proxy writes on errors it makes itself.
struct Signature {
    proxy: &'static str,
    /// Lower-cased `Server` header prefix that must match, when not empty.
    server_prefix: &'static str,
    /// Lower-cased fragment the body must contain, when not empty.
    body_contains: &'static str,
}

const SIGNATURES: &[Signature] = &[
    // nginx and its builds (openresty, tengine) end generated pages with the server name.
    Signature {
        proxy: "nginx",
        server_prefix: "",
        body_contains: "<hr><center>nginx",
    },
    Signature {
        proxy: "openresty",
        server_prefix: "",
        body_contains: "<hr><center>openresty",
    },
    Signature {
        proxy: "tengine",
        server_prefix: "",
        body_contains: "<hr><center>tengine",
    },
    Signature {
        proxy: "aws elb",
        server_prefix: "",
        body_contains: "<center>awselb",
    },
    Signature {
        proxy: "envoy",
        server_prefix: "",
        body_contains: "upstream connect error",
    },
    Signature {
        proxy: "envoy",
        server_prefix: "",
        body_contains: "no healthy upstream",
    },
    Signature {
        proxy: "envoy",
        server_prefix: "",
        body_contains: "upstream request timeout",
    },
    Signature {
        proxy: "envoy",
        server_prefix: "",
        body_contains: "disconnect/reset before headers",
    },
    Signature {
        proxy: "haproxy",
        server_prefix: "",
        body_contains: "no server is available to handle this request",
    },
    Signature {
        proxy: "haproxy",
        server_prefix: "",
        body_contains: "the server didn't respond in time",
    },
    Signature {
        proxy: "haproxy",
        server_prefix: "",
        body_contains: "the server returned an invalid or incomplete response",
    },
    Signature {
        proxy: "traefik",
        server_prefix: "",
        body_contains: "no available server",
    },
    Signature {
        proxy: "varnish",
        server_prefix: "",
        body_contains: "guru meditation",
    },
    Signature {
        proxy: "apache",
        server_prefix: "apache",
        body_contains: "proxy error",
    },
    Signature {
        proxy: "cloudflare",
        server_prefix: "cloudflare",
        body_contains: "cloudflare",
    },
    Signature {
        proxy: "squid",
        server_prefix: "squid",
        body_contains: "",
    },
];

/// Who produced a 5xx and the evidence, in words for the finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    pub origin: Origin,
    pub evidence: String,
}

/// Decides the origin of a response from its status, headers and the start of its body.
#[must_use]
pub fn attribute(status: u16, headers: &[(String, String)], body: &[u8]) -> Attribution {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.to_ascii_lowercase())
    };
    let server = header("server").unwrap_or_default();
    let body = String::from_utf8_lossy(body).to_ascii_lowercase();

    // A header set only on responses that went through to the upstream.
    if header("x-envoy-upstream-service-time").is_some() {
        return app("Envoy passed it through from the upstream (x-envoy-upstream-service-time)");
    }

    for signature in SIGNATURES {
        let server_matches =
            signature.server_prefix.is_empty() || server.starts_with(signature.server_prefix);
        let body_matches =
            signature.body_contains.is_empty() || body.contains(signature.body_contains);
        if server_matches && body_matches {
            return proxy(format!("{}'s own error page", signature.proxy));
        }
    }

    // Traefik and Caddy answer gateway errors with a bare status text or nothing at all.
    let bare_body = body.trim();
    let gateway_status = matches!(status, 502..=504);
    if gateway_status && (server.starts_with("caddy") || server.starts_with("envoy")) {
        return proxy(format!(
            "{server} answered without a body from the upstream"
        ));
    }
    if gateway_status && matches!(bare_body, "bad gateway" | "gateway timeout" | "") {
        return proxy(format!("a bare \"{status}\" without an application body"));
    }
    let json_body = bare_body.starts_with('{') || bare_body.starts_with('[');
    if (status == 502 || status == 504) && !json_body {
        return proxy(format!(
            "{status} is a gateway status and the body is not an API's"
        ));
    }
    app("no proxy error page or proxy header")
}

fn proxy(evidence: impl Into<String>) -> Attribution {
    Attribution {
        origin: Origin::Proxy,
        evidence: evidence.into(),
    }
}

fn app(evidence: impl Into<String>) -> Attribution {
    Attribution {
        origin: Origin::App,
        evidence: evidence.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NGINX_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
        <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n\
        </body>\r\n</html>\r\n";

    type Case<'a> = (u16, &'a [(&'a str, &'a str)], &'a str, Origin);

    #[test]
    fn origins_follow_signatures_not_the_server_header() {
        let cases: &[Case] = &[
            (502, &[("Server", "nginx/1.22.1")], NGINX_502, Origin::Proxy),
            (
                500,
                &[("Server", "nginx")],
                r#"{"error":"db down"}"#,
                Origin::App,
            ),
            (
                503,
                &[("Server", "nginx")],
                "<h1>Maintenance</h1>",
                Origin::App,
            ),
            (
                503,
                &[("Server", "envoy")],
                "no healthy upstream",
                Origin::Proxy,
            ),
            (
                503,
                &[("Server", "envoy"), ("x-envoy-upstream-service-time", "3")],
                "oops",
                Origin::App,
            ),
            (
                503,
                &[],
                "<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>",
                Origin::Proxy,
            ),
            (502, &[], "Bad Gateway", Origin::Proxy),
            (502, &[("Server", "Caddy")], "", Origin::Proxy),
            (504, &[("Server", "gunicorn")], "", Origin::Proxy),
            (
                500,
                &[("Server", "gunicorn")],
                "Internal Server Error",
                Origin::App,
            ),
            (
                503,
                &[("Server", "cloudflare")],
                "error code: 1016 cloudflare",
                Origin::Proxy,
            ),
            (500, &[], "", Origin::App),
            (
                502,
                &[("Server", "nginx")],
                r#"{"error":"payment upstream"}"#,
                Origin::App,
            ),
        ];
        for (status, headers, body, origin) in cases {
            let headers: Vec<(String, String)> = headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            let got = attribute(*status, &headers, body.as_bytes());
            assert_eq!(
                got.origin, *origin,
                "{status} {headers:?} {body:?}: {}",
                got.evidence
            );
        }
    }
}
