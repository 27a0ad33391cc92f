//! Quote breakouts: `sqli-026` (level 1) and `sqli-014` (level 2, the forms prose and code
//! also write now and then).

use super::*;

/// `sqli-026`: a value's string closed and SQL begun, in forms no prose writes: a quote and a
/// statement keyword ([`quote_then_keyword`]), a login cut off ([`login_closed`]), an operator,
/// a name and a comment that comments out the rest (`x'|email--`, [`quote_operator_name`]),
/// an escaped quote before a connective and its operand (`\'or'1`,
/// [`escaped_quote_connective`]).
pub(super) fn quote_statement(t: &[u8]) -> bool {
    quote_then_keyword(t)
        || login_closed(t)
        || quote_operator_name(t, comment_to_end)
        || escaped_quote_connective(t, true)
}

/// `sqli-014`: what [`quote_statement`] takes only in a stricter form, and a name closed by a
/// quote and commented out (`admin'#`): code and prose write them too (`'x' | basenc
/// --base2`, `"I'm not stupid"\n-- author`).
pub(super) fn quote_operator(t: &[u8]) -> bool {
    quote_operator_name(t, |rest| rest.starts_with(b"--"))
        || name_closed_commented(t)
        || escaped_quote_connective(t, false)
}

/// `--` that comments out the rest of the query as MySQL reads it: a blank or the end after it
/// (`--base2lsbf` is an option).
fn comment_to_end(rest: &[u8]) -> bool {
    rest.starts_with(b"--") && rest.get(2).is_none_or(|b| *b == b' ')
}

/// A quote, then an operator (`|`, `+`, `<`, `=`, `%`, `mod`, `div` …), a name and a comment or
/// `;` (`x'|email--`, `x' mod id--`), or `>`, `&`, `-`, `!`, `~`, `/` and a name before a
/// comment only (`x'>email--`; `">Note;` and `"/app;jsessionid` are markup and URLs): the
/// value's string closed and an expression injected. `dashes` says whether the rest starts
/// with a `--` comment.
pub(super) fn quote_operator_name(t: &[u8], dashes: fn(&[u8]) -> bool) -> bool {
    t.iter()
        .enumerate()
        .filter(|(_, b)| matches!(b, b'\'' | b'"' | b'`'))
        .any(|(i, _)| {
            let at = skip_blank(t, i + 1);
            let op_len = match t.get(at) {
                // Not `>` (`">Note;` closes a tag), `/` (`"/app;jsessionid`) nor a single `&`
                // (`"&nbsp;`): markup and URLs write them after a quote.
                Some(b'&') if t.get(at + 1) == Some(&b'&') => 2,
                Some(b'|' | b'+' | b'<' | b'=' | b'%' | b'^' | b'*') => {
                    1 + usize::from(t.get(at + 1).is_some_and(|b| b"|<>=".contains(b)))
                }
                _ if word_at(t, at, "mod") || word_at(t, at, "div") => 3,
                // Before a comment only, since markup and URLs put them after a quote.
                Some(b'>' | b'&' | b'-' | b'!' | b'~' | b'/') => {
                    let op = t.get(at).copied().unwrap_or_default();
                    let name_at = skip_blank(t, at + 1);
                    let name = ident_at(t, name_at);
                    let rest = t
                        .get(skip_blank(t, name_at + name.len())..)
                        .unwrap_or_default();
                    return name.first().is_some_and(u8::is_ascii_alphabetic)
                        && (dashes(rest) || op != b'/' && rest.starts_with(b"#"));
                }
                _ => return false,
            };
            let at = skip_blank(t, at + op_len);
            let name = ident_at(t, at);
            let rest = t.get(skip_blank(t, at + name.len())..).unwrap_or_default();
            // A name, before a comment or `;`; a number (`'=0--`, the login bypass), before a
            // comment only.
            match name.first() {
                Some(b) if b.is_ascii_alphabetic() => {
                    dashes(rest) || rest.starts_with(b"#") || rest.starts_with(b";")
                }
                Some(b) if b.is_ascii_digit() => dashes(rest) || rest.starts_with(b"#"),
                _ => false,
            }
        })
}

/// An escaped quote (`\'`, `\"`, the backslash that was to neutralize it) before a
/// connective, maybe after a literal (`\'and`, `\"or"1`, `\"1 or 1-`). With `operand`, the
/// connective ends the value or a quote, number, `(` or `-` follows it (an escaped quotation
/// in JSON text goes on with words: `\"yes and no\"`).
pub(super) fn escaped_quote_connective(t: &[u8], operand: bool) -> bool {
    t.windows(2)
        .enumerate()
        .filter(|(_, w)| matches!(w, [b'\\', b'\'' | b'"']))
        .any(|(i, _)| {
            let mut at = i + 2;
            if let Some(lit) = literal_after(t, at).or_else(|| {
                let w = ident_at(t, at);
                (!w.is_empty() && !["or", "and", "xor"].contains(&as_str(w))).then_some(w)
            }) {
                at += lit.len();
            }
            let at = skip_blank(t, at);
            ["or", "and", "xor"].iter().any(|c| {
                let end = at + c.len();
                t.get(at..end) == Some(c.as_bytes())
                    && !t.get(end).copied().is_some_and(is_ident)
                    && (!operand
                        || t.get(skip_blank(t, end)).is_none_or(|b| {
                            b.is_ascii_digit() || matches!(b, b'\'' | b'"' | b'`' | b'(' | b'-')
                        }))
            })
        })
}

