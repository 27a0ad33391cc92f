//! Server-side template injection (CRS 934180, 934200): an expression in the syntax of a
//! template engine (Jinja/Twig `{{ }}` and `{% %}`, EL and FreeMarker `${ }`, Ruby and Thymeleaf
//! `#{ }` `*{ }`, ERB/JSP `<%= %>`) that a probe or an exploit sends: arithmetic to see it
//! evaluated (`{{7*7}}`), Python's object graph (`''.__class__.__mro__`), the engine's own
//! objects (`{{config}}`, `${T(java.lang.Runtime)}`), or statement tags.

use super::more::{has_word, run_len, up_to};
use super::{SSTI_ARITHMETIC, SSTI_DUNDER, SSTI_OBJECTS, SSTI_STATEMENT};
use crate::engine::Anchor::Pieces;
use crate::engine::RuleDef;

pub(crate) const TABLE: &[RuleDef] = &[
    RuleDef::always(SSTI_ARITHMETIC, |v| {
        let lower = v.lower();
        expressions(lower).any(is_arithmetic)
    })
    .anchored(&[Pieces(&["{", "<%"])]),
    RuleDef::always(SSTI_DUNDER, |v| dunder_chain(v.lower())).anchored(&[Pieces(&["__"])]),
    RuleDef::always(SSTI_OBJECTS, |v| engine_objects(v.lower())).anchored(&[Pieces(&[
        "{",
        "<%",
        "<#",
        "freemarker",
        "#set(",
    ])]),
    RuleDef::always(SSTI_STATEMENT, |v| statement(v.lower())).anchored(&[Pieces(&["{", "<%"])]),
];

/// Each template expression's body: after `{{`, `${`, `#{`, `*{`, `@{`, `<%=`, `<%` up to the
/// closing `}}`, `}` or `%>` (or the value's end).
fn expressions(lower: &str) -> impl Iterator<Item = &str> {
    const OPENERS: [(&str, &str); 7] = [
        ("{{", "}}"),
        ("${", "}"),
        ("#{", "}"),
        ("*{", "}"),
        ("@{", "}"),
        ("<%=", "%>"),
        ("<%", "%>"),
    ];
    OPENERS.into_iter().flat_map(move |(open, close)| {
        lower.match_indices(open).map(move |(i, _)| {
            let body = lower.get(i + open.len()..).unwrap_or_default();
            let body = body.strip_prefix(['=', '-']).unwrap_or(body);
            up_to(body, close).unwrap_or(body)
        })
    })
}

/// Numbers (maybe quoted) joined by arithmetic, with a `*`, `/`, `+` or `-` between two of
/// them: `7*7`, `7*'7'`, ` 1337 * 1337 `. Not a lone number (`${5}`) nor a name (`${PRICE}`).
fn is_arithmetic(body: &str) -> bool {
    let body = body.trim();
    let mut numbers = 0;
    let mut operators = 0;
    let mut rest = body;
    while !rest.is_empty() {
        let r = rest.trim_start_matches([' ', '\'', '"', '(', ')']);
        if r.is_empty() {
            break;
        }
        let digits = run_len(r, |c| c.is_ascii_digit());
        if digits > 0 {
            numbers += 1;
            rest = r.get(digits..).unwrap_or_default();
        } else if let Some(after) = r.strip_prefix(['*', '/', '+', '-', '%']) {
            operators += 1;
            rest = after;
        } else {
            return false;
        }
    }
    numbers >= 2 && operators >= 1 && body.contains(['*', '/', '+', '-', '%'])
}

