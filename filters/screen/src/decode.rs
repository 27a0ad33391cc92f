//! Normalisers: the decodings an attacker layers to slip a payload past a filter, undone before
//! any detector looks at a value.
//!
//! A value is decoded the way the application behind the proxy may decode it, repeatedly:
//! percent-escapes (also double-encoded, `%252e`), `%uXXXX`, overlong UTF-8 sequences (`%c0%ae`
//! for `.`), HTML character references, and `+` for space in form data. Every step is bounded:
//! at most [`MAX_ROUNDS`] rounds, and output never longer than the input.

/// Most decoding rounds applied to one value: enough for triple encoding, bounded so a
/// crafted value cannot make screening expensive.
pub const MAX_ROUNDS: usize = 3;

/// Most further rounds of character references alone, for a value that after [`MAX_ROUNDS`]
/// still holds an encoded `<` or `>`: markup entity-encoded again and again
/// (`&amp;amp;amp;lt;script`), as a page that escapes its output once more each time it is
/// saved and shown produces, and as attackers send to outlast a fixed number of rounds.
pub const MAX_MARKUP_ROUNDS: usize = 5;

use pavise_core::path::hex_value;

/// One round of percent-decoding (`%XX`, and IIS's `%uXXXX` for code points below 0x100).
/// Malformed escapes are kept as they are. With `plus_is_space`, `+` becomes a space.
pub fn percent_decode(input: &[u8], plus_is_space: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if b == b'+' && plus_is_space {
            out.push(b' ');
            i += 1;
            continue;
        }
        if b == b'%' {
            let hex = |k: usize| input.get(i + k).copied().and_then(hex_value);
            if let (Some(hi), Some(lo)) = (hex(1), hex(2)) {
                out.push(hi * 16 + lo);
                i += 3;
                continue;
            }
            if matches!(input.get(i + 1), Some(b'u' | b'U')) {
                if let (Some(a), Some(b2), Some(c), Some(d)) = (hex(2), hex(3), hex(4), hex(5)) {
                    if a == 0 && b2 == 0 {
                        out.push(c * 16 + d);
                        i += 6;
                        continue;
                    }
                }
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

/// Folds overlong UTF-8 encodings of ASCII (`C0 AE` for `.`, `E0 80 AF` for `/`) to the ASCII
/// byte. Strict decoders refuse them, but some servers did not, which is why they are an
/// evasion.
pub fn fold_overlong_utf8(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        let next = input.get(i + 1).copied().unwrap_or(0);
        let next2 = input.get(i + 2).copied().unwrap_or(0);
        let cont = |x: u8| x & 0xC0 == 0x80;
        if (b == 0xC0 || b == 0xC1) && cont(next) {
            out.push(((b & 0x01) << 6) | (next & 0x3F));
            i += 2;
        } else if b == 0xE0 && cont(next) && cont(next2) && next & 0x20 == 0 && next & 0x1E == 0 {
            out.push(((next & 0x01) << 6) | (next2 & 0x3F));
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    out
}

/// Decodes HTML character references: `&lt;` and the other common named ones, `&#60;`,
/// `&#x3c;` (the `;` optional, as browsers accept).
pub fn html_unescape(input: &[u8]) -> Vec<u8> {
    const NAMED: [(&[u8], u8); 11] = [
        (b"lt", b'<'),
        (b"gt", b'>'),
        (b"quot", b'"'),
        (b"apos", b'\''),
        (b"amp", b'&'),
        (b"colon", b':'),
        (b"lpar", b'('),
        (b"rpar", b')'),
        (b"sol", b'/'),
        (b"tab", b'\t'),
        (b"newline", b'\n'),
    ];
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if b != b'&' {
            out.push(b);
            i += 1;
            continue;
        }
        let rest = input.get(i + 1..).unwrap_or_default();
        if let Some((value, used)) = numeric_reference(rest) {
            out.push(value);
            i += 1 + used;
            continue;
        }
        let named = NAMED.iter().find(|(name, _)| {
            rest.len() >= name.len()
                && rest
                    .get(..name.len())
                    .is_some_and(|r| r.eq_ignore_ascii_case(name))
        });
        match named {
            Some((name, value)) => {
                out.push(*value);
                let semicolon = usize::from(rest.get(name.len()) == Some(&b';'));
                i += 1 + name.len() + semicolon;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// `#60;`, `#x3c;` (after the `&`): the ASCII byte and the bytes consumed.
fn numeric_reference(rest: &[u8]) -> Option<(u8, usize)> {
    let body = rest.strip_prefix(b"#")?;
    let (digits, radix, prefix) = match body.first() {
        Some(b'x' | b'X') => (body.get(1..)?, 16, 2),
        _ => (body, 10, 1),
    };
    let len = digits
        .iter()
        .take(8)
        .take_while(|d| {
            if radix == 16 {
                d.is_ascii_hexdigit()
            } else {
                d.is_ascii_digit()
            }
        })
        .count();
    if len == 0 {
        return None;
    }
    let text = std::str::from_utf8(digits.get(..len)?).ok()?;
    let value = u32::from_str_radix(text, radix).ok()?;
    let byte = u8::try_from(value).ok().filter(u8::is_ascii)?;
    let semicolon = usize::from(digits.get(len) == Some(&b';'));
    Some((byte, prefix + len + semicolon))
}

/// Folds fullwidth forms of ASCII (U+FF01 to U+FF5E, `＜script＞`) to ASCII: some back ends
/// normalise them (NFKC) after the proxy looked.
pub fn fold_fullwidth(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        // U+FF01..U+FF5E is EF BC 81..EF BC BF and EF BD 80..EF BD 9E in UTF-8.
        if b == 0xEF {
            match (input.get(i + 1), input.get(i + 2)) {
                (Some(0xBC), Some(&c)) if (0x81..=0xBF).contains(&c) => {
                    out.push(c - 0x81 + 0x21);
                    i += 3;
                    continue;
                }
                (Some(0xBD), Some(&c)) if (0x80..=0x9E).contains(&c) => {
                    out.push(c - 0x80 + 0x60);
                    i += 3;
                    continue;
                }
                _ => {}
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

/// [`decode_fully`], borrowing `input` where there is nothing to decode (most values: no
/// escape, entity, `+` or non-ASCII byte).
pub fn decoded(input: &[u8], plus_is_space: bool, html: bool) -> std::borrow::Cow<'_, [u8]> {
    if may_decode(input) {
        std::borrow::Cow::Owned(decode_fully(input, plus_is_space, html))
    } else {
        std::borrow::Cow::Borrowed(input)
    }
}

fn may_decode(input: &[u8]) -> bool {
    input
        .iter()
        .any(|b| matches!(b, b'%' | b'&' | b'+') || *b >= 0x80)
}

/// Every decoding applied until nothing changes (at most [`MAX_ROUNDS`] rounds): percent,
/// overlong UTF-8 and, with `html`, character references.
pub fn decode_fully(input: &[u8], plus_is_space: bool, html: bool) -> Vec<u8> {
    // Most values hold nothing to decode: no escape, entity, `+` or non-ASCII byte.
    if !may_decode(input) {
        return input.to_vec();
    }
    let mut current = input.to_vec();
    for round in 0..MAX_ROUNDS {
        let mut next = percent_decode(&current, plus_is_space && round == 0);
        next = fold_overlong_utf8(&next);
        next = fold_fullwidth(&next);
        if html {
            next = html_unescape(&next);
        }
        if next == current {
            return current;
        }
        current = next;
    }
    if html {
        for _ in 0..MAX_MARKUP_ROUNDS {
            if !has_encoded_angle_bracket(&current) {
                break;
            }
            current = html_unescape(&current);
        }
    }
    current
}

/// Whether `text` has a character reference to `<` or `>` (`&lt`, `&gt`, `&#60`, `&#x3c`, any
/// case), itself behind any number of encoded `&` (`&amp;lt;`, `&#38;amp;gt;`).
fn has_encoded_angle_bracket(text: &[u8]) -> bool {
    memchr::memchr_iter(b'&', text).any(|i| {
        let mut rest = text.get(i + 1..).unwrap_or_default();
        loop {
            let starts = |p: &[u8]| {
                rest.get(..p.len())
                    .is_some_and(|r| r.eq_ignore_ascii_case(p))
            };
            if starts(b"lt") || starts(b"gt") {
                return true;
            }
            let skip = if starts(b"amp;") {
                4
            } else {
                match numeric_reference(rest) {
                    Some((b'<' | b'>', _)) => return true,
                    Some((b'&', used)) => used,
                    _ => return false,
                }
            };
            rest = rest.get(skip..).unwrap_or_default();
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_and_plus() {
        assert_eq!(percent_decode(b"a%20b+c", true), b"a b c");
        assert_eq!(percent_decode(b"a%20b+c", false), b"a b+c");
        assert_eq!(percent_decode(b"%zz%4", false), b"%zz%4");
        assert_eq!(percent_decode(b"%u002e%u002E", false), b"..");
        assert_eq!(percent_decode(b"%u4e2d", false), b"%u4e2d");
    }

    #[test]
    fn double_and_triple_encoding() {
        assert_eq!(decode_fully(b"%252e%252e%252f", false, false), b"../");
        assert_eq!(decode_fully(b"%25252e", false, false), b".");
        // Bounded: a fourth layer stays encoded.
        assert_eq!(decode_fully(b"%2525252e", false, false), b"%2e");
    }

    #[test]
    fn overlong_utf8() {
        assert_eq!(decode_fully(b"%c0%ae%c0%ae%c0%af", false, false), b"../");
        assert_eq!(fold_overlong_utf8(&[0xE0, 0x80, 0xAF]), b"/");
        assert_eq!(fold_overlong_utf8("é/ü".as_bytes()), "é/ü".as_bytes());
    }

    #[test]
    fn fullwidth_forms() {
        assert_eq!(fold_fullwidth("＜script＞".as_bytes()), b"<script>");
        assert_eq!(fold_fullwidth("ａｂｃ～".as_bytes()), b"abc~");
        assert_eq!(
            decode_fully("%EF%BC%9Cscript".as_bytes(), false, false),
            b"<script"
        );
        assert_eq!(fold_fullwidth("é ü".as_bytes()), "é ü".as_bytes());
    }

    #[test]
    fn html_references() {
        assert_eq!(html_unescape(b"&lt;script&gt;"), b"<script>");
        assert_eq!(html_unescape(b"&#60;&#x3C;&#x3c"), b"<<<");
        assert_eq!(
            html_unescape(b"javascript&colon;alert&lpar;1&rpar;"),
            b"javascript:alert(1)"
        );
        assert_eq!(html_unescape(b"AT&T & more &#;"), b"AT&T & more &#;");
        assert_eq!(html_unescape(b"&#99999999;"), b"&#99999999;");
        assert_eq!(decode_fully(b"%26lt%3Bscript", false, true), b"<script");
    }

    #[test]
    fn markup_entity_layers() {
        let five = b"&amp;amp;amp;amp;lt;script&amp;amp;amp;amp;gt;";
        assert_eq!(decode_fully(five, false, true), b"<script>");
        assert_eq!(
            decode_fully(
                b"%2526amp%253Bamp%253Blt%253Bb%2526amp%253Bamp%253Bgt%253B",
                false,
                true
            ),
            b"<b>"
        );
        // Bounded: references past the last round stay as they are.
        let deep = format!("&{}lt;b", "amp;".repeat(12));
        assert!(decode_fully(deep.as_bytes(), false, true).starts_with(b"&amp;"));
        // Other text is not decoded further than before.
        assert_eq!(
            decode_fully(b"&amp;amp;amp;amp;copy;", false, true),
            b"&amp;copy;"
        );
        assert_eq!(
            decode_fully(b"&amp;amp;amp;amp;lt;", false, false),
            b"&amp;amp;amp;amp;lt;"
        );
    }

    #[test]
    fn never_longer() {
        for input in [&b"%%%%"[..], b"&&&;", b"\xc0", b"\xe0\x80", b"+%2"] {
            assert!(decode_fully(input, true, true).len() <= input.len());
        }
    }
}
