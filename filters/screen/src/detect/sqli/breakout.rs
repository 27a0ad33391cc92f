//! `sqli-004`: a quote closed, a SQL clause, and a comment or `;` that ends it.
//!
//! `x' or email notnull--`, `admin' and email ilike email;`: right after a quote a SQL
//! connective or operator word, then a short clause that SQL's tokens read as SQL up to a
//! comment (`--`, `#`, `/*`) or `;`. English ("O'Reilly and sons") has no such word right after
//! a quote, nor a terminator. A quotation in prose (`"And in the way our differences combine
//! …"` then `-- Dr. Miranda Jones`) may have both, sentences apart; what lies between tells
//! them apart, read with libinjection's tokenizer:
//!
//! - the clause is short ([`BREAKOUT_CLAUSE_LEN`]) and has no sentence end (`.`, `?` or `!`
//!   before a blank, a closing quote or parenthesis between them);
//! - the terminator is a token of its own: a `--` inside a string or a quoted name
//!   (`` `Thou Shalt Not Compute' -- `` opens a name with its backtick) comments nothing out;
//! - no two plain words stand in a row, nor a plain word before a string (`hercules could
//!   have`, `spanish "caliente"`): SQL puts an operator or a keyword between two operands.

use crate::detect::libinjection::{keyword_pair, plain_word, tokens};
use crate::detect::words::word_list;
use crate::engine::View;
use libinjectionrs::sqli::TokenType;
use libinjectionrs::SqliFlags;

word_list! {
    /// The words a breakout starts with after the quote.
    WORDS = "sql-breakout-words"
}

/// The longest clause (bytes between the SQL word after the quote and the comment or `;`)
/// [`quote_breakout_in`] takes for an injection.
const BREAKOUT_CLAUSE_LEN: usize = 120;

/// [`quote_breakout_in`] on a value of its own.
#[cfg(test)]
fn quote_breakout(decoded: &[u8]) -> bool {
    quote_breakout_in(&View::of(decoded))
}

/// Whether a quote, one of [`WORDS`] and a clause that [`clause_ends_soon`] stand in `value`.
pub(super) fn quote_breakout_in(value: &View) -> bool {
    let decoded = value.bytes();
    // Every match starts at a quote: without one there is nothing to lowercase or search.
    if !decoded.iter().any(|b| matches!(b, b'\'' | b'"')) {
        return false;
    }
    let lower = value.lower();
    // Where the last comment or statement end starts: one after the word is one at or after
    // that word's end (found once, not searched for again after every quote).
    let Some(last_end) = ["--", "#", "/*", ";"]
        .iter()
        .filter_map(|t| lower.rfind(t))
        .max()
    else {
        return false;
    };
    lower.match_indices(['\'', '"']).any(|(i, _)| {
        let rest = lower.get(i + 1..).unwrap_or_default();
        let after = rest.trim_start_matches([' ', '\t', '(', '`']);
        let word_len = after.len()
            - after
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        let word = after.get(..word_len).unwrap_or_default();
        let word_start = lower.len() - after.len();
        WORDS.contains(&word)
            && last_end >= word_start + word_len
            && clause_ends_soon(lower, word_start, word_len)
    })
}

/// Whether the SQL tokens of `lower` from the word at `from` (`word_len` bytes) reach a
/// comment or `;` within [`BREAKOUT_CLAUSE_LEN`] bytes after the word, reading as SQL all the
/// way (see the module's list).
fn clause_ends_soon(lower: &str, from: usize, word_len: usize) -> bool {
    let rest = lower.as_bytes().get(from..).unwrap_or_default();
    let mut plain_before: Option<&[u8]> = None;
    let mut name_before: Option<&[u8]> = None;
    for (token, text) in tokens(rest, SqliFlags::FLAG_QUOTE_NONE | SqliFlags::FLAG_SQL_ANSI) {
        if token.pos > word_len + BREAKOUT_CLAUSE_LEN {
            return false;
        }
        let ends = match token.token_type {
            TokenType::Comment | TokenType::Semicolon => true,
            // `#` is an operator to ANSI SQL and a comment to MySQL.
            TokenType::Operator => text == b"#",
            _ => false,
        };
        if ends {
            return !sentence_end(rest.get(..token.pos).unwrap_or_default());
        }
        // `by` after `group`, `to` after `similar` are part of a keyword, as is every word of
        // [`WORDS`].
        let name = !text.is_empty() && text.iter().all(u8::is_ascii_alphabetic);
        let in_keyword = name && name_before.is_some_and(|b| keyword_pair(b, text));
        let plain = plain_word(&token, text)
            && !in_keyword
            && !std::str::from_utf8(text).is_ok_and(|w| WORDS.contains(&w));
        name_before = name.then_some(text);
        if let Some(before) = plain_before {
            if (plain && !keyword_pair(before, text)) || token.token_type == TokenType::String {
                return false;
            }
        }
        plain_before = plain.then_some(text);
    }
    false
}

/// A `.`, `?` or `!` then a blank, with a closing quote or parenthesis between them or not.
fn sentence_end(clause: &[u8]) -> bool {
    clause.iter().enumerate().any(|(i, b)| {
        if !matches!(b, b'.' | b'?' | b'!') {
            return false;
        }
        let mut next = clause.get(i + 1);
        if matches!(next, Some(b'"' | b'\'' | b'`' | b')')) {
            next = clause.get(i + 2);
        }
        matches!(next, Some(b' ' | b'\t' | b'\n' | b'\r'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_a_clause_and_its_end() {
        for v in [
            "z'or email notnull--",
            "admin@juice-sh.op' and email ilike email--",
            "x' or username like '%a%'#",
            "1' union select a, b from users-- -",
            "x\" or 1=1;",
            "admin' or '1'='1'#",
            "x' group by columnnames having 1=1--",
            "1' order by 3--",
            "x' and email not similar to id--",
            "x' and 1=0 union all select 1,2,3 from users;",
        ] {
            assert!(quote_breakout(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn quotations_in_prose() {
        for v in [
            "O'Reilly and sons; since 1978",
            "select 'and'",
            // A connective after the quote, a `;` or `--` sentences later.
            "From Latin \"calor\", meaning \"heat\" (as in English \"calorie\" or \"caloric\"). \
             Hence the state; a place where it is hot",
            "\"You are old,\" said the youth, \"and I'm told by my peers\n\
             That your hair has become very white.\n  And yet you incessantly stand on your head --\n",
            "\"Up to a point, Lord Copper\" and the rest of it was said in a tone of voice that \
             implied agreement with anything at all, whatever the question might have been; he left",
            // Words in a row, a word before a string.
            "\"Not Hercules could have knock'd out his brains, for he had none.\"\n\t\t-- Shakespeare",
            "\"I quite agree with you,\" said the Duchess; \"and the moral of\nthat is -- `Be what you would seem to be'",
            "meaning \"heat\" (as in English \"calorie\" or\nSpanish \"caliente\"); and \"fornia'\"",
            // A sentence end before a closing quote.
            "\"And, and, and, and, but, but, but, but!\"\n\t\t-- Mrs. Janice Markowsky",
            "\t\"And in the way our differences combine.\"\n\t\t-- Dr. Miranda Jones",
            // The dash inside a quoted name.
            "\"The eleventh commandment was `Thou Shalt Compute' or `Thou Shalt Not\nCompute' -- I forget which.\"",
        ] {
            assert!(!quote_breakout(v.as_bytes()), "{v}");
        }
    }
}
