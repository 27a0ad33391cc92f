//! Origins: reading the `Origin` request header and matching it against the policy's patterns.
//!
//! A browser sends its origin serialised as `scheme://host[:port]` (RFC 6454, the Fetch
//! standard), or the literal `null` for opaque origins (sandboxed frames, `file:` pages,
//! redirects across origins). Anything else in an `Origin` header (a path, userinfo, a list,
//! spaces, percent escapes) was not written by a browser and is refused as malformed rather
//! than guessed at.
//!
//! Comparison is on the tuple (scheme, host, port): scheme and host ASCII-case-insensitively,
//! the port numerically with the scheme's default filled in, so `https://App.Example.com:443`
//! is `https://app.example.com`. A trailing dot is kept: `https://example.com.` is a different
//! host to a browser (its own cookies, its own origin), so it matches nothing written without
//! one.

use regex::bytes::Regex;

/// The default port of the schemes browsers put in origins; other schemes have none.
pub fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

/// A parsed tuple origin, normalised: lowercase scheme and host, the effective port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    /// Lowercase host; an IPv6 literal keeps its brackets (`[::1]`).
    pub host: String,
    /// The explicit port, or the scheme's default; `None` only for a scheme without one.
    pub port: Option<u16>,
}

/// What an `Origin` header holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestOrigin {
    /// `Origin: null`, an opaque origin.
    Null,
    Tuple(Origin),
}

/// Why an origin (from a request or a policy) is not a serialised origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginError {
    Empty,
    /// Bytes outside visible ASCII, or whitespace inside.
    BadCharacters,
    NoScheme,
    BadScheme,
    /// A `user@` part.
    Userinfo,
    /// A path, query or fragment after the host (a lone trailing `/` included).
    HasPath,
    BadHost,
    BadPort,
}

impl OriginError {
    pub fn describe(self) -> &'static str {
        match self {
            OriginError::Empty => "empty",
            OriginError::BadCharacters => "only visible ASCII characters, no spaces",
            OriginError::NoScheme => "expected scheme://host[:port]",
            OriginError::BadScheme => "the scheme must be letters, digits, '+', '-' or '.'",
            OriginError::Userinfo => "an origin has no user name ('@')",
            OriginError::HasPath => "an origin has no path, query or fragment (not even '/')",
            OriginError::BadHost => "expected a host name or IP address",
            OriginError::BadPort => "expected a port from 1 to 65535",
        }
    }
}

fn is_scheme(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// A registered name (`app.example.com`, `localhost`, trailing dot allowed) or IPv4 address.
fn is_host_name(h: &str) -> bool {
    let body = h.strip_suffix('.').unwrap_or(h);
    !body.is_empty()
        && body.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn is_ipv6_literal(inner: &str) -> bool {
    !inner.is_empty()
        && inner.contains(':')
        && inner
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
}

fn parse_port(text: &str) -> Result<u16, OriginError> {
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(OriginError::BadPort);
    }
    match text.parse::<u16>() {
        Ok(0) | Err(_) => Err(OriginError::BadPort),
        Ok(p) => Ok(p),
    }
}

/// Splits `scheme://authority` and checks the parts common to request origins and patterns.
/// Returns the lowercase scheme, the lowercase host (unchecked) and the explicit port.
fn split_origin(text: &str) -> Result<(String, String, Option<u16>), OriginError> {
    if text.is_empty() {
        return Err(OriginError::Empty);
    }
    if !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(OriginError::BadCharacters);
    }
    let (scheme, authority) = text.split_once("://").ok_or(OriginError::NoScheme)?;
    if !is_scheme(scheme) {
        return Err(OriginError::BadScheme);
    }
    if authority.contains('@') {
        return Err(OriginError::Userinfo);
    }
    if authority.contains(['/', '?', '#', '\\']) {
        return Err(OriginError::HasPath);
    }
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (inner, after) = rest.split_once(']').ok_or(OriginError::BadHost)?;
        if !is_ipv6_literal(inner) {
            return Err(OriginError::BadHost);
        }
        let port = match after {
            "" => None,
            p => Some(parse_port(
                p.strip_prefix(':').ok_or(OriginError::BadHost)?,
            )?),
        };
        (format!("[{inner}]"), port)
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h.to_string(), Some(parse_port(p)?)),
            None => (authority.to_string(), None),
        }
    };
    Ok((scheme.to_ascii_lowercase(), host.to_ascii_lowercase(), port))
}

fn effective_port(scheme: &str, explicit: Option<u16>) -> Option<u16> {
    explicit.or_else(|| default_port(scheme))
}

