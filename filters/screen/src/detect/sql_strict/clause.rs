//! SQL clause fragments: `sqli-027` (level 1: an open subquery, a select star, `having 1=`)
//! and `sqli-013` (level 2: `order by 1`, `select a,b from t`, `union all`), and the keyword
//! presence several rules read ([`Present`]).

use super::*;

/// `sqli-027`: query fragments no prose writes: an open subquery ([`open_subquery`]), a select
/// star ([`star_from`]), `select (case` ([`select_case`]), `from t where c =`
/// ([`from_where`]), `having` and a comparison ([`having_comparison`]), `` `db`.`table` ``
/// ([`qualified_backtick_name`]).
pub(super) fn query_fragment(t: &[u8], kw: &Present) -> bool {
    open_subquery(t)
        || star_from(t)
        || select_case(t, kw)
        || from_where(t, kw)
        || having_comparison(t, kw)
        || qualified_backtick_name(t)
}

/// `sqli-013`: clause fragments prose writes now and then: `order by`/`group by` and a column
/// ([`order_by`]), `when <literal> then`, a value that is `execute` and a procedure name, a
/// select list then `from`, `union all`, a backticked name in SQL, `and exists`, `create or
/// replace`, `limit 0,1`, `load data local infile`, `waitfor time`.
pub(super) fn clause(t: &[u8], kw: &Present) -> bool {
    order_by(t, kw)
        || when_then(t, kw)
        || execute_name(t)
        || select_list_from(t, kw)
        || union_fragment(t, kw)
        || backtick_name_in_sql(t, kw)
        || connective_exists(t, kw)
        || create_or_replace(t, kw)
        || limit_clause(t, kw)
        || server_statement(t, kw)
}

/// The ends of each whole-word `w` in `t`.
fn word_ends<'a>(t: &'a [u8], w: &'static str, kw: &Present) -> impl Iterator<Item = usize> + 'a {
    occurrences(t, w, kw)
        .filter(move |i| word_at(t, *i, w))
        .map(move |i| i + w.len())
}

/// A comparison operator at `at`.
fn comparison(t: &[u8], at: usize) -> bool {
    matches!(t.get(at), Some(b'=' | b'<' | b'>')) || t.get(at..at + 2) == Some(b"!=")
}

/// `order by`/`group by` with a column (a number or a name) the value ends with or follows
/// with `,`, `asc`, `desc`, `limit`, `)`, `;` or a comment.
pub(super) fn order_by(t: &[u8], kw: &Present) -> bool {
    ["order by", "group by"].iter().any(|p| {
        word_ends(t, p, kw).any(|end| {
            let at = skip_blank(t, end);
            match t.get(at) {
                None => true,
                Some(b) if is_ident(*b) || *b == b'`' => {
                    let name_end = at + table_name_len(t, at);
                    let next = skip_blank(t, name_end);
                    let rest = t.get(next..).unwrap_or_default();
                    rest.is_empty()
                        || [&b","[..], b"--", b"#", b";", b")"]
                            .iter()
                            .any(|p| rest.starts_with(p))
                        || ["asc", "desc", "limit"].iter().any(|w| word_at(t, next, w))
                }
                _ => false,
            }
        })
    })
}

/// `having` with a comparison.
pub(super) fn having_comparison(t: &[u8], kw: &Present) -> bool {
    word_ends(t, "having", kw).any(|end| {
        let at = skip_blank(t, end);
        let at = if t.get(at) == Some(&b'(') { at + 1 } else { at };
        operand_end(t, at).is_some_and(|e| comparison(t, skip_blank(t, e)))
    })
}

/// `when <literal> then`.
pub(super) fn when_then(t: &[u8], kw: &Present) -> bool {
    word_ends(t, "when", kw).any(|end| {
        let at = skip_blank(t, end);
        literal_after(t, at).is_some_and(|lit| word_at(t, skip_blank(t, at + lit.len()), "then"))
    })
}

