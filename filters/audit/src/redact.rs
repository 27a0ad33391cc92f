//! Redaction: what an audit event may say about a request's path, query and free text.
//!
//! Events carry no request headers apart from the user agent, so `Authorization`, `Cookie`,
//! `Set-Cookie` and API-key headers cannot reach them at all. What remains to redact is the
//! query string (tokens travel there: `?access_token=…`) and free text that may hold personal
//! data: e-mail addresses and card numbers, masked wherever they appear.

use crate::policy::Redaction;
use pavise_core::path::{form_decode, path_only, query_of};

/// The replacement for a redacted query value.
pub const REDACTED: &str = "[REDACTED]";

/// Whether the value of query parameter `name` is redacted under `rules`.
pub fn is_secret_param(name: &str, rules: &Redaction) -> bool {
    rules.redacts_query_param(name)
}

/// The request path for an event: the path as sent, and each query parameter with its value
/// redacted when secret, or with personal data masked.
pub fn redact_path(raw: &str, rules: &Redaction) -> String {
    let path = mask_text(path_only(raw), rules);
    let Some(query) = query_of(raw) else {
        return path;
    };
    let params: Vec<String> = query
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decoded_name = String::from_utf8_lossy(&form_decode(name)).into_owned();
            if pair.is_empty() || !pair.contains('=') {
                return mask_text(pair, rules);
            }
            if is_secret_param(&decoded_name, rules) {
                return format!("{}={REDACTED}", mask_text(name, rules));
            }
            let decoded = String::from_utf8_lossy(&form_decode(value)).into_owned();
            let masked = mask_text(&decoded, rules);
            if masked == decoded {
                format!("{name}={value}")
            } else {
                format!("{name}={}", encode_query_value(&masked))
            }
        })
        .collect();
    format!("{path}?{}", params.join("&"))
}

/// Percent-encodes what would break a query value apart, keeping the mask markers readable.
fn encode_query_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~[]@:/,".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Free text with e-mail addresses and card numbers masked as `rules` ask.
pub fn mask_text(text: &str, rules: &Redaction) -> String {
    let mut out = text.to_string();
    // Each mask runs on every audited request's path and User-Agent; most have neither an
    // `@` (or `%40`) nor 13 digits, and then there is nothing the mask could change.
    if rules.mask_emails && text.bytes().any(|b| b == b'@' || b == b'%') {
        out = mask_emails(&out);
    }
    if rules.mask_card_numbers && text.bytes().filter(u8::is_ascii_digit).count() >= 13 {
        out = mask_card_numbers(&out);
    }
    out
}

fn is_local_part_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._%+-".contains(&b)
}

fn is_domain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
}

/// Replaces `local@domain.tld` (also written `local%40domain.tld`) with `[EMAIL]`.
pub fn mask_emails(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let at_len = if bytes.get(i) == Some(&b'@') {
            1
        } else if bytes
            .get(i..i + 3)
            .is_some_and(|s| s.eq_ignore_ascii_case(b"%40"))
        {
            3
        } else {
            0
        };
        if at_len == 0 {
            i += 1;
            continue;
        }
        let start = (copied..i)
            .rev()
            .take_while(|j| bytes.get(*j).copied().is_some_and(is_local_part_byte))
            .last();
        let domain_start = i + at_len;
        let mut end = domain_start;
        while bytes.get(end).copied().is_some_and(is_domain_byte) {
            end += 1;
        }
        // A domain ends in a letter label after at least one dot.
        while end > domain_start && bytes.get(end - 1).is_some_and(|b| *b == b'.' || *b == b'-') {
            end -= 1;
        }
        let domain = text.get(domain_start..end).unwrap_or_default();
        let valid_domain = domain.contains('.')
            && domain
                .rsplit('.')
                .next()
                .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
        match start {
            Some(start) if valid_domain => {
                out.push_str(text.get(copied..start).unwrap_or_default());
                out.push_str("[EMAIL]");
                copied = end;
                i = end;
            }
            _ => i += at_len,
        }
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    out
}

/// Replaces card numbers (13 to 19 digits, optionally grouped by single spaces or dashes,
/// passing the Luhn check) with `[CARD]`. Longer digit runs are left alone: they are not
/// card numbers, and masking part of them would suggest they were.
pub fn mask_card_numbers(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let starts_run = bytes.get(i).is_some_and(u8::is_ascii_digit)
            && (i == 0 || !bytes.get(i - 1).is_some_and(u8::is_ascii_alphanumeric));
        if !starts_run {
            i += 1;
            continue;
        }
        let mut digits = Vec::new();
        let mut j = i;
        let mut last_digit_end = i;
        while let Some(&b) = bytes.get(j) {
            if b.is_ascii_digit() {
                digits.push(b - b'0');
                j += 1;
                last_digit_end = j;
            } else if (b == b' ' || b == b'-')
                && bytes.get(j + 1).is_some_and(u8::is_ascii_digit)
                && bytes.get(j.wrapping_sub(1)).is_some_and(u8::is_ascii_digit)
            {
                j += 1;
            } else {
                break;
            }
        }
        let ends_run = !bytes
            .get(last_digit_end)
            .is_some_and(u8::is_ascii_alphanumeric);
        if ends_run && (13..=19).contains(&digits.len()) && luhn_valid(&digits) {
            out.push_str(text.get(copied..i).unwrap_or_default());
            out.push_str("[CARD]");
            copied = last_digit_end;
        }
        i = last_digit_end.max(i + 1);
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    out
}