impl Origin {
    /// Parses a serialised tuple origin (`https://app.example.com:8443`).
    pub fn parse(text: &str) -> Result<Origin, OriginError> {
        let (scheme, host, port) = split_origin(text)?;
        if !host.starts_with('[') && !is_host_name(&host) {
            return Err(OriginError::BadHost);
        }
        Ok(Origin {
            port: effective_port(&scheme, port),
            scheme,
            host,
        })
    }

    /// The normalised serialisation: the default port omitted. What regexes are matched against.
    pub fn serialized(&self) -> String {
        match self.port {
            Some(p) if Some(p) != default_port(&self.scheme) => {
                format!("{}://{}:{}", self.scheme, self.host, p)
            }
            _ => format!("{}://{}", self.scheme, self.host),
        }
    }
}

impl RequestOrigin {
    /// Reads an `Origin` header value. Optional whitespace around it is ignored.
    pub fn parse(raw: &[u8]) -> Result<RequestOrigin, OriginError> {
        let trimmed = pavise_core::headers::trim_ows(raw);
        let text = std::str::from_utf8(trimmed).map_err(|_| OriginError::BadCharacters)?;
        if text == "null" {
            return Ok(RequestOrigin::Null);
        }
        Origin::parse(text).map(RequestOrigin::Tuple)
    }
}

/// One allowed-origin pattern from the policy.
#[derive(Debug, Clone)]
pub enum OriginPattern {
    /// `https://app.example.com[:port]`.
    Exact(Origin),
    /// `https://*.example.com[:port]`: any host strictly below `example.com`.
    Subdomains {
        scheme: String,
        /// `.example.com`, with the leading dot, lowercase.
        suffix: String,
        port: Option<u16>,
    },
    /// `{"origin": "http://localhost", "ports": [3000, 5173]}`: one host (or wildcard) on any of
    /// the listed ports.
    Ports {
        host: Box<OriginPattern>,
        ports: Vec<u16>,
    },
    /// An anchored, case-insensitive regex over the normalised serialisation.
    Regex(Regex),
}

/// Why a policy's origin pattern is not usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternError {
    Origin(OriginError),
    /// `*` other than as the whole leftmost label of the host.
    BadWildcard,
    /// `null` written as an origin.
    Null,
    /// A port in an origin whose ports are listed separately.
    PortInPortList,
    Regex(String),
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PatternError::Origin(e) => f.write_str(e.describe()),
            PatternError::BadWildcard => f.write_str(
                "'*' may only stand for whole leftmost labels, as in 'https://*.example.com'",
            ),
            PatternError::Null => {
                f.write_str("use \"allow_null_origin\": true to allow the 'null' origin")
            }
            PatternError::PortInPortList => {
                f.write_str("leave the port out: the ports are listed in \"ports\"")
            }
            PatternError::Regex(e) => write!(f, "invalid regex: {e}"),
        }
    }
}

/// Longest compiled regex accepted (bytes of the compiled program).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

impl OriginPattern {
    /// Parses an exact (`https://app.example.com`) or wildcard (`https://*.example.com`) origin.
    pub fn parse(text: &str) -> Result<OriginPattern, PatternError> {
        if text == "null" {
            return Err(PatternError::Null);
        }
        let (scheme, host, port) = split_origin(text).map_err(PatternError::Origin)?;
        let port = effective_port(&scheme, port);
        if let Some(suffix) = host.strip_prefix("*.") {
            if suffix.contains('*') || !is_host_name(suffix) {
                return Err(PatternError::BadWildcard);
            }
            return Ok(OriginPattern::Subdomains {
                scheme,
                suffix: format!(".{suffix}"),
                port,
            });
        }
        if host.contains('*') {
            return Err(PatternError::BadWildcard);
        }
        if !host.starts_with('[') && !is_host_name(&host) {
            return Err(PatternError::Origin(OriginError::BadHost));
        }
        Ok(OriginPattern::Exact(Origin { scheme, host, port }))
    }

    /// An origin (exact or wildcard, without a port) on any of `ports`.
    pub fn with_ports(text: &str, ports: &[u16]) -> Result<OriginPattern, PatternError> {
        let (_, _, explicit) = split_origin(text).map_err(PatternError::Origin)?;
        if explicit.is_some() {
            return Err(PatternError::PortInPortList);
        }
        Ok(OriginPattern::Ports {
            host: Box::new(OriginPattern::parse(text)?),
            ports: ports.to_vec(),
        })
    }