/// `select (case`, or `select (` at the end.
pub(super) fn select_case(t: &[u8], kw: &Present) -> bool {
    word_ends(t, "select", kw).any(|end| {
        let at = skip_blank(t, end);
        if t.get(at) != Some(&b'(') {
            return false;
        }
        let at = skip_blank(t, at + 1);
        word_at(t, at, "case") || t.get(at).is_none()
    })
}

/// `from t where c =`.
pub(super) fn from_where(t: &[u8], kw: &Present) -> bool {
    word_ends(t, "from", kw).any(|end| {
        let at = skip_blank(t, end);
        let table = table_name_len(t, at);
        let at = skip_blank(t, at + table);
        table > 0
            && word_at(t, at, "where")
            && operand_end(t, skip_blank(t, at + 5))
                .is_some_and(|e| comparison(t, skip_blank(t, e)))
    })
}

/// `` `db`.`table` ``: MySQL's quoted, qualified name.
pub(super) fn qualified_backtick_name(t: &[u8]) -> bool {
    t.windows(3).any(|w| w == b"`.`")
}

/// `select * from users`, `select a,b from t where`: `select`, then `*` or a list of names with
/// a comma, then `from`, a table name and the end of the value or what follows a table in a
/// query (`where`, `limit`, `order`, `group`, `union`, `join`, `)`, `;`, a comment). "select
/// red, blue from the menu" goes on with a word.
pub(super) fn select_list_from(t: &[u8], kw: &Present) -> bool {
    const MAX_SELECT_LIST: usize = 512;
    occurrences(t, "select", kw).any(|i| {
        if !word_at(t, i, "select") {
            return false;
        }
        let mut at = skip_blank(t, i + 6);
        let mut names = 0;
        let mut star = false;
        loop {
            if t.get(at) == Some(&b'*') {
                star = true;
                at += 1;
            } else {
                let len = table_name_len(t, at);
                if len == 0 {
                    return false;
                }
                at += len;
            }
            names += 1;
            // A select list an injection writes is short; a cap keeps a value of many
            // `select` words (`select select, select, …`) from being read once per word.
            if at - i > MAX_SELECT_LIST {
                return false;
            }
            at = skip_blank(t, at);
            if t.get(at) == Some(&b',') {
                at = skip_blank(t, at + 1);
            } else {
                break;
            }
        }
        if !(star || names > 1) || !word_at(t, at, "from") {
            return false;
        }
        table_then_query(t, skip_blank(t, at + 4))
    })
}

/// A table name at `at`, then the end of the value or what follows a table in a query
/// (`where`, `limit`, `order`, `group`, `union`, `join`, `into`, `)`, `;`, a comment): "from
/// the menu" goes on with a word.
fn table_then_query(t: &[u8], at: usize) -> bool {
    let table = table_name_len(t, at);
    let next = skip_blank(t, at + table);
    let rest = t.get(next..).unwrap_or_default();
    table > 0
        && (rest.is_empty()
            || [&b")"[..], b";", b"--", b"#"]
                .iter()
                .any(|p| rest.starts_with(p))
            || ["where", "limit", "order", "group", "union", "join", "into"]
                .iter()
                .any(|w| word_at(t, next, w)))
}

/// `union all`, `union (`, `union distinct (select`: `union` then `all`, `distinct` or `(`,
/// ending the value or going on with `(`, `select`, a number or `null` ("union all workers"
/// goes on with a word, "Union (AFL-CIO)" too). Level 1 has `union select`.
pub(super) fn union_fragment(t: &[u8], kw: &Present) -> bool {
    occurrences(t, "union", kw).any(|i| {
        if !word_at(t, i, "union") {
            return false;
        }
        let mut at = skip_blank(t, i + 5);
        if let Some(w) = ["all", "distinct"].iter().find(|w| word_at(t, at, w)) {
            at = skip_blank(t, at + w.len());
        } else if t.get(at) != Some(&b'(') {
            return false;
        }
        while t.get(at) == Some(&b'(') {
            at = skip_blank(t, at + 1);
        }
        match t.get(at) {
            None => true,
            Some(b) if b.is_ascii_digit() => true,
            Some(_) => word_at(t, at, "select") || word_at(t, at, "null"),
        }
    })
}

