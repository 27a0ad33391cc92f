//! A whole body read for the plain-body shortcut ([`super::Plan::plain_body`]): whether every
//! value the screener would inspect in it stands in it as inspected (not encoded, not
//! escaped), and if so a text of the values, each in place between the bytes that end it, the
//! bytes of them all and for JSON the document's shape; in one pass.
//!
//! A body whose values do not all stand in it so (an escape, a percent-escape, an entity, a
//! byte decoding folds, JSON the parser may refuse) is read value by value instead.

use super::anchor::ByteClass;
use std::borrow::Cow;

/// How a body is split into the values inspected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A JSON document, complete: its string values and keys.
    Json,
    /// `application/x-www-form-urlencoded`: names and values between `&` and `=`, `+` a blank.
    Form,
    /// One value, the whole body.
    Text,
}

/// The values of a body, read to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Values<'b> {
    /// The values, each in place between the bytes that end it: the body, or a form with its
    /// `+` read as the blank it decodes to, or a JSON document's strings each followed by its
    /// `"` (the structure between them, whose `:` and digits are no value's, left out).
    pub text: Cow<'b, [u8]>,
    /// The bytes of the values (the structure between them left out), and of the values as
    /// they came (a form's `+` too).
    pub bytes: ByteClass,
    pub raw: ByteClass,
    /// For JSON: the nesting depth and the number of object keys (else 0).
    pub depth: usize,
    pub keys: usize,
}

/// Bytes the decoding of a value changes ([`crate::decode::decode_fully`]): percent-escapes,
/// character references, and the lead bytes of overlong and fullwidth forms it folds.
const DECODED: ByteClass = ByteClass::of(b"%&\xC0\xC1\xE0\xEF");

/// The JSON parser's nesting limit is 128 (serde_json's default): deeper documents fail to
/// parse and are inspected as text, so they are not read here (nor any past this depth, which
/// one bit each of a `u128` keeps).
const MOST_DEPTH: usize = 100;

/// The body's values, or `None` where some value is not in the body as it would be inspected.
pub fn read(body: &[u8], format: Format) -> Option<Values<'_>> {
    // Every reading decodes the body as UTF-8 (JSON strictly; forms replace what is invalid).
    std::str::from_utf8(body).ok()?;
    let values = match format {
        Format::Json => json(body)?,
        Format::Form => form(body),
        Format::Text => {
            let mut seen = Seen::new();
            seen.mark(body);
            let bytes = seen.class();
            Values {
                text: Cow::Borrowed(body),
                bytes,
                raw: bytes,
                depth: 0,
                keys: 0,
            }
        }
    };
    (!values.bytes.meets(&DECODED)).then_some(values)
}

/// The bytes seen, a store per byte into a table (no dependency from one byte to the next).
struct Seen([bool; 256]);

impl Seen {
    fn new() -> Seen {
        Seen([false; 256])
    }

    fn set(&mut self, b: u8) {
        if let Some(s) = self.0.get_mut(usize::from(b)) {
            *s = true;
        }
    }

    fn mark(&mut self, text: &[u8]) {
        for &b in text {
            if let Some(s) = self.0.get_mut(usize::from(b)) {
                *s = true;
            }
        }
    }

    fn class(&self) -> ByteClass {
        let mut class = ByteClass::default();
        for (b, _) in self.0.iter().enumerate().filter(|(_, s)| **s) {
            if let Some(w) = class.0.get_mut(b / 64) {
                *w |= 1 << (b % 64);
            }
        }
        class
    }
}

/// A form's names and values, `+` read as a blank.
fn form(body: &[u8]) -> Values<'_> {
    let text: Vec<u8> = body
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let mut seen = Seen::new();
    for pair in text.split(|b| *b == b'&') {
        let (name, value) = match memchr::memchr(b'=', pair) {
            Some(eq) => (
                pair.get(..eq).unwrap_or_default(),
                pair.get(eq + 1..).unwrap_or_default(),
            ),
            None => (&b""[..], pair),
        };
        seen.mark(name);
        seen.mark(value);
    }
    let bytes = seen.class();
    let mut raw = bytes;
    if memchr::memchr(b'+', body).is_some() {
        raw.add(&ByteClass::of(b"+"));
    }
    Values {
        text: Cow::Owned(text),
        bytes,
        raw,
        depth: 0,
        keys: 0,
    }
}

