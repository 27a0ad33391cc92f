//! libinjection's SQL verdict, with the reading that reached it.
//!
//! `SqliState::detect` reads a value as it is (ANSI SQL, then MySQL when the value has a
//! comment only MySQL reads), then as if it followed a `'`, then as if it followed a `"`, and
//! answers only whether one of these readings matched. [`matched`] runs the same readings in
//! the same order and keeps the one that matched: its flags (so that a second look,
//! [`super::fingerprint`], reads the value's tokens as libinjection did) and its fingerprint.
//! The rules that read SQL tokens in context share its tokenizer through [`tokens`], and its
//! keyword list through [`plain_word`] and [`keyword_pair`].

use libinjectionrs::sqli::sqli_data::lookup_word;
use libinjectionrs::sqli::{SqliTokenizer, Token, TokenType};
use libinjectionrs::{SqliFlags, SqliState};

/// The reading of a value that libinjection took for an injection.
#[derive(Debug, Clone, Copy)]
pub struct Match {
    /// The quote context and SQL dialect of the reading.
    pub flags: SqliFlags,
    fingerprint: [u8; 8],
}

impl Match {
    /// The token fingerprint (`s&sos`, `1UE1c`, …).
    pub fn fingerprint(&self) -> &str {
        let len = self
            .fingerprint
            .iter()
            .position(|b| *b == 0)
            .unwrap_or(self.fingerprint.len());
        self.fingerprint
            .get(..len)
            .and_then(|f| std::str::from_utf8(f).ok())
            .unwrap_or_default()
    }

    /// The quote the reading assumed the value starts inside (`'` or `"`), if any.
    pub fn quote(&self) -> Option<u8> {
        Some(self.flags.quote_context()).filter(|q| *q != 0)
    }
}

/// The first of libinjection's readings of `input` that it takes for an injection, in
/// `SqliState::detect`'s order; `None` when `detect` says no.
pub fn matched(input: &[u8]) -> Option<Match> {
    if input.is_empty() {
        return None;
    }
    let none_ansi = SqliFlags::FLAG_QUOTE_NONE | SqliFlags::FLAG_SQL_ANSI;
    let none_mysql = SqliFlags::FLAG_QUOTE_NONE | SqliFlags::FLAG_SQL_MYSQL;
    let single_ansi = SqliFlags::FLAG_QUOTE_SINGLE | SqliFlags::FLAG_SQL_ANSI;
    let single_mysql = SqliFlags::FLAG_QUOTE_SINGLE | SqliFlags::FLAG_SQL_MYSQL;
    let double_mysql = SqliFlags::FLAG_QUOTE_DOUBLE | SqliFlags::FLAG_SQL_MYSQL;
    // Each reading: whether it matched, and whether a MySQL-only comment (`#`, `--x`) asks
    // for the same quote context to be read again as MySQL.
    let read = |flags: SqliFlags| {
        let mut state = SqliState::new(input, flags);
        let hit = state.is_sqli();
        let found = hit.then_some(Match {
            flags,
            fingerprint: state.fingerprint,
        });
        (
            found,
            state.stats_comment_ddx != 0 || state.stats_comment_hash != 0,
        )
    };
    let (found, mysql_comment) = read(none_ansi);
    if found.is_some() {
        return found;
    }
    if mysql_comment {
        if let (Some(m), _) = read(none_mysql) {
            return Some(m);
        }
    }
    if input.contains(&b'\'') {
        let (found, mysql_comment) = read(single_ansi);
        if found.is_some() {
            return found;
        }
        if mysql_comment {
            if let (Some(m), _) = read(single_mysql) {
                return Some(m);
            }
        }
    }
    if input.contains(&b'"') {
        return read(double_mysql).0;
    }
    None
}

/// `text`'s SQL tokens read with `flags`, each with the bytes of `text` at its position and
/// length. libinjection's tokenizer reads only forward, one token at a time.
pub fn tokens(text: &[u8], flags: SqliFlags) -> impl Iterator<Item = (Token, &[u8])> {
    let mut tokenizer = SqliTokenizer::new(text, flags);
    std::iter::from_fn(move || {
        let token = tokenizer.next_token()?;
        let covered = text
            .get(token.pos..token.pos.saturating_add(token.len))
            .unwrap_or_default();
        Some((token, covered))
    })
}

/// A name token that is a word of prose: letters (any non-ASCII byte taken for one), and at
/// most a sentence's `.` or `,` after them (libinjection's names keep a trailing `.`), neither a
/// SQL keyword nor a function libinjection knows.
pub fn plain_word(token: &Token, text: &[u8]) -> bool {
    let word = text.strip_suffix(b".").unwrap_or(text);
    let word = word.strip_suffix(b",").unwrap_or(word);
    token.token_type == TokenType::Bareword
        && !word.is_empty()
        && word.iter().all(|b| b.is_ascii_alphabetic() || *b >= 0x80)
        && word.iter().any(u8::is_ascii_alphabetic)
}

/// Whether two words are one SQL keyword together (`order by`, `group by`, `is not`), as
/// libinjection's folding reads them.
pub fn keyword_pair(first: &[u8], second: &[u8]) -> bool {
    let (Ok(first), Ok(second)) = (std::str::from_utf8(first), std::str::from_utf8(second)) else {
        return false;
    };
    lookup_word(&format!("{first} {second}")) != TokenType::Bareword
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_verdict_and_fingerprint_as_detect_sqli() {
        for v in [
            "",
            "1' OR '1'='1",
            "1\"OR!\"0",
            "It's sturdy and doesn't wobble; we've used it daily (and it's still fine).",
            "CHRISTMAS STOCKING \"NOT\" STUFFER",
            "1 and 1=1",
            "1--",
            "1,1--",
            "1#x\nAND 9227=9227",
            "-1 union select 1,2,3#",
            "x' or 1=1 --x",
            "admin'--",
            "' = '",
            "A '-' B",
            "1 UNION SELECT table_name ', ' FROM information_schema.tables",
            "https://shop.example.com/p/12/item-12?ref=home",
            "Why use Windows when you can have air conditioning?",
            "9999\" or benchmark(15000000,md5(0x4e446b6e)) or \"0\"=\"9999",
            "1' and sleep(5)#",
        ] {
            let reference = libinjectionrs::detect_sqli(v.as_bytes());
            let ours = matched(v.as_bytes());
            assert_eq!(ours.is_some(), reference.is_injection(), "{v}");
            if let (Some(m), Some(f)) = (ours, reference.fingerprint) {
                assert_eq!(m.fingerprint(), f.as_str(), "{v}");
            }
        }
    }

    #[test]
    fn the_reading_is_kept() {
        let quote = |v: &str| matched(v.as_bytes()).and_then(|m| m.quote());
        assert_eq!(quote("-1 union select 1,2,3"), None);
        assert_eq!(quote("x' or 1=1--"), Some(b'\''));
        assert_eq!(quote("1\"OR!\"0"), Some(b'"'));
    }

    #[test]
    fn words_and_keywords() {
        let flags = SqliFlags::FLAG_QUOTE_NONE | SqliFlags::FLAG_SQL_ANSI;
        let plain: Vec<bool> = tokens(b"see them. order by select x1 'a'", flags)
            .map(|(t, text)| plain_word(&t, text))
            .collect();
        assert_eq!(plain, [true, true, true, true, false, false, false]);
        assert!(keyword_pair(b"order", b"by"));
        assert!(keyword_pair(b"GROUP", b"BY"));
        assert!(!keyword_pair(b"see", b"them"));
    }
}
