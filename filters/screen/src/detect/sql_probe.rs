//! SQL injection at paranoia level 2, part two: the probes an attacker sends to learn whether
//! and how a value reaches SQL, rather than a finished injection. Each is short and says little
//! on its own, which is why level 1 leaves them alone; [`super::sql_strict`] owns the grammar
//! fragments, this module the probes. They run after it found nothing, on plain text too (a
//! probe such as `4294967296` or `/3 or` is plain), so they need no precheck of their own beyond
//! each rule's cheap guard.
//!
//! - `sqli-018`: a PostgreSQL cast of a name, call or literal to a type, the error-based probe
//!   (`password::int`, `unistr(password)::int`, `current_user::text`),
//! - `sqli-019`: a whole value at an integer or floating-point overflow boundary
//!   (`4294967296`, `-2147483649`, `2.2250738585072011e-308`, `1e309`),
//! - `sqli-020`: a quote probe: a value of quotes and SQL punctuation only (`';`, `"'`,
//!   `' = # '`, `^'`), or a single word cut off by a quote and a `;` (`` admin@x.org`; ``),
//! - `sqli-021`: a boolean connective left dangling: a value that is one identifier or number
//!   and then `or`/`and` (`/3 or `, `/xxxx_R AND`), or a connective and a number ended by a
//!   comment (`OR 1#`),
//! - `sqli-022`: a boolean test next to a quote: a connective and a number after a quote
//!   (`' or 3,4`, `` \`or`1 ``), a value opened by a connective and a quoted number
//!   (`and '5'`), two quoted strings compared, true, with the query left to close the last
//!   (`'x'!='y`, `'1'='1'` at the end),
//! - `sqli-023`: `LIKE` and its kin as a tautology of two equal literals (`42 like 42`,
//!   `'a' rlike 'a'`), or MySQL's `SOUNDS LIKE` right after a closed quote and before a comment,
//! - `sqli-024`: a value that is only a SQL function name and an open `(`, maybe with a little
//!   punctuation between (`default(`, `ln) (`, `left')?$(`),
//! - `sqli-025`: a MongoDB operator `sqli-009` does not list, in the same places (`$text`,
//!   `$search`, `$jsonSchema`, `$mod`, aggregation stages such as `$lookup`).

use super::sql::{ident_before, is_ident, word_at};
use super::sql_strict::is_function;
use super::words::word_list;
use super::wordset::WordSet;
use crate::engine::view::Gate;
use crate::engine::View;

/// This module's rules that read the normalized copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    Cast,
    DanglingConnective,
    QuotedTest,
    LikeTautology,
    BareCall,
    NosqlOperator,
}

/// Whether one of the rules that read the normalized copy can match a decoded value.
fn probe_possible(decoded: &[u8]) -> bool {
    // The other rules read the normalized copy (lowercase, comments as a blank, blank runs as
    // one): each needs a byte or word that stands in the value itself, so a value without any
    // is not normalized. `::` (a cast), a quote (tests, `sounds like`), `$` (an operator), `(`
    // (a call), `#`/`-` (a comment after a number), `like`/`glob`/`regexp`, or a value ending
    // in a connective.
    decoded
        .iter()
        .any(|b| matches!(b, b':' | b'\'' | b'"' | b'`' | b'$' | b'(' | b'#' | b'-'))
        || contains_ignore_case(decoded, b"like")
        || contains_ignore_case(decoded, b"glob")
        || contains_ignore_case(decoded, b"regexp")
        || ends_with_connective(decoded)
}

/// Whether the rule `which` matches: behind the precheck they share, on the normalized copy.
pub fn probe_rule(v: &View, which: Probe) -> bool {
    if !v.gate(Gate::SqlProbe, probe_possible) {
        return false;
    }
    let t = v.sql();
    match which {
        Probe::Cast => cast(t),
        Probe::DanglingConnective => dangling_connective(t),
        Probe::QuotedTest => quoted_test(t),
        Probe::LikeTautology => like_tautology(t),
        Probe::BareCall => bare_call(t),
        Probe::NosqlOperator => nosql_operator(t),
    }
}

