//! SQL injection: the rule table, and the level-1 rules that read the whole value
//! (libinjection's tokenizer, attack-only phrases, numeric tests, quote breakouts); the
//! grammar rules are in [`super::sql`] (level 1), [`super::sql_strict`] and
//! [`super::sql_probe`] (level 2).

mod breakout;

use super::anchor;
use super::libinjection;
use super::sql::{self, SqlClause};
use super::sql_probe;
use super::sql_strict;
use super::words::word_list;
use super::{
    fingerprint, sqli_input, SQLI_ALIAS_FROM, SQLI_BARE_CALL, SQLI_BOOLEAN_CLAUSE, SQLI_CAST,
    SQLI_CATALOG, SQLI_CLAUSE, SQLI_COMMENT_BLANK, SQLI_COMPARISON_PROBE, SQLI_DANGLING_CONNECTIVE,
    SQLI_FRAGMENT_CALL, SQLI_FUNCTION, SQLI_JSON_OPERATOR, SQLI_KEYWORD, SQLI_LIBINJECTION,
    SQLI_LIKE, SQLI_NOSQL_MORE, SQLI_NOSQL_OPERATOR, SQLI_NUMERIC_TEST, SQLI_OBFUSCATION,
    SQLI_OPERATOR, SQLI_OVERFLOW, SQLI_QUERY_FRAGMENT, SQLI_QUOTED_TEST, SQLI_QUOTE_BREAKOUT,
    SQLI_QUOTE_OPERATOR, SQLI_QUOTE_PROBE, SQLI_QUOTE_STATEMENT, SQLI_STATEMENT, SQLI_TAUTOLOGY,
};
use crate::engine::anchor::{guard, ByteClass, OUTSIDE_PLAIN_ASCII};
use crate::engine::Anchor::{
    self, Byte, PhrasePieces, Piece, Pieces, Squeezed, Where, WhereAny, Word, Words,
};
use crate::engine::{RuleDef, View};