/// Python's object graph walked from a literal to the interpreter: `__class__` with
/// `__mro__`, `__base__`, `__subclasses__`, `__globals__`, `__builtins__` or `__init__` after
/// it, or any of the last four on their own with a `.`, `[` or `|attr` around them.
fn dunder_chain(lower: &str) -> bool {
    const WALKS: [&str; 7] = [
        "__mro__",
        "__subclasses__",
        "__globals__",
        "__builtins__",
        "__bases__",
        "__base__",
        "__getattribute__",
    ];
    WALKS.iter().any(|w| {
        lower.match_indices(w).any(|(i, _)| {
            let before = lower.get(..i).unwrap_or_default().trim_end();
            let after = lower.get(i + w.len()..).unwrap_or_default().trim_start();
            before.ends_with(['.', '[', '\'', '"', '(', '|'])
                || after.starts_with(['.', '[', '(', '|', ')', '\'', '"'])
        })
    }) || lower.match_indices("__class__").any(|(i, _)| {
        lower
            .get(i + 9..)
            .unwrap_or_default()
            .trim_start_matches([' ', '\'', '"', ']', ')'])
            .starts_with(['.', '[', '|'])
    })
}

/// An expression that reaches the engine's or the runtime's objects: Jinja's `config`,
/// `self`, `request`, `lipsum`, `cycler`, `joiner`, `namespace`, `url_for`, `get_flashed_messages`;
/// a string or list literal's attributes (`{{''.`, `{{[].`); Spring EL's `T(` type operator;
/// `.getclass(`, `.forname(`, `runtime`; FreeMarker's `<#assign` with `?new()` and its
/// `freemarker.template.utility.execute`; Velocity's `#set(` with `$class`.
fn engine_objects(lower: &str) -> bool {
    const OBJECTS: [&str; 11] = [
        "config",
        "self",
        "request",
        "lipsum",
        "cycler",
        "joiner",
        "namespace",
        "url_for",
        "get_flashed_messages",
        "settings",
        "application",
    ];
    expressions(lower).any(|body| {
        let b = body.trim_start_matches([' ', '(']);
        let head_len = run_len(b, |c| c.is_ascii_alphanumeric() || c == '_');
        let head = b.get(..head_len).unwrap_or_default();
        let after = b.get(head_len..).unwrap_or_default().trim_start();
        (OBJECTS.contains(&head) && (after.is_empty() || after.starts_with(['.', '[', '|', '('])))
            || ["''.", "\"\".", "[].", "().", "t(", "''[", "\"\"["]
                .iter()
                .any(|p| b.starts_with(p))
            || [
                ".getclass(",
                ".forname(",
                "getruntime",
                ".exec(",
                "processbuilder",
                "new(",
                "popen(",
            ]
            .iter()
            .any(|p| b.contains(p))
            || (head == "runtime" && after.starts_with('.'))
    }) || lower.contains("freemarker.template.utility")
        || (lower.contains("<#assign") && lower.contains("?new("))
        || (lower.contains("#set(") && lower.contains("$class"))
}

/// A template statement: `{% if … %}`, `{% for %}`, `{% set %}`, `{% import %}`, `{% include %}`,
/// `{% extends %}`, `{% block %}`, `{% macro %}`, `{% print %}`, `{% debug %}`, `{% load %}`, …;
/// an ERB or JSP scriptlet (`<% if … %>`, `<%= … %>`); a `{{ }}` expression with a call or a
/// filter (`{{ x|attr('a') }}`, `{{ range(10) }}`). Markdown with Liquid tags and template
/// documentation have them too: level 2.
fn statement(lower: &str) -> bool {
    const WORDS: [&str; 16] = [
        "if", "for", "set", "import", "include", "extends", "block", "macro", "print", "debug",
        "load", "with", "raw", "endif", "endfor", "from",
    ];
    let tag = |open: &str, close: &str| {
        lower.match_indices(open).any(|(i, _)| {
            let body = lower.get(i + open.len()..).unwrap_or_default();
            let body = body.strip_prefix(['=', '-']).unwrap_or(body).trim_start();
            let word_len = run_len(body, |c| c.is_ascii_alphabetic());
            let word = body.get(..word_len).unwrap_or_default();
            (WORDS.contains(&word) || open == "<%") && word_len > 0 && body.contains(close)
        })
    };
    tag("{%", "%}")
        || tag("<%", "%>")
        || lower.match_indices("{{").any(|(i, _)| {
            let body = lower.get(i + 2..).unwrap_or_default();
            let body = up_to(body, "}}").unwrap_or_default();
            (body.contains('(') && body.contains(')'))
                || has_word(body, "attr")
                || body.contains("|")
        })
}
