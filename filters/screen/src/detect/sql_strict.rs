//! SQL grammar fragments: the pieces of SQL an injection completes. Most of them also occur,
//! now and then, in prose or code, and are level-2 rules (docs/screen.md, the rule table):
//! they run only under `detect.paranoia: 2`, after level 1's SQL rules found nothing. The
//! forms no prose writes are level-1 rules (`sqli-026`…`029`, `sqli-006`'s glued statement).
//! All read the same normalized copy ([`normalize`]: lowercase, comments as a blank, blank runs
//! as one space).
//!
//! Level 1:
//! - a quote closed and SQL begun (`sqli-026`, [`quote`]: `' union/`, `'UNION A`,
//!   `admin@x.org';`, `x'|email--`, `\'or'1`),
//! - a query fragment (`sqli-027`, [`clause`]: an open `(select *`, `' * from`, `select (case`,
//!   `from t where c=`, `having 1=`, `` `db`.`table` ``),
//! - a comparison probe (`sqli-028`: a whole value `1=1` or `11!=1`, `)like(`,
//!   `something LIKE '`),
//! - comments for blanks (`sqli-029`: `DR/**/OP`, `1,/**/2`) and level 1's attack phrases
//!   joined by `+`,
//! - a statement keyword glued to `;` (`sqli-006`: `;drop`).
//!
//! Level 2:
//! - a SQL function name before `(` with junk between, or a call left open or given a literal
//!   (`IN (`, `length||(`, `user()`, `div (23, 2)`, `in (1,2)`),
//! - SQL operator words and bare operator probes (`XOR`, `regexp`, `IS NULL`, a value that is
//!   only `<>`, a value opened by a connective before a number, `or 88`),
//! - an always-true comparison within a value (`a=1=1`, `'a'='a' and`, `1)=(1`),
//! - clause fragments (`order by 1`, `when 1 then`, `select a,b from t`, `union all`,
//!   `execute name`),
//! - a closed quote followed by an operator, a name and any comment (`x'|basenc--base2`), a
//!   name closed by a quote and commented out (`admin'#`), an escaped quote before a
//!   connective (`\'and x`),
//! - obfuscation: a statement ended and commented out (`;--`), MySQL's `/*!`, hex literals
//!   (`0xf00d`), `1.e(`, a connective glued to `(` (`and(`), SQL string types (`nvarchar`),
//! - catalog objects, server variables and packages level 1 does not list (`@@datadir`,
//!   `sys.objects`, `utl_http`).

use super::anchor::Anchors;
use super::sql::{
    ident_before, is_ident, manual_page, method_call, operand_end, word_at, SQL_FUNCTION_SET,
    WORD_FUNCTION_SET,
};
use super::words::word_list;
use super::wordset::WordSet;
#[cfg(test)]
use super::Rule;
use crate::engine::view::Gate;
use crate::engine::View;
use aho_corasick::AhoCorasick;
use std::sync::OnceLock;

mod clause;
mod quote;
#[cfg(test)]
mod tests;

pub use clause::Present;
use clause::*;
use quote::*;

word_list! {
    /// SQL functions level 1's lists leave out because they are English words or too short
    /// (`user`, `in`, `if`, `tan`), or that only matter as a call (`ascii`, `sleep`): together with
    /// level 1's [`SQL_FUNCTION_SET`] and [`WORD_FUNCTION_SET`], the names [`open_call`] knows.
    MORE_FUNCTIONS = "sql-functions-more"
}

static MORE_FUNCTION_SET: WordSet = WordSet::new(&MORE_FUNCTIONS);

/// Every SQL function name [`open_call`] looks for.
pub(super) fn is_function(name: &str) -> bool {
    MORE_FUNCTION_SET.contains(name)
        || SQL_FUNCTION_SET.contains(name)
        || WORD_FUNCTION_SET.contains(name)
}

word_list! {
    /// Catalog objects, system variables' prefix and server packages an injection reads or calls
    /// to enumerate or reach out (SQL Server's `msdb`, `sys.objects`, DB2's `sysibm`, Oracle's
    /// `all_tables`, `utl_http`, `sys_context`, PostgreSQL's `pg_user`), besides those level 1
    /// lists: matched as whole names, a qualified name's parts included (`sys.objects`).
    CATALOG = "sql-catalog"
}