/// The SQL injection rules, in the order they name a finding (the engine runs level 1's before
/// level 2's). The level-1 rules need a byte or word of [`LEVEL1_ANCHORS`] (without a quote, an
/// operator or a trigger word libinjection finds nothing; each other rule needs such a byte or
/// word) or one of their own (each argued beside it); the level-2 ones may match more text
/// (`XOR`, `order by 1`, `4294967296`), each with anchors its precheck argues. Rules that share
/// a precheck (in [`sql`], [`sql_strict`], [`sql_probe`]) read it from the value's [`View`],
/// made once. `sqli-006` and `sqli-029` have two rows each.
pub const TABLE: &[RuleDef] = &[
    RuleDef::always(SQLI_LIBINJECTION, |v| libinjection_sqli(v.bytes())).anchored(LEVEL1_ANCHORS),
    // Its precheck: each phrase's longest piece.
    RuleDef::always(SQLI_KEYWORD, sqli_keyword_in).anchored(&[PhrasePieces(&SQLI_PHRASES)]),
    RuleDef::always(SQLI_NUMERIC_TEST, numeric_test_in).anchored(LEVEL1_ANCHORS),
    RuleDef::always(SQLI_QUOTE_BREAKOUT, breakout::quote_breakout_in).anchored(LEVEL1_ANCHORS),
    RuleDef::always(SQLI_NOSQL_OPERATOR, |v| {
        sql::clause_rule(v, SqlClause::NosqlOperator)
    })
    .anchored(LEVEL1_ANCHORS),
    RuleDef::always(SQLI_FUNCTION, |v| {
        sql::clause_rule(v, SqlClause::FunctionCall)
    })
    .anchored(LEVEL1_ANCHORS),
    RuleDef::always(SQLI_STATEMENT, |v| {
        sql::clause_rule(v, SqlClause::Statement)
    })
    .anchored(LEVEL1_ANCHORS),
    // Every statement glued to a `;` has its `;`.
    RuleDef::always(SQLI_STATEMENT, sql_strict::glued_statement_rule).anchored(&[Piece(";")]),
    RuleDef::always(SQLI_BOOLEAN_CLAUSE, |v| {
        sql::clause_rule(v, SqlClause::BooleanClause)
    })
    .anchored(LEVEL1_ANCHORS),
    RuleDef::always(SQLI_ALIAS_FROM, |v| {
        sql::clause_rule(v, SqlClause::AliasFrom)
    })
    .anchored(LEVEL1_ANCHORS),
    RuleDef::always(SQLI_JSON_OPERATOR, |v| {
        sql::clause_rule(v, SqlClause::JsonCompared)
    })
    .anchored(LEVEL1_ANCHORS),
    // Every quote breakout has its quote.
    RuleDef::always(SQLI_QUOTE_STATEMENT, sql_strict::quote_statement_rule).anchored(QUOTES),
    // An open subquery and `select (case` have a `(`, a star select its `*`, `from t where c =`
    // and `having c =` a comparison's `=`, `<`, `>` or `!=`, a qualified name its backticks (in
    // the normalized copy, whose bytes stand in the value).
    RuleDef::always(SQLI_QUERY_FRAGMENT, sql_strict::query_fragment_rule)
        .anchored(&[Byte(ByteClass::of(b"(*=<>!`"))]),
    // A comparison has its operator (`=`, `<`, `>`, `!=`), `like` between parentheses its `)`,
    // `like '` its quote; a whole value compared with `like` alone is SQL to the level-1 rules
    // by the word (`1 like 1`), with `regexp` only where a quote or operator makes it so.
    RuleDef::always(SQLI_COMPARISON_PROBE, sql_strict::comparison_probe_rule)
        .anchored(&[Byte(ByteClass::of(b"=<>!()'\"`")), Word("like")]),
    // A comment has its `/*`.
    RuleDef::always(SQLI_COMMENT_BLANK, sql_strict::comment_blank_rule).anchored(&[Piece("/*")]),
    // Every phrase joined by `+` has its `+`.
    RuleDef::always(SQLI_COMMENT_BLANK, sql_strict::plus_joined_rule).anchored(&[Piece("+")]),
    // A quote, in every branch.
    RuleDef::always(SQLI_QUOTE_PROBE, |v| sql_probe::quote_probe(v.bytes())).anchored(QUOTES),
    // Its operator, a whole word of the normalized copy, so of the value (`sounds like` holds
    // `like`).
    RuleDef::always(SQLI_LIKE, |v| {
        sql_probe::probe_rule(v, sql_probe::Probe::LikeTautology)
    })
    .anchored(&[Words(&["like", "rlike", "glob", "regexp"])]),
    // A bare call ends in its `(`.
    RuleDef::always(SQLI_BARE_CALL, |v| {
        sql_probe::probe_rule(v, sql_probe::Probe::BareCall)
    })
    .anchored(&[Piece("(")]),
    RuleDef::always(SQLI_FRAGMENT_CALL, sql_strict::open_call_rule).anchored(STRICT_ANCHORS),
    RuleDef::always(SQLI_OPERATOR, sql_strict::operator_rule).anchored(STRICT_ANCHORS),
    RuleDef::always(SQLI_TAUTOLOGY, sql_strict::tautology_rule).anchored(STRICT_ANCHORS),
    RuleDef::always(SQLI_CLAUSE, sql_strict::clause_rule).anchored(STRICT_ANCHORS),
    RuleDef::always(SQLI_QUOTE_OPERATOR, sql_strict::quote_operator_rule).anchored(STRICT_ANCHORS),
    RuleDef::always(SQLI_OBFUSCATION, sql_strict::obfuscation_rule).anchored(STRICT_ANCHORS),
    RuleDef::always(SQLI_CATALOG, sql_strict::catalog_rule).anchored(STRICT_ANCHORS),
    RuleDef::always(SQLI_OVERFLOW, |v| sql_probe::overflow_value(v.bytes())).anchored(&[
        Pieces(&[
            "2147483648",
            "2147483649",
            "4294967296",
            "9223372036854775808",
            "9223372036854775809",
            "18446744073709551616",
            "340282366920938463463374607431768211456",
        ]),
        WhereAny(
            &[
                "0e", "1e", "2e", "3e", "4e", "5e", "6e", "7e", "8e", "9e", ".e",
            ],
            exponent,
        ),
    ]),
    // `::`, which normalizing neither makes nor splits.
    RuleDef::always(SQLI_CAST, |v| {
        sql_probe::probe_rule(v, sql_probe::Probe::Cast)
    })
    .anchored(&[Piece("::")]),
    // A connective at the value's end (or before a comment there), or a number and a comment.
    RuleDef::always(SQLI_DANGLING_CONNECTIVE, |v| {
        sql_probe::probe_rule(v, sql_probe::Probe::DanglingConnective)
    })
    .anchored(&[
        WhereAny(&["or", "and", "xor"], guard::at_value_end),
        Pieces(&["&&", "||", "#", "--", "/*", "*/"]),
    ]),
    RuleDef::always(SQLI_QUOTED_TEST, |v| {
        sql_probe::probe_rule(v, sql_probe::Probe::QuotedTest)
    })
    .anchored(QUOTES),
    RuleDef::always(SQLI_NOSQL_MORE, |v| {
        sql_probe::probe_rule(v, sql_probe::Probe::NosqlOperator)
    })
    .anchored(&[Piece("$")]),
];

