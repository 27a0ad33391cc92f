//! SQL injection beyond libinjection's fingerprints: the pieces of SQL an injection completes
//! that libinjection does not tokenize as an attack on their own. Each check reads a lowercase
//! copy in which SQL comments are blanks and blank runs are one space (MySQL's `/*!50000select*/`
//! keeps its content, since MySQL runs it).
//!
//! - a SQL function call (`substr(`, `db_name (`, `count(`),
//! - a stacked or standalone statement (`';select`, `drop table`, `declare @x`),
//! - a boolean clause started where a value ends (`' or 'a' <`, `AND 4372=(`, `||(c=!0)`),
//! - a column alias before `FROM` (`) as t from`),
//! - a NoSQL query operator as a key or parameter name (`{"$ne": 1}`, `id[$regex]=`).

mod object;

use super::anchor::{longest_piece, Anchors};
use super::words::word_list;
use super::wordset::WordSet;
use crate::engine::view::Gate;
use crate::engine::View;

word_list! {
    /// Functions only SQL has (or whose name, followed by `(`, English never writes): matched with
    /// blanks allowed before the `(`.
    SQL_FUNCTIONS = "sql-functions"
}

word_list! {
    /// SQL functions that are also English words: matched only with the `(` right after the name,
    /// as code writes it and prose does not (`count(`, but not "count (the votes)").
    WORD_FUNCTIONS = "sql-word-functions"
}

word_list! {
    /// Statements an injection stacks after `;`.
    STATEMENTS = "sql-statements"
}

word_list! {
    /// Statements stacked after a number (`1;waitfor`, `1; drop`).
    STATEMENTS_AFTER_NUMBER = "sql-statements-after-number"
}

word_list! {
    /// Statement openings no ordinary text has, anywhere in a value.
    /// (Statements on an object, `drop table x`, are read with what follows them: [`object`].)
    STATEMENT_PHRASES = "sql-statement-phrases"
}

word_list! {
    /// MongoDB query operators (NoSQL injection turns `{"pass": "x"}` into `{"pass": {"$ne": 1}}`).
    NOSQL_OPERATORS = "nosql-operators"
}

/// A piece of each statement phrase [`statement`] looks for (the longest between blanks and
/// `(`), of which one stands in every value that has a phrase.
static STATEMENT_ANCHORS: Anchors = Anchors::new(|| {
    STATEMENT_PHRASES
        .iter()
        .copied()
        .chain(object::openings())
        .chain([
            "insert into ",
            "delete from ",
            "values (",
            "values(",
            "update ",
        ])
        .map(|p| longest_piece(p))
        .collect()
});

/// What a boolean clause ([`boolean_clause`]: a connective) or an alias ([`alias_from`]:
/// `from`) cannot do without.
static CLAUSE_ANCHORS: Anchors = Anchors::new(|| vec!["or", "and", "&&", "||", "from"]);

/// This module's rules, each a check of the normalized copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlClause {
    NosqlOperator,
    FunctionCall,
    Statement,
    BooleanClause,
    AliasFrom,
    JsonCompared,
}

/// Whether one of this module's rules matches a value: behind the precheck they share
/// ([`clause_possible`]), on the value's normalized copy.
pub fn clause_rule(v: &View, which: SqlClause) -> bool {
    if !v.gate(Gate::SqlClause, clause_possible) {
        return false;
    }
    let text = v.sql();
    match which {
        SqlClause::NosqlOperator => nosql_operator(text),
        SqlClause::FunctionCall => function_call(text),
        SqlClause::Statement => statement(text),
        SqlClause::BooleanClause => boolean_clause(text),
        SqlClause::AliasFrom => alias_from(text),
        SqlClause::JsonCompared => json_literal_compared(text),
    }
}