/// `` `id`=1 ``, `` (`x`) ``, `` from `users` where ``: a name in backticks (MySQL's quoted
/// identifier) next to a comparison or parenthesis, after `select`, `from`, `update`, `into`,
/// `table` or `join`, or before `from`, `where`, `limit`, `union`. Markdown's code spans sit
/// in prose next to commas and words ("use `a`, `b` or `c`").
pub(super) fn backtick_name_in_sql(t: &[u8], kw: &Present) -> bool {
    let mut at = 0;
    // Each pair of backticks once: linear.
    while let Some(open) = t
        .get(at..)
        .and_then(|r| r.iter().position(|b| *b == b'`'))
        .map(|p| at + p)
    {
        let Some(close) = t
            .get(open + 1..)
            .and_then(|r| r.iter().position(|b| *b == b'`'))
            .map(|p| open + 1 + p)
        else {
            return false;
        };
        at = close + 1;
        let name = t.get(open + 1..close).unwrap_or_default();
        if name.is_empty() || !name.iter().all(|b| is_ident(*b)) {
            continue;
        }
        let before = t.get(..open).unwrap_or_default();
        let before = before.strip_suffix(b" ").unwrap_or(before);
        let after = skip_blank(t, close + 1);
        let symbol_before = matches!(before.last(), Some(b'(' | b'=' | b'<' | b'>'));
        let symbol_after = matches!(t.get(after), Some(b'=' | b'<' | b'>' | b')'))
            || t.get(after..after + 2) == Some(b"!=");
        let word_before = ["select", "from", "update", "into", "table", "join"]
            .iter()
            .any(|w| ends_with_word(before, w));
        let word_after = ["from", "where", "limit", "union"]
            .iter()
            .any(|w| kw.has(w) && word_at(t, after, w));
        if symbol_before || symbol_after || word_before || word_after {
            return true;
        }
    }
    false
}

/// `limit 0,1--`, `limit 1 offset 0`: `limit` with two numbers, then the end of the value, a
/// comment, `;` or `)` ("Limit 1,000 per customer" has a thousands separator and goes on).
pub(super) fn limit_clause(t: &[u8], kw: &Present) -> bool {
    occurrences(t, "limit", kw).any(|i| {
        if !word_at(t, i, "limit") {
            return false;
        }
        limit_numbers_end(t, skip_blank(t, i + 5)).is_some_and(|end| {
            let rest = t.get(skip_blank(t, end)..).unwrap_or_default();
            rest.is_empty()
                || [&b"--"[..], b"#", b";", b")"]
                    .iter()
                    .any(|p| rest.starts_with(p))
        })
    })
}

/// `load data local infile`, `waitfor time '…'`: server statements level 1 knows only in
/// another form (`load data infile`, `waitfor delay`).
pub(super) fn server_statement(t: &[u8], kw: &Present) -> bool {
    occurrences(t, "load data local infile", kw).any(|i| word_at(t, i, "load"))
        || occurrences(t, "waitfor time", kw).any(|i| word_at(t, i, "waitfor"))
}

