//! `..` joined to a path separator written in a form the ordinary decoding
//! ([`crate::decode`]) leaves alone (`path-008`): no standard gives these forms a meaning, but
//! some servers, their libraries or the file systems behind them read them as `/`, `\` or `.`,
//! and scanners (dotdotpwn) send them to find one that does. The same class as the OWASP Core
//! Rule Set's paranoia-1 rule 930100.
//!
//! The forms (any ASCII case), as they stand in the decoded value, where the escapes a standard
//! decoder knows are already undone:
//! - a hex literal: `0x2f`, `0x5c`, `0x2e` for the dot;
//! - a percent escape with digits outside `0-9a-f`, read the way lenient decoders read them,
//!   a letter counting on past `f` (`g` 16, `q` 26) and the sum kept to a byte: `%qf` and `%9v`
//!   are 0xAF, `%pc` and `%8s` 0x9C, `%bg` 0xC0;
//! - a "double nibble" escape, each hex digit escaped apart with a `%` left over between them
//!   (`%%32%%66` decodes to `%2%f`);
//! - an overlong or malformed UTF-8 sequence of the ASCII character, which standard decoders
//!   refuse: lead `c0`/`c1` with any second byte, of which such decoders keep the low six bits
//!   (`c1 1c` is `\`, `c0 6e` and `c0 ee` are `.`) or which they keep whole once the lead is dropped
//!   (`c0 /`), and the 3- to 6-byte forms (`f0 80 80 af`, `f8 80 80 80 af`); the bytes raw or
//!   in the lenient escapes above (`%c0%qf`);
//! - IIS's `%u` escapes of characters some servers map to a separator or dot (`%u2215` division
//!   slash, `%u2216` set minus, `%uefc8`, `%uf025`, `%uff0e` fullwidth full stop, `%u2024` one
//!   dot leader) and the same characters in UTF-8.
//!
//! A match is two or more dots, then a separator, or a separator, then two or more dots, in any
//! mix of these forms and standard ones (the literal character, `%2f`, `%u002e`), with at least
//! one of them in a form of the list: `../` alone is `path-001`'s, with its exceptions for prose
//! and markup. None of these forms occurs in ordinary text next to two dots.
//!
//! The value is read as decoded, and also after each of the first two rounds of
//! percent-decoding: a later round can eat a form (`..%%32%%66etc` is `..%2%fetc` after one
//! round, and the second decodes `%fe`).
//!
//! Cost: one pass over each copy, left to right; at each position a token is read with a
//! lookahead of at most [`LONGEST_TOKEN`] bytes and the pass moves on past it (or one byte),
//! never back.

use crate::engine::View;

/// The most bytes one token spans: a 6-byte overlong sequence whose bytes are all escapes of
/// four characters (`%2%f`).
#[cfg(test)]
const LONGEST_TOKEN: usize = 24;

/// What a token of the value stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dot,
    Separator,
    Other,
}

/// A token: what it stands for, its length in the value, whether it is in a form of the
/// module's list (not the literal character nor a standard escape of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Token {
    kind: Kind,
    len: usize,
    lenient: bool,
}

/// Whether the value, decoded ([`crate::decode::decode_fully`]'s) or after the first or second
/// round of percent-decoding of the value as sent, holds a `..` joined to a separator, one of
/// them in a form of the module's list.
pub(super) fn detect(v: &View) -> bool {
    if has_encoded_dot_dot(v.bytes()) {
        return true;
    }
    // Each round only where the copy before it has a `%` (else it is that copy again); the third
    // is as the decoded value's, or later than where it stopped.
    v.raw().contains(&b'%')
        && (has_encoded_dot_dot(v.percent_once())
            || v.percent_once().contains(&b'%') && has_encoded_dot_dot(v.percent_twice()))
}

/// Whether `text` holds `..` joined to a separator, one of them in a form of the module's list.
///
/// Every form of the list has a `%`, a byte outside ASCII, or is a `0x` literal: a value with
/// none of them (nearly every header value) is passed in one quick look instead of a
/// token-by-token reading.
fn has_encoded_dot_dot(text: &[u8]) -> bool {
    may_hold_a_form(text) && scan_for_encoded_dot_dot(text)
}

