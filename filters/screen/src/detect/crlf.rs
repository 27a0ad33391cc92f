//! CR/LF injection (CRS 921110-921160, 921190): a line break in a value that an application
//! copies into a response header or forwards in a request, followed by what only the next
//! line of HTTP holds: a header name and `:`, a status or request line, or a blank line and a
//! document.

use super::more::run_len;
use super::{CRLF_HEADER, CRLF_HEADER_VALUE, CRLF_NAME, CRLF_PATH};
use crate::detect::ValueKind;
use crate::engine::Anchor::Pieces;
use crate::engine::RuleDef;

pub(crate) const TABLE: &[RuleDef] = &[
    RuleDef::always(CRLF_HEADER, |v| header_or_status(v.lower()))
        .anchored(&[Pieces(&["\r", "\n", "http/"])]),
    RuleDef::always(CRLF_PATH, |v| {
        let breaks = |b: &[u8]| b.iter().any(|b| matches!(b, b'\r' | b'\n'));
        // A name's line break must be encoded: a raw one is the body's own framing.
        (v.is_path() || (v.kind() == ValueKind::FormName && !breaks(v.raw()))) && breaks(v.bytes())
    })
    .anchored(&[Pieces(&["\r", "\n"])]),
    RuleDef::always(CRLF_HEADER_VALUE, |v| {
        v.in_header() && header_value(v.raw(), v.lower())
    })
    .anchored(&[Pieces(&["\r", "\n"])]),
    RuleDef::always(CRLF_NAME, |v| any_name(v.lower())).anchored(&[Pieces(&["\r", "\n"])]),
];

/// Header names an injection sets and prose does not start a line with.
const HEADERS: &[&str] = &[
    "set-cookie",
    "content-length",
    "content-type",
    "content-disposition",
    "content-security-policy",
    "content-encoding",
    "transfer-encoding",
    "x-xss-protection",
    "x-frame-options",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-content-type-options",
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "strict-transport-security",
    "www-authenticate",
    "proxy-authorization",
    "remote-addr",
    "cache-control",
    "last-modified",
    "keep-alive",
    "refresh",
    "x-forwarded-server",
    "x-real-ip",
    "x-originating-ip",
    "remote-ip",
    "originating-ip",
];

const METHODS: &[&str] = &[
    "get ", "post ", "head ", "put ", "delete ", "options ", "connect ", "trace ", "patch ",
];

/// `name` then blanks or CRs, then `:`.
fn is_header_line(line: &str, name: &str) -> bool {
    header_line_value(line, name).is_some()
}

/// What follows `name`, blanks or CRs and `:` at `line`'s start.
fn header_line_value<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    line.strip_prefix(name)?
        .trim_start_matches([' ', '\t', '\r'])
        .strip_prefix(':')
}

/// A `Location` header line that redirects: to a URL or a path (`Location: http://x`,
/// `Location: //x`, `Location: /login`); not "Location: room 4".
fn is_redirect_line(line: &str) -> bool {
    header_line_value(line, "location").is_some_and(|value| {
        let value = value.trim_start();
        value.starts_with('/') || value.starts_with("http:") || value.starts_with("https:")
    })
}

