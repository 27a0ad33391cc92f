//! A second look at the few libinjection fingerprints that prose produces.
//!
//! libinjection reduces a value to a short token fingerprint and looks it up in a list. A few
//! of the shortest entries are also what ordinary text reduces to: product descriptions,
//! quoted words, generated ids. libinjection's own `false_positives.txt` lists such text
//! (`80% ACRYLIC AND 20% WOOL`, `CHRISTMAS STOCKING "NOT" STUFFER`, `1611-IioXXIG1ti8rspL2vbXFy--`).
//! For those fingerprints only, [`confirmed`] checks the text for what the injection needs
//! besides the tokens; every other fingerprint is taken as libinjection gives it.
//!
//! - `sos`, `s&s` (string, operator, string) found only by reading the value as if it started
//!   inside a **double-quoted** string: prose quotes words (`"NOT"`, `"&"`, `"LIKE"`), and a
//!   quotation opens after a blank or at the start. An injection closes the value it is in, so
//!   its first `"` follows the value itself (`1"OR!"0`, `aa" =+ - "0`): a letter or digit, with
//!   no blank before it (a value, not a sentence). Single quotes are left to libinjection: SQL
//!   strings use them, and `A 'AND' B` is a real injection shape.
//! - `1&1` (number, AND/OR, number): prose joins quantities (`35% COTTON AND 65% POLYESTER`). A
//!   boolean injection compares (`1 and 1=1`, `-1 or 1>1`), hides words in comments
//!   (`9999 or /* hint */ true`) or uses nothing but SQL words (`1 or true`).
//! - `1c` (number, comment): an injection ends a number and comments out the rest (`1--`,
//!   `1 * 1/*`); generated ids and lists (`1611-IioXXIG1ti8rspL2vbXFy--`, `1,1--`) have words or
//!   commas before the dashes. What comes before the comment must be arithmetic on numbers.
//! - `1)o1` (number, `)`, operator, number): a phone number with its area code in parentheses
//!   (`(0115)-337159`, `+44 (20) 7946-0958`) reduces to it. An injection closes a parenthesis
//!   the query opened (`1)-1`, `1)*(1`); a phone number opens each parenthesis it closes and
//!   has nothing but digits, dashes, dots and blanks (and a leading `+`).
//!
//! Whatever the fingerprint, [`prose`] reads the rest of the value for what makes a match
//! prose or a generated secret rather than SQL.

mod prose;

use super::libinjection::Match;
use super::words::word_list;

/// Whether libinjection's match `m` on `decoded` is an injection: `true` for every
/// fingerprint this module does not know, unless the value reads as prose ([`prose`]).
pub fn confirmed(decoded: &[u8], m: &Match) -> bool {
    let by_fingerprint = match m.fingerprint() {
        // libinjection tries a value as it is, then as if it followed a `'`, then as if it
        // followed a `"`: only the last of these found this one.
        "sos" | "s&s" => m.quote() != Some(b'"') || value_closed_by_double_quote(decoded),
        "1&1" => boolean_test_of_numbers(decoded),
        "1c" => arithmetic_before_comment(decoded),
        "1)o1" => !phone_number(decoded),
        _ => true,
    };
    by_fingerprint && !prose::prose(decoded, m)
}

/// The first `"` right after a letter or digit, with no blank before it: `1"OR!"0`, not
/// `STOCKING "NOT"`, `"IS" STAMP`, `Q="MOD"` or `'countdown calendar" and "disney:`.
fn value_closed_by_double_quote(decoded: &[u8]) -> bool {
    let Some(quote) = decoded.iter().position(|b| *b == b'"') else {
        return true;
    };
    let before = decoded.get(..quote).unwrap_or_default();
    before.last().is_some_and(u8::is_ascii_alphanumeric)
        && !before.iter().any(u8::is_ascii_whitespace)
}

word_list! {
    /// SQL words a numeric boolean test may consist of besides numbers and operators.
    TEST_WORDS = "sql-boolean-test-words"
}

/// `1 and 1=1`, `9999 or /* hint */ true`, `1 or true`; not `80% ACRYLIC AND 20% WOOL`.
fn boolean_test_of_numbers(decoded: &[u8]) -> bool {
    let has = |needles: &[&[u8]]| {
        needles
            .iter()
            .any(|n| decoded.windows(n.len()).any(|w| w == *n))
    };
    if decoded
        .iter()
        .any(|b| matches!(b, b'=' | b'<' | b'>' | b'!'))
        || has(&[b"--", b"#", b"/*"])
    {
        return true;
    }
    decoded
        .split(|b| !b.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .all(|w| {
            TEST_WORDS
                .iter()
                .any(|t| t.as_bytes().eq_ignore_ascii_case(w))
        })
}

/// `1--`, `1 * 1/*`, `417652--`, `0x1f #`: only numbers and operators before the first comment.
fn arithmetic_before_comment(decoded: &[u8]) -> bool {
    let end = [&b"--"[..], b"/*", b"#"]
        .iter()
        .filter_map(|c| decoded.windows(c.len()).position(|w| w == *c))
        .min()
        .unwrap_or(decoded.len());
    let head = decoded.get(..end).unwrap_or_default();
    let operators_only = head.iter().all(|b| {
        b.is_ascii_alphanumeric()
            || b.is_ascii_whitespace()
            || matches!(
                b,
                b'.' | b'+'
                    | b'-'
                    | b'*'
                    | b'/'
                    | b'%'
                    | b'!'
                    | b'='
                    | b'<'
                    | b'>'
                    | b'('
                    | b')'
                    | b'~'
                    | b'^'
                    | b'|'
                    | b'&'
            )
    });
    let numbers_only = head
        .split(|b| !b.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .all(|t| {
            t.iter().all(u8::is_ascii_digit)
                || (t.len() > 2
                    && t.get(..2).is_some_and(|p| p.eq_ignore_ascii_case(b"0x"))
                    && t.get(2..)
                        .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)))
        });
    operators_only && numbers_only
}

