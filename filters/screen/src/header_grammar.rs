//! Request headers with a known grammar, read by that grammar: screening inspects the free text
//! a sender chose inside them (a brand name, an entity tag, a quoted parameter), not the syntax
//! around it. Read whole, Chrome's `Sec-CH-UA: "Chromium";v="130", "Not?A_Brand"…`
//! is a closed quote, a word and a `;` to a SQL rule, `Accept: */*` a comment opener and
//! `boundary=boundary` a tautology.
//!
//! The grammar is the one most request headers share (RFC 9110's lists of tokens and quoted
//! strings with `;` parameters, and RFC 8941's structured-field lists, which the client hints
//! and fetch metadata use): elements separated by `,`, each an item and `;key=value`
//! parameters; an item or value is a quoted string, a token (`type/subtype` too), `?0`/`?1` or
//! `:bytes:`. Tokens are held to letters, digits and `!#*+-.^_~`: a value with anything else
//! (a blank inside a token, a `'`, `(`, `<`, `=` where no parameter can be) does not follow the
//! grammar and is inspected whole, as a header without a known grammar is. A token of those
//! bytes alone carries no injection (no quote, blank, bracket, `/`, `;` or `<`; at most a
//! bare word such as `gzip`, which level 2 reads as a command name), so the pieces inspected
//! are the quoted strings' contents: every byte a sender chose is either in such a token,
//! inside a quoted string that is inspected, or in a whole value that is inspected.
//!
//! `Origin` and `Referer` name the page a request came from: a URL a browser writes, which an
//! application does not fetch or include. Their scheme, host and port (`http://127.0.0.1:8080`,
//! RFC 6454's origin) are syntax, held to host bytes; a `Referer`'s path, query and fragment
//! are what a sender chose, and are inspected. A value of another shape is inspected whole.

use std::borrow::Cow;

/// Headers read by the list grammar ([`pieces`]), besides every `sec-ch-…` (client hints) and
/// `sec-fetch-…` (fetch metadata) header.
const LIST_HEADERS: [&str; 13] = [
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "cache-control",
    "content-type",
    "if-match",
    "if-none-match",
    "keep-alive",
    "pragma",
    "priority",
    "sec-purpose",
    "te",
];

/// Whether the header `name` (lowercase) has the list grammar.
pub fn has_grammar(name: &str) -> bool {
    name.starts_with("sec-ch-") || name.starts_with("sec-fetch-") || LIST_HEADERS.contains(&name)
}

/// The free text inside `value` of the header `name` (lowercase): its quoted strings' contents.
/// `None` if the header has no known grammar or the value does not follow it: then it is
/// inspected whole.
pub fn pieces<'a>(name: &str, value: &'a [u8]) -> Option<Vec<Cow<'a, [u8]>>> {
    match name {
        "origin" if value == b"null" => return Some(Vec::new()),
        "origin" => return (after_origin(value)?.is_empty()).then(Vec::new),
        "referer" => {
            let rest = after_origin(value)?;
            return Some(if rest.is_empty() {
                Vec::new()
            } else {
                vec![Cow::Borrowed(rest)]
            });
        }
        _ => {}
    }
    if !has_grammar(name) {
        return None;
    }
    let mut reader = Reader {
        text: value,
        at: 0,
        out: Vec::new(),
    };
    reader.list()?;
    Some(reader.out)
}