/// Whether any of this module's rules can match a decoded value.
fn clause_possible(decoded: &[u8]) -> bool {
    // Each check needs something the value itself has: normalizing only lowercases, removes
    // bytes and turns comments and blank runs into one blank, so a byte or a run without
    // blanks found in the normalized copy stands in the value too. A NoSQL operator needs a
    // `$`, a call a `(`, a stacked statement a `;`, a statement phrase one of its words
    // ([`STATEMENT_ANCHORS`]), a boolean clause a connective (`or`, `and`, `&&`, `||`; `xor`
    // holds `or`) and an alias `from`. A value with none of them (most text) is not
    // normalized at all.
    // A JSON literal compared needs `'{` or `'[`, adjacent in the normalized copy and so in
    // the value.
    decoded.iter().any(|b| matches!(b, b'$' | b'(' | b';'))
        || STATEMENT_ANCHORS.found_in(decoded)
        || CLAUSE_ANCHORS.found_in(decoded)
        || decoded
            .windows(2)
            .any(|w| matches!(w, [b'\'', b'{' | b'[']))
}

/// The first of this module's rules that matches a decoded value (for the tests).
#[cfg(test)]
pub fn detect(decoded: &[u8]) -> Option<super::Rule> {
    let v = View::of(decoded);
    crate::engine::matching(super::sqli::TABLE, 1, &v)
        .into_iter()
        .find(|r| !["sqli-001", "sqli-002", "sqli-003", "sqli-004"].contains(&r.id))
}

/// Lowercase; `/* … */` comments as a blank (the content of MySQL's executable `/*! … */`
/// kept); every run of blanks and control bytes as one space.
pub(crate) fn normalize(decoded: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(decoded.len());
    let mut i = 0;
    let mut blank = false;
    while let Some(&b) = decoded.get(i) {
        let mut is_blank = b.is_ascii_whitespace() || b < 0x20 || b == 0x7f;
        if b == b'/' && decoded.get(i + 1) == Some(&b'*') {
            if decoded.get(i + 2) == Some(&b'!') {
                // `/*!50000select` runs `select`: drop the marker and version digits.
                i += 3;
                while decoded.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            } else {
                let end = decoded
                    .get(i + 2..)
                    .and_then(|r| r.windows(2).position(|w| w == b"*/"))
                    .map_or(decoded.len(), |p| i + 2 + p + 2);
                i = end;
            }
            is_blank = true;
        } else if b == b'*' && decoded.get(i + 1) == Some(&b'/') {
            i += 2;
            is_blank = true;
        } else {
            i += 1;
        }
        if is_blank {
            if !blank {
                out.push(b' ');
            }
            blank = true;
        } else {
            out.push(b.to_ascii_lowercase());
            blank = false;
        }
    }
    out
}

pub(super) fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The identifier ending just before `end` (exclusive); empty if it is the tail of a longer
/// word with non-ASCII letters (`haßelt` does not end in the function `elt`).
pub(super) fn ident_before(text: &[u8], end: usize) -> &[u8] {
    let mut start = end;
    while start > 0 && text.get(start - 1).copied().is_some_and(is_ident) {
        start -= 1;
    }
    if start > 0 && text.get(start - 1).is_some_and(|b| *b >= 0x80) {
        return &[];
    }
    text.get(start..end).unwrap_or_default()
}

/// Whether `word` is at `at` as a whole word (no identifier byte on either side).
pub(super) fn word_at(text: &[u8], at: usize, word: &str) -> bool {
    let end = at + word.len();
    text.get(at..end) == Some(word.as_bytes())
        && (at == 0 || !text.get(at - 1).copied().is_some_and(is_ident))
        && !text.get(end).copied().is_some_and(is_ident)
}

/// [`SQL_FUNCTIONS`], [`WORD_FUNCTIONS`] and [`NOSQL_OPERATORS`] as sets: looked up for every
/// `(` and `$` of a value.
pub(super) static SQL_FUNCTION_SET: WordSet = WordSet::new(&SQL_FUNCTIONS);
pub(super) static WORD_FUNCTION_SET: WordSet = WordSet::new(&WORD_FUNCTIONS);
static NOSQL_OPERATOR_SET: WordSet = WordSet::new(&NOSQL_OPERATORS);