/// A line break a request header's value encodes (no raw one reaches a filter), then a
/// header line: a name and `:` (`Headerdata%0dInjectedHeader: x`), which an application
/// that decodes the value and copies it into a response or a forwarded request writes as
/// a header of its own.
fn header_value(raw: &[u8], lower: &str) -> bool {
    !raw.iter().any(|b| matches!(b, b'\r' | b'\n'))
        && lower.match_indices(['\r', '\n']).any(|(i, _)| {
            let line = lower.get(i + 1..).unwrap_or_default();
            let name_len = run_len(line, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            name_len > 0
                && header_line_value(line, line.get(..name_len).unwrap_or_default()).is_some()
        })
}

/// Whether the `name` line after the break at `i` is a part header of a multipart body (screened
/// whole where it is not parsed): `Content-Disposition`, `Content-Type` or
/// `Content-Transfer-Encoding` after a boundary line (`--…`) or another part header.
fn is_part_header(lower: &str, i: usize, name: &str) -> bool {
    if !matches!(
        name,
        "content-disposition" | "content-type" | "content-transfer-encoding"
    ) {
        return false;
    }
    let before = lower
        .get(..i)
        .unwrap_or_default()
        .trim_end_matches(['\r', '\n']);
    let previous = before.rsplit(['\r', '\n']).next().unwrap_or_default();
    previous.starts_with("--")
        || previous.starts_with("content-disposition:")
        || previous.starts_with("content-type:")
}

/// An HTTP/1 status line (`http/1.1 200`) or request line (`get /x http/1.1`) at `line`'s
/// start.
fn is_http_line(line: &str) -> bool {
    if let Some(rest) = line.strip_prefix("http/") {
        let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
        let code = rest.trim_start_matches(' ');
        return rest.len() > code.len()
            && code.len() >= 3
            && code.bytes().take(3).all(|b| b.is_ascii_digit());
    }
    METHODS.iter().any(|m| {
        line.strip_prefix(m).is_some_and(|rest| {
            let target_end = rest.find([' ', '\r', '\n']).unwrap_or(rest.len());
            let after = rest.get(target_end..).unwrap_or_default();
            target_end > 0 && after.trim_start_matches(' ').starts_with("http/")
        })
    })
}

/// A line break and then a header this module lists, an HTTP status or request line, or a
/// blank line and an HTML document; or a request line anywhere that a line break ends
/// (request smuggling in a body: `x GET /a HTTP/1.1\r\n`), or that is the whole value.
fn header_or_status(lower: &str) -> bool {
    for (i, _) in lower.match_indices(['\r', '\n']) {
        let line = lower.get(i + 1..).unwrap_or_default();
        if line.starts_with(['\r', '\n']) {
            continue;
        }
        let header = is_redirect_line(line)
            || HEADERS
                .iter()
                .any(|h| is_header_line(line, h) && !is_part_header(lower, i, h));
        if header || is_http_line(line) {
            return true;
        }
    }
    // A blank line, then a document: a response body injected after the headers.
    for sep in ["\r\n\r\n", "\n\n", "\r\r"] {
        if lower.match_indices(sep).any(|(i, _)| {
            let doc = lower.get(i + sep.len()..).unwrap_or_default().trim_start();
            ["<html", "<!doctype", "<body", "<head", "<script", "<meta"]
                .iter()
                .any(|t| doc.starts_with(t))
        }) {
            return true;
        }
    }
    // A request line that ends at a line break or the value's end: `GET / HTTP/1.1`.
    lower.match_indices("http/").any(|(i, _)| {
        let line_start = lower
            .get(..i)
            .and_then(|b| b.rfind(['\r', '\n']).map(|p| p + 1))
            .unwrap_or(0);
        let line = lower.get(line_start..).unwrap_or_default();
        let found = METHODS
            .iter()
            .find_map(|m| line.find(m).map(|p| p + line_start));
        found.is_some_and(|m| {
            let line = lower.get(m..).unwrap_or_default();
            is_http_line(line) && {
                let version_end = lower
                    .get(i + 5..)
                    .unwrap_or_default()
                    .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
                version_end.is_empty() || version_end.starts_with(['\r', '\n'])
            }
        })
    })
}

/// A line break, then a name (letters, digits, `-`, `_`) and `:` or `=`, the shape of any
/// header or of a parameter smuggled into a second line. Multi-line text has it too
/// ("Note: …" on a line of its own), and a text area's value may end with a line break: level
/// 2. An injection breaks out of a parameter's value, a token (`test\rnext=more`,
/// `Headerdata\rInjectedHeader: x`); a dialogue or form in prose (`Q: Why …?\nA: Because …`,
/// `Humor in the Court:\n\nQ: …`) breaks a line of words. So the last line with text before
/// the break must hold no blank.
fn any_name(lower: &str) -> bool {
    // A value that starts with a CR, or a single name that ends with a line break: a parameter
    // name or value that carries the line break alone (`\r%0restofdata`, `parameter\r\n`; not
    // a text that ends with its last line's break).
    let name = lower.trim_end_matches(['\r', '\n']);
    if lower.starts_with('\r')
        || (name.len() < lower.len()
            && !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))
    {
        return true;
    }
    lower.match_indices(['\r', '\n']).any(|(i, _)| {
        let line = lower.get(i + 1..).unwrap_or_default();
        let name_len = run_len(line, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        let name = line.get(..name_len).unwrap_or_default();
        let rest = line.get(name_len..).unwrap_or_default();
        let before = lower
            .get(..i)
            .unwrap_or_default()
            .trim_end_matches(['\r', '\n']);
        let line_before = before.rsplit(['\r', '\n']).next().unwrap_or_default();
        name_len > 0
            && !line_before.contains([' ', '\t'])
            && !is_part_header(lower, i, name)
            && rest
                .trim_start_matches([' ', '\t', '\r'])
                .starts_with([':', '='])
    })
}
