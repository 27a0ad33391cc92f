//! JSON text written straight into a `String`, byte for byte as `serde_json` writes it.
//!
//! The audit event and the HTTP sink's batch bodies are written on every audited request, on the
//! proxy's worker thread. Going through serde's data model costs several times the bytes
//! written (a call per field, per key and per escaped run); the event's fields are known, so
//! [`crate::event`] and [`crate::sink`] write them with the functions here instead.
//!
//! An OTLP record carries the event's JSON text as a JSON string, so there the text must be
//! escaped once more, every one of its quotes. A [`Writer`] writes either form in one pass: the
//! text as it is, or the text already escaped (its constant parts escaped at compile time by
//! [`both!`](crate::both)), which costs about what the plain text does; escaping the finished
//! text would touch each quote again.
//!
//! The tests hold every function here, and the event and bodies built with them, to
//! `serde_json`'s output.

/// Appends `text` as a JSON string, quotes included.
pub fn string(out: &mut String, text: &str) {
    out.push('"');
    escaped(out, text);
    out.push('"');
}

/// Whether a byte must be escaped inside a JSON string: `"`, `\` and the control characters.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// The escape of a byte that [`needs_escape`], as `serde_json` writes it: `"` and `\`
/// backslashed, five control characters by letter, the others as `\u00XX` (lowercase hex).
fn push_escape(out: &mut String, b: u8) {
    let short = match b {
        b'"' => "\\\"",
        b'\\' => "\\\\",
        0x08 => "\\b",
        0x0c => "\\f",
        b'\n' => "\\n",
        b'\r' => "\\r",
        b'\t' => "\\t",
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(
                HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0'),
            ));
            out.push(char::from(
                HEX.get(usize::from(b & 0xf)).copied().unwrap_or(b'0'),
            ));
            return;
        }
    };
    out.push_str(short);
}

/// Appends `text` escaped for the inside of a JSON string (no quotes). Runs that need no
/// escape are copied whole; most values (ids, hosts, paths) are one such run.
pub fn escaped(out: &mut String, text: &str) {
    let mut run_start = 0;
    for (i, b) in text.bytes().enumerate() {
        if !needs_escape(b) {
            continue;
        }
        // An escaped byte is ASCII, so `i` and `i + 1` are character boundaries.
        out.push_str(text.get(run_start..i).unwrap_or_default());
        push_escape(out, b);
        run_start = i + 1;
    }
    out.push_str(text.get(run_start..).unwrap_or_default());
}

/// Appends an unsigned integer.
pub fn uint(out: &mut String, n: u64) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// How many bytes `text` takes escaped as the inside of a JSON string, for text without control
/// characters (the constant parts of a JSON text). For [`both!`](crate::both), at compile time.
pub const fn embedded_len(text: &str) -> usize {
    let mut bytes = text.as_bytes();
    let mut len = 0;
    while let [b, rest @ ..] = bytes {
        len += if *b == b'"' || *b == b'\\' { 2 } else { 1 };
        bytes = rest;
    }
    len
}

/// `text` escaped as the inside of a JSON string, `N` being its [`embedded_len`]. For
/// [`both!`](crate::both), at compile time.
pub const fn embed<const N: usize>(text: &str) -> [u8; N] {
    let mut out = [0u8; N];
    let mut free: &mut [u8] = &mut out;
    let mut bytes = text.as_bytes();
    while let [b, rest @ ..] = bytes {
        if *b == b'"' || *b == b'\\' {
            if let [slot, tail @ ..] = free {
                *slot = b'\\';
                free = tail;
            }
        }
        if let [slot, tail @ ..] = free {
            *slot = *b;
            free = tail;
        }
        bytes = rest;
    }
    out
}

/// A constant part of a JSON text in both forms, `(plain, embedded)`, the embedded one
/// computed at compile time: `both!(",\"status\":")` is `(",\"status\":", ",\\\"status\\\":")`.
#[macro_export]
macro_rules! both {
    ($text:literal) => {{
        const PLAIN: &str = $text;
        const LEN: usize = $crate::json::embedded_len(PLAIN);
        const BYTES: [u8; LEN] = $crate::json::embed::<LEN>(PLAIN);
        // Escaping ASCII punctuation keeps UTF-8; the tests check every constant.
        const EMBEDDED: &str = match std::str::from_utf8(&BYTES) {
            Ok(text) => text,
            Err(_) => "",
        };
        (PLAIN, EMBEDDED)
    }};
}

/// Writes a JSON text in one of two forms: as it is, or escaped as the inside of a JSON
/// string (to be an OTLP record's string body). Numbers and `null` read the same in both.
#[derive(Debug)]
pub struct Writer {
    out: String,
    embedded: bool,
}

impl Writer {
    /// A writer of the text as it is.
    pub fn plain(capacity: usize) -> Writer {
        Writer {
            out: String::with_capacity(capacity),
            embedded: false,
        }
    }

    /// A writer of the text escaped as the inside of a JSON string.
    pub fn embedded(capacity: usize) -> Writer {
        Writer {
            out: String::with_capacity(capacity),
            embedded: true,
        }
    }

    /// The text written.
    pub fn finish(self) -> String {
        self.out
    }