/// What a JSON recognizer expects next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    /// A value (the document's, an array's first or one after `,`, one after `:`).
    Value,
    /// An array's first value or its `]`.
    ValueOrEnd,
    /// An object's first key or its `}`.
    KeyOrEnd,
    /// A key after `,`.
    Key,
    /// The `:` after a key.
    Colon,
    /// A `,` or the container's end, after a value.
    CommaOrEnd,
    /// Nothing but blanks: the document is complete.
    Done,
}

/// A JSON document without escapes, recognized strictly enough that the parser surely takes
/// it (a document the parser might refuse, whose values are then inspected as one text, is
/// `None`): numbers without exponents and at most 15 digits, no escapes, no control bytes in
/// strings, at most [`MOST_DEPTH`] deep.
fn json(body: &[u8]) -> Option<Values<'_>> {
    if memchr::memchr(b'\\', body).is_some() {
        return None;
    }
    let mut text: Vec<u8> = Vec::with_capacity(body.len());
    let mut seen = Seen::new();
    // The open containers, one bit each from the lowest (set for an object), and how many.
    let (mut open, mut depth) = (0u128, 0usize);
    let (mut deepest, mut keys) = (0usize, 0usize);
    let mut next = Next::Value;
    let mut i = 0;
    // After a value: what the container it is in expects.
    let after_value = |depth: usize| {
        if depth == 0 {
            Next::Done
        } else {
            Next::CommaOrEnd
        }
    };
    while let Some(&b) = body.get(i) {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'"' => {
                let rest = body.get(i + 1..).unwrap_or_default();
                // The closing quote, the string's bytes marked on the way (strings are short:
                // a loop, not a search).
                let len = rest.iter().position(|&c| {
                    seen.set(c);
                    c == b'"'
                })?;
                text.extend_from_slice(rest.get(..len + 1).unwrap_or_default());
                next = match next {
                    Next::Value | Next::ValueOrEnd => after_value(depth),
                    Next::KeyOrEnd | Next::Key => {
                        keys += 1;
                        Next::Colon
                    }
                    _ => return None,
                };
                i += len + 2;
            }
            b'{' | b'[' => {
                if !matches!(next, Next::Value | Next::ValueOrEnd) || depth == MOST_DEPTH {
                    return None;
                }
                let object = b == b'{';
                open = open << 1 | u128::from(object);
                depth += 1;
                deepest = deepest.max(depth);
                next = if object {
                    Next::KeyOrEnd
                } else {
                    Next::ValueOrEnd
                };
                i += 1;
            }
            b'}' | b']' => {
                let object = b == b'}';
                let ends = match next {
                    Next::CommaOrEnd => true,
                    Next::KeyOrEnd => object,
                    Next::ValueOrEnd => !object,
                    _ => false,
                };
                if !ends || depth == 0 || (open & 1 == 1) != object {
                    return None;
                }
                open >>= 1;
                depth -= 1;
                next = after_value(depth);
                i += 1;
            }
            b':' if next == Next::Colon => {
                next = Next::Value;
                i += 1;
            }
            b',' if next == Next::CommaOrEnd => {
                next = if open & 1 == 1 {
                    Next::Key
                } else {
                    Next::Value
                };
                i += 1;
            }
            _ if matches!(next, Next::Value | Next::ValueOrEnd) => {
                let rest = body.get(i..).unwrap_or_default();
                let len = if b == b'-' || b.is_ascii_digit() {
                    number(rest)?
                } else {
                    literal(rest)?
                };
                next = after_value(depth);
                i += len;
            }
            _ => return None,
        }
    }
    let mut bytes = seen.class();
    // The quote that ends each string is no value's byte.
    bytes.remove(b'"');
    if next != Next::Done || bytes.meets(&CONTROL) {
        return None;
    }
    Some(Values {
        text: Cow::Owned(text),
        bytes,
        raw: bytes,
        depth: deepest,
        keys,
    })
}

/// Bytes a JSON string may not hold unescaped.
const CONTROL: ByteClass = ByteClass::of(&[
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    26, 27, 28, 29, 30, 31,
]);

