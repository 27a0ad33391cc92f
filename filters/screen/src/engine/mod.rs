//! The screening engine: one value in, at most one finding per category out.
//!
//! Each category module holds its rules as a table ([`RuleDef`]: the rule, its anchors, whether
//! plain text can trigger it, its check); the engine alone decides what runs:
//! - the categories in a fixed order ([`TABLES`]: traversal, SQL injection, XSS, command
//!   injection), each only where the policy enables it;
//! - in a category, the level-1 rules before the level-2 ones, table order within a level, and
//!   only the rules up to the policy's paranoia level;
//! - a rule the route excludes at this location is not run at all, so the category's other
//!   rules still look at the value (an exclusion never hides more than its rule);
//! - a rule that plain text cannot trigger is skipped on a plain value ([`View::plain`]), and
//!   an anchored rule where none of its anchors stands in the value ([`prefilter`]: one pass
//!   for every rule's anchors);
//! - a category stops at its first finding, which names it.
//!
//! [`View`] holds the value and the copies rules read it in, each made once.

#[cfg(test)]
mod cases;
pub mod prefilter;
pub mod rule;
pub mod view;

use crate::decode::decode_fully;
use crate::detect::{self, Category, Enabled, Finding, Rule, ValueKind, EXCERPT_CHARS};
use crate::policy::Exclusion;
pub use rule::RuleDef;
use std::cell::OnceCell;
use std::sync::OnceLock;
pub use view::View;

/// The rule tables, in the order categories are inspected (and findings reported).
pub const TABLES: [(Category, &[RuleDef]); 16] = [
    (Category::Traversal, detect::traversal::TABLE),
    (Category::Sqli, detect::sqli::TABLE),
    (Category::Xss, detect::xss::TABLE),
    (Category::Rce, detect::rce_table::TABLE),
    (Category::Crlf, detect::crlf::TABLE),
    (Category::Ssti, detect::ssti::TABLE),
    (Category::Jndi, detect::jndi::TABLE),
    (Category::Ssi, detect::ssi::TABLE),
    (Category::Ldap, detect::ldap::TABLE),
    (Category::Php, detect::code::php::TABLE),
    (Category::Java, detect::code::java::TABLE),
    (Category::Python, detect::code::python::TABLE),
    (Category::Node, detect::code::node::TABLE),
    (Category::Ruby, detect::code::ruby::TABLE),
    (Category::Deser, detect::deser::TABLE),
    (Category::Rfi, detect::rfi::TABLE),
];

/// Every table's rows, in order.
fn rows() -> impl Iterator<Item = &'static RuleDef> {
    TABLES.iter().flat_map(|(_, table)| table.iter())
}

/// A row as the engine runs it: its place in [`rows`] (for the prefilter) and its category's
/// place in [`TABLES`].
struct Step {
    row: usize,
    table: usize,
    def: &'static RuleDef,
}

/// Every row in the order the engine tries them: by category, then level, then table order.
fn steps() -> &'static [Step] {
    static STEPS: OnceLock<Vec<Step>> = OnceLock::new();
    STEPS.get_or_init(|| {
        let mut steps: Vec<Step> = rows()
            .enumerate()
            .map(|(row, def)| Step {
                row,
                table: TABLES
                    .iter()
                    .position(|(c, _)| *c == def.rule.category)
                    .unwrap_or(0),
                def,
            })
            .collect();
        steps.sort_by_key(|s| (s.table, s.def.rule.paranoia, s.row));
        steps
    })
}

fn prefilter() -> &'static prefilter::Prefilter {
    static PREFILTER: OnceLock<prefilter::Prefilter> = OnceLock::new();
    PREFILTER.get_or_init(|| prefilter::Prefilter::new(rows()))
}

/// The rows a policy runs ([`Enabled`]: its categories and level), in the engine's order, and
/// those of them plain text can trigger: made once per policy, so that a value walks only
/// the rows that can apply to it.
#[derive(Debug, Clone)]
pub struct Plan {
    enabled: Enabled,
    all: Vec<usize>,
    on_plain: Vec<usize>,
}

impl Plan {
    pub fn new(enabled: Enabled) -> Plan {
        let all: Vec<usize> = steps()
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.def.rule.paranoia <= enabled.paranoia && enabled.has(s.def.rule.category)
            })
            .map(|(i, _)| i)
            .collect();
        let on_plain = all
            .iter()
            .copied()
            .filter(|i| steps().get(*i).is_some_and(|s| s.def.on_plain))
            .collect();
        Plan {
            enabled,
            all,
            on_plain,
        }
    }

    pub fn enabled(&self) -> Enabled {
        self.enabled
    }
}