    /// Compiles `pattern` as `^(?:pattern)$`, case-insensitively, over ASCII bytes.
    pub fn regex(pattern: &str) -> Result<OriginPattern, PatternError> {
        regex::bytes::RegexBuilder::new(&format!("^(?:{pattern})$"))
            .unicode(false)
            .case_insensitive(true)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map(OriginPattern::Regex)
            .map_err(|e| PatternError::Regex(e.to_string().replace('\n', " ")))
    }

    /// Whether `origin` is allowed by this pattern.
    pub fn matches(&self, origin: &Origin) -> bool {
        match self {
            OriginPattern::Exact(o) => o == origin,
            OriginPattern::Subdomains {
                scheme,
                suffix,
                port,
            } => {
                *scheme == origin.scheme
                    && *port == origin.port
                    && origin
                        .host
                        .strip_suffix(suffix.as_str())
                        .is_some_and(|sub| is_host_name(sub) && !sub.ends_with('.'))
            }
            OriginPattern::Ports { host, ports } => {
                let Some(port) = origin.port else {
                    return false;
                };
                if !ports.contains(&port) {
                    return false;
                }
                // Compare the host part as if the origin carried the pattern's default port.
                let mut at_default = origin.clone();
                at_default.port = default_port(&origin.scheme);
                host.matches(&at_default)
            }
            OriginPattern::Regex(re) => re.is_match(origin.serialized().as_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(text: &str) -> Origin {
        Origin::parse(text).unwrap()
    }

    fn allows(pattern: &OriginPattern, text: &str) -> bool {
        match RequestOrigin::parse(text.as_bytes()) {
            Ok(RequestOrigin::Tuple(o)) => pattern.matches(&o),
            _ => false,
        }
    }

    #[test]
    fn parses_and_normalises() {
        let o = origin("HTTPS://App.Example.COM:443");
        assert_eq!(o.scheme, "https");
        assert_eq!(o.host, "app.example.com");
        assert_eq!(o.port, Some(443));
        assert_eq!(o.serialized(), "https://app.example.com");
        assert_eq!(
            origin("http://a.test:8080").serialized(),
            "http://a.test:8080"
        );
        assert_eq!(origin("http://[::1]:3000").host, "[::1]");
        assert_eq!(origin("http://127.0.0.1").port, Some(80));
        assert_eq!(origin("chrome-extension://abcdef").port, None);
    }

    #[test]
    fn null_and_whitespace() {
        assert_eq!(RequestOrigin::parse(b"null"), Ok(RequestOrigin::Null));
        assert_eq!(
            RequestOrigin::parse(b" https://a.test "),
            Ok(RequestOrigin::Tuple(origin("https://a.test")))
        );
        // Only the exact token is the opaque origin.
        assert!(RequestOrigin::parse(b"NULL").is_err());
    }

    #[test]
    fn refuses_what_no_browser_sends() {
        let bad = |t: &[u8]| RequestOrigin::parse(t).err();
        assert_eq!(bad(b""), Some(OriginError::Empty));
        assert_eq!(
            bad(b"https://user@app.example.com"),
            Some(OriginError::Userinfo)
        );
        assert_eq!(
            bad(b"https://app.example.com@evil.net"),
            Some(OriginError::Userinfo)
        );
        assert_eq!(bad(b"https://app.example.com/"), Some(OriginError::HasPath));
        assert_eq!(
            bad(b"https://app.example.com/x?y"),
            Some(OriginError::HasPath)
        );
        assert_eq!(
            bad(b"https://a.test https://b.test"),
            Some(OriginError::BadCharacters)
        );
        assert_eq!(bad(&[0xff, b'a']), Some(OriginError::BadCharacters));
        assert_eq!(bad(b"app.example.com"), Some(OriginError::NoScheme));
        assert_eq!(bad(b"1http://a.test"), Some(OriginError::BadScheme));
        assert_eq!(bad(b"https://a.test:"), Some(OriginError::BadPort));
        assert_eq!(bad(b"https://a.test:0"), Some(OriginError::BadPort));
        assert_eq!(bad(b"https://a.test:65536"), Some(OriginError::BadPort));
        assert_eq!(bad(b"https://a.test:+80"), Some(OriginError::BadPort));
        assert_eq!(bad(b"https://a..test"), Some(OriginError::BadHost));
        assert_eq!(bad(b"https://.a.test"), Some(OriginError::BadHost));
        assert_eq!(bad(b"https://a%2etest"), Some(OriginError::BadHost));
        assert_eq!(bad(b"https://[zz]"), Some(OriginError::BadHost));
    }

    #[test]
    fn exact_is_case_insensitive_and_port_significant() {
        let p = OriginPattern::parse("https://app.example.com").unwrap();
        assert!(allows(&p, "https://app.example.com"));
        assert!(allows(&p, "HTTPS://APP.EXAMPLE.COM"));
        assert!(allows(&p, "https://app.example.com:443"));
        assert!(!allows(&p, "https://app.example.com:8443"));
        assert!(!allows(&p, "http://app.example.com"));
        assert!(!allows(&p, "https://app.example.com."));
        assert!(!allows(&p, "https://app.example.com.evil.net"));
        assert!(!allows(&p, "https://xapp.example.com"));
        let with_port = OriginPattern::parse("http://localhost:3000").unwrap();
        assert!(allows(&with_port, "http://localhost:3000"));
        assert!(!allows(&with_port, "http://localhost"));
        assert!(!allows(&with_port, "http://localhost:30000"));
    }

    #[test]
    fn wildcard_matches_real_subdomains_only() {
        let p = OriginPattern::parse("https://*.example.com").unwrap();
        assert!(allows(&p, "https://a.example.com"));
        assert!(allows(&p, "https://a.b.example.com"));
        assert!(allows(&p, "https://A.Example.Com"));
        assert!(!allows(&p, "https://example.com"));
        assert!(!allows(&p, "https://evil-example.com"));
        assert!(!allows(&p, "https://evilexample.com"));
        assert!(!allows(&p, "https://example.com.evil.net"));
        assert!(!allows(&p, "https://a.example.com.evil.net"));
        assert!(!allows(&p, "https://a.example.com."));
        assert!(!allows(&p, "http://a.example.com"));
        assert!(!allows(&p, "https://a.example.com:8443"));
        assert!(!allows(&p, "https://user@a.example.com"));
        assert!(!allows(&p, "https://evil.net/.example.com"));
    }

    #[test]
    fn wildcards_must_be_whole_labels() {
        for bad in [
            "https://*example.com",
            "https://a.*.com",
            "https://*.*.com",
            "https://*",
        ] {
            assert!(
                matches!(
                    OriginPattern::parse(bad),
                    Err(PatternError::BadWildcard | PatternError::Origin(_))
                ),
                "{bad}"
            );
        }
        assert_eq!(OriginPattern::parse("null").err(), Some(PatternError::Null));
        assert_eq!(
            OriginPattern::parse("https://a.test/").err(),
            Some(PatternError::Origin(OriginError::HasPath))
        );
    }

    #[test]
    fn port_lists() {
        let p = OriginPattern::with_ports("http://localhost", &[3000, 5173]).unwrap();
        assert!(allows(&p, "http://localhost:3000"));
        assert!(allows(&p, "http://LOCALHOST:5173"));
        assert!(!allows(&p, "http://localhost:8080"));
        assert!(!allows(&p, "http://localhost"));
        assert!(!allows(&p, "https://localhost:3000"));
        let w = OriginPattern::with_ports("https://*.dev.test", &[8443]).unwrap();
        assert!(allows(&w, "https://a.dev.test:8443"));
        assert!(!allows(&w, "https://dev.test:8443"));
        // The default port is listed like any other.
        let d = OriginPattern::with_ports("https://a.test", &[443]).unwrap();
        assert!(allows(&d, "https://a.test"));
        assert_eq!(
            OriginPattern::with_ports("http://localhost:3000", &[3000]).err(),
            Some(PatternError::PortInPortList)
        );
    }

    #[test]
    fn regexes_are_anchored_and_case_insensitive() {
        let p = OriginPattern::regex(r"https://pr-[0-9]+\.preview\.example\.com").unwrap();
        assert!(allows(&p, "https://pr-12.preview.example.com"));
        assert!(allows(&p, "https://PR-12.preview.example.com:443"));
        assert!(!allows(&p, "https://pr-12.preview.example.com.evil.net"));
        assert!(!allows(&p, "https://xhttps://pr-12.preview.example.com"));
        assert!(!allows(&p, "https://pr-12.preview.example.com:8443"));
        // An alternation stays inside the anchors.
        let alt = OriginPattern::regex(r"https://a\.test|https://b\.test").unwrap();
        assert!(allows(&alt, "https://b.test"));
        assert!(!allows(&alt, "https://b.test.evil.net"));
        assert!(!allows(&alt, "https://evil.a.test"));
        assert!(matches!(
            OriginPattern::regex("https://(unclosed"),
            Err(PatternError::Regex(_))
        ));
    }
}