/// What the level-1 rules but `sqli-002` need, one of: an ASCII byte plain text lacks (a
/// quote, an operator, a bracket; to libinjection's tokenizer a byte outside ASCII is a
/// letter, and no keyword has one), a comment (`--`), `..` or a server variable's `@@`, an option after
/// a blank (` -1` reads as SQL's minus to libinjection), a variable set (`set @x`, blanks
/// between), SQL that fingerprints without quotes or operators (and the catalog objects and
/// procedures `sqli-002` names, the prefixes of SQL Server's extended procedures, SQLite's
/// catalog and PostgreSQL's JSON functions), a connective opening a value before more
/// (`or name is x`, `sqli-007`), an alias after a number (`1 as x from`, `sqli-008`).
pub(crate) const LEVEL1_ANCHORS: &[Anchor] = &[
    Byte(OUTSIDE_PLAIN_ASCII),
    Pieces(&["--", "..", "@@", "xp_", "sqlite_", "jsonb_"]),
    Where("-", guard::option_after_blank),
    Squeezed("set@"),
    Words(&[
        "union",
        "select",
        "limit",
        "insert",
        "update",
        "delete",
        "drop",
        "exec",
        "execute",
        "sleep",
        "benchmark",
        "waitfor",
        "having",
        "declare",
        "procedure",
        "shutdown",
        "truncate",
        "alter",
        "create",
        "information_schema",
        "xp_cmdshell",
        "sysobjects",
        "dbms_pipe",
        "extractvalue",
        "updatexml",
        "load_file",
        "outfile",
        "dumpfile",
        "pg_sleep",
        "order",
        "group",
        "case",
        "between",
        "sounds",
        "like",
        "json",
        "jsonb",
        "infile",
        "schema_name",
        "tempdb",
        "northwind",
        "mysql",
        "pg_catalog",
        "pg_shadow",
        "sysdatabases",
        "msysobjects",
        "openrowset",
        "opendatasource",
        "msdasql",
        "sqloledb",
        "sp_executesql",
        "sp_password",
        "sp_oacreate",
        "sp_makewebtask",
    ]),
    WhereAny(&["or", "and", "xor"], guard::word_opening_value),
    Where("as", guard::word_after_number),
];

/// What [`sql_strict`]'s rules need ([`sql_strict`]'s precheck), one of: a byte of a symbol
/// (a call's `(`, an operator, a quote, a comment's `/`, `;`, `+`), a word (`xor`, `order`,
/// `union`, `null`, the catalog objects), a value opened by a connective, or `not` beside a
/// number (`1 is not 2`).
const STRICT_ANCHORS: &[Anchor] = &[
    Byte(ByteClass::of(sql_strict::SYMBOLS)),
    Pieces(&sql_strict::WORDS),
    Pieces(&sql_strict::CATALOG),
    WhereAny(&["or", "xor", "and"], guard::at_value_start),
    Where("not", guard::with_a_digit),
];