/// Words of this module's rules that plain text (no quote, operator or parenthesis) can hold:
/// with none of them, no catalog name and none of [`SYMBOLS`], no rule here can match (besides
/// [`opens_with_connective`]'s). The engine's anchors for these rules are built from the same
/// lists (`detect/sqli.rs`).
pub const WORDS: [&str; 21] = [
    "xor",
    "regexp",
    "rlike",
    "null",
    "order",
    "group",
    "having",
    "when",
    "exec",
    "0x",
    "varchar",
    "varbinary",
    "@@",
    "select",
    ".e.",
    "union",
    "exists",
    "replace",
    "limit",
    "infile",
    "waitfor",
];

/// [`WORDS`] and the catalog names, as one matcher.
static WORD_ANCHORS: Anchors = Anchors::new(|| {
    let mut words = WORDS.to_vec();
    words.extend(CATALOG);
    words
});

/// Bytes of which every match of a rule here without one of [`WORD_ANCHORS`] holds one.
pub const SYMBOLS: &[u8] = b"()=<>!&|'\"`\\/*;+";

/// A digit and the word piece `not` (any case): what `1 is not 2` holds without a symbol.
fn numbers_and_not(text: &[u8]) -> bool {
    static NOT: Anchors = Anchors::new(|| vec!["not"]);
    text.iter().any(u8::is_ascii_digit) && NOT.found_in(text)
}

/// Whether the value, after blanks and control bytes, starts with `or`, `xor` or `and` (any
/// case): where [`leading_connective`] matches without a comment before the connective (a
/// comment has a `/`, one of [`SYMBOLS`]), the value itself starts so.
fn opens_with_connective(decoded: &[u8]) -> bool {
    let start = decoded
        .iter()
        .position(|b| !(b.is_ascii_whitespace() || *b < 0x20 || *b == 0x7f))
        .unwrap_or(decoded.len());
    let rest = decoded.get(start..).unwrap_or_default();
    [&b"or"[..], b"xor", b"and"].iter().any(|c| {
        rest.get(..c.len())
            .is_some_and(|r| r.eq_ignore_ascii_case(c))
    })
}

/// Whether any of this module's rules can match a decoded value.
fn strict_possible(decoded: &[u8]) -> bool {
    // Precheck. Normalizing only lowercases, drops bytes and turns comments, blank runs and
    // control bytes into one blank, so a byte or a blank-free word of the normalized copy
    // stands in the value too (in some ASCII case). Every rule's match holds one of them: a
    // call its `(`; an operator word `xor`, `regexp`, `rlike`, `notnull` or a `null` compared;
    // `) like (` its `)`; a bare operator and a tautology a byte of `=<>!&|`; the clauses
    // `order`, `group`, `having`, `when`, `exec`, a `(` (`select (case`, `(select`), a `=<>!`
    // (`from t where c =`), a backtick, a `;` (`;drop`), `select` (`select a,b from t`),
    // `union` (`union all`), `exists` (`and exists`), `replace` (`create or replace`),
    // `limit`, `infile` or `waitfor` (`limit 0,1`, `load data local infile`, `waitfor time`);
    // the quote rules a quote or `\`; the obfuscations a `/` (a comment), `0x`, a `(` or
    // `varchar`/`varbinary`, `.e.` (`1.e.name`) or `+` (phrases joined by it); a catalog
    // object its name, a server variable `@@`. Only a value
    // opened by a connective and a number (`or 88`) holds none: [`opens_with_connective`]
    // looks at its start; and `1 is not 2` only a digit and `not` ([`numbers_and_not`]).
    decoded.iter().any(|b| SYMBOLS.contains(b))
        || WORD_ANCHORS.found_in(decoded)
        || opens_with_connective(decoded)
        || numbers_and_not(decoded)
}

/// The normalized copy, where this module's precheck lets the value through.
fn strict_text<'v>(v: &'v View) -> Option<&'v [u8]> {
    v.gate(Gate::SqlStrict, strict_possible).then(|| v.sql())
}

/// `sqli-026`: [`quote_statement`].
pub fn quote_statement_rule(v: &View) -> bool {
    strict_text(v).is_some_and(quote_statement)
}

/// `sqli-027`: [`query_fragment`].
pub fn query_fragment_rule(v: &View) -> bool {
    strict_text(v).is_some_and(|t| query_fragment(t, v.sql_words()))
}

/// `sqli-028`: a whole value that is a true comparison of literals ([`whole_tautology`]),
/// `)like(` ([`like_between_parentheses`]), a value ending in `LIKE '`
/// ([`open_string_after_like`]).
pub fn comparison_probe_rule(v: &View) -> bool {
    strict_text(v).is_some_and(|t| {
        whole_tautology(t)
            || like_between_parentheses(t, v.sql_words())
            || open_string_after_like(t)
    })
}