/// Whether `text` has a byte that can start a form of the list: `%`, a byte outside ASCII, or
/// the `0` of `0x`.
fn may_hold_a_form(text: &[u8]) -> bool {
    text.iter().enumerate().any(|(i, &b)| {
        b == b'%' || b >= 0x80 || (b == b'0' && matches!(text.get(i + 1), Some(b'x' | b'X')))
    })
}

/// [`has_encoded_dot_dot`] without the quick look.
fn scan_for_encoded_dot_dot(text: &[u8]) -> bool {
    // The dots read since the last other token, and whether one was in a lenient form.
    let mut dots = 0usize;
    let mut dots_lenient = false;
    // The token before those dots, if it was a separator: whether it was in a lenient form.
    let mut separator_before: Option<bool> = None;
    let mut i = 0;
    while i < text.len() {
        let token = token_at(text, i);
        match token.kind {
            Kind::Dot => {
                dots += 1;
                dots_lenient |= token.lenient;
                if dots >= 2 && separator_before.is_some_and(|s| s || dots_lenient) {
                    return true;
                }
            }
            Kind::Separator => {
                if dots >= 2 && (token.lenient || dots_lenient) {
                    return true;
                }
                separator_before = Some(token.lenient);
                dots = 0;
                dots_lenient = false;
            }
            Kind::Other => {
                separator_before = None;
                dots = 0;
                dots_lenient = false;
            }
        }
        i += token.len.max(1);
    }
    false
}

/// What a character stands for.
fn kind_of(c: u8) -> Kind {
    match c {
        b'.' => Kind::Dot,
        b'/' | b'\\' => Kind::Separator,
        _ => Kind::Other,
    }
}

/// A reading of the bytes at a position: what they stand for, how many, whether lenient.
type Reading = (Kind, usize, bool);

/// The token at `i`: a dot or separator in one of the forms, or else the byte there, one byte
/// long (so nothing a failed reading looked at is skipped).
fn token_at(text: &[u8], i: usize) -> Token {
    let rest = text.get(i..).unwrap_or_default();
    let found = hex_literal(rest)
        .or_else(|| iis_escape(rest))
        .or_else(|| look_alike(rest))
        .or_else(|| utf8_form(rest));
    match found {
        Some((kind, len, lenient)) if kind != Kind::Other => Token { kind, len, lenient },
        _ => Token {
            kind: rest.first().map_or(Kind::Other, |&c| kind_of(c)),
            len: 1,
            lenient: false,
        },
    }
}

/// `0x2e`, `0x2f`, `0x5c`.
fn hex_literal(rest: &[u8]) -> Option<Reading> {
    let &[b'0', x, hi, lo] = rest.get(..4)? else {
        return None;
    };
    if !x.eq_ignore_ascii_case(&b'x') {
        return None;
    }
    let kind = kind_of(hex_digit(hi)? * 16 + hex_digit(lo)?);
    (kind != Kind::Other).then_some((kind, 4, true))
}

/// The character a server maps to a dot or separator, by code point.
fn look_alike_kind(code_point: u32) -> Kind {
    match code_point {
        0x2e | 0xff0e | 0x2024 => Kind::Dot,
        0x2f | 0x5c | 0x2215 | 0x2216 | 0xefc8 | 0xf025 | 0xff0f | 0xff3c => Kind::Separator,
        _ => Kind::Other,
    }
}

/// `%uXXXX`; below 0x100 a standard escape ([`crate::decode::percent_decode`] decodes it).
fn iis_escape(rest: &[u8]) -> Option<Reading> {
    let &[b'%', u, ref digits @ ..] = rest.get(..6)? else {
        return None;
    };
    if !u.eq_ignore_ascii_case(&b'u') {
        return None;
    }
    let code_point = digits
        .iter()
        .try_fold(0u32, |v, d| Some(v * 16 + u32::from(hex_digit(*d)?)))?;
    Some((look_alike_kind(code_point), 6, code_point >= 0x100))
}

