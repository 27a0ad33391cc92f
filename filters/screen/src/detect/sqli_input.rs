//! What libinjection's SQL tokenizer is given: the decoded value, except for words it would
//! read in time that grows with the square of their length.
//!
//! At each `.` or `` ` `` inside a word, the tokenizer looks up the word so far as a keyword
//! (`select.1` is `select`, then `.1`). libinjection's C code compares in place; the Rust port
//! (`libinjectionrs` 0.1.1) validates and upper-cases a copy of that prefix first, so a word
//! of many dots costs its length times its dots: a 64 KiB run of `.$` was half a second of CPU
//! per value natively, and more in the VM. No keyword is longer than a few dozen bytes, so such
//! a word is one bareword whatever its dots; [`for_tokenizer`] hands the tokenizer the word `x`
//! in its place, which reads as the same bareword. The value's other rules read it unchanged.

use std::borrow::Cow;

/// A word longer than this with more than [`MOST_DOTS`] dots or backticks is replaced.
const LONGEST_WORD: usize = 64;

/// Dots or backticks a long word may have and still be given as it is.
const MOST_DOTS: usize = 8;

/// The bytes libinjection's tokenizer ends a word at (its `parse_word`, as in the C code).
fn ends_word(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'['
            | b']'
            | b'{'
            | b'}'
            | b'<'
            | b'>'
            | b':'
            | b'\\'
            | b'?'
            | b'='
            | b'@'
            | b'!'
            | b'#'
            | b'~'
            | b'+'
            | b'-'
            | b'*'
            | b'/'
            | b'&'
            | b'|'
            | b'^'
            | b'%'
            | b'('
            | b')'
            | b','
            | b';'
            | b'\''
            | b'\t'
            | b'\n'
            | 0x0b
            | 0x0c
            | b'\r'
            | b'"'
            | 0xa0
            | 0
    )
}

/// `decoded` with every word (a run of bytes the tokenizer does not end a word at) longer
/// than [`LONGEST_WORD`] that holds more than [`MOST_DOTS`] dots or backticks replaced by
/// `x`; borrowed when there is none, as in every ordinary value.
pub(crate) fn for_tokenizer(decoded: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut start = 0;
    while start < decoded.len() {
        let len = decoded
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| !ends_word(b))
            .count();
        let word = decoded.get(start..start + len).unwrap_or_default();
        let long_and_dotted = len > LONGEST_WORD
            && word.iter().filter(|&&b| b == b'.' || b == b'`').count() > MOST_DOTS;
        if long_and_dotted {
            let out = out.get_or_insert_with(|| decoded.get(..start).unwrap_or_default().to_vec());
            out.push(b'x');
        } else if let Some(out) = out.as_mut() {
            out.extend_from_slice(word);
        }
        // The byte that ended the word, as it is.
        if let (Some(out), Some(&end)) = (out.as_mut(), decoded.get(start + len)) {
            out.push(end);
        }
        start += len + 1;
    }
    match out {
        Some(v) => Cow::Owned(v),
        None => Cow::Borrowed(decoded),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_values_are_given_as_they_are() {
        for v in [
            "",
            "' or 1=1--",
            "www.example.co.uk",
            "org.apache.commons.lang3.builder.ToStringBuilder",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "1.3.6.1.4.1.2021",
            "select.1",
        ] {
            assert!(
                matches!(for_tokenizer(v.as_bytes()), Cow::Borrowed(_)),
                "{v}"
            );
        }
    }

    #[test]
    fn a_long_word_of_many_dots_becomes_one_word() {
        let run = ".$".repeat(40);
        let v = format!("{run}' or 1=1-- {run}");
        assert_eq!(
            for_tokenizer(v.as_bytes()).as_ref(),
            b"x' or 1=1-- x".as_slice()
        );
        let ticks = format!("a=`{}`", "b`".repeat(40));
        assert_eq!(for_tokenizer(ticks.as_bytes()).as_ref(), b"a=x".as_slice());
    }

    #[test]
    fn a_long_word_with_few_dots_is_kept() {
        let v = format!("{}.{}", "a".repeat(100), "b".repeat(100));
        assert_eq!(for_tokenizer(v.as_bytes()).as_ref(), v.as_bytes());
    }

    #[test]
    fn the_injection_around_the_word_is_still_found() {
        let v = format!("{}' union select password from users--", "a.".repeat(100));
        assert!(crate::detect::sqli::libinjection_sqli(v.as_bytes()));
    }
}