/// `(0115)-337159`, `(095) 865-4157`, `+49 (0)30-1234.567`: digits, dashes, dots and blanks, a
/// `+` only first, and parentheses the value itself opens (never nested, never empty); not
/// `1)-1`, which closes a parenthesis of the query.
fn phone_number(decoded: &[u8]) -> bool {
    let mut open = false;
    let mut digits_inside = 0;
    for (i, b) in decoded.iter().enumerate() {
        match b {
            b'+' if i == 0 => {}
            b'0'..=b'9' => digits_inside += 1,
            b'-' | b'.' | b' ' => {}
            b'(' if !open => {
                open = true;
                digits_inside = 0;
            }
            b')' if open && digits_inside > 0 => open = false,
            _ => return false,
        }
    }
    !open && decoded.iter().any(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each pair: what libinjection flags, and whether it is an injection.
    fn check(cases: &[(&str, &str, bool)]) {
        for (v, fp, attack) in cases {
            let m = crate::detect::libinjection::matched(v.as_bytes());
            let m = m.unwrap_or_else(|| panic!("{v} is not flagged by libinjection"));
            assert_eq!(m.fingerprint(), *fp, "{v}");
            assert_eq!(confirmed(v.as_bytes(), &m), *attack, "{v}");
        }
    }

    #[test]
    fn quoted_words_in_prose_are_not_injections() {
        check(&[
            ("CHRISTMAS STOCKING \"NOT\" STUFFER", "sos", false),
            ("SMALL \"&\" SIGN", "sos", false),
            ("\"LIKE\" STAMP", "sos", false),
            ("Q=\"MOD\"&VIEW_TYPE=GALLERY", "sos", false),
            ("'countdown calendar\" and \"disney:", "s&s", false),
            ("a tag \"or\" a title", "s&s", false),
        ]);
    }

    #[test]
    fn a_value_closed_by_a_quote_is_an_injection() {
        check(&[
            ("1\"OR!\"0", "s&s", true),
            ("asd\"or-1 XOR\"0", "s&s", true),
            ("aa\" =+ - \"0", "sos", true),
            // Single quotes stay libinjection's call.
            ("A 'AND' B", "s&s", true),
            ("' = '", "sos", true),
            ("foo' OR 'BAR", "s&s", true),
        ]);
    }

    #[test]
    fn quantities_in_prose_are_not_boolean_tests() {
        check(&[
            ("80% ACRYLIC AND 20% WOOL", "1&1", false),
            ("35% COTTON AND 65% POLYESTER.", "1&1", false),
            ("1 and 1=1", "1&1", true),
            ("-1 OR 1>1", "1&1", true),
            ("9999 or /* +optimizer hint */ true", "1&1", true),
            ("1 AND 1 SOUNDS LIKE 1", "1&1", true),
            ("1#PTTmJopxdWJ\nAND#cWfcVRPV\n9227=9227", "1&1", true),
        ]);
    }

    #[test]
    fn ids_and_lists_before_dashes_are_not_comments() {
        check(&[
            ("1611-IioXXIG1ti8rspL2vbXFy--", "1c", false),
            ("1611/IioXXIG1ti8rspL2vbXFy--", "1c", false),
            ("1,1--", "1c", false),
            ("1--", "1c", true),
            ("417652--", "1c", true),
            ("1 * 1/*", "1c", true),
            ("1-- foo sp_password", "1c", true),
        ]);
    }

    #[test]
    fn phone_numbers_are_not_closed_parentheses() {
        check(&[
            ("(0115)-337159", "1)o1", false),
            ("(095)-8654157", "1)o1", false),
            ("(0334)-158995", "1)o1", false),
            ("1)-1", "1)o1", true),
            ("1)*1", "1)o1", true),
            ("1)=1", "1)o1", true),
            ("1)-0", "1)o1", true),
        ]);
        // Parentheses the value opens, digits and separators only.
        assert!(phone_number(b"+44 (20) 7946-0958"));
        assert!(!phone_number(b"1)-1"));
        assert!(!phone_number(b"(1)-1)"));
        assert!(!phone_number(b"((1))-1"));
        assert!(!phone_number(b"1+(1)-1"));
    }

    #[test]
    fn other_fingerprints_are_kept() {
        check(&[
            ("1' or '1'='1", "s&sos", true),
            ("1 union select 1--", "1UE1c", true),
        ]);
    }
}