word_list! {
    /// Statement keywords [`quote_then_keyword`] looks for right after a quote.
    QUOTE_STATEMENTS = "sql-quote-statements"
}

/// `' union/`, `' alter(`: a quote, then a statement keyword that the value ends with or
/// follows with a comment or `(`, `*`, `;` (not a word: "O' UNION selected a few", nor a
/// quote: `"UNION" BY`). Or `'UNION A`, `" ALTER A`: the value opens with a quote no other
/// closes and then the keyword, whatever follows: the string the value was to be closed at
/// once and a statement begun (a quoted title, `'Union Jack' flag`, closes its quote).
pub(super) fn quote_then_keyword(t: &[u8]) -> bool {
    let first = skip_blank(t, 0);
    if let Some(&q) = t.get(first).filter(|q| matches!(q, b'\'' | b'"')) {
        let at = skip_blank(t, first + 1);
        let unmatched = t.iter().filter(|b| **b == q).count() == 1;
        if unmatched && QUOTE_STATEMENTS.iter().any(|w| word_at(t, at, w)) {
            return true;
        }
    }
    t.iter()
        .enumerate()
        .filter(|(_, b)| matches!(b, b'\'' | b'"' | b'`'))
        .any(|(i, _)| {
            let at = skip_blank(t, i + 1);
            QUOTE_STATEMENTS.iter().any(|w| {
                word_at(t, at, w)
                    && match t.get(at + w.len()) {
                        None => true,
                        Some(b'/' | b'(' | b'*' | b';' | b'#') => true,
                        Some(b'-') => t.get(at + w.len() + 1) == Some(&b'-'),
                        Some(_) => false,
                    }
            })
        })
}

/// `admin'#`, `1' -- x`, `admin"--`: a name or number closed by a quote glued to it, then a
/// comment that ends the value (`#`) or runs to its end (`--` and a blank or nothing): the
/// rest of the query cut off. (`FOO BAR'# BLAH` goes on after `#`, `SOAP 1 '#` opens its quote,
/// `foo'--'bar'` goes on after `--`, and a quote the value opened before closes a quotation.)
pub(super) fn name_closed_commented(t: &[u8]) -> bool {
    // How many of each quote the value has before the one looked at: counted as the scan goes
    // (once per value, not once per quote).
    let (mut singles, mut doubles) = (0usize, 0usize);
    t.iter().enumerate().any(|(i, b)| {
        let before = match b {
            b'\'' => &mut singles,
            b'"' => &mut doubles,
            _ => return false,
        };
        // A quote that closes one the value opened ends a quotation, not the query's string:
        // `she said "hi" -- and left`, `"Ahead warp factor 1"\n-- Captain Kirk`.
        let opened = *before % 2 == 1;
        *before += 1;
        let name = ident_before(t, i);
        if name.is_empty() || opened {
            return false;
        }
        let rest = t.get(skip_blank(t, i + 1)..).unwrap_or_default();
        rest.strip_prefix(b"#")
            .is_some_and(|r| r.iter().all(|b| *b == b' '))
            || rest
                .strip_prefix(b"--")
                .is_some_and(|r| r.first().is_none_or(|b| *b == b' '))
    })
}

/// `admin@juice-sh.op';`, `a@b.com"--`: a login name (an e-mail address) closed by a quote
/// and ended by `--` or `#`, or by a `;` that ends the value: the rest of the query cut off
/// (`"john@example.com"; or call` goes on).
pub(super) fn login_closed(t: &[u8]) -> bool {
    t.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'@')
        .any(|(i, _)| {
            let local = ident_before(t, i);
            let domain = t
                .get(i + 1..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| is_ident(**b) || matches!(b, b'.' | b'-'))
                .count();
            let at = i + 1 + domain;
            let dotted = t
                .get(i + 1..at)
                .is_some_and(|d| d.contains(&b'.') && d.first().copied().is_some_and(is_ident));
            if local.is_empty() || !dotted || !matches!(t.get(at), Some(b'\'' | b'"')) {
                return false;
            }
            let rest = t.get(skip_blank(t, at + 1)..).unwrap_or_default();
            let comment = |r: &[u8]| r.starts_with(b"--") || r.starts_with(b"#");
            comment(rest)
                || rest.strip_prefix(b";").is_some_and(|r| {
                    let r = r.strip_prefix(b" ").unwrap_or(r);
                    r.is_empty() || comment(r)
                })
        })
}