/// What follows the origin `http[s]://host[:port]` that `value` starts with (empty, or from
/// the `/`, `?` or `#` that ends the origin); `None` if `value` does not start with one. The
/// host is a name or IPv4 address (letters, digits, `.`, `-`) or a bracketed IPv6 address.
fn after_origin(value: &[u8]) -> Option<&[u8]> {
    let rest = value
        .strip_prefix(b"https://")
        .or_else(|| value.strip_prefix(b"http://"))?;
    let end = rest
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let (authority, after) = rest.split_at(end);
    let (host, port) = if authority.starts_with(b"[") {
        let close = authority.iter().position(|b| *b == b']')?;
        let (host, port) = authority.split_at(close + 1);
        let inside = authority.get(1..close)?;
        if inside.is_empty() || !inside.iter().all(|b| b.is_ascii_hexdigit() || *b == b':') {
            return None;
        }
        (host, port)
    } else {
        let colon = authority
            .iter()
            .position(|b| *b == b':')
            .unwrap_or(authority.len());
        authority.split_at(colon)
    };
    let host_ok = host.starts_with(b"[")
        || (!host.is_empty()
            && host
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')));
    let port_ok = port.is_empty()
        || port
            .strip_prefix(b":")
            .is_some_and(|p| !p.is_empty() && p.len() <= 5 && p.iter().all(u8::is_ascii_digit));
    (host_ok && port_ok).then_some(after)
}

struct Reader<'a> {
    text: &'a [u8],
    at: usize,
    out: Vec<Cow<'a, [u8]>>,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    /// `element *( OWS "," OWS element )`, empty elements allowed (`a, , b`).
    fn list(&mut self) -> Option<()> {
        loop {
            self.blanks();
            match self.peek() {
                None => return Some(()),
                Some(b',') => {
                    self.at += 1;
                    continue;
                }
                Some(_) => {}
            }
            self.item(true)?;
            loop {
                self.blanks();
                match self.peek() {
                    Some(b';') => {
                        self.at += 1;
                        self.blanks();
                        // A parameter: `key` or `key=value`.
                        self.token(false)?;
                        if self.peek() == Some(b'=') {
                            self.at += 1;
                            self.item(false)?;
                        }
                    }
                    Some(b',') => {
                        self.at += 1;
                        break;
                    }
                    None => return Some(()),
                    Some(_) => return None,
                }
            }
        }
    }

    /// A quoted string, `W/"etag"`, `?0`/`?1`, `:bytes:`, or a token (with `/token` and, in
    /// an element, `=value` as `max-age=0`).
    fn item(&mut self, element: bool) -> Option<()> {
        let rest = self.text.get(self.at..).unwrap_or_default();
        if rest.starts_with(b"\"") {
            return self.quoted();
        }
        if rest.starts_with(b"W/\"") {
            self.at += 2;
            return self.quoted();
        }
        if rest.starts_with(b"?0") || rest.starts_with(b"?1") {
            self.at += 2;
            return Some(());
        }
        if rest.starts_with(b":") {
            // A structured-field byte sequence: base64 between colons.
            let len = rest
                .iter()
                .skip(1)
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
                .count();
            if rest.get(1 + len) != Some(&b':') {
                return None;
            }
            self.at += len + 2;
            return Some(());
        }
        self.token(true)?;
        if element && self.peek() == Some(b'=') {
            self.at += 1;
            return self.item(false);
        }
        Some(())
    }

    /// A token (not a piece: [module docs](self)), with `/token` after it where `slash` allows.
    fn token(&mut self, slash: bool) -> Option<()> {
        let start = self.at;
        while self.peek().is_some_and(is_token_byte) {
            self.at += 1;
        }
        if self.at == start {
            return None;
        }
        if slash && self.peek() == Some(b'/') {
            self.at += 1;
            return self.token(false);
        }
        Some(())
    }

    /// A quoted string from its opening `"`: its content (`\"` and `\\` unescaped) is a piece.
    fn quoted(&mut self) -> Option<()> {
        self.at += 1;
        let start = self.at;
        let mut escaped = false;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.at += 2;
                }
                _ => self.at += 1,
            }
        }
        let content = self.text.get(start..self.at)?;
        self.at += 1;
        self.out.push(if escaped {
            let mut unescaped = Vec::with_capacity(content.len());
            let mut bytes = content.iter();
            while let Some(&b) = bytes.next() {
                match b {
                    b'\\' => unescaped.extend(bytes.next().copied()),
                    _ => unescaped.push(b),
                }
            }
            Cow::Owned(unescaped)
        } else {
            Cow::Borrowed(content)
        });
        Some(())
    }
}