/// `sqli-029`: [`comment_for_blank`].
pub fn comment_blank_rule(v: &View) -> bool {
    comment_for_blank(v.bytes())
}

/// `sqli-006`'s second row: [`glued_statement`].
pub fn glued_statement_rule(v: &View) -> bool {
    strict_text(v).is_some_and(glued_statement)
}

/// `sqli-010`: [`open_call`].
pub fn open_call_rule(v: &View) -> bool {
    strict_text(v).is_some_and(open_call)
}

/// `sqli-011`: [`operator`].
pub fn operator_rule(v: &View) -> bool {
    strict_text(v).is_some_and(|t| operator(t, v.sql_words()))
}

/// `sqli-012`: [`tautology`].
pub fn tautology_rule(v: &View) -> bool {
    strict_text(v).is_some_and(|t| tautology(t, v.sql_words()))
}

/// `sqli-013`: [`clause`].
pub fn clause_rule(v: &View) -> bool {
    strict_text(v).is_some_and(|t| clause(t, v.sql_words()))
}

/// `sqli-014`: [`quote_operator`].
pub fn quote_operator_rule(v: &View) -> bool {
    strict_text(v).is_some_and(quote_operator)
}

/// `sqli-016`: [`obfuscation`].
pub fn obfuscation_rule(v: &View) -> bool {
    strict_text(v).is_some_and(|t| obfuscation(v.bytes(), t, v.sql_words()))
}

/// `sqli-017`: [`catalog_object`].
pub fn catalog_rule(v: &View) -> bool {
    strict_text(v).is_some_and(|t| catalog_object(t, v.sql_words()))
}

/// `sqli-029` again: [`plus_joined_phrase`] (its `+` is one of [`SYMBOLS`]).
pub fn plus_joined_rule(v: &View) -> bool {
    v.gate(Gate::SqlStrict, strict_possible) && plus_joined_phrase(v.bytes())
}

/// The first rule of this module's that matches a decoded value, in the engine's order (level
/// 1's, then level 2's), for the tests.
#[cfg(test)]
pub fn detect_with(decoded: &[u8], shortcuts: bool) -> Option<Rule> {
    const OURS: [&str; 12] = [
        "sqli-006", "sqli-010", "sqli-011", "sqli-012", "sqli-013", "sqli-014", "sqli-016",
        "sqli-017", "sqli-026", "sqli-027", "sqli-028", "sqli-029",
    ];
    let v = View::with(decoded, decoded, crate::detect::ValueKind::Text, shortcuts);
    [1, 2]
        .into_iter()
        .flat_map(|level| crate::engine::matching(super::sqli::TABLE, level, &v))
        .find(|r| OURS.contains(&r.id))
}

/// `24'union+all+select+1`, `"+WAITFOR+DELAY+'`: level 1's attack-only phrases
/// ([`super::sqli_keyword_in`]) with `+` for the blanks, where `+` is no space to the decoder (a
/// path, a header, a JSON or XML value) but an application that form-decodes the value again
/// reads one.
fn plus_joined_phrase(decoded: &[u8]) -> bool {
    if !decoded.contains(&b'+') {
        return false;
    }
    // `+` as a blank, then level 1's own check, anchor precheck first: its pieces between
    // blanks stand in this copy as in any value.
    let spaced: Vec<u8> = decoded
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    super::sqli::sqli_keyword_in(&View::of(&spaced))
}

/// `t` from `at` with one leading blank skipped.
fn skip_blank(t: &[u8], at: usize) -> usize {
    if t.get(at) == Some(&b' ') {
        at + 1
    } else {
        at
    }
}

/// The identifier starting at `at` (possibly empty).
fn ident_at(t: &[u8], at: usize) -> &[u8] {
    let rest = t.get(at..).unwrap_or_default();
    let len = rest.iter().take_while(|b| is_ident(**b)).count();
    rest.get(..len).unwrap_or_default()
}

fn as_str(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or_default()
}