/// The first rule of this module that matches a decoded value, in the engine's order (level
/// 1's, then level 2's), for the tests.
#[cfg(test)]
pub fn detect(decoded: &[u8]) -> Option<super::Rule> {
    let v = View::of(decoded);
    [1, 2]
        .into_iter()
        .flat_map(|level| crate::engine::matching(super::sqli::TABLE, level, &v))
        .find(|r| (b"sqli-018".as_slice()..=b"sqli-025".as_slice()).contains(&r.id.as_bytes()))
}

fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

fn is_blank(b: u8) -> bool {
    b.is_ascii_whitespace() || b < 0x20 || b == 0x7f
}

/// `value` without leading and trailing blanks and control bytes.
fn trim(value: &[u8]) -> &[u8] {
    let start = value
        .iter()
        .position(|b| !is_blank(*b))
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !is_blank(*b))
        .map_or(start, |e| e + 1);
    value.get(start..end.max(start)).unwrap_or_default()
}

fn is_quote(b: u8) -> bool {
    matches!(b, b'\'' | b'"' | b'`')
}

const CONNECTIVES: [&[u8]; 5] = [b"or", b"and", b"xor", b"&&", b"||"];

/// Whether the value, blanks trimmed, ends with `or`, `and`, `xor`, `&&` or `||` (any case).
fn ends_with_connective(decoded: &[u8]) -> bool {
    let v = trim(decoded);
    CONNECTIVES.iter().any(|c| {
        v.len() >= c.len()
            && v.get(v.len() - c.len()..)
                .is_some_and(|tail| tail.eq_ignore_ascii_case(c))
    })
}

word_list! {
    /// PostgreSQL types an error-based probe casts a name to (`::int` fails with the value in the
    /// message). Only names with a letter no hex digit has (`fe80::add` is IPv6) and not `json`
    /// (Rust's `serde_json::json`), nor `date`/`time` (Ruby's `Foo::Date`).
    CAST_TYPES = "sql-cast-types"
}

static CAST_TYPE_SET: WordSet = WordSet::new(&CAST_TYPES);

/// `password::int`, `unistr(x)::int`, `'1'::text`: `::`, a type name as a whole word, and
/// before it a name, `)`, `]` or a quote (a value's start or a blank before `::` is IPv6's
/// `::1` or prose). Not a path of names (`A::Text::B`, `Foo::Text.new`).
fn cast(t: &[u8]) -> bool {
    t.windows(2)
        .enumerate()
        .filter(|(_, w)| *w == b"::")
        .any(|(i, _)| {
            let before_ok = i > 0
                && t.get(i - 1)
                    .is_some_and(|&b| is_ident(b) || matches!(b, b')' | b']' | b'\'' | b'"'));
            let start = i + 2;
            let len = t
                .get(start..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| is_ident(**b))
                .count();
            let name = std::str::from_utf8(t.get(start..start + len).unwrap_or_default())
                .unwrap_or_default();
            let after_ok = !matches!(t.get(start + len), Some(b'.' | b':' | b'!'));
            // `Foo::Bar::int` is a path of names, not a cast.
            let left_not_path = {
                let left = ident_before(t, i);
                let left_start = i - left.len();
                left_start < 2 || t.get(left_start - 2..left_start) != Some(b"::".as_slice())
            };
            before_ok && after_ok && left_not_path && CAST_TYPE_SET.contains(name)
        })
}

