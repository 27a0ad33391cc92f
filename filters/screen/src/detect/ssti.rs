//! Server-side template injection (CRS 934180, 934200): an expression in the syntax of a
//! template engine (Jinja/Twig `{{ }}` and `{% %}`, EL and FreeMarker `${ }`, Ruby and Thymeleaf
//! `#{ }` `*{ }`, ERB/JSP `<%= %>`) that a probe or an exploit sends: arithmetic to see it
//! evaluated (`{{7*7}}`), Python's object graph (`''.__class__.__mro__`), the engine's own
//! objects (`{{config}}`, `${T(java.lang.Runtime)}`), or statement tags.

use super::more::has_word;
use super::{SSTI_ARITHMETIC, SSTI_DUNDER, SSTI_OBJECTS, SSTI_STATEMENT};
use crate::engine::Anchor::Pieces;
use crate::engine::RuleDef;

pub(crate) const TABLE: &[RuleDef] = &[
    RuleDef {
        rule: SSTI_ARITHMETIC,
        anchors: &[Pieces(&["{", "<%"])],
        check: |v| {
            let lower = v.lower();
            expressions(lower).any(is_arithmetic)
        },
    },
    RuleDef {
        rule: SSTI_DUNDER,
        anchors: &[Pieces(&["__"])],
        check: |v| dunder_chain(v.bytes(), v.lower()),
    },
    RuleDef {
        rule: SSTI_OBJECTS,
        anchors: &[Pieces(&["{", "<%", "<#", "freemarker", "#set("])],
        check: |v| engine_objects(v.bytes(), v.lower()),
    },
    RuleDef {
        rule: SSTI_STATEMENT,
        anchors: &[Pieces(&["{", "<%"])],
        check: |v| statement(v.bytes(), v.lower()),
    },
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
            body.find(close).and_then(|e| body.get(..e)).unwrap_or(body)
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
        let digits = r.len() - r.trim_start_matches(|c: char| c.is_ascii_digit()).len();
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
fn dunder_chain(_: &[u8], lower: &str) -> bool {
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
fn engine_objects(_: &[u8], lower: &str) -> bool {
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
        let head_len = b.len()
            - b.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
                .len();
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
fn statement(_: &[u8], lower: &str) -> bool {
    const WORDS: [&str; 16] = [
        "if", "for", "set", "import", "include", "extends", "block", "macro", "print", "debug",
        "load", "with", "raw", "endif", "endfor", "from",
    ];
    let tag = |open: &str, close: &str| {
        lower.match_indices(open).any(|(i, _)| {
            let body = lower.get(i + open.len()..).unwrap_or_default();
            let body = body.strip_prefix(['=', '-']).unwrap_or(body).trim_start();
            let word_len = body.len()
                - body
                    .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                    .len();
            let word = body.get(..word_len).unwrap_or_default();
            (WORDS.contains(&word) || open == "<%") && word_len > 0 && body.contains(close)
        })
    };
    tag("{%", "%}")
        || tag("<%", "%>")
        || lower.match_indices("{{").any(|(i, _)| {
            let body = lower.get(i + 2..).unwrap_or_default();
            let body = body
                .find("}}")
                .and_then(|e| body.get(..e))
                .unwrap_or_default();
            (body.contains('(') && body.contains(')'))
                || has_word(body, "attr")
                || body.contains("|")
        })
}

#[cfg(test)]
mod tests {
    use super::super::more::cases::{attacks, benign};
    use super::*;

    #[test]
    fn cases() {
        attacks(
            TABLE,
            &[
                ("{{7*7}}", "ssti-001"),
                ("${7*7}", "ssti-001"),
                ("#{7*7}", "ssti-001"),
                ("<%= 7*7 %>", "ssti-001"),
                ("{{7*'7'}}", "ssti-001"),
                ("*{1337*1337}", "ssti-001"),
                ("{{''.__class__.__mro__[1].__subclasses__()}}", "ssti-002"),
                (
                    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
                    "ssti-002",
                ),
                ("{{config}}", "ssti-003"),
                ("{{ config.items() }}", "ssti-003"),
                ("{{self._TemplateReference__context}}", "ssti-003"),
                (
                    "${T(java.lang.Runtime).getRuntime().exec('id')}",
                    "ssti-003",
                ),
                ("#{runtime.exec('id')}", "ssti-003"),
                (
                    "<#assign ex=\"freemarker.template.utility.Execute\"?new()>${ex(\"id\")}",
                    "ssti-003",
                ),
                ("{% if True %}49{% endif %}", "ssti-004"),
                ("<% if True %>49<% endif %>", "ssti-004"),
                ("{{ ''|attr('x') }}", "ssti-004"),
            ],
        );
        benign(
            TABLE,
            1,
            &[
                "Hello {{name}}, your order {{order.id}} shipped",
                "Go templates: {{.Name}} and {{ if .Ready }}yes{{ end }}",
                "The total is ${PRICE} plus ${TAX}",
                "{\"a\": {\"b\": 1}}",
                "Use ${HOME}/bin or #{user}",
                "In Python, __init__ builds an object; __class__ names its type",
                "my config is {{config_file}}",
                "2023-2024 {{year}}",
                "<% Java scriptlets are old %>",
                "{{ 2024 }}",
                "${5}",
            ],
        );
        benign(
            TABLE,
            2,
            &[
                "Hello {{name}}, your order {{order.id}} shipped",
                "The total is ${PRICE} plus ${TAX}",
                "Use 50% {of} the 20% budget",
            ],
        );
    }
}