/// The characters of [`look_alike_kind`] in UTF-8 (those outside ASCII; the decoding folds
/// the fullwidth ones to ASCII already).
fn look_alike(rest: &[u8]) -> Option<Reading> {
    let &[a, b, c] = rest.get(..3)? else {
        return None;
    };
    if a & 0xF0 != 0xE0 || b & 0xC0 != 0x80 || c & 0xC0 != 0x80 {
        return None;
    }
    let code_point = (u32::from(a & 0x0F) << 12) | (u32::from(b & 0x3F) << 6) | u32::from(c & 0x3F);
    // Below 0x800 a 3-byte form is overlong: [`utf8_form`]'s.
    (code_point >= 0x800).then(|| (look_alike_kind(code_point), 3, true))
}

/// A byte in the value: itself, or the byte a decoder makes of a `%` escape; with the bytes it
/// spans and whether only a lenient decoder makes it (`%qf`, `%2%f`; not `%2f`).
fn byte_at(rest: &[u8]) -> Option<(u8, usize, bool)> {
    let first = *rest.first()?;
    if first != b'%' {
        return Some((first, 1, false));
    }
    // `%2%f`: a double-nibble escape with its middle `%` left over.
    if let Some(&[_, hi, b'%', lo]) = rest.get(..4) {
        if let (Some(hi), Some(lo)) = (hex_digit(hi), hex_digit(lo)) {
            return Some((hi * 16 + lo, 4, true));
        }
    }
    // `%qf`: two letters or digits (not `%u`, IIS's escape), each worth its place in
    // 0-9a-z, the sum kept to a byte.
    if let Some(&[_, hi, lo]) = rest.get(..3) {
        if !hi.eq_ignore_ascii_case(&b'u') {
            if let (Some(h), Some(l)) = (lenient_digit(hi), lenient_digit(lo)) {
                let standard = hex_digit(hi).is_some() && hex_digit(lo).is_some();
                return Some((h.wrapping_mul(16).wrapping_add(l), 3, !standard));
            }
        }
    }
    Some((first, 1, false))
}

/// A dot or separator as an escape ([`byte_at`]), or as an overlong or malformed UTF-8
/// sequence (the module's list).
fn utf8_form(rest: &[u8]) -> Option<Reading> {
    let (lead, mut len, lenient) = byte_at(rest)?;
    if len > 1 && kind_of(lead) != Kind::Other {
        return Some((kind_of(lead), len, lenient));
    }
    let continuations = match lead {
        0xC0 | 0xC1 => {
            let (second, used, _) = byte_at(rest.get(len..)?)?;
            // A lead byte dropped leaves the character itself; otherwise its low bit and the
            // second byte's low six bits (its top two unchecked: `c0 ee` is `.`).
            let c = if kind_of(second) != Kind::Other {
                second
            } else {
                ((lead & 1) << 6) | (second & 0x3F)
            };
            return Some((kind_of(c), len + used, true));
        }
        0xE0 => 2,
        0xF0 => 3,
        0xF8 => 4,
        0xFC => 5,
        _ => return None,
    };
    // Every continuation byte 0x80 but the last two: the one before the last 0x80 or 0x81 (the
    // character's top bit), the last the character's low six bits.
    let mut previous = 0u8;
    let mut last = 0u8;
    for n in 0..continuations {
        let (b, used, _) = byte_at(rest.get(len..)?)?;
        let allowed = if n + 2 < continuations {
            b == 0x80
        } else if n + 1 < continuations {
            b == 0x80 || b == 0x81
        } else {
            b & 0xC0 == 0x80
        };
        if !allowed {
            return None;
        }
        previous = last;
        last = b;
        len += used;
    }
    Some((kind_of(((previous & 1) << 6) | (last & 0x3F)), len, true))
}

fn hex_digit(d: u8) -> Option<u8> {
    match d.to_ascii_lowercase() {
        d @ b'0'..=b'9' => Some(d - b'0'),
        d @ b'a'..=b'f' => Some(d - b'a' + 10),
        _ => None,
    }
}