/// A whole value just past a 32- or 64-bit integer's range, or a floating-point literal known
/// to hang or overflow parsers: what fuzzers (skipfish) send to find numeric columns that
/// break. The maximum values themselves (`2147483647`) are left alone: clients send them as
/// "no limit".
pub fn overflow_value(decoded: &[u8]) -> bool {
    let v = trim(decoded);
    // The longest such value (`2.2250738585072011e-308`) is 23 bytes, leading zeros aside.
    if v.is_empty() || v.len() > 40 {
        return false;
    }
    let (negative, digits) = match v.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, v),
    };
    if !digits.first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    if digits.iter().all(u8::is_ascii_digit) {
        let first = digits
            .iter()
            .position(|b| *b != b'0')
            .unwrap_or(digits.len());
        let n = digits.get(first..).unwrap_or_default();
        let past_positive: [&[u8]; 5] = [
            b"2147483648",
            b"4294967296",
            b"9223372036854775808",
            b"18446744073709551616",
            b"340282366920938463463374607431768211456",
        ];
        let past_negative: [&[u8]; 2] = [b"2147483649", b"9223372036854775809"];
        // `-2147483648` is the smallest 32-bit integer, in range.
        return if negative {
            past_negative.contains(&n)
        } else {
            past_positive.contains(&n)
        };
    }
    // A decimal with an exponent: the denormal boundary that hung PHP and Java's parsers
    // (2.2250738585072011e-308, …012e-308), or an exponent past a double's (1e309).
    let lower = String::from_utf8_lossy(digits).to_ascii_lowercase();
    let Some((mantissa, exponent)) = lower.split_once('e') else {
        return false;
    };
    let mantissa_ok = !mantissa.is_empty()
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && mantissa.bytes().filter(|b| *b == b'.').count() <= 1;
    let (exp_negative, exp_digits) = match exponent.strip_prefix('-') {
        Some(e) => (true, e),
        None => (false, exponent.strip_prefix('+').unwrap_or(exponent)),
    };
    if !mantissa_ok || exp_digits.is_empty() || !exp_digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    // A number written in scientific notation: one digit before the point, or a point
    // (`1e309`, `1.5e400`, `12.5e999`), and an exponent of at most four digits (leading zeros
    // aside), as a probe writes it. Hexadecimal ids, hashes and UUID pieces made only of
    // digits and one `e` (`9428e78841`, `12e4567a…`) have neither: several digits before the
    // `e` and no point, or a long run of digits after it.
    let integer_part = mantissa.split('.').next().unwrap_or_default();
    if !(mantissa.contains('.') || integer_part.len() == 1) {
        return false;
    }
    let exp_significant = exp_digits.trim_start_matches('0');
    if exp_significant.len() > 4 {
        return false;
    }
    let exp: u32 = exp_significant.parse().unwrap_or(0);
    let significant = mantissa.trim_start_matches(['0', '.']);
    if exp_negative {
        exp == 308 && mantissa.starts_with("2.22507385850720")
    } else {
        exp >= 309 && !significant.is_empty()
    }
}

/// A probe of quotes and SQL punctuation: the value (blanks aside) has no letter, digit or
/// other text, holds a quote, at least two bytes, and something that only means SQL next to a
/// quote: a statement end or comment (`;`, `#`, `--`), a comparison or logical operator
/// (`=`, `!`, `^`, `|`, `&`, `<`, `>`), or quotes of two kinds (`"'`). Quoted punctuation
/// (`"*"`, `"///`, `"}`) is left alone. Or a single word closed by a quote no other opens,
/// then a `;` that ends the value (`` admin@juice-sh.op`; ``, `x';`): the string ended and
/// the statement with it; or then a comment to the end ([`word_quoted_then_commented`]).
pub fn quote_probe(decoded: &[u8]) -> bool {
    let v = trim(decoded);
    if !v.iter().any(|b| is_quote(*b)) {
        return false;
    }
    let non_blank = v.iter().filter(|b| !is_blank(**b)).count();
    let only_punctuation = v
        .iter()
        .all(|&b| b.is_ascii() && !b.is_ascii_alphanumeric() && b != b'_');
    if only_punctuation && non_blank >= 2 {
        let kinds = [b'\'', b'"', b'`'].iter().filter(|q| v.contains(q)).count();
        let sql_mark = v.iter().any(|b| {
            matches!(
                b,
                b';' | b'#' | b'=' | b'!' | b'^' | b'|' | b'&' | b'<' | b'>'
            )
        }) || v.windows(2).any(|w| w == b"--");
        if kinds >= 2 || sql_mark {
            return true;
        }
    }
    if word_quoted_then_commented(v) {
        return true;
    }
    // `word';` with nothing after but blanks or a comment marker.
    let Some(semi) = v.iter().rposition(|b| *b == b';') else {
        return false;
    };
    let tail_ok = v
        .get(semi + 1..)
        .unwrap_or_default()
        .iter()
        .all(|b| is_blank(*b) || matches!(b, b'#' | b'-'));
    tail_ok && one_word_then_quote(trim(v.get(..semi).unwrap_or_default()))
}