/// `name(` for a SQL function (blanks allowed for [`SQL_FUNCTIONS`], none for
/// [`WORD_FUNCTIONS`]); the name may be schema-qualified (`dbo.db_name(`).
fn function_call(text: &[u8]) -> bool {
    text.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'(')
        .any(|(i, _)| {
            let tight = ident_before(text, i);
            // `item(s)`, `match(es)`: an English plural, not a call.
            let plural = [&b"s)"[..], b"es)"]
                .iter()
                .any(|p| text.get(i + 1..).is_some_and(|r| r.starts_with(p)));
            if !tight.is_empty() && !plural && !manual_page(text, i - tight.len(), i) {
                let name = std::str::from_utf8(tight).unwrap_or_default();
                if SQL_FUNCTION_SET.contains(name)
                    || WORD_FUNCTION_SET.contains(name)
                        && !method_call(text, i - tight.len())
                        && !spreadsheet_call(text, i)
                {
                    return true;
                }
            }
            let blank_end = if text.get(i.wrapping_sub(1)) == Some(&b' ') {
                i - 1
            } else {
                return false;
            };
            let spaced = ident_before(text, blank_end);
            let name = std::str::from_utf8(spaced).unwrap_or_default();
            SQL_FUNCTION_SET.contains(name)
        })
}

/// `openssl-rand(1)`, `git-log(1)`, `pcap-filter(7)`: a manual page named with its section, the
/// name ending a hyphenated word (a letter before the `-`), the section a digit and maybe
/// letters (`3ssl`), then `)` and no more of a word. SQL subtracts from a number or a column
/// with blanks or digits around (`1-sleep(5)`), and a section is no argument an injection sends.
pub(super) fn manual_page(text: &[u8], name_start: usize, paren: usize) -> bool {
    let hyphenated = name_start >= 2
        && text.get(name_start - 1) == Some(&b'-')
        && text
            .get(name_start - 2)
            .is_some_and(u8::is_ascii_alphabetic);
    let section = text.get(paren + 1..).unwrap_or_default();
    let letters = section
        .get(1..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| b.is_ascii_lowercase())
        .count();
    hyphenated
        && section.first().is_some_and(|b| (b'1'..=b'9').contains(b))
        && section.get(1 + letters) == Some(&b')')
        && !section.get(2 + letters).copied().is_some_and(is_ident)
}

/// `Math.max(`, `str.replace(`, `arr.length(`: a word function called as a method of an
/// object is program code (JavaScript, Python, Java), not SQL, which calls these functions
/// bare. (SQL-only names stay calls after a schema: `master.dbo.db_name(`.)
pub(super) fn method_call(text: &[u8], name_start: usize) -> bool {
    name_start > 0
        && text.get(name_start - 1) == Some(&b'.')
        && name_start >= 2
        && text.get(name_start - 2).copied().is_some_and(is_ident)
}

/// `=SUM(A1:A10)`, `=IF(B2>100,…)`, `=ROUND(C3*1.2, 2)`: a spreadsheet formula (the value
/// starts with `=`) whose call starts with a cell reference (letters then a row number, or a
/// column range `A:A`). SQL has no cell references. Formula injection is its own attack,
/// not SQL injection.
fn spreadsheet_call(text: &[u8], paren: usize) -> bool {
    if text.iter().find(|b| **b != b' ') != Some(&b'=') {
        return false;
    }
    let args = text.get(paren + 1..).unwrap_or_default();
    let args = args.strip_prefix(b"$").unwrap_or(args);
    let letters = args.iter().take_while(|b| b.is_ascii_lowercase()).count();
    let rest = args.get(letters..).unwrap_or_default();
    let rest = rest.strip_prefix(b"$").unwrap_or(rest);
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    (1..=3).contains(&letters)
        && (digits > 0 || rest.first() == Some(&b':'))
        && !rest
            .get(digits..)
            .and_then(|r| r.first())
            .copied()
            .is_some_and(is_ident)
}