/// The token bytes this grammar accepts: RFC 9110's `tchar` without the quote-like and pipe
/// bytes (`'`, `` ` ``, `|`), `$`, `%` and `&`, which no standard value of these headers has
/// and which an injection needs.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'~'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(name: &str, value: &str) -> Option<Vec<String>> {
        pieces(name, value.as_bytes()).map(|p| {
            p.iter()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .collect()
        })
    }

    fn strings(list: &[&str]) -> Option<Vec<String>> {
        Some(list.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn origin_and_referer_hold_a_browser_url() {
        assert_eq!(read("origin", "http://127.0.0.1:43989"), strings(&[]));
        assert_eq!(read("origin", "https://[::1]:8443"), strings(&[]));
        assert_eq!(read("origin", "null"), strings(&[]));
        assert_eq!(
            read("referer", "http://127.0.0.1:43989/record/page"),
            strings(&["/record/page"])
        );
        assert_eq!(read("referer", "https://example.com"), strings(&[]));
        assert_eq!(
            read("referer", "https://example.com?q=1' or 1=1--"),
            strings(&["?q=1' or 1=1--"])
        );
    }

    #[test]
    fn other_origin_and_referer_values_are_read_whole() {
        for (name, value) in [
            ("origin", "http://127.0.0.1:43989/x"),
            ("origin", "ftp://10.0.0.1"),
            ("origin", "http://a' or 1=1--"),
            ("referer", "ftp://66.240.183.75/shell.txt?"),
            ("referer", "http://x:80:80/"),
            ("referer", "http://<script>/"),
            ("referer", "http://[zz]/"),
            ("referer", "' or 1=1--"),
        ] {
            assert_eq!(read(name, value), None, "{name}: {value}");
        }
    }

    #[test]
    fn browser_headers() {
        assert_eq!(
            read(
                "sec-ch-ua",
                r#""Chromium";v="130", "Google Chrome";v="130", "Not?A_Brand";v="99""#
            ),
            strings(&[
                "Chromium",
                "130",
                "Google Chrome",
                "130",
                "Not?A_Brand",
                "99"
            ])
        );
        assert_eq!(read("sec-ch-ua-mobile", "?0"), strings(&[]));
        assert_eq!(read("sec-ch-ua-platform", "\"Linux\""), strings(&["Linux"]));
        assert_eq!(
            read(
                "accept",
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
            ),
            strings(&[])
        );
        for (name, value) in [
            ("content-type", "multipart/form-data; boundary=boundary"),
            ("content-type", "application/*+json"),
            ("accept-language", "en-US,en;q=0.9, de ; q=0.8"),
            ("accept-encoding", "gzip, deflate, br, zstd"),
            ("cache-control", "max-age=0, no-cache"),
            ("priority", "u=0, i"),
            ("sec-fetch-user", "?1"),
            ("sec-ch-ua-model", ":cHJldGVuZA==:"),
        ] {
            assert_eq!(read(name, value), strings(&[]), "{name}: {value}");
        }
        assert_eq!(
            read("if-none-match", r#"W/"67ab43", "x\"y", *"#),
            strings(&["67ab43", "x\"y"])
        );
        assert_eq!(
            read("content-type", "text/plain; charset=\"utf-8\""),
            strings(&["utf-8"])
        );
    }

    #[test]
    fn values_off_the_grammar_are_read_whole() {
        for (name, value) in [
            ("accept", "' or 1=1--"),
            ("accept", "text/html;q=<script>"),
            ("accept-language", "en' union select 1--"),
            ("content-type", "text/plain; charset=\"utf-8"),
            ("sec-ch-ua", "\"x\" or 1=1"),
            ("cache-control", "max-age=0)"),
            ("accept", "text/html|id"),
            ("sec-ch-ua-model", ":abc"),
        ] {
            assert_eq!(read(name, value), None, "{name}: {value}");
        }
        // No grammar known: whole.
        assert_eq!(read("x-forwarded-host", "a.example"), None);
        assert_eq!(read("user-agent", "Mozilla/5.0"), None);
    }

    #[test]
    fn quoted_payloads_are_pieces() {
        assert_eq!(
            read("sec-ch-ua", r#""<script>alert(1)</script>";v="1""#),
            strings(&["<script>alert(1)</script>", "1"])
        );
    }
}