/// The Luhn checksum over decimal digits (most significant first).
pub fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(*d);
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Redaction {
        Redaction::default()
    }

    #[test]
    fn secret_query_values_are_redacted() {
        assert_eq!(
            redact_path("/a?access_token=abc&page=2&api_key=k&Password=p", &rules()),
            "/a?access_token=[REDACTED]&page=2&api_key=[REDACTED]&Password=[REDACTED]"
        );
        assert_eq!(
            redact_path("/a?sig=x&design=y&code=c&pin=1", &rules()),
            "/a?sig=[REDACTED]&design=y&code=[REDACTED]&pin=[REDACTED]"
        );
        // Encoded names are recognised.
        assert_eq!(
            redact_path("/a?api%5Fkey=k&x=1", &rules()),
            "/a?api%5Fkey=[REDACTED]&x=1"
        );
    }

    #[test]
    fn policy_lists_and_all_values() {
        let mut r = rules();
        r.query_params = vec!["Account".into()];
        assert_eq!(
            redact_path("/a?account=42&b=1", &r),
            "/a?account=[REDACTED]&b=1"
        );
        r.all_query_values = true;
        assert_eq!(
            redact_path("/a?b=1&c=&flag", &r),
            "/a?b=[REDACTED]&c=[REDACTED]&flag"
        );
    }

    #[test]
    fn paths_without_query_are_kept() {
        assert_eq!(redact_path("/a/b", &rules()), "/a/b");
        assert_eq!(redact_path("/a?", &rules()), "/a?");
    }

    #[test]
    fn emails_are_masked_in_query_path_and_text() {
        assert_eq!(
            redact_path(
                "/users/jane.doe@example.com?to=bob%40mail.example.org&n=1",
                &rules()
            ),
            "/users/[EMAIL]?to=[EMAIL]&n=1"
        );
        assert_eq!(mask_emails("mail a+b@x.io now"), "mail [EMAIL] now");
        assert_eq!(mask_emails("user@localhost"), "user@localhost");
        assert_eq!(mask_emails("@example.com"), "@example.com");
        assert_eq!(mask_emails("a@b.c"), "a@b.c", "one-letter TLD");
        assert_eq!(mask_emails("x@example.com."), "[EMAIL].");
        assert_eq!(mask_emails("é@ü"), "é@ü");
    }

    #[test]
    fn card_numbers_need_the_luhn_check() {
        assert_eq!(
            mask_card_numbers("card 4111111111111111 ok"),
            "card [CARD] ok"
        );
        assert_eq!(mask_card_numbers("4111 1111 1111 1111"), "[CARD]");
        assert_eq!(mask_card_numbers("4111-1111-1111-1111;"), "[CARD];");
        assert_eq!(
            mask_card_numbers("4111111111111112"),
            "4111111111111112",
            "fails Luhn"
        );
        assert_eq!(mask_card_numbers("order 12345"), "order 12345");
        assert_eq!(
            mask_card_numbers("41111111111111110000000"),
            "41111111111111110000000",
            "too long"
        );
        assert_eq!(
            mask_card_numbers("id4111111111111111"),
            "id4111111111111111"
        );
        assert_eq!(
            mask_card_numbers("4111  1111 1111 1111"),
            "4111  1111 1111 1111"
        );
        assert_eq!(
            redact_path("/pay?card=4111+1111+1111+1111&amount=5", &rules()),
            "/pay?card=[CARD]&amount=5"
        );
    }

    #[test]
    fn luhn() {
        assert!(luhn_valid(&[
            4, 5, 3, 9, 1, 4, 8, 8, 0, 3, 4, 3, 6, 4, 6, 7
        ]));
        assert!(!luhn_valid(&[1, 2, 3, 4]));
        assert!(luhn_valid(&[]));
    }

    #[test]
    fn masks_can_be_turned_off() {
        let mut r = rules();
        r.mask_emails = false;
        r.mask_card_numbers = false;
        assert_eq!(
            mask_text("a@example.com 4111111111111111", &r),
            "a@example.com 4111111111111111"
        );
    }

    /// The masks are skipped only where they could not change anything.
    #[test]
    fn mask_text_edges_of_the_quick_checks() {
        let r = rules();
        let ua = "Mozilla/5.0 (X11; Linux x86_64) Build/2024.11.23-1";
        assert_eq!(mask_text(ua, &r), ua);
        assert_eq!(mask_text("to jane%40example.com", &r), "to [EMAIL]");
        // Thirteen digits, the shortest card number, split by separators.
        assert_eq!(mask_text("card 4222-2222-22222", &r), "card [CARD]");
        assert_eq!(mask_text("card 4222-2222-2222", &r), "card 4222-2222-2222");
    }
}