/// A quote of any kind.
const QUOTES: &[Anchor] = &[Byte(ByteClass::of(b"'\"`"))];

/// After a digit or `.` and an `e`, an exponent's digits, maybe signed (`1e309`,
/// `2.2250738585072011e-308`): a float [`sql_probe::overflow_value`] looks at.
fn exponent(text: &[u8], _start: usize, end: usize) -> bool {
    let after = text.get(end..).unwrap_or_default();
    let after = after
        .strip_prefix(b"-")
        .or_else(|| after.strip_prefix(b"+"))
        .unwrap_or(after);
    after.first().is_some_and(u8::is_ascii_digit)
}

/// libinjection's verdict (the verdict `libinjectionrs::detect_sqli` returns, with the
/// reading that reached it: [`libinjection::matched`]), looked at again where prose also
/// matches ([`fingerprint::confirmed`]).
pub(crate) fn libinjection_sqli(decoded: &[u8]) -> bool {
    let input = sqli_input::for_tokenizer(decoded);
    libinjection::matched(&input).is_some_and(|m| fingerprint::confirmed(&input, &m))
}

word_list! {
    /// SQL only an attack sends ([`sqli_keyword_in`]).
    SQLI_PHRASES = "sql-attack-phrases"
}

/// [`sqli_keyword_in`] on a value of its own.
#[cfg(test)]
fn sqli_keyword(decoded: &[u8]) -> bool {
    sqli_keyword_in(&View::of(decoded))
}

/// SQL that only an attack sends, matched on a lowercase copy with comments and whitespace
/// runs removed (`union/**/select` is `union select`).
pub(crate) fn sqli_keyword_in(value: &View) -> bool {
    let decoded = value.bytes();
    // Every phrase matches in the normalized copy below, in which comments became a blank,
    // blank runs one space and " (" became "(": a run of the copy without blank or `(` is a
    // run of the value itself (lowercased; invalid UTF-8 only turns into non-ASCII). So each
    // phrase's longest such piece stands in the value, and without any there is no match.
    static ANCHORS: anchor::Anchors = anchor::Anchors::new(|| {
        SQLI_PHRASES
            .iter()
            .map(|p| anchor::longest_piece(p))
            .collect()
    });
    if !ANCHORS.found_in(decoded) {
        return false;
    }
    sqli_phrase(value.lower())
}

word_list! {
    /// Calls in [`SQLI_PHRASES`] whose names are English words too ("Sleep (8 hours) is
    /// important", "Char (the fish) recipe", "Database (MySQL 8) notes"): see [`word_call`].
    WORD_CALLS = "sql-word-calls"
}

/// `name` called in `spaced` (lowercase, comments and blank runs one blank): the `(` glued to
/// the name (`sleep(5)`, `sleep/**/(5)` once the comment is dropped reads `sleep (5)`), or
/// after a blank with what only a call has inside: nothing, or the value's end, numbers (`sleep (5)`,
/// `char (65,66)`), a quote, a nested `(`, a variable (`@x`). Prose puts words there.
fn word_call(spaced: &str, name: &str) -> bool {
    spaced.match_indices(name).any(|(i, _)| {
        let before = spaced.get(..i).and_then(|b| b.chars().last());
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            return false;
        }
        let after = spaced.get(i + name.len()..).unwrap_or_default();
        if after.starts_with('(') {
            return true;
        }
        let Some(inside) = after.strip_prefix(" (") else {
            return false;
        };
        let inside = inside.trim_start();
        // Left open at the end (`database (`, `sleep   (`): the rest of the query closes it.
        if inside.is_empty() || inside.starts_with(['\'', '"', '(', '@', ')']) {
            return true;
        }
        // A number and a comma glued to the next argument (`benchmark (1000000,md5(1))`);
        // prose puts a blank after its commas.
        let number = inside.bytes().take_while(u8::is_ascii_digit).count();
        if number > 0
            && inside.get(number..).is_some_and(|r| {
                r.strip_prefix(',')
                    .is_some_and(|a| a.starts_with(|c: char| !c.is_ascii_whitespace()))
            })
        {
            return true;
        }
        // (An argument is short: 64 bytes at most are read, which keeps many calls linear.)
        let close = inside
            .char_indices()
            .take_while(|(i, _)| *i <= 64)
            .find(|(_, c)| *c == ')')
            .map(|(i, _)| i);
        close.is_some_and(|c| {
            inside.get(..c).is_some_and(|arg| {
                !arg.is_empty()
                    && arg
                        .bytes()
                        .all(|b| b.is_ascii_digit() || b" ,.+-*".contains(&b))
            })
        })
    })
}

