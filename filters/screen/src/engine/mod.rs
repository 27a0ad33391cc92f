//! The screening engine: one value in, at most one finding per category out.
//!
//! Each category module holds its rules as a table ([`RuleDef`]: the rule, its anchors, its
//! check); the engine alone decides what runs:
//! - the categories in a fixed order ([`TABLES`]: traversal, SQL injection, XSS, command
//!   injection, …), each only where the policy enables it;
//! - in a category, the level-1 rules before the level-2 ones, table order within a level, and
//!   only the rules up to the policy's paranoia level;
//! - a rule the route excludes at this location is not run at all, so the category's other
//!   rules still look at the value (an exclusion never hides more than its rule);
//! - a rule none of whose anchors stands in the value ([`anchor`]; [`prefilter`]: one pass for
//!   every rule's anchors) is not run: plain text, which holds none of any rule's, runs none;
//! - a category stops at its first finding, which names it.
//!
//! The same anchors make a whole body plain to a policy ([`Plan::plain_body`]): where no value
//! of it holds an anchor of a rule the policy runs, nothing in it is inspected.
//!
//! [`View`] holds the value and the copies rules read it in, each made once.

pub mod anchor;
pub mod body;
#[cfg(test)]
mod cases;
#[cfg(test)]
mod differential;
pub mod prefilter;
pub mod rule;
pub mod view;

use crate::decode::decoded;
use crate::detect::{self, Category, Enabled, Finding, Rule, ValueKind, EXCERPT_CHARS};
use crate::policy::Exclusion;
pub use rule::RuleDef;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
pub use view::View;

pub use anchor::Anchor;

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

/// Every row of the tables (for the tests, which look at all of them at once).
#[cfg(test)]
fn every_row() -> prefilter::Rows {
    let mut all = prefilter::Rows::default();
    for row in 0..rows().count() {
        all.insert(row);
    }
    all
}

/// The prefilter for the anchors of `chosen` rows, built once per process for each set of
/// rows (policies of the same categories and level share it): a policy's automaton holds only
/// the pieces of the rules it runs.
fn prefilter_of(chosen: &prefilter::Rows) -> Arc<prefilter::Prefilter> {
    static BUILT: Mutex<Vec<(prefilter::Rows, Arc<prefilter::Prefilter>)>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, p)) = built.iter().find(|(r, _)| r == chosen) {
        return Arc::clone(p);
    }
    let p = Arc::new(prefilter::Prefilter::new(
        rows().enumerate().filter(|(row, _)| chosen.contains(*row)),
    ));
    built.push((*chosen, Arc::clone(&p)));
    p
}

/// The prefilter of every row (for the tests).
#[cfg(test)]
fn prefilter() -> Arc<prefilter::Prefilter> {
    prefilter_of(&every_row())
}

/// The rows a policy runs ([`Enabled`]: its categories and level), in the engine's order, and
/// the same as a set of rows for the prefilter: made once per policy, so that a value walks
/// only the rows that can apply to it.
#[derive(Debug, Clone)]
pub struct Plan {
    enabled: Enabled,
    steps: Vec<usize>,
    rows: prefilter::Rows,
    prefilter: Arc<prefilter::Prefilter>,
}

/// A body plain to a policy ([`Plan::plain_body`]), and for JSON its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainBody {
    /// JSON's nesting depth and number of object keys (0 for other formats).
    pub depth: usize,
    pub keys: usize,
}

impl Plan {
    pub fn new(enabled: Enabled) -> Plan {
        let chosen: Vec<usize> = steps()
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.def.rule.paranoia <= enabled.paranoia && enabled.has(s.def.rule.category)
            })
            .map(|(i, _)| i)
            .collect();
        let mut rows = prefilter::Rows::default();
        for s in chosen.iter().filter_map(|i| steps().get(*i)) {
            rows.insert(s.row);
        }
        Plan {
            enabled,
            steps: chosen,
            rows,
            prefilter: prefilter_of(&rows),
        }
    }

    pub fn enabled(&self) -> Enabled {
        self.enabled
    }

    /// Whether no value of `body` (read as `format`) holds an anchor of any rule this plan
    /// runs, so that none can match there: then its shape, else `None` (also where the values
    /// do not stand in the body as they would be inspected: [`body::in_place`]).
    pub fn plain_body(&self, body: &[u8], format: body::Format) -> Option<PlainBody> {
        let values = body::read(body, format)?;
        if self
            .prefilter
            .any_byte_in(&values.bytes, &values.raw, &self.rows)
            || self.prefilter.any_piece_in(&values.text, &self.rows)
        {
            return None;
        }
        Some(PlainBody {
            depth: values.depth,
            keys: values.keys,
        })
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
    let decoded = decoded(raw, kind.form_encoded(), true);
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
    // The rows with an anchor in the value: looked up in one bit test per row, before the
    // row's definition is read (most rows of most values have none).
    let present = view.prechecks().then(|| {
        plan.prefilter
            .present(view.bytes(), view.raw(), view.kind(), &plan.rows)
    });
    let mut found: Vec<Rule> = Vec::new();
    // The category of the finding made last: the rest of its rows are passed over.
    let mut done: Option<usize> = None;
    for step in plan.steps.iter().filter_map(|i| steps().get(*i)) {
        if present.as_ref().is_some_and(|p| !p.contains(step.row)) || done == Some(step.table) {
            continue;
        }
        let def = step.def;
        let rule = def.rule;
        if exclusions
            .iter()
            .any(|e| e.covers_rule(rule.id, rule.category))
        {
            continue;
        }
        if (def.check)(view) {
            found.push(rule);
            done = Some(step.table);
        }
    }
    found
}