/// A SQL function's `(` after its name with up to [`MAX_JUNK`] bytes of punctuation and blanks
/// between (`length||!!$(`, `date]=(`, `quarter. (`, what a filter stripping known calls leaves
/// or an injection probes with), where the call is left open at the end of the value, empty
/// (`user()`), or opened with something no prose puts in parentheses after such a word: a
/// number not followed by a word, a quote, `@`, `*`, `(`, `select` or a nested call (`in (1,2)`,
/// `length(database())`); for a name with `_`, anything. Words as the argument are English or
/// code (`TAN (WATER RESISTANT)`, `User(foo)`), as are method calls (`arr.length(1)`).
fn open_call(t: &[u8]) -> bool {
    const MAX_JUNK: usize = 6;
    t.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'(')
        .any(|(i, _)| {
            let mut end = i;
            while end > 0
                && i - end <= MAX_JUNK
                && t.get(end - 1)
                    .is_some_and(|&b| b < 0x80 && !is_ident(b) && b != b'(' && b != b')')
            {
                end -= 1;
            }
            if i - end > MAX_JUNK {
                return false;
            }
            let name = ident_before(t, end);
            if name.is_empty()
                || !is_function(as_str(name))
                || method_call(t, end - name.len())
                || end == i && manual_page(t, end - name.len(), i)
            {
                return false;
            }
            // A name with `_` is no English word (`sys_eval(cmd)`): any argument.
            name.contains(&b'_') || call_argument_is_sql(t, i + 1)
        })
}

/// What follows a call's `(` at `at`: the end of the value, `)`, a literal, `@`, `*`, `(`,
/// `select`/`case`/`distinct`/`null`, or a nested call of a known function.
fn call_argument_is_sql(t: &[u8], at: usize) -> bool {
    let at = skip_blank(t, at);
    match t.get(at) {
        None => true,
        Some(b) if b.is_ascii_digit() => number_then_sql(t, at),
        // `~`, `!`: a bitwise or logical negation (`exp(~(select …))`, error-based).
        Some(b')' | b'\'' | b'"' | b'`' | b'@' | b'*' | b'(' | b'~' | b'!') => true,
        Some(b'-' | b'+') => {
            t.get(at + 1).is_some_and(u8::is_ascii_digit) && number_then_sql(t, at + 1)
        }
        Some(_) => {
            let word = ident_at(t, at);
            let name = as_str(word);
            ["select", "case", "distinct", "null"].contains(&name)
                || !word.is_empty()
                    && is_function(name)
                    && t.get(skip_blank(t, at + word.len())) == Some(&b'(')
        }
    }
}

