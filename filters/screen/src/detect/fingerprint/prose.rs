//! libinjection matches that are prose or generated secrets, whatever their fingerprint.
//!
//! libinjection fingerprints a value's first five tokens (after folding). A sentence in a
//! message field reaches its list too: "Why use Windows when you can …" is `nTnkn` (`use` is a
//! T-SQL word, `when` a keyword), "1648 files (84%) out of …" is `1n(1o`. What the rest of the
//! value holds settles it:
//!
//! - **Words in a row** ([`words_in_a_row`]). SQL never writes three plain names in a row (a
//!   name, at most an alias, then an operator, a keyword or punctuation); a sentence does all
//!   the time, and an injection that had them would not parse (unless they sit in a comment or
//!   a string, which are tokens of their own). When libinjection read the value as it is, and
//!   its fingerprint has none of the tokens of the statements that name things its keyword
//!   list lacks (UNION's `FOR XML PATH`), of comments, type names or collations, and the
//!   value's first tokens in that reading hold three plain words in a row, it is prose. Two
//!   words that together are one SQL keyword (`order by`) count as that keyword.
//! - **A quotation in double quotes** ([`quotation_in_double_quotes`]). Read as if it started
//!   inside a `"…"` string, a value is an injection when its first `"` closes that string,
//!   glued to the value (`1"OR!"0`, `9999" or …`). A `"` after a blank opens a quotation
//!   (`… For example, "if (0 == 1) quit"`).
//! - **A quotation in single quotes** ([`quotation_in_single_quotes`]). `The backup suffix is
//!   '~', unless …`, `He said 'select all' and then 'delete' -- …`: read after a `'`, a
//!   sentence, then quoted words or symbols. An injection's text before its quote is the value
//!   it closes (`x'='x`, `A '=' B`, `-13 ' union select`), not words of a sentence; and one
//!   with a sentence before it still needs a connective, `UNION`, a `;` or a variable
//!   (`hello there my friend' or 1=1--`).
//! - **A generated secret** ([`generated_secret`]). `Z708u)^f#SEdf9`, `x)&umAbVnh3)rl`: one
//!   short run without blanks or quotes, with a word mixing capitals, small letters and
//!   digits, and among its tokens no SQL word, string or comparison, one of which every
//!   injection needs.

use crate::detect::libinjection::{keyword_pair, plain_word, tokens, Match};

/// Whether libinjection's match `m` on `decoded` is prose or a generated secret.
pub(super) fn prose(decoded: &[u8], m: &Match) -> bool {
    words_in_a_row(decoded, m)
        || quotation_in_double_quotes(decoded, m)
        || quotation_in_single_quotes(decoded, m)
        || generated_secret(decoded, m)
}

/// Fingerprint tokens a sentence also produces: names, keywords, T-SQL words (`use`, `call`,
/// `drop`), `select`, function names (`if`, `day`), `and`/`or`, strings (quotations),
/// variables (`@home`), parentheses, numbers, operators, `;`, `,` and `.`.
const SENTENCE_TOKENS: &[u8] = b"nkTEf&sv()1o;,.";

/// Tokens of a value read for [`words_in_a_row`]: a sentence shows its words early.
const TOKENS_READ: usize = 24;

/// Three plain words in a row in the value read as libinjection read it, when its fingerprint
/// holds only tokens a sentence also produces.
fn words_in_a_row(decoded: &[u8], m: &Match) -> bool {
    if m.quote().is_some()
        || !m
            .fingerprint()
            .bytes()
            .all(|c| SENTENCE_TOKENS.contains(&c))
    {
        return false;
    }
    let mut run = 0;
    let mut previous: &[u8] = &[];
    for (token, text) in tokens(decoded, m.flags).take(TOKENS_READ) {
        if !plain_word(&token, text) {
            run = 0;
            continue;
        }
        if run > 0 && keyword_pair(previous, text) {
            run = 0;
            previous = &[];
            continue;
        }
        run += 1;
        previous = text;
        if run == 3 {
            return true;
        }
    }
    false
}

/// Read as if it started inside a `"` string, the value's first `"` comes after a blank.
fn quotation_in_double_quotes(decoded: &[u8], m: &Match) -> bool {
    if m.quote() != Some(b'"') {
        return false;
    }
    decoded
        .iter()
        .position(|b| *b == b'"')
        .and_then(|q| q.checked_sub(1))
        .and_then(|before| decoded.get(before))
        .is_some_and(u8::is_ascii_whitespace)
}

/// Words a sentence before a quotation has at least.
const SENTENCE_WORDS: usize = 2;

/// Fingerprint tokens of quoted words and symbols in a sentence read after a `'`: strings, the
/// words between them, operators, comments (a `--` dash), parentheses, numbers, `,` and `.`.
const QUOTATION_TOKENS: &[u8] = b"snkTEfoc()1,.";