/// The rules of one table at `level` that match `view`, in table order, each once: with the
/// prechecks on, only those with an anchor in the value. For the category modules' own tests,
/// which look at their rules without the rest of the engine.
#[cfg(test)]
pub fn matching(table: &[RuleDef], level: u8, view: &View) -> Vec<Rule> {
    let mut out: Vec<Rule> = Vec::new();
    for def in table.iter().filter(|d| d.rule.paranoia == level) {
        let anchored = !view.prechecks() || anchor::naive::holds_any(def.anchors, view);
        if !out.contains(&def.rule) && anchored && (def.check)(view) {
            out.push(def.rule);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ordinary text holds no anchor of a level-1 rule: to a level-1 policy of every category
    /// it is plain, and nothing runs on it.
    /// The rules with an anchor in `text`, for a failure's message.
    fn anchored_in(text: &str) -> Vec<&'static str> {
        let present = prefilter().present(
            text.as_bytes(),
            text.as_bytes(),
            ValueKind::Text,
            &Plan::new(Enabled::STRICT).rows,
        );
        rows()
            .enumerate()
            .filter(|(row, _)| present.contains(*row))
            .map(|(_, d)| d.rule.id)
            .collect()
    }

    #[test]
    fn plain_text_runs_no_rule() {
        let plan = Plan::new(Enabled::ALL);
        for plain in [
            "Item number 42, a sturdy well-made thing",
            "2024-01-01T10:30:00Z",
            "A sturdy, well-made thing for everyday use, or not",
            "A nice product, and cheap",
            "time",
            "they said or not",
            "as seen in 1990",
            "alias of set x",
            "john.doe@example.com",
        ] {
            assert!(
                plan.plain_body(plain.as_bytes(), body::Format::Text)
                    .is_some(),
                "{plain}: {:?}",
                anchored_in(plain)
            );
        }
        let json = br#"{"a": [1, "b c"], "d": {"e": "f"}}"#;
        assert!(plan.plain_body(json, body::Format::Json).is_some());
        assert!(Plan::new(Enabled::STRICT)
            .plain_body(json, body::Format::Json)
            .is_some());
        for not_plain in [
            "1 union select password from users",
            "bash -c id",
            "x limit 1",
            "@@version",
            "x -- comment",
            "javascript:alert",
            "java script:alert",
            "DOCU MENT.cookie",
            "gdb -nx",
            "a'b",
            "-moz - binding",
            "Window . location",
            "INFORMATION_SCHEMA",
            "or name is null",
            "born 1990 as X from here",
            "nohup ifconfig",
        ] {
            assert!(
                plan.plain_body(not_plain.as_bytes(), body::Format::Text)
                    .is_none(),
                "{not_plain}"
            );
        }
    }

    /// Values made of plain text's bytes that rules flag: each is found (its rule's anchors
    /// stand in it).
    #[test]
    fn values_of_plain_bytes_that_rules_flag_are_found() {
        for v in [
            "load data infile x",
            "x SET @v 1",
            "born 1990 as X from here",
            "or name is null",
            "nohup ifconfig",
            "IF 2 EQU 2 echo x",
            "if cmdextversion 1 goto x",
            "x:vmlframe",
            "exec xp_dirtree",
            "master.dbo.xp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "xp_ntsec_enumdomains",
            "0x2e0x2e0x2fetc",
            "x 0X2F.0x2E",
        ] {
            let found = inspect(v.as_bytes(), ValueKind::Text, "q", Enabled::ALL);
            assert!(!found.is_empty(), "{v}: a rule fires");
        }
        for v in ["visudo", "error.log", "4294967296", "1e309", "x1 or"] {
            let found = inspect(v.as_bytes(), ValueKind::Text, "q", Enabled::STRICT);
            assert!(!found.is_empty(), "{v}: a level-2 rule fires");
        }
    }

    #[test]
    fn every_row_fits_the_prefilter_s_sets() {
        let rows = rows().count();
        assert!(
            rows <= 64 * prefilter::ROW_WORDS,
            "{rows} rows: prefilter::ROW_WORDS must grow"
        );
    }

    #[test]
    fn every_rule_has_a_row_in_its_category_s_table() {
        assert!(prefilter().builds());
        // The automaton stays small enough for a filter's memory.
        assert!(
            prefilter().automaton_bytes() < 4 << 20,
            "{} bytes",
            prefilter().automaton_bytes()
        );
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
