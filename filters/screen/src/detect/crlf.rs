//! CR/LF injection (CRS 921110-921160, 921190): a line break in a value that an application
//! copies into a response header or forwards in a request, followed by what only the next
//! line of HTTP holds: a header name and `:`, a status or request line, or a blank line and a
//! document.

use super::{CRLF_HEADER, CRLF_NAME, CRLF_PATH};
use crate::engine::Anchor::Pieces;
use crate::engine::RuleDef;

pub(crate) const TABLE: &[RuleDef] = &[
    RuleDef {
        rule: CRLF_HEADER,
        anchors: &[Pieces(&["\r", "\n", "http/"])],
        check: |v| header_or_status(v.bytes(), v.lower()),
    },
    RuleDef {
        rule: CRLF_PATH,
        anchors: &[Pieces(&["\r", "\n"])],
        check: |v| v.is_path() && v.bytes().iter().any(|b| matches!(b, b'\r' | b'\n')),
    },
    RuleDef {
        rule: CRLF_NAME,
        anchors: &[Pieces(&["\r", "\n"])],
        check: |v| any_name(v.bytes(), v.lower()),
    },
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
];

const METHODS: &[&str] = &[
    "get ", "post ", "head ", "put ", "delete ", "options ", "connect ", "trace ", "patch ",
];

/// `name` then blanks or CRs, then `:`.
fn is_header_line(line: &str, name: &str) -> bool {
    line.strip_prefix(name)
        .is_some_and(|rest| rest.trim_start_matches([' ', '\t', '\r']).starts_with(':'))
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
fn header_or_status(_: &[u8], lower: &str) -> bool {
    for (i, _) in lower.match_indices(['\r', '\n']) {
        let line = lower.get(i + 1..).unwrap_or_default();
        if line.starts_with(['\r', '\n']) {
            continue;
        }
        let header = HEADERS
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
fn any_name(_: &[u8], lower: &str) -> bool {
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
        let name_len = line.len()
            - line
                .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                .len();
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

#[cfg(test)]
mod tests {
    use super::super::more::cases::{attacks, benign};
    use super::*;

    #[test]
    fn cases() {
        attacks(
            TABLE,
            &[
                (
                    "foobar\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK",
                    "crlf-001",
                ),
                ("x\r\nSet-Cookie: session=attacker", "crlf-001"),
                ("x\r\nContent-Type: text/html", "crlf-001"),
                (
                    "Headerdata\rInjectedHeader: x\nX-XSS-Protection: 0",
                    "crlf-001",
                ),
                ("\r\nRemote-addr\r\r\r: foo.bar.com", "crlf-001"),
                ("aaa\nGET / HTTP/1.1", "crlf-001"),
                ("aaa\rHEAD http://example.com/ HTTP/1.1", "crlf-001"),
                ("barGET /a.html HTTP/1.1\r\nSomething: x", "crlf-001"),
                ("GET http://www.foo.bar HTTP/1.2", "crlf-001"),
                ("munchmuch\r\n\r\n<HTML><title></title></HTML>", "crlf-001"),
                ("test\rnext=more", "crlf-003"),
                ("parameter\r\n", "crlf-003"),
                ("\r%0restofdata", "crlf-003"),
                (
                    "Headerdata\rInjectedHeader: response_splitting_code",
                    "crlf-003",
                ),
            ],
        );
        let path = crate::engine::View::with(
            b"/foo\nbar",
            b"/foo\nbar",
            crate::detect::ValueKind::Path,
            true,
        );
        assert!(TABLE
            .iter()
            .any(|d| d.rule == CRLF_PATH && (d.check)(&path)));
        assert!(!TABLE
            .iter()
            .any(|d| d.rule == CRLF_PATH && (d.check)(&crate::engine::View::of(b"a\nb"))));
        benign(
            TABLE,
            1,
            &[
                "Dear team,\r\nNote: the meeting moved.\r\nLocation: room 4",
                "Line one\nline two",
                "Order 4711\nStatus: shipped",
                "We GET it: HTTP/2 is faster",
                "See RFC 9110, HTTP/1.1 semantics",
                "get well soon, http/1.1 fans",
                "Please get / http://example.com",
                "para one\n\npara <b>two</b>",
                "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\nx\r\n--b--",
            ],
        );
        benign(
            TABLE,
            2,
            &[
                "Line one\nline two",
                "a\n\n- item\n- item",
                "x: y",
                "Thanks, bye\r\n",
                "--b\r\nContent-Disposition: form-data; name=\"f\"\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--",
                "\n",
                // Dialogue and forms in multi-line prose.
                "Q: Why did the tachyon cross the road?\nA: Because it was on the other side.",
                "Humor in the Court:\n\nQ: What is your relationship with the plaintiff?\nA: She is my daughter.",
                "Sam:   What's the good word, Norm?\nNorm: Plastics.",
                "EARL GREY PROFILES\n\nNAME:  Jean-Luc Picard",
            ],
        );
        attacks(
            TABLE,
            &[
                ("en\r\nX-Injected: 1", "crlf-003"),
                ("test\n\nnext=more", "crlf-003"),
            ],
        );
    }
}