    /// A constant part, from [`both!`](crate::both).
    pub fn raw(&mut self, (plain, embedded): (&str, &str)) {
        self.out
            .push_str(if self.embedded { embedded } else { plain });
    }

    /// A JSON string.
    pub fn string(&mut self, text: &str) {
        if !self.embedded {
            string(&mut self.out, text);
            return;
        }
        self.out.push_str("\\\"");
        if text.bytes().any(needs_escape) {
            let mut once = String::with_capacity(text.len() + 8);
            escaped(&mut once, text);
            escaped(&mut self.out, &once);
        } else {
            self.out.push_str(text);
        }
        self.out.push_str("\\\"");
    }

    /// A JSON string, or `null`.
    pub fn string_or_null(&mut self, text: Option<&str>) {
        match text {
            Some(text) => self.string(text),
            None => self.out.push_str("null"),
        }
    }

    /// An unsigned integer.
    pub fn uint(&mut self, n: u64) {
        uint(&mut self.out, n);
    }

    /// An unsigned integer, or `null`.
    pub fn uint_or_null(&mut self, n: Option<u64>) {
        match n {
            Some(n) => self.uint(n),
            None => self.out.push_str("null"),
        }
    }

    /// A float as `serde_json` writes it (shortest round-trip form; `null` if not finite), or
    /// `null`.
    pub fn float_or_null(&mut self, x: Option<f64>) {
        let Some(x) = x.filter(|x| x.is_finite()) else {
            self.out.push_str("null");
            return;
        };
        // serde_json's own formatter, into a stack buffer: the longest f64 it writes is 24
        // bytes.
        let mut buffer = [0u8; 32];
        let mut rest = buffer.as_mut_slice();
        let written = match serde_json::to_writer(&mut rest, &x) {
            Ok(()) => 32 - rest.len(),
            Err(_) => 0,
        };
        match buffer.get(..written).map(std::str::from_utf8) {
            Some(Ok(text)) if written > 0 => self.out.push_str(text),
            _ => self.out.push_str("null"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde(text: &str) -> String {
        serde_json::to_string(text).unwrap()
    }

    const AWKWARD: [&str; 9] = [
        "",
        "plain",
        "\"quoted\" and \\backslashed\\",
        "tab\there\nline\rcr\u{8}bs\u{c}ff\u{0}nul\u{1f}us\u{7f}del",
        "é – 日本 🦀 \u{2028}\u{2029}",
        "</script>",
        "\"",
        "ends with a control \u{1}",
        "every byte below 128",
    ];

    fn awkward() -> Vec<String> {
        let mut all: Vec<String> = AWKWARD.iter().map(|s| s.to_string()).collect();
        all.push((0u8..128).map(char::from).collect());
        all
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for text in awkward() {
            let mut out = String::new();
            string(&mut out, &text);
            assert_eq!(out, serde(&text), "{text:?}");
        }
    }

    /// The embedded form of anything written is the plain form, escaped as a JSON string's
    /// inside: what `serde_json` writes for the plain text as a string, without its quotes.
    #[test]
    fn the_embedded_form_is_the_plain_form_escaped() {
        let write = |w: &mut Writer, text: &str| {
            w.raw(both!("{\"key\":["));
            w.string(text);
            w.raw(both!(",\"\\\\\","));
            w.string_or_null(None);
            w.raw(both!(","));
            w.uint(7);
            w.raw(both!(","));
            w.float_or_null(Some(1.5));
            w.raw(both!("]}"));
        };
        for text in awkward() {
            let (mut plain, mut embedded) = (Writer::plain(0), Writer::embedded(0));
            write(&mut plain, &text);
            write(&mut embedded, &text);
            let plain = plain.finish();
            let quoted = serde(&plain);
            assert_eq!(embedded.finish(), quoted[1..quoted.len() - 1], "{text:?}");
            let value: serde_json::Value = serde_json::from_str(&plain).unwrap();
            assert_eq!(value["key"][0], text.as_str());
        }
        assert_eq!(both!("a\"b\\c"), ("a\"b\\c", "a\\\"b\\\\c"));
    }

    #[test]
    fn numbers_are_written_as_serde_json_writes_them() {
        for n in [0u64, 7, 200, 65535, 1_700_000_000_000, u64::MAX] {
            let mut out = String::new();
            uint(&mut out, n);
            assert_eq!(out, serde_json::to_string(&n).unwrap());
        }
        let float = |x: f64| {
            let mut w = Writer::plain(0);
            w.float_or_null(Some(x));
            w.finish()
        };
        for x in [
            0.0,
            -0.0,
            1.0,
            0.5,
            1.234567,
            0.001,
            1e-7,
            123_456_789.123,
            1e21,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert_eq!(float(x), serde_json::to_string(&x).unwrap(), "{x}");
        }
        // Every duration of a few seconds, at microsecond steps.
        for micros in (0u64..5_000_000).step_by(997) {
            let x = (micros * 1000 + micros % 7) as f64 / 1e6;
            assert_eq!(float(x), serde_json::to_string(&x).unwrap(), "{x}");
        }
        let mut w = Writer::plain(0);
        w.float_or_null(None);
        w.uint_or_null(None);
        w.string_or_null(None);
        assert_eq!(w.finish(), "nullnullnull");
    }
}