/// A digit as lenient decoders read it: `0-9`, then `a` 10 on to `z` 35, any case.
fn lenient_digit(d: u8) -> Option<u8> {
    match d.to_ascii_lowercase() {
        d @ b'0'..=b'9' => Some(d - b'0'),
        d @ b'a'..=b'z' => Some(d - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode_fully;
    use crate::detect::{inspect, Enabled, ValueKind};

    /// Whether `path-008` flags the query value `raw`.
    fn flagged(raw: &str) -> bool {
        let decoded = decode_fully(raw.as_bytes(), true, true);
        super::super::detect(raw.as_bytes(), &decoded, false)
            .iter()
            .any(|r| r.id == "path-008")
    }

    /// The separators and dots of the module's list, each in one spelling of its class.
    const SEPARATORS: [&str; 20] = [
        "0x2f",
        "0x5c",
        "%c0%qf",
        "%bg%qf",
        "%c1%pc",
        "%c0%9v",
        "%c1%8s",
        "%c1%1c",
        "%c0%2f",
        "%c0%5c",
        "%u2215",
        "%u2216",
        "%uefc8",
        "%uf025",
        "%%32%%66",
        "%%35%%63",
        "%f0%80%80%af",
        "%f8%80%80%80%af",
        "%fc%80%80%80%80%af",
        "%25f0%2580%2580%25af",
    ];
    const DOTS: [&str; 9] = [
        "..",
        "0x2e0x2e",
        "%uff0e%uff0e",
        "%u002e%u002e",
        ".0x2e",
        "%c0%6e%c0%6e",
        "%%32%%65.",
        "%f0%80%80%ae.",
        "%25c0%25ee%25c0%25ee",
    ];

    /// The quick look passes over no value the token-by-token reading flags: every form of
    /// the list, in values built from them, dots, separators and ordinary text, and in random
    /// byte strings.
    #[test]
    fn the_quick_look_misses_nothing_the_reading_flags() {
        let mut pieces: Vec<String> = SEPARATORS
            .iter()
            .chain(DOTS.iter())
            .map(|s| s.to_string())
            .collect();
        pieces.extend(
            [
                ".", "/", "\\", "a", "0", "x", "%", "%2e", "%2f", "\u{ff0e}", "\u{2215}", "\u{c0}",
            ]
            .map(String::from),
        );
        let mut values = vec![String::new()];
        for _ in 0..3 {
            values = values
                .iter()
                .flat_map(|v| pieces.iter().map(move |p| format!("{v}{p}")))
                .collect();
            for v in &values {
                let text = v.as_bytes();
                let decoded = decode_fully(text, true, true);
                for t in [text, &decoded[..]] {
                    assert_eq!(has_encoded_dot_dot(t), scan_for_encoded_dot_dot(t), "{v:?}");
                }
            }
        }
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for len in 0..2000usize {
            let bytes: Vec<u8> = (0..len % 40)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    b"./\\0xX%2efc18a"[(x % 14) as usize] ^ if x % 97 == 0 { 0x80 } else { 0 }
                })
                .collect();
            assert_eq!(
                has_encoded_dot_dot(&bytes),
                scan_for_encoded_dot_dot(&bytes),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn every_separator_with_every_dot_form_either_side() {
        for sep in SEPARATORS {
            for dots in DOTS {
                for v in [
                    format!("{dots}{sep}etc{sep}passwd"),
                    format!("x{sep}{dots}{sep}{dots}"),
                    format!("{sep}{dots}"),
                    format!("{}{}", dots.to_uppercase(), sep.to_uppercase()),
                ] {
                    assert!(flagged(&v), "{v}");
                }
            }
        }
    }

    #[test]
    fn forms_a_later_decoding_round_would_eat() {
        // Double-nibble escapes before a hex digit, once and twice percent-encoded: the round
        // after the one that leaves `%2%f` decodes `%fe`.
        for v in [
            "..%%32%%66etc",
            "%%32%%65%%32%%65%%35%%63boot.ini",
            "0x2e0x2e%25%2532%25%2566etc",
            "%25%2532%25%2565%25%2532%25%2565%25%2532%25%2566etc",
        ] {
            assert!(flagged(v), "{v}");
        }
    }

    #[test]
    fn in_a_path_and_in_a_query_value() {
        for (v, kind) in [
            ("/static/..0x2f..0x2fetc0x2fpasswd", ValueKind::Path),
            ("/files/%u2215..%u2215boot.ini", ValueKind::Path),
            ("/a/..%c0%qf..%c0%qfwin.ini", ValueKind::Path),
            ("..%C1%1C..%C1%1Cboot.ini", ValueKind::FormValue),
            ("0X2E0X2E0X5Cwindows", ValueKind::FormValue),
            ("..%%35%%63..%%35%%63x", ValueKind::FormValue),
            ("..%F8%80%80%80%AFx", ValueKind::FormValue),
            ("..%UEFC8x", ValueKind::Text),
        ] {
            let found: Vec<_> = inspect(v.as_bytes(), kind, "query:q", Enabled::ALL)
                .into_iter()
                .map(|f| f.rule.id)
                .collect();
            assert!(
                found.iter().any(|id| id.starts_with("path-")),
                "{v}: {found:?}"
            );
            let decoded = decode_fully(v.as_bytes(), kind == ValueKind::FormValue, true);
            assert!(
                super::super::detect(v.as_bytes(), &decoded, kind == ValueKind::Path)
                    .iter()
                    .any(|r| r.id == "path-008"),
                "{v}"
            );
        }
    }

    #[test]
    fn look_alikes_that_are_not_traversal() {
        for v in [
            "version 1.0x2f",
            "0x2f",
            "0x2e0x2e",
            "mask 0x2f0x5c",
            "wait...",
            "so it goes /...",
            "%u2215",
            "a %u2215 b",
            "1..10 %u2215 2",
            ".. 0x2f",
            "../",
            "..\\",
            "x/../y",
            "e.g. 0x2e.",
            "%c0%qf",
            "100%off..",
            "café…/",
            "naïve ../ in prose",
            "À..Á",
            "0x2e 0x2e 0x2f",
            "0x2e,0x2e,0x2f",
            "..0x2",
            "..%u221",
            "..%f0%80%af",
            "..%f0%80%82%af",
        ] {
            assert!(!flagged(v), "{v}");
        }
        // Latin-1 text (`À`, `Á` are c0, c1) and a lone lead byte.
        for v in [
            &b"\xc0a..\xc1b"[..],
            b"..\xc0",
            b"\xc1..",
            b"..\xf0\x80\x80",
        ] {
            assert!(!has_encoded_dot_dot(v), "{v:?}");
        }
    }

    #[test]
    fn lenient_escapes_are_read_as_old_decoders_did() {
        assert_eq!(byte_at(b"%qf"), Some((0xAF, 3, true)));
        assert_eq!(byte_at(b"%9V"), Some((0xAF, 3, true)));
        assert_eq!(byte_at(b"%pc"), Some((0x9C, 3, true)));
        assert_eq!(byte_at(b"%8s"), Some((0x9C, 3, true)));
        assert_eq!(byte_at(b"%BG"), Some((0xC0, 3, true)));
        assert_eq!(byte_at(b"%2%f"), Some((0x2F, 4, true)));
        assert_eq!(byte_at(b"%2F"), Some((0x2F, 3, false)));
        assert_eq!(byte_at(b"%u2215"), Some((b'%', 1, false)));
        assert_eq!(byte_at(b"%"), Some((b'%', 1, false)));
        assert_eq!(byte_at(b""), None);
    }

    #[test]
    fn longest_token_bounds_the_lookahead() {
        let longest = "%f%c%8%0%8%0%8%0%8%0%a%f";
        let token = token_at(longest.as_bytes(), 0);
        assert_eq!(token.kind, Kind::Separator);
        assert!(token.len <= LONGEST_TOKEN, "{}", token.len);
    }

    #[test]
    fn linear_on_long_runs() {
        // Runs that never match (no second dot, or nothing joined): each read once.
        for unit in [
            ".0x2f",
            "%c0",
            "%f8%80%80%80",
            ".%u2215",
            "0x2e%",
            "\u{2215}.",
        ] {
            let v = unit.repeat(65_536 / unit.len());
            let start = std::time::Instant::now();
            assert!(!has_encoded_dot_dot(v.as_bytes()), "{unit}");
            assert!(start.elapsed().as_millis() < 1000, "{unit}");
        }
        let v = "..0x2f".repeat(65_536 / 6);
        assert!(has_encoded_dot_dot(v.as_bytes()));
    }
}