/// A statement stacked after a `;` that ends a value (at the start, or after a quote, `)` or a
/// number), or a statement opening no text has (`drop table`, `declare @`), or
/// `insert into … values`/`select`, `update … set … =`, `delete from`, `values ('`.
fn statement(text: &[u8]) -> bool {
    let stacked = text
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b';')
        .any(|(i, _)| {
            let before = text.get(..i).unwrap_or_default();
            let before = before.strip_suffix(b" ").unwrap_or(before);
            let ends_string = before
                .last()
                .is_none_or(|b| matches!(b, b'\'' | b'"' | b'`' | b')'));
            let ends_number = before.last().is_some_and(u8::is_ascii_digit);
            let mut at = i + 1;
            if text.get(at) == Some(&b' ') {
                at += 1;
            }
            // After a number only the statements no list of items goes on with
            // ("1; exec will create" is prose).
            ends_string && STATEMENTS.iter().any(|s| word_at(text, at, s))
                || ends_number && STATEMENTS_AFTER_NUMBER.iter().any(|s| word_at(text, at, s))
        });
    if stacked {
        return true;
    }
    // Every phrase below matched in `s` has its anchor in `text`.
    if !STATEMENT_ANCHORS.found_in(text) {
        return false;
    }
    let s = String::from_utf8_lossy(text);
    let phrase = |p: &str| {
        s.match_indices(p).find_map(|(i, _)| {
            let starts_word = i == 0 || !text.get(i - 1).copied().is_some_and(is_ident);
            starts_word.then(|| s.get(i + p.len()..).unwrap_or_default())
        })
    };
    if STATEMENT_PHRASES.iter().any(|p| phrase(p).is_some()) || object::object_statement(text) {
        return true;
    }
    if phrase("insert into ").is_some_and(|rest| rest.contains("values") || rest.contains("select"))
    {
        return true;
    }
    // `delete from users;`, `delete from t where`: a table name, then the statement ends or
    // its clause follows ("delete from my list" goes on in English).
    if phrase("delete from ").is_some_and(|rest| {
        let table_len = rest
            .bytes()
            .take_while(|b| is_ident(*b) || *b == b'.')
            .count();
        let after = rest.get(table_len..).unwrap_or_default();
        table_len > 0
            && (after.is_empty()
                || [";", "--", "#", " where", " ;", " --"]
                    .iter()
                    .any(|t| after.starts_with(t)))
    }) {
        return true;
    }
    if phrase("values (")
        .or_else(|| phrase("values("))
        .is_some_and(|rest| {
            let rest = rest.trim_start();
            rest.starts_with(['\'', '"', '@']) || rest.starts_with(|c: char| c.is_ascii_digit())
        })
    {
        return true;
    }
    phrase("update ").is_some_and(|rest| {
        let mut words = rest.split(' ');
        let table = words.next().unwrap_or_default();
        !table.is_empty()
            && table.bytes().all(|b| is_ident(b) || b == b'.' || b == b'`')
            && words.next() == Some("set")
            && words.nth(1).is_some_and(|w| w.starts_with('='))
    })
}