/// [`sqli_keyword_in`] without its precheck, on the value's lowercase copy.
fn sqli_phrase(lower: &str) -> bool {
    const PHRASES: [&str; 71] = SQLI_PHRASES;
    let mut squeezed = String::with_capacity(lower.len());
    let mut rest = lower;
    while let Some(start) = rest.find("/*") {
        squeezed.push_str(rest.get(..start).unwrap_or_default());
        squeezed.push(' ');
        rest = rest
            .get(start + 2..)
            .and_then(|r| r.find("*/").and_then(|e| r.get(e + 2..)))
            .unwrap_or("");
    }
    squeezed.push_str(rest);
    let words: Vec<&str> = squeezed.split_whitespace().collect();
    let spaced = words.join(" ");
    let joined = spaced.replace(" (", "(");
    // Whole words: "union selected" is English.
    PHRASES.iter().any(|p| {
        if WORD_CALLS.contains(p) {
            return word_call(&spaced, p.trim_end_matches('('));
        }
        joined.match_indices(p).any(|(i, _)| {
            let before = joined.get(..i).and_then(|b| b.chars().last());
            let after = joined.get(i + p.len()..).and_then(|a| a.chars().next());
            let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            // A phrase that starts with punctuation (`..xp_`) follows a name (`master`).
            (p.starts_with('.') || !word(before))
                && (p.ends_with('(') || p.ends_with('_') || !word(after))
        })
    })
}

/// [`numeric_test_in`] on a value of its own.
#[cfg(test)]
fn numeric_test(decoded: &[u8]) -> bool {
    numeric_test_in(&View::of(decoded))
}