/// Inspects one raw value; the first finding per category. The cost is linear in the value's
/// length, which the policy's header and body limits bound.
pub fn inspect(raw: &[u8], kind: ValueKind, location: &str, enabled: Enabled) -> Vec<Finding> {
    inspect_excluding(raw, kind, location, &Plan::new(enabled), true, &[])
}

/// [`inspect`], with the shortcuts on or off (`shortcuts`; off only to check that they change
/// nothing: the plain shortcut, the prefilter and the prechecks inside the checks).
pub fn inspect_with(
    raw: &[u8],
    kind: ValueKind,
    location: &str,
    enabled: Enabled,
    shortcuts: bool,
) -> Vec<Finding> {
    inspect_excluding(raw, kind, location, &Plan::new(enabled), shortcuts, &[])
}

/// [`inspect_with`] under a policy's [`Plan`], without the rules that the exclusions applying at
/// `location` ([`Exclusion::applies_at`]) cover: those are not run, the category's others are.
pub fn inspect_excluding(
    raw: &[u8],
    kind: ValueKind,
    location: &str,
    plan: &Plan,
    shortcuts: bool,
    exclusions: &[&Exclusion],
) -> Vec<Finding> {
    if raw.is_empty() {
        return Vec::new();
    }
    let decoded = decode_fully(raw, kind.form_encoded(), true);
    let view = View::with(raw, &decoded, kind, shortcuts)
        .at_level(plan.enabled.paranoia)
        .located(location);
    run(&view, plan, exclusions)
        .into_iter()
        .map(|rule| Finding {
            rule,
            location: location.to_string(),
            excerpt: (!detect::location_is_secret(location))
                .then(|| pavise_core::headers::loggable(raw, EXCERPT_CHARS)),
        })
        .collect()
}

/// The first rule per category of `plan` that matches `view`, without the rules `exclusions`
/// cover.
pub fn run(view: &View, plan: &Plan, exclusions: &[&Exclusion]) -> Vec<Rule> {
    let filter = prefilter();
    let present = OnceCell::new();
    let mut found: Vec<Rule> = Vec::new();
    // The category of the finding made last: the rest of its rows are passed over.
    let mut done: Option<usize> = None;
    let rows = if view.prechecks() && view.plain() {
        &plan.on_plain
    } else {
        &plan.all
    };
    for step in rows.iter().filter_map(|i| steps().get(*i)) {
        let def = step.def;
        let rule = def.rule;
        if done == Some(step.table)
            || exclusions
                .iter()
                .any(|e| e.covers_rule(rule.id, rule.category))
        {
            continue;
        }
        let skipped = view.prechecks()
            && !def.anchors.is_empty()
            && !filter.may_match(step.row, present.get_or_init(|| filter.scan(view.bytes())));
        if !skipped && (def.check)(view) {
            found.push(rule);
            done = Some(step.table);
        }
    }
    found
}

/// The rules of one table at `level` that match `view`, in table order, each once: with the
/// prechecks on, only those with an anchor in the value (the plain shortcut aside). For the
/// category modules' own tests, which look at their rules without the rest of the engine.
#[cfg(test)]
pub fn matching(table: &[RuleDef], level: u8, view: &View) -> Vec<Rule> {
    let lower = view.bytes().to_ascii_lowercase();
    let mut out: Vec<Rule> = Vec::new();
    for def in table.iter().filter(|d| d.rule.paranoia == level) {
        let anchored = !view.prechecks()
            || def.anchors.is_empty()
            || def.anchors.iter().any(|a| {
                let a = a.to_ascii_lowercase();
                lower.windows(a.len()).any(|w| w == a.as_bytes())
            });
        if !out.contains(&def.rule) && anchored && (def.check)(view) {
            out.push(def.rule);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_row_in_its_category_s_table() {
        assert!(prefilter().builds());
        for r in detect::RULES {
            let (_, table) = TABLES
                .iter()
                .find(|(c, _)| *c == r.category)
                .expect("a table per category");
            assert!(table.iter().any(|d| d.rule == *r), "{} has no row", r.id);
        }
        for (category, table) in TABLES {
            assert!(table.iter().all(|d| d.rule.category == category));
            assert!(table
                .iter()
                .all(|d| detect::rule(d.rule.id) == Some(d.rule)));
        }
    }
}
