//! Values that are base64 (or base64url) text: an application that decodes them reads the
//! text, so screening inspects it as well (`query:q (base64)`), and the two parts of a JSON Web
//! Token that are JSON (`(jwt)`).
//!
//! Only a clean encoding of text counts, so that ids, hashes, keys and signatures (which are
//! base64 of random bytes, or look like it) are not read as text that happens to trip a rule:
//! at least [`MIN_LEN`] characters of one alphabet (standard `+/` or URL-safe `-_`), padding
//! only where it belongs, the unused low bits of the last character zero (as every encoder
//! leaves them), and the bytes valid UTF-8 with no control characters but tab and line breaks,
//! at least three quarters of them printable ASCII. Random bytes pass that with a chance of
//! about (95/256)^n for n decoded bytes: for 12 bytes, under one in a hundred thousand.
//! Shorter values, down to [`MIN_SHORT_LEN`] characters (`| id` is `fCBpZA==`), count only
//! with more proof ([`short_text`]): an encoder's digits or signs, every byte printable ASCII,
//! some punctuation.

use crate::decode::percent_decode;

/// Shortest value read as base64 of any text: 16 characters, 12 bytes.
pub const MIN_LEN: usize = 16;

/// Shortest value read as base64 of short text ([`short_text`]): 8 characters, 6 bytes
/// (`| id`, `$(whoami)`, `;id;` are that short).
pub const MIN_SHORT_LEN: usize = 8;

/// The text `value` encodes, if it is clean base64 or base64url of text (percent-escapes,
/// as a query string carries `=`, undone first).
pub fn decoded_text(value: &[u8]) -> Option<String> {
    if value.len() < MIN_SHORT_LEN
        || !value
            .iter()
            .all(|b| is_alphabet(*b) || matches!(b, b'=' | b'%'))
    {
        return None;
    }
    let unescaped;
    let encoded = if value.contains(&b'%') {
        unescaped = percent_decode(value, false);
        unescaped.as_slice()
    } else {
        value
    };
    // A short run of letters alone is a word far more often than an encoding: refused before
    // any decoding, since a body's plain check looks at every word that long.
    if encoded.len() < MIN_LEN && !encoder_made(encoded) || !starts_as_text(encoded) {
        return None;
    }
    if encoded.len() >= MIN_LEN {
        text(&decode(encoded)?)
    } else {
        short_text(encoded, &decode(encoded)?)
    }
}

/// A short value (under [`MIN_LEN`] characters) as text, held to more than [`text`]: a word
/// of letters (`username`, `Customer`) may happen to decode to printable bytes, and random
/// bytes do more often when there are few. So the encoding has what an encoder's output of
/// text has and a word lacks (a digit, `+`, `/`, `-`, `_`, `=` padding, or capitals scattered
/// among small letters, three at least), and every decoded
/// byte is printable ASCII with some punctuation among them (an injection has syntax).
fn short_text(encoded: &[u8], bytes: &[u8]) -> Option<String> {
    let encoder_made = encoder_made(encoded);
    let printable = bytes.iter().all(|b| b.is_ascii_graphic() || *b == b' ');
    let syntax = bytes.iter().any(u8::is_ascii_punctuation);
    if !(encoder_made && printable && syntax) {
        return None;
    }
    String::from_utf8(bytes.to_vec()).ok()
}

/// Whether a short encoding has what an encoder's output of text has and a word lacks (see
/// [`short_text`]).
fn encoder_made(encoded: &[u8]) -> bool {
    let count = |f: fn(&u8) -> bool| encoded.iter().filter(|b| f(b)).count();
    encoded
        .iter()
        .any(|b| b.is_ascii_digit() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'='))
        || count(u8::is_ascii_uppercase) >= 3 && count(u8::is_ascii_lowercase) >= 2
}