/// `head` is one word (no blank, quote, `;` or `\\`) closed by a quote: `admin'`.
fn one_word_then_quote(head: &[u8]) -> bool {
    let Some((&quote, word)) = head.split_last() else {
        return false;
    };
    is_quote(quote)
        && !word.is_empty()
        && word
            .iter()
            .all(|&b| !is_blank(b) && !is_quote(b) && !matches!(b, b';' | b'\\'))
}

/// A single word closed by a quote (and maybe a `)`), then a comment that cuts off the rest
/// of the query and nothing after it but blanks and the dashes, pluses and hashes injections
/// pad it with: `admin'#`, `admin' #`, `admin' -- -`, `x')--+`. The login check's password
/// test is commented out.
fn word_quoted_then_commented(v: &[u8]) -> bool {
    let Some(comment) = v
        .windows(2)
        .position(|w| w == b"--")
        .into_iter()
        .chain(v.iter().position(|b| *b == b'#'))
        .min()
    else {
        return false;
    };
    let tail_ok = v
        .get(comment..)
        .unwrap_or_default()
        .iter()
        .all(|b| is_blank(*b) || matches!(b, b'#' | b'-' | b'+'));
    let head = trim(v.get(..comment).unwrap_or_default());
    tail_ok && one_word_then_quote(head.strip_suffix(b")").unwrap_or(head))
}

/// A connective left for the query to complete: the value is one word that ends in an
/// identifier or number (maybe after a `/`, `=`, `(`, `)` or `:`: `/3`, `pay=/3`), with a digit
/// or `_` in it (not an English word: "salt and" as
/// someone types), then `or`, `and`, `xor`, `&&` or `||` and nothing else (`/3 or `,
/// `/xxxx_R AND`); or a connective, a number and a comment glued to it (`OR 1#`, `and 2--`;
/// prose writes "1 and 2 -- see" with blanks).
fn dangling_connective(t: &[u8]) -> bool {
    let v = trim(t);
    let words: Vec<&[u8]> = v.split(|b| *b == b' ').filter(|w| !w.is_empty()).collect();
    if let [first, connective] = words.as_slice() {
        // The operand: the identifier or number that ends the first word, after `/`, `=`,
        // `(`, `)` or `:` if anything comes before it (`/3`, `pay=/3`, `(1`).
        let len = first.iter().rev().take_while(|b| is_ident(**b)).count();
        let start = first.len() - len;
        let operand = first.get(start..).unwrap_or_default();
        let joined = start == 0
            || first
                .get(start - 1)
                .is_some_and(|b| matches!(b, b'/' | b'=' | b'(' | b')' | b':'));
        if CONNECTIVES.contains(connective)
            && joined
            && !operand.is_empty()
            && operand.iter().any(|b| b.is_ascii_digit() || *b == b'_')
        {
            return true;
        }
    }
    // `or 1#`: a connective word (at the start or after a blank), a blank, digits, a comment.
    words.windows(2).any(|pair| {
        let [connective, operand] = pair else {
            return false;
        };
        let digits = operand.iter().take_while(|b| b.is_ascii_digit()).count();
        let rest = operand.get(digits..).unwrap_or_default();
        [&b"or"[..], b"and", b"xor"].contains(connective)
            && digits > 0
            && (rest.starts_with(b"#") || rest.starts_with(b"--"))
    })
}

/// The run of `pred` bytes from `at`.
fn run(t: &[u8], at: usize, pred: impl Fn(u8) -> bool) -> usize {
    t.get(at..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| pred(**b))
        .count()
}

/// The position after one blank at `at`, if any.
fn skip_blank(t: &[u8], at: usize) -> usize {
    if t.get(at) == Some(&b' ') {
        at + 1
    } else {
        at
    }
}