/// `or 1=1`, `AND (2771=1709)`, `|| 3<>4`: AND/OR, then two numbers compared.
fn numeric_test_in(value: &View) -> bool {
    let decoded = value.bytes();
    // Every match starts at one of the connectives (searched in the lowercase copy, which
    // lowercases ASCII only, so any ASCII case in the value) and holds a digit after it.
    static CONNECTIVES: anchor::Anchors =
        anchor::Anchors::new(|| vec!["and", "or", "xor", "&&", "||"]);
    if !decoded.iter().any(u8::is_ascii_digit) || !CONNECTIVES.found_in(decoded) {
        return false;
    }
    let lower = value.lower();
    let bytes = lower.as_bytes();
    let connective_ends = ["and", "or", "xor", "&&", "||"].iter().flat_map(|c| {
        lower.match_indices(c).filter_map(|(i, _)| {
            let before_ok = i == 0
                || !bytes
                    .get(i - 1)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
            before_ok.then_some(i + c.len())
        })
    });
    let digits = |s: &str| s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    connective_ends.collect::<Vec<_>>().into_iter().any(|end| {
        let rest = lower.get(end..).unwrap_or_default();
        // A blank or `(` must separate the connective from the first number.
        if !rest.starts_with([' ', '(', '\t', '\n']) {
            return false;
        }
        let rest = rest.trim_start_matches([' ', '(', '\t', '\n']);
        let n = digits(rest);
        if n == 0 {
            return false;
        }
        let rest = rest.get(n..).unwrap_or_default().trim_start();
        let op = ["<>", "!=", "<=", ">=", "=", "<", ">"]
            .iter()
            .find(|op| rest.starts_with(**op));
        op.is_some_and(|op| digits(rest.get(op.len()..).unwrap_or_default().trim_start()) > 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{inspect, Enabled, ValueKind};

    #[test]
    fn english_word_calls_need_a_call_shape() {
        for v in [
            "Sleep (8 hours) is important",
            "Char (the fish) recipe",
            "Database (MySQL 8) migration notes",
            "Benchmark (2024 edition) results",
            "ASCII (text) art",
        ] {
            for enabled in [Enabled::ALL, Enabled::STRICT] {
                let found = inspect(v.as_bytes(), ValueKind::Text, "body:note", enabled);
                assert!(found.is_empty(), "{v}: {found:?}");
            }
        }
        for v in [
            "1 and sleep(5)",
            "1 and sleep (5)",
            "1 and SLEEP/**/(5)",
            "x' or char (65,66)='ab",
            "database ()",
            "database (",
            "1 or benchmark (1000000,md5(1))",
            "1 and ascii ('a')",
        ] {
            assert!(sqli_phrase(&v.to_ascii_lowercase()), "{v}");
        }
    }

    fn ids(raw: &str, kind: ValueKind) -> Vec<&'static str> {
        inspect(raw.as_bytes(), kind, "query:q", Enabled::ALL)
            .into_iter()
            .map(|f| f.rule.id)
            .collect()
    }

    #[test]
    fn attack_only_sql() {
        for v in [
            "1 and sleep (5)",
            "x' union/**/all/**/select 1",
            "select table_name from information_schema.tables",
            "'; exec xp_cmdshell 'dir'",
            "1;waitfor   delay '0:0:5'",
        ] {
            assert!(
                ids(v, ValueKind::FormValue)
                    .iter()
                    .any(|id| id.starts_with("sqli")),
                "{v}"
            );
        }
        assert!(!sqli_keyword(b"sleep well, union members"));
        assert!(sqli_keyword(b"x' or sqlite_compileoption_used (id)--"));
        assert!(sqli_keyword(b", FIND_IN_SET('22', Category )"));
        assert!(numeric_test(b"pay=AND 2771=1709)"));
        assert!(numeric_test(b"OR (7319=8742)"));
        assert!(numeric_test(b"x || 3 <> 4"));
        assert!(!numeric_test(b"black and 2 white"));
        assert!(!numeric_test(b"sort=2=1"));
        assert!(!numeric_test(b"color=2"));
        assert!(!numeric_test(b"order 12 = 3"));
        assert!(!sqli_keyword(b"O'connors UNION selected a few friends"));
        // SQL Server procedures by name or call; not any `xp_` word.
        for v in [
            "pay=xp_dirtree",
            "xp_regread",
            "; exec master.dbo.xp_dirtree @q;--",
            "exec master..xp_whatever",
            "EXEC  xp_somethingnew 'x'",
        ] {
            assert!(sqli_keyword(v.as_bytes()), "{v}");
        }
        for v in ["xp_points=300", "gain xp_boost now", "level_xp_total"] {
            assert!(!sqli_keyword(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn keyword_precheck_keeps_spaced_commented_and_cased_phrases() {
        assert!(SQLI_PHRASES
            .iter()
            .all(|p| !anchor::longest_piece(p).is_empty()));
        for v in [
            "x UnIoN/**/aLl/**/SeLeCt 1",
            "1 union\t\n select 2",
            "CHAR (65)",
            "Xp_CmdShell",
            "waitfor/**/DELAY '0:0:5'",
            "master..XP_dirtree",
            "@@VERSION",
            "x ::JSONB",
        ] {
            assert!(sqli_keyword(v.as_bytes()), "{v}");
        }
        // No anchor: no match, and no normalized copy made.
        assert!(!sqli_keyword(
            b"https://shop.example.com/p/12/item-12?ref=home"
        ));
    }
}