/// A number at `at` as an argument: followed by the end, `)`, `,` or an operator, not by a word
/// (`convert (0.46 miles)`, `time (2 hours)` are prose).
fn number_then_sql(t: &[u8], at: usize) -> bool {
    let len = t
        .get(at..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .count();
    !t.get(skip_blank(t, at + len))
        .copied()
        .is_some_and(is_ident)
}

/// Operators prose has no use for: `xor`, `regexp`, `rlike`, `notnull` as words; `null` after
/// `is`, `is not`, `like` (with an operand before them) or a comparison; `like` between parentheses (`)like(`); a value that
/// is only a SQL comparison or logical operator (what a probe sends to see whether the
/// application breaks: `<>`, `!=`, `&&`); a value opened by a connective before a number and
/// nothing or an operator after it (`or 88`, `xor 5-`).
fn operator(t: &[u8], kw: &Present) -> bool {
    operator_word(t, kw) || null_compared(t, kw) || bare_operator(t) || leading_connective(t)
}

/// `xor`, `regexp`, `rlike`, `notnull` as words.
pub(super) fn operator_word(t: &[u8], kw: &Present) -> bool {
    ["xor", "regexp", "rlike", "notnull"]
        .iter()
        .any(|w| occurrences(t, w, kw).any(|i| word_at(t, i, w)))
}

/// `null` after `is`, `is not`, `like` (with an operand before them) or a comparison.
pub(super) fn null_compared(t: &[u8], kw: &Present) -> bool {
    occurrences(t, "null", kw).any(|i| {
        if !word_at(t, i, "null") {
            return false;
        }
        let before = t.get(..i).unwrap_or_default();
        let before = before.strip_suffix(b" ").unwrap_or(before);
        // `is`/`like` after an operand, or the whole value (`IS NULL`, a probe); not opening
        // a sentence ("Is null a value?").
        let whole_rest = t
            .get(skip_blank(t, i + 4)..)
            .is_none_or(|r| r.is_empty() || r.starts_with(b"--") || r.starts_with(b"#"));
        matches!(before.last(), Some(b'=' | b'<' | b'>'))
            || [&b"is"[..], b"like", b"is not"].iter().any(|w| {
                let operand = before
                    .get(..before.len().saturating_sub(w.len()))
                    .unwrap_or_default();
                before.ends_with(w)
                    && !operand.last().copied().is_some_and(is_ident)
                    && (operand.iter().any(|b| *b != b' ') || whole_rest)
            })
    })
}

/// `)like(`: `like` between parentheses.
pub(super) fn like_between_parentheses(t: &[u8], kw: &Present) -> bool {
    occurrences(t, "like", kw).any(|i| {
        let before = t.get(..i).unwrap_or_default();
        let before = before.strip_suffix(b" ").unwrap_or(before);
        before.last() == Some(&b')') && t.get(skip_blank(t, i + 4)) == Some(&b'(')
    })
}

/// A value that is only a SQL comparison or logical operator (`<>`, `!=`, `&&`).
pub(super) fn bare_operator(t: &[u8]) -> bool {
    let bare = as_str(t).trim_matches(|c: char| c == ' ' || c == '\n');
    [
        "!=", "<>", "==", ">=", "<=", "<=>", "&&", "||", "!<", "!>", "^=", "|=", "&=", ">>", "<<",
    ]
    .contains(&bare)
}

/// `something LIKE '`: the value ends with a pattern operator and a quote it opens (an odd
/// one), for the query's own closing quote to end.
pub(super) fn open_string_after_like(t: &[u8]) -> bool {
    let end = t.strip_suffix(b" ").unwrap_or(t);
    let Some((&q, before)) = end.split_last() else {
        return false;
    };
    let before = before.strip_suffix(b" ").unwrap_or(before);
    // The quote opens a string: it is the odd one of its kind (`BROWNING "LIKE"` closes one).
    let opens = t.iter().filter(|b| **b == q).count() % 2 == 1;
    matches!(q, b'\'' | b'"')
        && opens
        && ["like", "rlike", "regexp"]
            .iter()
            .any(|w| ends_with_word(before, w))
}

/// Where the value opens (after blanks) with one of `words` and one blank: the index after
/// that blank.
fn after_opening_word(t: &[u8], words: &[&str]) -> Option<usize> {
    let at = skip_blank(t, 0);
    let word = words.iter().find(|w| word_at(t, at, w))?;
    let at = at + word.len();
    (t.get(at) == Some(&b' ')).then_some(at + 1)
}

/// Whether hex `digits` (an even number of them) spell printable ASCII text.
fn hex_is_text(digits: Option<&[u8]>) -> bool {
    let Some(digits) = digits.filter(|d| !d.is_empty() && d.len() % 2 == 0) else {
        return false;
    };
    let nibble = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
    digits.chunks(2).all(|pair| match pair {
        [hi, lo] => (0x20..0x7f).contains(&(nibble(*hi) * 16 + nibble(*lo))),
        _ => false,
    })
}

/// Each place a two-byte `marker` (`0x`, `x'`) stands not glued to a name before it: where
/// the hex digits after it end, and how many there are.
fn hex_after<'a>(t: &'a [u8], marker: &'a [u8]) -> impl Iterator<Item = (usize, usize)> + 'a {
    t.windows(2).enumerate().filter_map(move |(i, w)| {
        let glued = i
            .checked_sub(1)
            .and_then(|p| t.get(p))
            .copied()
            .is_some_and(is_ident);
        (w == marker && !glued).then(|| {
            let digits = run_from(t, i + 2, |b| b.is_ascii_hexdigit());
            (i + 2 + digits, digits)
        })
    })
}

/// The length of a (possibly qualified or backticked) table name at `at`: `db.t`, `` `t` ``.
fn table_name_len(t: &[u8], at: usize) -> usize {
    run_from(t, at, |b| is_ident(b) || matches!(b, b'.' | b'`'))
}

/// Whether `text` ends with the word `w`, not the tail of a longer name (`select`, not
/// `preselect`).
fn ends_with_word(text: &[u8], w: &str) -> bool {
    text.ends_with(w.as_bytes())
        && !text
            .get(..text.len() - w.len())
            .and_then(|b| b.last())
            .copied()
            .is_some_and(is_ident)
}

/// How many bytes from `at` on satisfy `pred`.
fn run_from(t: &[u8], at: usize, pred: impl Fn(u8) -> bool) -> usize {
    t.get(at..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| pred(**b))
        .count()
}

/// `or 88`, `xor 5-`, `and 3 <`, `or true`: a value that opens with a connective, a blank and
/// a number or `true`/`false`/`null`, then ends or goes on with an operator (not a word: "or 2
/// days", "and true love").
pub(super) fn leading_connective(t: &[u8]) -> bool {
    let Some(at) = after_opening_word(t, &["or", "xor", "and"]) else {
        return false;
    };
    let digits = run_from(t, at, |b| b.is_ascii_digit());
    let constant = ["true", "false", "null"]
        .iter()
        .find(|w| word_at(t, at, w))
        .map_or(0, |w| w.len());
    if digits == 0 && constant == 0 {
        return false;
    }
    let after = skip_blank(t, at + digits.max(constant));
    match t.get(after) {
        None => true,
        Some(b) => b"=<>!-+*/%|&^".contains(b),
    }
}

/// A literal ending just before `end`: a number (digits and `.`) or a quoted string, whose
/// start is where an operand may start (not after a letter, digit, `.` or an arithmetic
/// operator: `x1=1`, `1+1=2` are no literal comparisons). Its text, quotes included.
fn literal_before(t: &[u8], end: usize) -> Option<&[u8]> {
    let last = *t.get(end.checked_sub(1)?)?;
    let start = if matches!(last, b'\'' | b'"') {
        t.get(..end - 1)?.iter().rposition(|b| *b == last)?
    } else if last.is_ascii_digit() {
        let mut s = end;
        while s > 0
            && t.get(s - 1)
                .is_some_and(|b| b.is_ascii_digit() || *b == b'.')
        {
            s -= 1;
        }
        s
    } else {
        return None;
    };
    let before = start.checked_sub(1).and_then(|p| t.get(p)).copied();
    let operand_start = before.is_none_or(|b| {
        !is_ident(b)
            && !matches!(
                b,
                b'.' | b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'\'' | b'"'
            )
    });
    operand_start.then(|| t.get(start..end)).flatten()
}

/// A literal starting at `at` (a number or a quoted string) that ends where an operand may
/// end (not before a letter, `.` or an arithmetic operator other than a `--` comment).
fn literal_after(t: &[u8], at: usize) -> Option<&[u8]> {
    let first = *t.get(at)?;
    let end = if matches!(first, b'\'' | b'"') {
        let close = t.get(at + 1..)?.iter().position(|b| *b == first)?;
        at + 1 + close + 1
    } else if first.is_ascii_digit() {
        let mut e = at;
        while t.get(e).is_some_and(|b| b.is_ascii_digit() || *b == b'.') {
            e += 1;
        }
        e
    } else {
        return None;
    };
    let after = t.get(end).copied();
    let comment = t.get(end..end + 2) == Some(b"--");
    let operand_end = comment
        || after.is_none_or(|b| {
            !is_ident(b)
                && !matches!(
                    b,
                    b'.' | b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'\'' | b'"'
                )
        });
    operand_end.then(|| t.get(at..end)).flatten()
}

/// `1=1`, `'a'='a'`, `1!=11`, `2<>3`, `1)=(1`, `x=x`: two literals compared so that the test
/// always holds (the same literal with `=`, `==`, `<=`, `>=`, `<=>`; different ones with `!=`,
/// `<>`), or the same number or name on both sides ([`same_operands`]). A false test
/// (`GALLERY=1=5`) and arithmetic (`1+1=2`) are not one.
fn tautology(t: &[u8], kw: &Present) -> bool {
    compared_literals(t) || is_not_different(t, kw)
}

/// Each comparison operator of `t`: where it starts, its bytes, and whether it holds for
/// equal operands.
fn comparisons(t: &[u8]) -> impl Iterator<Item = (usize, &'static [u8], bool)> + '_ {
    const OPS: [(&[u8], bool); 7] = [
        (b"<=>", true),
        (b"!=", false),
        (b"<>", false),
        (b"==", true),
        (b"<=", true),
        (b">=", true),
        (b"=", true),
    ];
    let mut i = 0;
    std::iter::from_fn(move || {
        while let Some(&b) = t.get(i) {
            if matches!(b, b'=' | b'<' | b'>' | b'!') {
                if let Some(&(op, same)) = OPS
                    .iter()
                    .find(|(op, _)| t.get(i..i + op.len()) == Some(*op))
                {
                    let at = i;
                    i += op.len();
                    return Some((at, op, same));
                }
            }
            i += 1;
        }
        None
    })
}

/// `1=1`, `11!=1`, `42<=>42`: the whole value (blanks aside) two literals compared so that
/// the test holds, the probe an injection sends to see whether the value reaches SQL.
pub(super) fn whole_tautology(t: &[u8]) -> bool {
    let t = t.strip_prefix(b" ").unwrap_or(t);
    let t = t.strip_suffix(b" ").unwrap_or(t);
    comparisons(t).any(|(i, op, same)| {
        let left_end = if i > 0 && t.get(i - 1) == Some(&b' ') {
            i - 1
        } else {
            i
        };
        let right_at = skip_blank(t, i + op.len());
        match (literal_before(t, left_end), literal_after(t, right_at)) {
            (Some(l), Some(r)) => {
                (l == r) == same && l.len() == left_end && right_at + r.len() == t.len()
            }
            _ => false,
        }
    })
}

/// Two literals compared so that the test holds, or the same name on both sides.
pub(super) fn compared_literals(t: &[u8]) -> bool {
    comparisons(t).any(|(i, op, same)| {
        let left_end = if i > 0 && t.get(i - 1) == Some(&b' ') {
            i - 1
        } else {
            i
        };
        let right_at = skip_blank(t, i + op.len());
        let literals = match (literal_before(t, left_end), literal_after(t, right_at)) {
            (Some(l), Some(r)) => (l == r) == same,
            _ => false,
        };
        literals || same && same_operands(t, i, op.len())
    })
}

/// `1 is not 2`, `'a' is not 'b'`: two different literals, the test always true.
pub(super) fn is_not_different(t: &[u8], kw: &Present) -> bool {
    occurrences(t, " is not ", kw).any(|i| {
        let right_at = i + " is not ".len();
        match (literal_before(t, i), literal_after(t, right_at)) {
            (Some(l), Some(r)) => l != r,
            _ => false,
        }
    })
}

/// The same number or name on both sides of the comparison at `op` (`op_len` bytes), each
/// maybe wrapped in quotes, backticks, parentheses and blanks, as an injection balances the
/// query's own (`1)=(1`, `'a'='a`, `x=x`); not a term of arithmetic or a member (`i=i+1`,
/// `a.x=x`).
fn same_operands(t: &[u8], op: usize, op_len: usize) -> bool {
    const WRAP: &[u8] = b" '\"`()";
    const MAX_WRAP: usize = 4;
    let mut left_end = op;
    while op - left_end < MAX_WRAP
        && left_end > 0
        && t.get(left_end - 1).is_some_and(|b| WRAP.contains(b))
    {
        left_end -= 1;
    }
    let left = ident_before(t, left_end);
    let left_start = left_end - left.len();
    let before = left_start.checked_sub(1).and_then(|p| t.get(p)).copied();
    let mut right_at = op + op_len;
    while right_at - (op + op_len) < MAX_WRAP && t.get(right_at).is_some_and(|b| WRAP.contains(b)) {
        right_at += 1;
    }
    let right = ident_at(t, right_at);
    let after_at = right_at + right.len();
    let term = |b: Option<u8>| b.is_some_and(|b| b".+-*/%^|&".contains(&b));
    let comment = t.get(after_at..after_at + 2) == Some(b"--");
    !left.is_empty()
        && left == right
        && !term(before)
        && (comment || !term(t.get(after_at).copied()))
}

/// Obfuscation only SQL injection uses: a comment glued between words or SQL punctuation
/// (`DR/**/OP`, read by filters that drop comments; `1,/**/2` for a blank), a statement ended
/// and the rest commented out (`;--`), MySQL's executable comment (`/*!`), a hex literal (`0xf00d`, a string without quotes), MySQL's
/// `1.e(`, `1.e.table_name` (a number glued to a call or a name to break tokenizers; not
/// "1.e.g."), a connective glued to a parenthesis
/// (`and(`, `or(`), SQL Server's string types (`nvarchar`, in a cast).
fn obfuscation(decoded: &[u8], t: &[u8], kw: &Present) -> bool {
    statement_ended_or_executable(decoded, t)
        || hex_literal(t)
        || hex_string(t)
        || number_glued(t)
        || glued_connective(t)
        || string_type(t, kw)
}

/// A comment where a blank would be, glued on both sides to a word or to SQL's punctuation
/// (`DR/**/OP`, `1,/**/2`, `)/**/or`); prose has no comments, and code puts blanks around them.
pub(super) fn comment_for_blank(decoded: &[u8]) -> bool {
    // Each comment once, from its `/*` to its `*/`: linear.
    let mut at = 0;
    while let Some(open) = decoded
        .get(at..)
        .and_then(|r| r.windows(2).position(|w| w == b"/*"))
    {
        let open = at + open;
        let Some(close) = decoded
            .get(open + 2..)
            .and_then(|r| r.windows(2).position(|w| w == b"*/"))
            .map(|p| open + 2 + p + 2)
        else {
            return false;
        };
        let before = open.checked_sub(1).and_then(|p| decoded.get(p));
        let glued = |b: Option<&u8>| {
            b.is_some_and(|b| b.is_ascii_alphanumeric() || b"_,()'\"`=".contains(b))
        };
        if glued(before) && glued(decoded.get(close)) {
            return true;
        }
        at = close;
    }
    false
}

/// `;--`, `; --`: a statement ended and the rest of the query commented out; `/*!`: MySQL's
/// executable comment. Neither is prose.
pub(super) fn statement_ended_or_executable(decoded: &[u8], t: &[u8]) -> bool {
    t.windows(2).enumerate().any(|(i, w)| {
        w == b";-" && t.get(i + 2) == Some(&b'-')
            || w == b"; " && t.get(i + 2..i + 4) == Some(b"--")
    }) || decoded.windows(3).any(|w| w == b"/*!")
}

/// A hex literal as injections write strings without quotes: short (`0x7e3a`, `0xf00d`) or
/// text (`0x61646d696e`, `admin`); or a host written in hex (`http://0xA9FEA9FE/`, an
/// address filters miss). Longer ones that are no text are numbers, codes and addresses
/// in prose (`0x80070005`, `0xDEADBEEF`, a wallet's `0x742d…f44e`).
pub(super) fn hex_literal(t: &[u8]) -> bool {
    hex_after(t, b"0x").any(|(end, digits)| {
        let host = (end - digits)
            .checked_sub(3)
            .and_then(|p| t.get(p))
            .is_some_and(|b| matches!(b, b':' | b'/' | b'@'));
        (3..=4).contains(&digits) || digits > 4 && (host || hex_is_text(t.get(end - digits..end)))
    })
}

/// `x'4142'`: MySQL's hex string, quotes around hex digits instead of `0x`.
pub(super) fn hex_string(t: &[u8]) -> bool {
    hex_after(t, b"x'").any(|(end, hex)| {
        hex >= 2
            && hex % 2 == 0
            && t.get(end) == Some(&b'\'')
            && !t.get(end + 1).copied().is_some_and(is_ident)
    })
}

/// MySQL's `1.e(`, `1.e.table_name`: a number glued to a call or a name to break tokenizers
/// (not "1.e.g.").
pub(super) fn number_glued(t: &[u8]) -> bool {
    t.windows(5).any(|w| {
        matches!(w, [d, b'.', b'e', b'(', _] if d.is_ascii_digit())
            || matches!(w, [d, b'.', b'e', b'.', c] if d.is_ascii_digit() && c.is_ascii_alphabetic() && *c != b'g')
    }) || t.ends_with(b".e(") && t.len() >= 4 && t.get(t.len() - 4).is_some_and(u8::is_ascii_digit)
}

/// A connective glued to a parenthesis (`and(`, `or(`).
pub(super) fn glued_connective(t: &[u8]) -> bool {
    t.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'(')
        .any(|(i, _)| {
            let name = ident_before(t, i);
            ["and", "or", "xor"].contains(&as_str(name))
        })
}

/// SQL Server's string types (`nvarchar`, in a cast).
pub(super) fn string_type(t: &[u8], kw: &Present) -> bool {
    ["nvarchar", "varchar", "varbinary"]
        .iter()
        .any(|w| occurrences(t, w, kw).any(|i| word_at(t, i, w)))
}

/// `@@datadir`, `@@hostname`: a server variable (level 1 knows `@@version`), not glued to a
/// name (`john@@example` is a typo); or a name of [`CATALOG`] as a whole word (looked for by
/// [`Present::of`]).
fn catalog_object(t: &[u8], kw: &Present) -> bool {
    server_variable(t) || kw.catalog
}

/// `@@datadir`: `@@` and a name, not glued to a name before it.
pub(super) fn server_variable(t: &[u8]) -> bool {
    t.windows(3).enumerate().any(|(i, w)| {
        matches!(w, [b'@', b'@', c] if c.is_ascii_alphabetic())
            && !i
                .checked_sub(1)
                .and_then(|p| t.get(p))
                .copied()
                .is_some_and(is_ident)
    })
}