/// A boolean test next to a quote: a quote (not a unit after a number: `16" or 18"`), a
/// connective (`or`, `and`, `xor`, `div`), maybe another quote, and a number (`' or 3,4,2`,
/// `` `or`1 ``, `" and '5`); a value opened by a
/// connective and a quoted number (`and '5'x`); or two quoted strings compared, the comparison
/// true, at the end of the value with the last quote maybe left to the query (`'x'!='y`,
/// `'admin', '1'='1'`).
fn quoted_test(t: &[u8]) -> bool {
    let after_connective = |at: usize| -> Option<usize> {
        let at = skip_blank(t, at);
        ["or", "and", "xor", "div"]
            .iter()
            .find(|c| word_at(t, at, c))
            .map(|c| at + c.len())
    };
    let quote_then_number = |at: usize, quote_needed: bool| -> bool {
        let at = skip_blank(t, at);
        let quoted = t.get(at).copied().is_some_and(is_quote);
        let at = if quoted { at + 1 } else { at };
        (quoted || !quote_needed) && t.get(at).is_some_and(u8::is_ascii_digit)
    };
    // A quote right after a digit is a unit (`16" or 18"`, `1950' and 60's`), not a string.
    let after_quote = t.iter().enumerate().any(|(i, &b)| {
        is_quote(b)
            && !(i > 0 && t.get(i - 1).is_some_and(u8::is_ascii_digit))
            && after_connective(i + 1).is_some_and(|end| quote_then_number(end, false))
    });
    if after_quote {
        return true;
    }
    if after_connective(0).is_some_and(|end| {
        quote_then_number(end, true) && {
            // The quoted number is closed: `and '5'`, not `and '5 apples`.
            let at = skip_blank(t, end) + 1;
            let n = run(t, at, |b| b.is_ascii_digit());
            t.get(at + n).copied().is_some_and(is_quote)
        }
    }) {
        return true;
    }
    true_string_comparison_at_end(t)
}

/// `'x'!='y`, `'1'='1'` at the end of the value: a quoted string, `=`, `!=` or `<>`, and a
/// quoted string that ends the value (its closing quote maybe absent), equal for `=`,
/// different for the others.
fn true_string_comparison_at_end(t: &[u8]) -> bool {
    let v = trim(t);
    // The last operand: from the last quote that opens it to the end.
    let closed = v.last().copied().is_some_and(is_quote);
    let body_end = if closed { v.len() - 1 } else { v.len() };
    let Some(open) = v
        .get(..body_end)
        .unwrap_or_default()
        .iter()
        .rposition(|b| is_quote(*b))
    else {
        return false;
    };
    let quote = v.get(open).copied().unwrap_or_default();
    if closed && v.last() != Some(&quote) {
        return false;
    }
    let right = v.get(open + 1..body_end).unwrap_or_default();
    // The operator before it, blanks allowed.
    let before = trim(v.get(..open).unwrap_or_default());
    let (op, left_end) = if before.ends_with(b"!=") || before.ends_with(b"<>") {
        (&b"!="[..], before.len() - 2)
    } else if before.ends_with(b"=") {
        (&b"="[..], before.len() - 1)
    } else {
        return false;
    };
    // The left operand: a quoted string closed with the same quote.
    let left_side = trim(before.get(..left_end).unwrap_or_default());
    let Some((&close, rest)) = left_side.split_last() else {
        return false;
    };
    if close != quote {
        return false;
    }
    let Some(left_open) = rest.iter().rposition(|b| *b == quote) else {
        return false;
    };
    let left = rest.get(left_open + 1..).unwrap_or_default();
    if left.len() > 32 || right.len() > 32 {
        return false;
    }
    if op == b"=" {
        !left.is_empty() && left == right
    } else {
        left != right
    }
}

/// `42 like 42`, `'a' rlike 'a'`: `like`, `rlike`, `glob`, `regexp` or `sounds like` between
/// the same number or quoted string (prose compares words: "people like people" is not
/// flagged); or `sounds like` right after a quote, then a name and a comment
/// (`'sounds like rowid--`).
fn like_tautology(t: &[u8]) -> bool {
    let s = std::str::from_utf8(t).unwrap_or_default();
    ["like", "glob", "regexp"].iter().any(|op| {
        s.match_indices(op).any(|(i, _)| {
            let start = if *op == "like" && i >= 1 && t.get(i - 1) == Some(&b'r') {
                i - 1
            } else {
                i
            };
            if !word_at(
                t,
                start,
                as_str(t.get(start..i + op.len()).unwrap_or_default()),
            ) {
                return false;
            }
            let end = i + op.len();
            // `sounds like` after a closed quote and before a comment.
            let sounds = start >= 7 && t.get(start - 7..start) == Some(b"sounds ".as_slice());
            if sounds {
                let q = skip_blank_back(t, start - 7);
                if q > 0 && t.get(q - 1).copied().is_some_and(is_quote) {
                    let rest = t.get(end..).unwrap_or_default();
                    if rest.windows(2).any(|w| w == b"--") || rest.contains(&b'#') {
                        return true;
                    }
                }
            }
            let op_start = if sounds { start - 7 } else { start };
            let left = literal_ending(t, skip_blank_back(t, op_start));
            let right = literal_starting(t, skip_blank(t, end));
            left.is_some() && left == right
        })
    })
}