/// A connective (`or`, `and`, `xor`, `&&`, `||`) where an injected value starts (the start of
/// the value, or right after a quote, `)` or `=`), then an operand and a comparison:
/// `' or 'a' <`, `AND 4372=(`, `||(c=!0)`, `' or x is null` ([`word_test`]). After a quote,
/// any operator counts (`' or x-`) but a hyphen inside a word ("kickin' and a-gougin'");
/// elsewhere only a comparison ("or 2-3 days" is English).
fn boolean_clause(text: &[u8]) -> bool {
    let starts = std::iter::once((0usize, false)).chain(
        text.iter()
            .enumerate()
            .filter(|(_, b)| matches!(b, b'\'' | b'"' | b'`' | b')' | b'='))
            .map(|(i, b)| (i + 1, *b != b'=')),
    );
    starts.into_iter().any(|(start, after_quote)| {
        let mut at = start;
        if text.get(at) == Some(&b' ') {
            at += 1;
        }
        let connective = ["or", "and", "xor", "&&", "||"].iter().find_map(|c| {
            let symbol = c.starts_with(['&', '|']);
            // `&&(`, `|| x`: a symbol connective opens a clause; `a||b=` concatenates.
            let here = if symbol {
                text.get(at..at + c.len()) == Some(c.as_bytes())
                    && matches!(text.get(at + c.len()), Some(b'(' | b' '))
            } else {
                word_at(text, at, c)
            };
            here.then_some(at + c.len())
        });
        let Some(mut at) = connective else {
            return false;
        };
        while matches!(text.get(at), Some(b' ' | b'(')) {
            at += 1;
        }
        let Some(after_operand) = operand_end(text, at) else {
            return false;
        };
        let mut at = after_operand;
        if text.get(at) == Some(&b' ') {
            at += 1;
        }
        let comparison = matches!(text.get(at), Some(b'=' | b'<' | b'>'))
            || text.get(at..at + 2) == Some(b"!=")
            || ["like", "regexp", "rlike"]
                .iter()
                .any(|w| word_at(text, at, w))
            || word_test(text, at);
        // `a-gougin'`: a hyphen between letters joins the words of one.
        let hyphenated = text.get(at) == Some(&b'-')
            && text.get(at - 1).is_some_and(u8::is_ascii_alphabetic)
            && text.get(at + 1).is_some_and(u8::is_ascii_alphabetic);
        comparison
            || after_quote
                && !hyphenated
                && matches!(text.get(at), Some(b'-' | b'+' | b'!' | b'|' | b'&' | b'*'))
    })
}

/// `is [not] null`, `in (`, `between x and`: a test word at `at` with what SQL's grammar puts
/// after it. English puts the same words between other words ("and three is, …", "and Time
/// in the airport", "And 1.1.81 is officially").
fn word_test(text: &[u8], at: usize) -> bool {
    let after = |word: &str| {
        let mut i = at + word.len();
        if text.get(i) == Some(&b' ') {
            i += 1;
        }
        i
    };
    if word_at(text, at, "in") {
        return text.get(after("in")) == Some(&b'(');
    }
    if word_at(text, at, "is") {
        let mut i = after("is");
        if word_at(text, i, "not") {
            i += 3;
            if text.get(i) == Some(&b' ') {
                i += 1;
            }
        }
        return ["null", "true", "false", "unknown"]
            .iter()
            .any(|w| word_at(text, i, w));
    }
    if word_at(text, at, "between") {
        let i = after("between");
        return operand_end(text, i).is_some_and(|end| {
            let end = if text.get(end) == Some(&b' ') {
                end + 1
            } else {
                end
            };
            word_at(text, end, "and")
        });
    }
    false
}

/// The end of an operand at `at`: a number, an identifier, or a quoted string.
pub(super) fn operand_end(text: &[u8], at: usize) -> Option<usize> {
    match text.get(at)? {
        q @ (b'\'' | b'"') => {
            let close = text.get(at + 1..)?.iter().position(|b| b == q)?;
            Some(at + 1 + close + 1)
        }
        b if is_ident(*b) => {
            let mut end = at;
            while text
                .get(end)
                .copied()
                .is_some_and(|b| is_ident(b) || b == b'.')
            {
                end += 1;
            }
            Some(end)
        }
        _ => None,
    }
}