/// Read as if it started inside a `'` string, the value's fingerprint has only
/// [`QUOTATION_TOKENS`], its first `'` comes after a blank, and [`SENTENCE_WORDS`] words come
/// before it.
fn quotation_in_single_quotes(decoded: &[u8], m: &Match) -> bool {
    if m.quote() != Some(b'\'')
        || !m
            .fingerprint()
            .bytes()
            .all(|c| QUOTATION_TOKENS.contains(&c))
    {
        return false;
    }
    let Some(quote) = decoded.iter().position(|b| *b == b'\'') else {
        return false;
    };
    let before = decoded.get(..quote).unwrap_or_default();
    before.last().is_some_and(u8::is_ascii_whitespace)
        && before
            .split(u8::is_ascii_whitespace)
            .filter(|w| w.iter().any(u8::is_ascii_alphabetic))
            .count()
            >= SENTENCE_WORDS
}

/// The longest value [`generated_secret`] takes for a password or token.
const SECRET_LEN: usize = 64;

/// A short run without blanks or quotes, of names, numbers, operators other than comparisons,
/// parentheses, comments and variables only, with a word of capitals, small letters and
/// digits mixed.
fn generated_secret(decoded: &[u8], m: &Match) -> bool {
    let mixed = |w: &[u8]| {
        w.iter().any(u8::is_ascii_uppercase)
            && w.iter().any(u8::is_ascii_lowercase)
            && w.iter().any(u8::is_ascii_digit)
    };
    decoded.len() <= SECRET_LEN
        && m.fingerprint().bytes().all(|c| b"n1o()cv".contains(&c))
        && !decoded
            .iter()
            .any(|b| *b <= b' ' || matches!(b, b'\'' | b'"' | b'`' | b'=' | b'<' | b'>'))
        && decoded.split(|b| !b.is_ascii_alphanumeric()).any(mixed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::libinjection::matched;

    fn is_prose(v: &str) -> bool {
        let m = matched(v.as_bytes()).unwrap_or_else(|| panic!("{v}: not matched"));
        prose(v.as_bytes(), &m)
    }

    #[test]
    fn sentences_are_prose() {
        for v in [
            "Why use Windows when you can have air conditioning?\nWhy use Windows, when you can leave through the door?",
            "I call them as I see them.  If I can't see them, I make them up.\n\t\t-- Biff Barf",
            "Board drop whole.\nUse event least style would personal. Fine me from they design.",
            "1648 files (84%) out of the files that I mirror disappeared.  Since\nmy delete threshold",
            "[-c command] Execute command when the line is hung up. This can be used to run scripts",
            "abort (C-g) Abort the current editing command and ring the terminal's bell",
            "Please select (one) of the options below.",
            "Decode (demangle) low-level symbol names into user-level names.",
            "quit   When the quit statement is read, the  bc  processor\n is terminated. For example, \"if  (0  ==  1)  quit\"\n will cause bc to terminate.",
            "Proof techniques #2: Proof by Oddity.\n\tTopics include:\n\t\"Try it; it works\"\n\t\"It stands to reason\"",
            "The backup suffix is '~', unless set with --suffix or SIMPLE_BACKUP_SUFFIX.",
            "Items are separated by any number of blanks. A '#' indicates the beginning of a comment",
            "He said 'select all' and then 'delete' -- nothing happened.",
        ] {
            assert!(is_prose(v), "{v}");
        }
    }

    #[test]
    fn secrets_are_not_injections() {
        for v in ["Z708u)^f#SEdf9", "x)&umAbVnh3)rl", "v_eK4zQk0%(@1*"] {
            assert!(is_prose(v), "{v}");
        }
    }

    #[test]
    fn injections_stay_injections() {
        for v in [
            "1 union select password from users where we all live happily",
            "1 UNION SELECT table_name   ', ' FROM information_schema.tables FOR XML PATH('')",
            "hello there my friend' or 1=1--",
            "my name is bob ' union select password from users--",
            "my name is bob '; drop table users--",
            "my name is bob' union select password from users--",
            "-10 union select 1,password,username from users order by 2,2/*",
            "1 SELECT * from adminuser group by adminuser.userid having 1=1#",
            "'begin goto label ALTER DATABASE pubs SET RECOVERY SIMPLE label: declare @s varchar(8000)",
            "1'; /*&id=1*/ EXEC /*&id=1*/ master..xp_cmdshell /*&id=1*/ net user lucifer x /*&id=1*/ --",
            "9999\" or benchmark(15000000,md5(0x4e446b6e)) or \"0\"=\"9999",
            "CRS3\") UNION ALL select NULL --",
            "A '=' B",
            "A '-' B",
            "' = '",
            "x'='x",
            "1)or(1=1",
            "1*1--",
            "@@version--",
            "Ab1)or(1=1)#",
        ] {
            assert!(!is_prose(v), "{v}");
        }
    }
}
