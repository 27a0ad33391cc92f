//! Node.js code injection (CRS 934100, 934101, 934130, 934160): `require('child_process')`
//! and the paths to it (`process.mainModule`, `constructor.constructor(`), node-serialize's
//! function marker, prototype pollution through `__proto__` or `constructor.prototype`, and
//! the endless loops of a denial of service through `eval`.

use super::super::more::{is_ident, run_len, up_to};
use super::super::{NODE_FUNCTION, NODE_LOOP, NODE_PROCESS, NODE_PROTOTYPE};
use crate::engine::Anchor::Pieces;
use crate::engine::RuleDef;

pub(crate) const TABLE: &[RuleDef] = &[
    RuleDef {
        rule: NODE_PROCESS,
        anchors: &[Pieces(&[
            "child_process",
            "process",
            "require",
            "constructor",
            "_$$nd_func$$_",
            "__js_function",
            "fromcharcode",
            "function",
            "_load",
            "execsync",
            "spawnsync",
            "module",
            "\\u",
            "$",
        ])],
        check: |v| process(v.unescaped_squeezed(), v.lower()),
    },
    RuleDef {
        rule: NODE_PROTOTYPE,
        anchors: &[Pieces(&["__proto__", "prototype", "\\u"])],
        check: |v| prototype_pollution(v.unescaped()),
    },
    RuleDef {
        rule: NODE_LOOP,
        // `for(;;)`, `while(`: a `(`, or the backslash of its escape.
        anchors: &[Pieces(&["(", "\\"])],
        check: |v| endless_loop(v.unescaped_squeezed()),
    },
    RuleDef {
        rule: NODE_FUNCTION,
        anchors: &[Pieces(&["function", "=>", "console", "\\u"])],
        check: |v| function_literal(v.unescaped_squeezed()),
    },
];

/// `child_process`, `process.mainModule`, `process.binding(`, `module._load(`,
/// `constructor.constructor(` and `constructor('…')()`, `require('fs')` and
/// other core modules, node-serialize's `_$$ND_FUNC$$_` and `__js_function`,
/// `eval(String.fromCharCode(`, `new Function(`.
fn process(squeezed: &str, lower: &str) -> bool {
    if flight_reference(lower) {
        return true;
    }
    [
        "child_process",
        "process.mainmodule",
        "process.binding(",
        "._load(",
        "constructor.constructor",
        "this.constructor",
        "module.exports=",
        "process[",
        "require[",
        "process.mainmodule",
        "_$$nd_func$$_",
        "__js_function",
        "eval(string.fromcharcode",
        "newfunction(",
        "process.kill(",
        "process.exit(",
        "require('fs')",
        "require(\"fs\")",
        "require('net')",
        "require(\"net\")",
        "require('vm')",
        "require(\"vm\")",
        ".execsync(",
        ".spawnsync(",
    ]
    .iter()
    .any(|p| squeezed.contains(p))
}

/// A React Server Components reference (`"$1:constructor:constructor"`, `"$7:Module:prototype"`):
/// `$`, a chunk number and a path through `constructor`, `prototype` or `__proto__`, the
/// walk to `Function` that CVE-2025-55182 took.
fn flight_reference(lower: &str) -> bool {
    lower.match_indices('$').any(|(i, _)| {
        let rest = lower.get(i + 1..).unwrap_or_default();
        let digits = run_len(rest, |c| c.is_ascii_digit());
        let path = rest.get(digits..).unwrap_or_default();
        let path = path
            .split(['"', '\'', ',', '}', ' '])
            .next()
            .unwrap_or_default();
        digits > 0
            && path.starts_with(':')
            && path
                .split(':')
                .any(|s| matches!(s, "constructor" | "prototype" | "__proto__"))
    })
}

/// `__proto__` as a key or path segment (not inside a longer name), or `prototype` reached
/// through `constructor` (`constructor.prototype`, `constructor[prototype]`).
fn prototype_pollution(lower: &str) -> bool {
    let bytes = lower.as_bytes();
    lower.match_indices("__proto__").any(|(i, _)| {
        !bytes
            .get(i.wrapping_sub(1))
            .copied()
            .is_some_and(|b| b.is_ascii_alphanumeric())
            && !bytes
                .get(i + 9)
                .copied()
                .is_some_and(|b| b.is_ascii_alphanumeric())
    }) || lower.match_indices("constructor").any(|(i, _)| {
        let rest = lower.get(i + 11..).unwrap_or_default();
        let rest = rest.trim_start_matches(['.', '[', ']', '"', '\'', ' ']);
        rest.starts_with("prototype") && !bytes.get(i + 11).copied().is_some_and(is_ident)
    })
}

/// `while(true)`, `while(1)`, `while(!0)`, `while(!false)`, `for(;;)`: a loop that never ends.
fn endless_loop(squeezed: &str) -> bool {
    squeezed.contains("for(;;)")
        || squeezed.match_indices("while(").any(|(i, _)| {
            let cond = squeezed.get(i + 6..).unwrap_or_default();
            let cond = up_to(cond, ")").unwrap_or_default();
            let cond = cond.trim_start_matches('(');
            let bare = cond.trim_start_matches('!');
            let negations = cond.len() - bare.len();
            let number = bare.trim_start_matches(['+', '-']);
            let truthy = matches!(number, "true" | "this" | "infinity" | "[]" | "{}")
                || number.parse::<f64>().is_ok_and(|n| n != 0.0)
                || bare.starts_with("new")
                || matches!(
                    bare,
                    "string"
                        | "object"
                        | "number"
                        | "boolean"
                        | "symbol"
                        | "array"
                        | "function"
                        | "date"
                );
            let falsy = matches!(
                number,
                "false" | "0" | "''" | "\"\"" | "``" | "null" | "undefined" | "nan"
            );
            let negated = negations % 2 == 1;
            // CRS counts any negation of a falsy value (`!!''`) as the loop's probe too.
            (truthy && !negated) || (falsy && negations > 0)
        })
}

/// A function literal with a body (`function() {`, `function x(a){`, `() => {`) or a console
/// call (`console.info(1)`, `console["log"](1)`, `console.log.call(this,1)`), escapes undone.
/// Code in a snippet field has them too: level 2.
fn function_literal(squeezed: &str) -> bool {
    let console = squeezed.match_indices("console").any(|(i, _)| {
        let rest = squeezed.get(i + 7..).unwrap_or_default();
        let rest = rest
            .strip_prefix('.')
            .or_else(|| rest.strip_prefix("[\""))
            .or_else(|| rest.strip_prefix("['"));
        rest.is_some_and(|r| {
            let method = run_len(r, |c| c.is_ascii_alphabetic());
            let after = r
                .get(method..)
                .unwrap_or_default()
                .trim_start_matches(['"', '\'', ']']);
            method > 0
                && (after.starts_with('(')
                    || after.starts_with(".call(")
                    || after.starts_with(".apply("))
        })
    });
    console
        || squeezed.match_indices("function").any(|(i, _)| {
            let rest = squeezed.get(i + 8..).unwrap_or_default();
            let rest = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
            rest.starts_with('(')
                && rest
                    .find("){")
                    .is_some_and(|e| !rest.get(1..e).unwrap_or_default().contains('('))
        })
        || squeezed.contains(")=>{")
}