/// `) as t from`, `` ` as `x` from ``, `6 as" from`: a column alias (after the end of an
/// expression: `)`, a quote, a number) followed by `FROM`.
fn alias_from(text: &[u8]) -> bool {
    let s = String::from_utf8_lossy(text);
    s.match_indices("as").any(|(i, _)| {
        if !word_at(text, i, "as") {
            return false;
        }
        let before = text.get(..i).unwrap_or_default();
        let before = before.strip_suffix(b" ").unwrap_or(before);
        let after_expression = before.last().is_some_and(|b| {
            matches!(b, b')' | b'\'' | b'"' | b'`' | b';' | b'*') || b.is_ascii_digit()
        });
        let rest = s.get(i + 2..).unwrap_or_default().trim_start();
        let rest = rest.trim_start_matches(['\'', '"', '`']);
        let rest = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
        let rest = rest.trim_start_matches(['\'', '"', '`']).trim_start();
        after_expression
            && rest.starts_with("from")
            && !rest.as_bytes().get(4).copied().is_some_and(is_ident)
    })
}

/// `'{"a":2}' -> '$.a' = 2`, `'{"a":"b"}' ? 'a'`, `'[1,2]' @> '1'`: a JSON document written as
/// a SQL string literal (`'{…}'`, `'[…]'`), then a JSON or comparison operator (`->`, `->>`,
/// `#>`, `?`, `?|`, `?&`, `@>`, `<@`, `=`, `<`, `>`, `||`) and a string, number or `array[`: a
/// test built from PostgreSQL's and MySQL's JSON operators, which an injection uses where a
/// filter knows only `1=1`. Prose and JSON APIs do not single-quote JSON and compare it.
fn json_literal_compared(text: &[u8]) -> bool {
    // Longer operators first: the first that stands there is taken.
    const OPERATORS: [&[u8]; 17] = [
        b"->>", b"->", b"#>>", b"#>", b"?|", b"?&", b"@>", b"<@", b"<>", b"!=", b"<=", b">=",
        b"||", b"=", b"<", b">", b"?",
    ];
    let mut at = 0;
    // Each literal from its opening quote to the next quote, once: linear.
    while let Some(open) = text
        .get(at..)
        .and_then(|r| r.windows(2).position(|w| matches!(w, [b'\'', b'{' | b'['])))
    {
        let open = at + open;
        let Some(close) = text
            .get(open + 1..)
            .and_then(|r| r.iter().position(|b| *b == b'\''))
            .map(|p| open + 1 + p)
        else {
            return false;
        };
        at = close + 1;
        if !matches!(text.get(close.wrapping_sub(1)), Some(b'}' | b']')) {
            continue;
        }
        let mut i = close + 1;
        if text.get(i) == Some(&b' ') {
            i += 1;
        }
        let Some(op) = OPERATORS
            .iter()
            .find(|op| text.get(i..i + op.len()) == Some(**op))
        else {
            continue;
        };
        i += op.len();
        if text.get(i) == Some(&b' ') {
            i += 1;
        }
        let rest = text.get(i..).unwrap_or_default();
        if rest
            .first()
            .is_some_and(|b| *b == b'\'' || b.is_ascii_digit())
            || rest.starts_with(b"array[")
        {
            return true;
        }
    }
    false
}