fn as_str(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or_default()
}

/// The position before one blank that ends at `end`, if any.
fn skip_blank_back(t: &[u8], end: usize) -> usize {
    if end > 0 && t.get(end - 1) == Some(&b' ') {
        end - 1
    } else {
        end
    }
}

/// A number or quoted string ending at `end` (exclusive), as written.
fn literal_ending(t: &[u8], end: usize) -> Option<&[u8]> {
    let last = t.get(end.checked_sub(1)?).copied()?;
    if is_quote(last) {
        let open = t.get(..end - 1)?.iter().rposition(|b| *b == last)?;
        return t.get(open..end);
    }
    let digits = t
        .get(..end)?
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let start = end - digits;
    let word_before = start > 0 && t.get(start - 1).copied().is_some_and(is_ident);
    (digits > 0 && !word_before)
        .then(|| t.get(start..end))
        .flatten()
}

/// A number or quoted string starting at `at`, as written.
fn literal_starting(t: &[u8], at: usize) -> Option<&[u8]> {
    let first = t.get(at).copied()?;
    if is_quote(first) {
        let close = t.get(at + 1..)?.iter().position(|b| *b == first)?;
        return t.get(at..at + 1 + close + 1);
    }
    let digits = run(t, at, |b| b.is_ascii_digit());
    let word_after = t.get(at + digits).copied().is_some_and(is_ident);
    (digits > 0 && !word_after)
        .then(|| t.get(at..at + digits))
        .flatten()
}

word_list! {
    /// SQL function names that are English words and so in none of the other rules' lists.
    MORE_NAMES = "sql-bare-call-names"
}

/// A value that is only a SQL function name and an open `(`: the name first, then up to six
/// bytes of punctuation or blanks (`) `, `')?$`), then `(` and nothing after it
/// (`default(`, `ln) (`, `left')?$(`). Prose does not end on an open parenthesis after one
/// word.
fn bare_call(t: &[u8]) -> bool {
    const MAX_JUNK: usize = 6;
    let v = trim(t);
    let Some((&b'(', head)) = v.split_last() else {
        return false;
    };
    let name_len = run(head, 0, is_ident);
    let name = as_str(head.get(..name_len).unwrap_or_default());
    let junk = head.get(name_len..).unwrap_or_default();
    name_len > 0
        && junk.len() <= MAX_JUNK
        && junk
            .iter()
            .all(|&b| b.is_ascii() && !is_ident(b) && b != b'(')
        && (is_function(name) || MORE_NAMES.contains(&name))
}

word_list! {
    /// MongoDB operators level 1 (`sqli-009`) does not list: query operators that reach the
    /// server's text search, schema and JavaScript-free evaluation, and aggregation stages that
    /// read other collections. Lowercase, as the normalized copy is.
    MORE_NOSQL_OPERATORS = "nosql-operators-more"
}

static MORE_NOSQL_SET: WordSet = WordSet::new(&MORE_NOSQL_OPERATORS);

/// `{"$text": …}`, `q[$search]=`: one of [`MORE_NOSQL_OPERATORS`] as a whole key or name part,
/// in the places `sqli-009` accepts (after the start, `[`, `{`, a quote or `.`; before the end,
/// `]`, a quote, `:` or a blank).
fn nosql_operator(t: &[u8]) -> bool {
    t.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'$')
        .any(|(i, _)| {
            let before_ok =
                i == 0 || matches!(t.get(i - 1), Some(b'[' | b'{' | b'"' | b'\'' | b'.'));
            let len = run(t, i + 1, |b| b.is_ascii_alphabetic());
            let name = as_str(t.get(i + 1..i + 1 + len).unwrap_or_default());
            let after_ok = matches!(
                t.get(i + 1 + len),
                None | Some(b']' | b'"' | b'\'' | b':' | b' ')
            );
            before_ok && after_ok && MORE_NOSQL_SET.contains(name)
        })
}

#[cfg(test)]
mod tests;