/// `and exists`, `or not exists (`: a connective, maybe `not`, then `exists` that ends the
/// value or opens a subquery (a correlated test of a blind injection).
pub(super) fn connective_exists(t: &[u8], kw: &Present) -> bool {
    occurrences(t, "exists", kw).any(|i| {
        if !word_at(t, i, "exists") {
            return false;
        }
        let before = t.get(..i).unwrap_or_default();
        let before = before.strip_suffix(b" ").unwrap_or(before);
        let before = before
            .strip_suffix(b"not")
            .map_or(before, |b| b.strip_suffix(b" ").unwrap_or(b));
        let connective = [&b"and"[..], b"or", b"&&", b"||"].iter().any(|c| {
            before.ends_with(c)
                && !before
                    .get(..before.len() - c.len())
                    .and_then(|b| b.last())
                    .copied()
                    .is_some_and(is_ident)
        });
        let after = skip_blank(t, i + 6);
        connective && matches!(t.get(after), None | Some(b'('))
    })
}

/// `create or replace function`, `… procedure`, `… trigger`: a routine defined or redefined
/// through an injection (level 1 knows `create function` without `or replace`).
pub(super) fn create_or_replace(t: &[u8], kw: &Present) -> bool {
    occurrences(t, "create or replace", kw).any(|i| {
        let at = skip_blank(t, i + "create or replace".len());
        word_at(t, i, "create")
            && [
                "function",
                "procedure",
                "trigger",
                "view",
                "package",
                "library",
            ]
            .iter()
            .any(|w| word_at(t, at, w))
    })
}

/// `' * from`, `(* from`, `, * from`: a select star (after a quote, `(` or `,`, not a product
/// of numbers: "2 * from") then `from`; or `select * from` and a table that the end of the
/// value or a query's clause follows ("Select * from the menu, then" goes on in English).
pub(super) fn star_from(t: &[u8]) -> bool {
    t.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'*')
        .any(|(i, _)| {
            let before = t.get(..i).unwrap_or_default();
            let before = before.strip_suffix(b" ").unwrap_or(before);
            let from = skip_blank(t, i + 1);
            if !word_at(t, from, "from") {
                return false;
            }
            matches!(before.last(), Some(b'\'' | b'"' | b'`' | b'(' | b','))
                || ends_with_word(before, "select") && table_then_query(t, skip_blank(t, from + 4))
        })
}

/// Words several rules look for in the normalized copy, each with a search of its own.
pub(super) const KEYWORDS: [&str; 22] = [
    "xor",
    "regexp",
    "rlike",
    "notnull",
    "null",
    "like",
    "order by",
    "group by",
    "having",
    "when",
    "select",
    "from",
    "union",
    " is not ",
    "varchar",
    "varbinary",
    "nvarchar",
    "exists",
    "create or replace",
    "limit",
    "load data local infile",
    "waitfor time",
];

/// Which of [`KEYWORDS`] stand in a normalized copy, and whether a [`CATALOG`] name stands
/// there as a whole word, found in one pass: a rule searches only for the keywords that
/// stand. (A search per word cost more than all the rest of this module on a short header
/// value.)
pub struct Present {
    pub(super) bits: u32,
    pub(super) catalog: bool,
}

impl Present {
    pub fn of(t: &[u8]) -> Present {
        static WORDS: OnceLock<Option<AhoCorasick>> = OnceLock::new();
        let words =
            WORDS.get_or_init(|| AhoCorasick::new(KEYWORDS.iter().chain(CATALOG.iter())).ok());
        let Some(words) = words else {
            let s = as_str(t);
            let catalog = CATALOG
                .iter()
                .any(|name| s.match_indices(name).any(|(i, _)| word_at(t, i, name)));
            return Present {
                bits: u32::MAX,
                catalog,
            };
        };
        let mut present = Present {
            bits: 0,
            catalog: false,
        };
        for m in words.find_overlapping_iter(t) {
            let i = m.pattern().as_usize();
            match i.checked_sub(KEYWORDS.len()) {
                None => present.bits |= 1u32.checked_shl(m.pattern().as_u32()).unwrap_or(0),
                Some(c) => {
                    present.catalog |= CATALOG
                        .get(c)
                        .is_some_and(|name| word_at(t, m.start(), name));
                }
            }
        }
        present
    }