/// Whether the first bytes `value` encodes may start text: no control byte but tab and line
/// breaks, no byte that is not UTF-8 (an unfinished character at the end aside). Most runs of
/// base64 letters in a body are words and `+` (a form's blanks), which fail here, without
/// decoding the whole run.
fn starts_as_text(value: &[u8]) -> bool {
    let mut first = [0u8; 12];
    let mut len = 0;
    for (chunk, out) in value.chunks_exact(4).zip(first.chunks_exact_mut(3)).take(4) {
        let Some(acc) = chunk
            .iter()
            .enumerate()
            .try_fold(0u32, |acc, (i, &b)| Some(acc | sextet(b)? << (18 - 6 * i)))
        else {
            // Not the alphabet (padding, `%`): the whole decoding decides.
            break;
        };
        out.copy_from_slice(acc.to_be_bytes().get(1..).unwrap_or_default());
        len += 3;
    }
    let first = first.get(..len).unwrap_or_default();
    let control = first
        .iter()
        .any(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f);
    let utf8 = match std::str::from_utf8(first) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    };
    !control && utf8
}

/// The decoded header and claims of a JSON Web Token (`header.claims.signature`, base64url),
/// if `value` is one: both JSON objects.
pub fn jwt_parts(value: &[u8]) -> Option<[String; 2]> {
    let mut parts = value.split(|b| *b == b'.');
    let (header, claims, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || header.len() < MIN_LEN {
        return None;
    }
    let json =
        |part: &[u8]| text(&decode(part)?).filter(|t| t.starts_with('{') && t.ends_with('}'));
    Some([json(header)?, json(claims)?])
}

/// Whether `body` has a run of base64 characters that decodes to text: a value that is
/// inspected decoded ([`decoded_text`]; its `=` padding is optional, so the run without it
/// decodes the same), so a body otherwise plain must still be read value by value.
pub fn has_candidate(body: &[u8]) -> bool {
    // A run of [`MIN_SHORT_LEN`] (8) holds a whole aligned block of [`BLOCK`] bytes (a run of
    // 2 * BLOCK - 1 always does): only around blocks all of the alphabet is a run looked for,
    // from the block's start back and from its end on, and decoded if long enough. Each run is
    // looked at once.
    const BLOCK: usize = 4;
    const _: () = assert!(MIN_SHORT_LEN >= 2 * BLOCK - 1);
    let mut searched_to = 0;
    for (n, block) in body.chunks_exact(BLOCK).enumerate() {
        let at = n * BLOCK;
        if at < searched_to || !block.iter().all(|b| is_alphabet(*b)) {
            continue;
        }
        let before = body.get(..at).unwrap_or_default();
        let start = at - before.iter().rev().take_while(|b| is_alphabet(**b)).count();
        let after = body.get(at..).unwrap_or_default();
        let end = at + after.iter().take_while(|b| is_alphabet(**b)).count();
        searched_to = end;
        if end - start >= MIN_SHORT_LEN
            && decoded_text(body.get(start..end).unwrap_or_default()).is_some()
        {
            return true;
        }
    }
    false
}

/// The base64 and base64url alphabets, by byte.
const ALPHABET: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte: u8 = 0;
    let mut rest: &mut [bool] = &mut table;
    while let [slot, tail @ ..] = rest {
        *slot = byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'/' | b'-' | b'_');
        byte = byte.wrapping_add(1);
        rest = tail;
    }
    table
};

fn is_alphabet(b: u8) -> bool {
    ALPHABET.get(usize::from(b)).copied().unwrap_or(false)
}

fn sextet(b: u8) -> Option<u32> {
    Some(u32::from(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    }))
}