/// `$ne`, `$regex`, `$where`: a MongoDB operator as a whole key or name part (after the start,
/// `[`, `{`, a quote or `.`; before the end, `]`, a quote, `:` or a blank).
fn nosql_operator(text: &[u8]) -> bool {
    text.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'$')
        .any(|(i, _)| {
            let before_ok =
                i == 0 || matches!(text.get(i - 1), Some(b'[' | b'{' | b'"' | b'\'' | b'.'));
            let mut end = i + 1;
            while text.get(end).is_some_and(u8::is_ascii_alphabetic) {
                end += 1;
            }
            let name =
                std::str::from_utf8(text.get(i + 1..end).unwrap_or_default()).unwrap_or_default();
            let after_ok = matches!(
                text.get(end),
                None | Some(b']' | b'"' | b'\'' | b':' | b' ')
            );
            before_ok && after_ok && NOSQL_OPERATOR_SET.contains(name)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode_fully;

    fn id(v: &str) -> Option<&'static str> {
        detect(&decode_fully(v.as_bytes(), true, true)).map(|r| r.id)
    }

    #[test]
    fn function_calls() {
        for v in [
            "SUBSTR(",
            "db_name%28",
            "Uncompress (",
            "x=md5(password)",
            "COUNT(",
            "version()",
            "1 and ascii(substr(user(),1,1))>64",
            "starts_with(password,'a')::int",
            "SuBsTr /**/ (",
            "master.dbo.DB_NAME(",
            "1-rand(1)",
            "a - rand(1)",
        ] {
            assert_eq!(id(v), Some("sqli-005"), "{v}");
        }
        // English: a word function with a blank before the parenthesis, or a name inside a word.
        for v in [
            "count (the votes)",
            "see you now (or later)",
            "1 function (1)",
            "x/void(1)",
            "3rd space(s)",
            "Haßelt (1599)",
            "User(foo),junk",
            "discount(s) apply",
            "WOODEN EMBROIDERY HOOP (3\")",
            "the cast (actors) and crew",
            // Program code calling methods, spreadsheet formulas over cells.
            "Math.max(a, b)",
            "str.replace(x, y)",
            "arr.length()",
            "=SUM(A1:A10)",
            "=IF(B2>100,\"high\",\"low\")",
            "=MAX(B2:B9)-MIN(B2:B9)",
            "=COUNT(A:A)",
            "= round($C$3*1.2, 2)",
            // Manual pages with their sections.
            "openssl(1), openssl-rand(1), openssl-ec(1), openssl-version(1)",
            "see pcap-filter(7) and git-log(1)",
        ] {
            assert_eq!(id(v), None, "{v}");
        }
        // Still calls: a bare word function, a formula over no cell, a schema-qualified name.
        for v in [
            "=IF(1=1,SLEEP(5),0)",
            "x=count(*)",
            "1 and if(1=1,1,0)",
            "x'||version()",
            "dbo.db_name(",
        ] {
            assert_eq!(id(v), Some("sqli-005"), "{v}");
        }
    }

    #[test]
    fn statements() {
        for v in [
            "';SELECT P",
            "';print'",
            ";drop",
            "1;waitfor",
            "DROP/**/TABLE users",
            "CREATE TABLE Persons",
            "DELETE FROM users;--",
            "declare @x nvarchar(4000)",
            ";SET @OLD_SQL_NOTES",
            "exec master.dbo.xp_cmdshell",
            "VALUES ('192.168.0.1', 'test')",
            "insert into users (a) values (1)",
            "update users set pass = 'x'",
        ] {
            assert_eq!(id(v), Some("sqli-006"), "{v}");
        }
        for v in [
            "BASE; SET SWAROVSKI",
            "lunch; select a gift",
            "1;1;1;CONTROL;0;0;1;",
            "1; exec will create the case",
            "please insert into the slot",
            "we value (and update) our customers",
            "delete from my list, please",
            "select x from y where",
        ] {
            assert_eq!(id(v), None, "{v}");
        }
    }

    #[test]
    fn boolean_clauses() {
        for v in [
            "' or 'aaaa' <",
            "AND 4372=(",
            "&&(c=!0)",
            "||(e===",
            "x=or 1='",
            "test' or 1=",
            "'  xor  abcdefg!",
            "xor\t\t5>",
            "' or xyz-",
            "and code != \"",
            "OR name like 'a%'",
            "' or x is null",
            "x' and email is not null",
            "1' and id in (1,2)",
            "' or id between 1 and 9",
        ] {
            assert_eq!(id(v), Some("sqli-007"), "{v}");
        }
        for v in [
            "(CERAMIC OR POTTERY) MUGS",
            "or 2-3 days",
            "rock or pop = fun",
            "And then there were none",
            "Tom's or more!",
            "5685587||ORDER=||SECTION",
            // Test words between words, a hyphenated word after an apostrophe.
            "next to \"People\" and \"Time\" in the airport store",
            "And 1.1.81 is officially BugFree(tm)",
            "Two is, \"What train?\"  And three is, \"Don't worry.\"",
            "Kickin' and a-gougin' in the mud",
            "\"Sit\" or stand between the lines",
        ] {
            assert_eq!(id(v), None, "{v}");
        }
    }

    #[test]
    fn aliases_and_nosql() {
        for v in [
            ") AS t FROM",
            "` AS `documentType` FROM",
            "6 As\" from",
            "); As  not  from",
        ] {
            assert_eq!(id(v), Some("sqli-008"), "{v}");
        }
        for v in [
            "such as t from",
            "as seen from space",
            "known as X from 1990s",
        ] {
            assert_eq!(id(v), None, "{v}");
        }
        for v in [
            "$ne",
            "u_id[$regex]",
            "[$lte]asdfsd",
            "$elemMatch",
            "{\"$where\": 1}",
        ] {
            assert_eq!(id(v), Some("sqli-009"), "{v}");
        }
        for v in ["costs $in total", "$schema", "$ref", "US$ 5", "$network"] {
            assert_eq!(id(v), None, "{v}");
        }
    }

    #[test]
    fn json_literals_compared() {
        for v in [
            r#"OR '{"a":2,"c":[4,5,{"f":7}]}' -> '$.c[2].f' = 7"#,
            r#"OR '{"a":"b"}' ? 'a'"#,
            "OR '[1,2]' ? '1'",
            r#"'{"name":"asd"}' ?| array['a','name']"#,
            r#"'{"a":2}' < '$.c' = 7"#,
            r#"x' and '{"a":1}'@>'{"a":1}'"#,
        ] {
            assert_eq!(
                detect(&decode_fully(v.as_bytes(), false, true)).map(|r| r.id),
                Some("sqli-015"),
                "{v}"
            );
        }
        for v in [
            r#"{"a": [1, 2]}"#,
            r#"config = '{"debug": true}' in the file"#,
            "the list '[1,2]' has two",
            "'[note]' - see below",
            r#"set x = '{"a":1}' + y"#,
            "it's {fine} isn't it? 'yes'",
        ] {
            assert_eq!(
                detect(&decode_fully(v.as_bytes(), false, true)),
                None,
                "{v}"
            );
        }
    }

    #[test]
    fn comments_and_blanks_normalized() {
        assert_eq!(normalize(b"A/**/b\t\n c"), b"a b c");
        assert_eq!(normalize(b"/*!50000SELECT*/1"), b" select 1");
        assert_eq!(normalize(b"x/* open"), b"x ");
    }

    #[test]
    fn prechecks_keep_what_normalizing_hides() {
        assert!(STATEMENT_ANCHORS.builds() && CLAUSE_ANCHORS.builds());
        for (v, rule) in [
            ("DROP/**/TABLE users", "sqli-006"),
            ("DeClArE   @x int", "sqli-006"),
            ("/*!50000insert*/ into t values (1)", "sqli-006"),
            ("x' OR/**/'a' <", "sqli-007"),
            ("&&(c=!0)", "sqli-007"),
            ("XOR\t5>", "sqli-007"),
            (") AS t FROM", "sqli-008"),
            ("[$NE]", "sqli-009"),
            ("SUBSTR/**/(", "sqli-005"),
            ("';SELECT 1", "sqli-006"),
        ] {
            assert_eq!(id(v), Some(rule), "{v}");
        }
        // None of `$ ( ;`, a statement word, a connective or `from`: nothing to normalize.
        assert_eq!(id("https://shop.example.com/p/12/item-12?ref=home"), None);
    }
}
