//! Request headers with a known grammar, read by that grammar: screening inspects the values a
//! sender chose inside them (a brand name, a media type, a language tag, an entity tag), not
//! the syntax around them. Read whole, Chrome's `Sec-CH-UA: "Chromium";v="130", "Not?A_Brand"…`
//! is a closed quote, a word and a `;` to a SQL rule, `Accept: */*` a comment opener and
//! `boundary=boundary` a tautology.
//!
//! The grammar is the one most request headers share (RFC 9110's lists of tokens and quoted
//! strings with `;` parameters, and RFC 8941's structured-field lists, which the client hints
//! and fetch metadata use): elements separated by `,`, each an item and `;key=value`
//! parameters; an item or value is a quoted string, a token (`type/subtype` too), `?0`/`?1` or
//! `:bytes:`. Tokens are held to letters, digits and `!#*+-.^_~`: a value with anything else
//! (a blank inside a token, a `'`, `(`, `<`, `=` where no parameter can be) does not follow the
//! grammar and is inspected whole, as a header without a known grammar is. So every byte a
//! sender chose is still inspected: either inside one of the pieces or in the whole value.

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

/// The values inside `value` of the header `name` (lowercase): quoted strings' contents, tokens
/// (each side of a `/` on its own), parameter values. `None` if the header has no known
/// grammar or the value does not follow it: then it is inspected whole.
pub fn pieces<'a>(name: &str, value: &'a [u8]) -> Option<Vec<Cow<'a, [u8]>>> {
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

    /// A token, with `/token` after it where `slash` allows.
    fn token(&mut self, slash: bool) -> Option<()> {
        let start = self.at;
        while self.peek().is_some_and(is_token_byte) {
            self.at += 1;
        }
        let piece = self.text.get(start..self.at).filter(|p| !p.is_empty())?;
        self.out.push(Cow::Borrowed(piece));
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

    #[test]
    fn browser_headers() {
        assert_eq!(
            read(
                "sec-ch-ua",
                r#""Chromium";v="130", "Google Chrome";v="130", "Not?A_Brand";v="99""#
            ),
            Some(
                [
                    "Chromium",
                    "v",
                    "130",
                    "Google Chrome",
                    "v",
                    "130",
                    "Not?A_Brand",
                    "v",
                    "99"
                ]
                .map(String::from)
                .to_vec()
            )
        );
        assert_eq!(read("sec-ch-ua-mobile", "?0"), Some(vec![]));
        assert_eq!(
            read("sec-ch-ua-platform", "\"Linux\""),
            Some(vec!["Linux".into()])
        );
        assert_eq!(
            read(
                "accept",
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
            ),
            Some(
                [
                    "text",
                    "html",
                    "application",
                    "xhtml+xml",
                    "application",
                    "xml",
                    "q",
                    "0.9",
                    "*",
                    "*",
                    "q",
                    "0.8"
                ]
                .map(String::from)
                .to_vec()
            )
        );
        assert_eq!(
            read("content-type", "multipart/form-data; boundary=boundary"),
            Some(
                ["multipart", "form-data", "boundary", "boundary"]
                    .map(String::from)
                    .to_vec()
            )
        );
        assert_eq!(
            read("accept-language", "en-US,en;q=0.9, de ; q=0.8"),
            Some(
                ["en-US", "en", "q", "0.9", "de", "q", "0.8"]
                    .map(String::from)
                    .to_vec()
            )
        );
        assert_eq!(
            read("cache-control", "max-age=0, no-cache"),
            Some(["max-age", "0", "no-cache"].map(String::from).to_vec())
        );
        assert_eq!(
            read("if-none-match", r#"W/"67ab43", "x\"y", *"#),
            Some(["67ab43", "x\"y", "*"].map(String::from).to_vec())
        );
        assert_eq!(
            read("priority", "u=0, i"),
            Some(["u", "0", "i"].map(String::from).to_vec())
        );
        assert_eq!(read("sec-fetch-user", "?1"), Some(vec![]));
        assert_eq!(
            read("content-type", "application/*+json"),
            Some(["application", "*+json"].map(String::from).to_vec())
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
            Some(
                ["<script>alert(1)</script>", "v", "1"]
                    .map(String::from)
                    .to_vec()
            )
        );
    }
}
