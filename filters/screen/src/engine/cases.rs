//! The per-rule case files (`filters/screen/cases/<category>.txt`): for each rule, attacks it
//! must catch and benign look-alikes it must pass, run through the rule's rows as the engine
//! runs them (anchors included), and again with the shortcuts off.
//!
//! Format: `[rule-id]` or `[rule-id kind]` (kind: `text`, the default, `form` or `path`) opens
//! a rule's cases; `+ value` is an attack, `- value` a benign value, each taken as written after
//! the two characters (raw, still encoded); `#` lines are comments.

use super::{View, TABLES};
use crate::decode::decode_fully;
use crate::detect::{Rule, ValueKind, RULES};

const FILES: [(&str, &str); 16] = [
    ("traversal", include_str!("../../cases/traversal.txt")),
    ("sqli", include_str!("../../cases/sqli.txt")),
    ("xss", include_str!("../../cases/xss.txt")),
    ("rce", include_str!("../../cases/rce.txt")),
    ("crlf", include_str!("../../cases/crlf.txt")),
    ("ssti", include_str!("../../cases/ssti.txt")),
    ("jndi", include_str!("../../cases/jndi.txt")),
    ("ssi", include_str!("../../cases/ssi.txt")),
    ("ldap", include_str!("../../cases/ldap.txt")),
    ("php", include_str!("../../cases/php.txt")),
    ("java", include_str!("../../cases/java.txt")),
    ("python", include_str!("../../cases/python.txt")),
    ("node", include_str!("../../cases/node.txt")),
    ("ruby", include_str!("../../cases/ruby.txt")),
    ("deser", include_str!("../../cases/deser.txt")),
    ("rfi", include_str!("../../cases/rfi.txt")),
];

struct Case {
    rule: Rule,
    kind: ValueKind,
    attack: bool,
    value: String,
    line: String,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (file, text) in FILES {
        let mut current: Option<(Rule, ValueKind)> = None;
        for (n, line) in text.lines().enumerate() {
            let at = format!("cases/{file}.txt:{}", n + 1);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(head) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let mut parts = head.split(' ');
                let id = parts.next().unwrap_or_default();
                let rule = crate::detect::rule(id).unwrap_or_else(|| panic!("{at}: no rule {id}"));
                assert_eq!(rule.category.as_str(), file, "{at}: {id} in the wrong file");
                let kind = match parts.next() {
                    None | Some("text") => ValueKind::Text,
                    Some("form") => ValueKind::FormValue,
                    Some("path") => ValueKind::Path,
                    Some(k) => panic!("{at}: unknown kind {k}"),
                };
                current = Some((rule, kind));
                continue;
            }
            let (attack, value) = match line.split_at_checked(2) {
                Some(("+ ", v)) => (true, v),
                Some(("- ", v)) => (false, v),
                _ => panic!("{at}: expected `+ value`, `- value`, `[rule]` or `#`"),
            };
            let (rule, kind) = current.unwrap_or_else(|| panic!("{at}: a case before any [rule]"));
            out.push(Case {
                rule,
                kind,
                attack,
                value: value.to_string(),
                line: at,
            });
        }
    }
    out
}

/// Whether one of `rule`'s rows matches the raw value, as the engine would run them.
fn fires(rule: Rule, raw: &[u8], kind: ValueKind, shortcuts: bool) -> bool {
    let decoded = decode_fully(raw, kind == ValueKind::FormValue, true);
    let view = View::with(raw, &decoded, kind, shortcuts);
    let present =
        super::prefilter().present(&decoded, raw, kind == ValueKind::Path, &super::every_row());
    TABLES
        .iter()
        .flat_map(|(_, table)| table.iter())
        .enumerate()
        .filter(|(_, d)| d.rule == rule)
        .any(|(row, d)| {
            let runs = !shortcuts || present.contains(row);
            runs && (d.check)(&view)
        })
}

#[test]
fn every_rule_catches_its_attacks_and_passes_its_look_alikes() {
    let cases = cases();
    let mut wrong = Vec::new();
    for c in &cases {
        for shortcuts in [true, false] {
            if fires(c.rule, c.value.as_bytes(), c.kind, shortcuts) != c.attack {
                let what = if c.attack { "missed" } else { "flagged" };
                wrong.push(format!(
                    "{}: {} {what} {:?} (shortcuts {shortcuts})",
                    c.line, c.rule.id, c.value
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    for r in RULES {
        let of = |attack: bool| cases.iter().any(|c| c.rule == *r && c.attack == attack);
        assert!(
            of(true) && of(false),
            "{}: needs an attack and a look-alike",
            r.id
        );
    }
}