/// Strict decoding: one alphabet, padding only at the end and only to a multiple of four,
/// the unused bits zero.
fn decode(value: &[u8]) -> Option<Vec<u8>> {
    let body_len = value.iter().rposition(|b| *b != b'=').map_or(0, |p| p + 1);
    let (body, padding) = value.split_at(body_len);
    if padding.len() > 2 || (!padding.is_empty() && value.len() % 4 != 0) || body.len() % 4 == 1 {
        return None;
    }
    let standard = body.iter().any(|b| matches!(b, b'+' | b'/'));
    let url_safe = body.iter().any(|b| matches!(b, b'-' | b'_'));
    if standard && url_safe {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.chunks(4) {
        let mut acc = 0u32;
        for (i, &b) in chunk.iter().enumerate() {
            acc |= sextet(b)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        let (used, unused_mask) = match chunk.len() {
            4 => (3, 0),
            3 => (2, 0xff),
            _ => (1, 0xffff),
        };
        if acc & unused_mask != 0 {
            return None;
        }
        out.extend_from_slice(bytes.get(1..1 + used)?);
    }
    Some(out)
}

/// `bytes` as text, if they are text ([module docs](self)).
fn text(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut printable = 0usize;
    for c in text.chars() {
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
            return None;
        }
        if c.is_ascii_graphic() || c == ' ' {
            printable += 1;
        }
    }
    (printable * 4 >= text.chars().count() * 3 && printable > 0).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_in_either_alphabet() {
        // `<script>alert(1)</script>`, padded, unpadded, URL-safe, percent-escaped padding.
        assert_eq!(
            decoded_text(b"PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==").as_deref(),
            Some("<script>alert(1)</script>")
        );
        assert_eq!(
            decoded_text(b"PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg").as_deref(),
            Some("<script>alert(1)</script>")
        );
        assert_eq!(
            decoded_text(b"PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg%3D%3D").as_deref(),
            Some("<script>alert(1)</script>")
        );
        // `' or 1=1-- ?>>` has `+`/`/` in standard base64 and `-`/`_` in URL-safe.
        assert_eq!(
            decoded_text(b"JyBvciAxPTEtLSA/Pj4=").as_deref(),
            Some("' or 1=1-- ?>>")
        );
        assert_eq!(
            decoded_text(b"JyBvciAxPTEtLSA_Pj4").as_deref(),
            Some("' or 1=1-- ?>>")
        );
        assert_eq!(
            decoded_text(b"dW5lIGNyw6htZSBicsO7bMOpZSwgcydpbCB2b3VzIHBsYcOudA==").as_deref(),
            Some("une crème brûlée, s'il vous plaît")
        );
    }

    #[test]
    fn not_text_or_not_clean() {
        for value in [
            // Too short, or not base64 at all.
            &b"fCBpZA"[..],
            b"curl up with a good book",
            // Ids, hashes and random keys: base64 alphabet, not text.
            b"9428e78841abcdef0123",
            b"d41d8cd98f00b204e9800998ecf8427e",
            b"550e8400-e29b-41d4-a716-446655440000",
            b"internationalization",
            b"Xk3b9QpL2mZr7TvY1sWc",
            b"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
            // Mixed alphabets, misplaced or excess padding, non-zero unused bits.
            b"JyBvciAxPTEtLSA/Pj4_",
            b"JyBvciAx=PTEtLSA/Pj4=",
            b"JyBvciAxPTEtLSA/Pj4===",
            b"PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Ph",
        ] {
            assert_eq!(
                decoded_text(value),
                None,
                "{}",
                String::from_utf8_lossy(value)
            );
        }
    }

    #[test]
    fn short_text_with_an_encoders_marks() {
        for (value, text) in [
            (&b"fCBpZA=="[..], "| id"),
            (b"JCh3aG9hbWkp", "$(whoami)"),
            (b"O2lkOw==", ";id;"),
            (b"YWRtaW4nLS0=", "admin'--"),
            (b"YHNsZWVwIDVg", "`sleep 5`"),
        ] {
            assert_eq!(decoded_text(value).as_deref(), Some(text));
        }
        // Words, ids, and short text with no syntax: not read.
        for value in [
            &b"username"[..],
            b"Customer",
            b"Password",
            b"aGVsbG8=",
            b"c2xlZXAgNQ==",
            b"12345678",
            b"2024-01-01",
        ] {
            assert_eq!(
                decoded_text(value),
                None,
                "{}",
                String::from_utf8_lossy(value)
            );
        }
    }

    #[test]
    fn random_bytes_rarely_read_as_text() {
        // 2,000 pseudo-random 24-byte values, encoded: none reads as text.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut texts = 0;
        for _ in 0..2_000 {
            let mut value = Vec::new();
            for _ in 0..32 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                value.push(alphabet[(x % 64) as usize]);
            }
            texts += usize::from(decoded_text(&value).is_some());
        }
        assert_eq!(texts, 0);
    }

    #[test]
    fn json_web_tokens() {
        let token = b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        assert_eq!(
            jwt_parts(token),
            Some([
                r#"{"alg":"HS256","typ":"JWT"}"#.to_string(),
                r#"{"sub":"1234567890","name":"John Doe","iat":1516239022}"#.to_string()
            ])
        );
        assert_eq!(jwt_parts(b"a.b.c"), None);
        assert_eq!(jwt_parts(b"www.example.com"), None);
    }

    /// [`decoded_text`] without its look at the first bytes: the same answers.
    #[test]
    fn the_first_bytes_decide_nothing_the_whole_would_not() {
        const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let encode = |bytes: &[u8]| -> Vec<u8> {
            let mut out = Vec::new();
            for chunk in bytes.chunks(3) {
                let mut acc = 0u32;
                for (i, b) in chunk.iter().enumerate() {
                    acc |= u32::from(*b) << (16 - 8 * i);
                }
                for i in 0..=chunk.len() {
                    out.push(ALPHA[(acc >> (18 - 6 * i) & 63) as usize]);
                }
            }
            out
        };
        let pieces: [&[u8]; 10] = [
            b"a",
            b"Z",
            b" ",
            b"\n",
            b"\x01",
            b"\x7f",
            "\u{e9}".as_bytes(),
            "\u{6771}".as_bytes(),
            b"\xff",
            b"\x80",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..50_000 {
            let mut bytes = Vec::new();
            while bytes.len() < 12 + (seed % 30) as usize {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                bytes.extend_from_slice(pieces[(seed % 10) as usize]);
            }
            let encoded = encode(&bytes);
            let whole = decode(&encoded).and_then(|d| text(&d));
            assert_eq!(decoded_text(&encoded), whole, "{bytes:?}");
        }
    }

    /// The block walk finds what splitting the body into runs of the alphabet finds.
    #[test]
    fn candidates_as_every_run_would_find_them() {
        let naive = |body: &[u8]| {
            body.split(|b| !is_alphabet(*b))
                .any(|run| run.len() >= MIN_SHORT_LEN && decoded_text(run).is_some())
        };
        let pieces: [&[u8]; 8] = [
            b"fCBpZA==",
            b"JChpZCk",
            b"SGVsbG8gd29ybGQh",
            b"words",
            b" ",
            b"\",\"",
            b"customer",
            b"YWRtaW4nLS0",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut body = Vec::new();
            for _ in 0..6 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let piece = pieces[(seed % pieces.len() as u64) as usize];
                body.extend_from_slice(piece);
                if seed & 0x100 != 0 {
                    body.push(b' ');
                }
            }
            assert_eq!(
                has_candidate(&body),
                naive(&body),
                "{}",
                String::from_utf8_lossy(&body)
            );
        }
    }

    #[test]
    fn candidates_in_a_body() {
        assert!(has_candidate(
            br#"{"q":"PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg"}"#
        ));
        assert!(!has_candidate(
            br#"{"name":"Ada Lovelace","city":"London"}"#
        ));
        assert!(has_candidate(b"PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg"));
        assert!(!has_candidate(b"0123456789abcdef0123456789abcdef"));
        assert!(!has_candidate(b"field1=some+ordinary+text+value+1&"));
        // Every alignment of a run, alone and among words.
        let run = b"PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg";
        for pad in 0..9 {
            let mut body = b"words, and ".repeat(pad);
            body.extend_from_slice(run);
            body.extend_from_slice(b" more words");
            assert!(has_candidate(&body), "{pad}");
        }
        // The shortest run at every offset in a block.
        let short = b"SGVsbG8gd29ybGQh";
        assert!(decoded_text(short).is_some());
        for pad in 0..9 {
            let mut body = vec![b' '; pad];
            body.extend_from_slice(short);
            assert!(has_candidate(&body), "{pad}");
            assert!(!has_candidate(&body[..body.len() - 1]), "{pad}");
        }
    }
}