    /// Whether `word` may stand in the copy (`true` for a word not in [`KEYWORDS`]).
    fn has(&self, word: &str) -> bool {
        KEYWORDS
            .iter()
            .position(|k| *k == word)
            .is_none_or(|i| (self.bits >> i) & 1 == 1)
    }
}

/// Where `word` starts in the normalized copy `t`: searched only if `kw` says it stands there.
pub(super) fn occurrences<'a>(
    t: &'a [u8],
    word: &'a str,
    kw: &Present,
) -> impl Iterator<Item = usize> + 'a {
    kw.has(word)
        .then(|| as_str(t).match_indices(word).map(|(i, _)| i))
        .into_iter()
        .flatten()
}

word_list! {
    /// Statement keywords [`glued_statement`] looks for right after a `;`.
    GLUED_STATEMENTS = "sql-glued-statements"
}

/// `;drop`, `x;select`: a statement keyword glued to a `;` (prose puts a blank after it:
/// "BASE; SET SWAROVSKI", "lunch; select a gift"); `sqli-006`'s other row wants the `;` to
/// end a string or number.
pub(super) fn glued_statement(t: &[u8]) -> bool {
    t.iter()
        .enumerate()
        .filter(|(_, b)| **b == b';')
        .any(|(i, _)| GLUED_STATEMENTS.iter().any(|w| word_at(t, i + 1, w)))
}

/// A value that is `exec`/`execute` and a procedure name, alone or with parameters (`@p`, a
/// literal) or `;` after it: `execute panel`, `exec sp_who;`. ("Execute the plan" goes on with
/// a word.)
pub(super) fn execute_name(t: &[u8]) -> bool {
    let Some(at) = after_opening_word(t, &["execute", "exec"]) else {
        return false;
    };
    let name = run_from(t, at, |b| is_ident(b) || b == b'.');
    let after = skip_blank(t, at + name);
    name > 0
        && t.get(after)
            .is_none_or(|b| matches!(b, b'@' | b'\'' | b'"' | b';' | b'(') || b.is_ascii_digit())
}

/// `(select` left open at the end of the value, or followed by what only a query has there:
/// `*`, a literal, `@`, `(`, `case`, `distinct`, `top`, `null`, or a name and then `from`.
pub(super) fn open_subquery(t: &[u8]) -> bool {
    t.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'(')
        .any(|(i, _)| {
            let at = skip_blank(t, i + 1);
            if !word_at(t, at, "select") {
                return false;
            }
            let at = skip_blank(t, at + 6);
            match t.get(at) {
                None => true,
                Some(b) if b.is_ascii_digit() => true,
                Some(b'*' | b'\'' | b'"' | b'@' | b'(' | b'`') => true,
                Some(_) => {
                    let word = ident_at(t, at);
                    ["case", "distinct", "top", "null"].contains(&as_str(word))
                        || !word.is_empty() && word_at(t, skip_blank(t, at + word.len()), "from")
                }
            }
        })
}

/// A number (1 to 9 digits), blanks, `,` and another, or `offset` and another; the end of the
/// second. A thousands separator (`1,000`: a comma glued to exactly three digits) is no
/// second number.
pub(super) fn limit_numbers_end(t: &[u8], at: usize) -> Option<usize> {
    let digits = |at: usize| {
        t.get(at..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let first = digits(at);
    if first == 0 {
        return None;
    }
    let mut next = skip_blank(t, at + first);
    if t.get(next) == Some(&b',') {
        let glued = next == at + first && t.get(next + 1) != Some(&b' ');
        next = skip_blank(t, next + 1);
        let second = digits(next);
        (second > 0 && !(glued && second == 3)).then_some(next + second)
    } else if word_at(t, next, "offset") {
        next = skip_blank(t, next + 6);
        let second = digits(next);
        (second > 0).then_some(next + second)
    } else {
        None
    }
}