/// The length of `true`, `false` or `null` at the start of `text`, ended by no letter.
fn literal(text: &[u8]) -> Option<usize> {
    [&b"true"[..], b"false", b"null"]
        .iter()
        .find(|l| text.starts_with(l))
        .map(|l| l.len())
        .filter(|&len| !text.get(len).is_some_and(u8::is_ascii_alphanumeric))
}

/// The length of a number at the start of `text`: `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, at most 15
/// digits (any parser reads it), ended by no digit, letter, `.`, `+` or `-`.
fn number(text: &[u8]) -> Option<usize> {
    let digits_at = |at: usize| {
        text.get(at..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut at = usize::from(text.first() == Some(&b'-'));
    let int = digits_at(at);
    if int == 0 || (int > 1 && text.get(at) == Some(&b'0')) {
        return None;
    }
    at += int;
    let mut digits = int;
    if text.get(at) == Some(&b'.') {
        let fraction = digits_at(at + 1);
        if fraction == 0 {
            return None;
        }
        at += 1 + fraction;
        digits += fraction;
    }
    let ended = !text
        .get(at)
        .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-'));
    (digits <= 15 && ended).then_some(at)
}

impl ByteClass {
    fn remove(&mut self, b: u8) {
        if let Some(w) = self.0.get_mut(usize::from(b >> 6)) {
            *w &= !(1 << (b & 63));
        }
    }

    fn add(&mut self, other: &ByteClass) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
    }

    fn meets(&self, other: &ByteClass) -> bool {
        self.0.iter().zip(other.0).any(|(a, b)| a & b != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_ok(text: &str) -> bool {
        read(text.as_bytes(), Format::Json).is_some()
    }

    #[test]
    fn json_the_parser_surely_takes_and_nothing_else() {
        for ok in [
            r#"{"a": [1, -2.5, "b c"], "d": {"e": null, "f": true}, "g": []}"#,
            "[]",
            " {} ",
            r#""just a string""#,
            "0",
        ] {
            assert!(json_ok(ok), "{ok}");
            assert!(
                serde_json::from_str::<serde_json::Value>(ok).is_ok(),
                "{ok}"
            );
        }
        for refused in [
            r#"{"a": "b\"c"}"#,
            r#"{"a": 1e400}"#,
            r#"{"a": 01}"#,
            r#"{"a": 1.}"#,
            r#"{"a" 1}"#,
            r#"{"a": 1,}"#,
            r#"[1 2]"#,
            r#"{"a": 1}}"#,
            r#"{"a": 1} x"#,
            r#"{"a": tru}"#,
            r#"{"a": "x"#,
            "{\"a\": \"tab\there\"}",
            r#"{"a": 12345678901234567}"#,
            r#"{"a": "100%"}"#,
            r#"{"a": "&lt;"}"#,
            "",
        ] {
            assert!(!json_ok(refused), "{refused}");
        }
        let deep = "[".repeat(MOST_DEPTH + 1) + &"]".repeat(MOST_DEPTH + 1);
        assert!(!json_ok(&deep));
        let v = read(br#"{"a": {"b": [1]}, "c": "d"}"#, Format::Json).expect("in place");
        assert_eq!((v.depth, v.keys), (3, 3));
        assert_eq!(v.bytes, ByteClass::in_text(b"abcd"));
        assert_eq!(&*v.text, br#"a"b"c"d""#);
    }

    #[test]
    fn forms_and_text() {
        let v = read(b"a=b+c&d=e=f", Format::Form).expect("in place");
        assert_eq!(&*v.text, b"a=b c&d=e=f");
        assert_eq!(v.bytes, ByteClass::in_text(b"ab cde=f"));
        assert_eq!(v.raw, ByteClass::in_text(b"ab c+de=f"));
        assert!(read(b"a=%41", Format::Form).is_none());
        assert!(read(b"plain text + more", Format::Text).is_some());
        assert!(read(b"a &amp; b", Format::Text).is_none());
        assert!(read(b"\xff", Format::Text).is_none());
        assert!(read("caf\u{e9}".as_bytes(), Format::Text).is_some());
        assert!(read("\u{ff1c}script".as_bytes(), Format::Text).is_none());
    }
}
