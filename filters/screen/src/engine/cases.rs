//! The per-rule case files (`filters/screen/cases/<category>.txt`): for each rule, attacks it
//! must catch and benign look-alikes it must pass, run through the rule's rows as the engine
//! runs them (anchors included), and again with the shortcuts off.
//!
//! Format: `[rule-id]` or `[rule-id kind]` opens a rule's cases. The kind says what the value
//! is and where it was found: `text` (the default, a JSON string at `body:x`), `form` (a query
//! parameter's value at `query:x`), `form:<name>` (the value of the parameter `<name>`), `name`
//! (a parameter's name), `path`, `header` (a header's value at `header:x-test`) or `filename`
//! (an uploaded file's name); `+ value` is an attack, `- value` a benign value, each taken as
//! written after the two characters (raw, still encoded); `#` lines are comments. An attack
//! must also be found through the engine under a policy of its rule's level.

use super::{View, TABLES};
use crate::decode::decode_fully;
use crate::detect::{Enabled, Rule, ValueKind, RULES};

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
    location: String,
    attack: bool,
    value: String,
    line: String,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (file, text) in FILES {
        let mut current: Option<(Rule, ValueKind, String)> = None;
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
                let (kind, location) = match parts.next() {
                    None | Some("text") => (ValueKind::Text, "body:x".to_string()),
                    Some("form") => (ValueKind::FormValue, "query:x".to_string()),
                    Some("name") => (ValueKind::FormName, "query:x".to_string()),
                    Some("path") => (ValueKind::Path, "path".to_string()),
                    Some("header") => (ValueKind::Text, "header:x-test".to_string()),
                    Some("filename") => (ValueKind::FileName, "body:file".to_string()),
                    Some(k) => match k.strip_prefix("form:") {
                        Some(name) => (ValueKind::FormValue, format!("query:{name}")),
                        None => panic!("{at}: unknown kind {k}"),
                    },
                };
                current = Some((rule, kind, location));
                continue;
            }
            let (attack, value) = match line.split_at_checked(2) {
                Some(("+ ", v)) => (true, v),
                Some(("- ", v)) => (false, v),
                _ => panic!("{at}: expected `+ value`, `- value`, `[rule]` or `#`"),
            };
            let (rule, kind, location) = current
                .clone()
                .unwrap_or_else(|| panic!("{at}: a case before any [rule]"));
            out.push(Case {
                rule,
                kind,
                location,
                attack,
                value: value.to_string(),
                line: at,
            });
        }
    }
    out
}

/// Whether one of `rule`'s rows matches the raw value, as the engine would run them.
fn fires(rule: Rule, raw: &[u8], kind: ValueKind, location: &str, shortcuts: bool) -> bool {
    let decoded = decode_fully(raw, kind.form_encoded(), true);
    let view = View::with(raw, &decoded, kind, shortcuts).located(location);
    let present = super::prefilter().present(&decoded, raw, kind, &super::every_row());
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
            if fires(c.rule, c.value.as_bytes(), c.kind, &c.location, shortcuts) != c.attack {
                let what = if c.attack { "missed" } else { "flagged" };
                wrong.push(format!(
                    "{}: {} {what} {:?} (shortcuts {shortcuts})",
                    c.line, c.rule.id, c.value
                ));
            }
        }
    }
    // An attack is found through the engine as a policy of its rule's level runs it: its
    // category names a finding (maybe by an earlier rule of it).
    for c in cases.iter().filter(|c| c.attack) {
        let found = crate::engine::inspect(
            c.value.as_bytes(),
            c.kind,
            &c.location,
            Enabled::all_at(c.rule.paranoia),
        );
        if !found.iter().any(|f| f.rule.category == c.rule.category) {
            wrong.push(format!(
                "{}: {} not found through the engine {:?}",
                c.line, c.rule.id, c.value
            ));
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
