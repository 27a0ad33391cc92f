//! The evaluation's results and how they are printed: per source and category (attacks
//! detected, benign requests flagged), per benign source against the false-positive targets,
//! and per rule (how many attacks and how many benign requests each rule id decided).

use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A tally's key: source, category, and kind (`attack`, `benign`, `benign (one rule only)`).
pub type Key = (String, String, &'static str);

/// One source, category and kind's results.
#[derive(Default, Clone)]
pub struct Tally {
    pub total: u64,
    pub flagged: u64,
    pub limited: u64,
    pub rules: BTreeMap<&'static str, u64>,
    /// Attacks missed, or benign requests flagged.
    pub wrong: Vec<String>,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.total += other.total;
        self.flagged += other.flagged;
        self.limited += other.limited;
        for (rule, n) in &other.rules {
            *self.rules.entry(rule).or_default() += n;
        }
        self.wrong.extend(other.wrong.iter().cloned());
    }
}

/// The requests a rule id decided (a request counts for the first finding only, the one that
/// refuses it).
#[derive(Default, Clone, Copy)]
pub struct RuleHits {
    /// Judged attacks.
    pub attacks: u64,
    /// Judged benign rows of the shared corpora (CRS `benign_scope: all`, libinjection).
    pub shared_benign: u64,
    /// Generated benign rows but the technical ones.
    pub generated: u64,
    /// The generated technical prose.
    pub technical: u64,
}

/// The source of generated technical prose, reported apart from the target.
pub const TECHNICAL: &str = "technical";
/// The source of the recorded browser requests, also screened with every header inspected.
pub const CHROMIUM: &str = "chromium-headers";

/// Whether a tally's rows are from the generated benign set (its rows' category is `benign`;
/// the shared corpora's are attack classes).
pub fn generated(key: &Key) -> bool {
    key.1 == "benign"
}

pub struct Report {
    pub tallies: BTreeMap<Key, Tally>,
    pub rule_hits: BTreeMap<&'static str, RuleHits>,
    /// The recorded browser requests screened with `detect.headers: ["*"]` (when there are any
    /// and the policy does not already inspect every header).
    pub all_headers: Option<Tally>,
    pub policy: String,
    pub paranoia: u8,
    pub headers: String,
    pub corpora: Vec<String>,
}

/// One line of the benign-source table.
struct BenignLine {
    /// The source, `generated` for the pooled generated set, or `chromium-headers (headers: *)`.
    key: String,
    label: String,
    tally: Tally,
    target: String,
}

impl Report {
    /// The false-positive target of the generated set at this paranoia level.
    fn generated_target(&self) -> &'static str {
        match self.paranoia {
            1 => "< 0.1%",
            2 => "< 0.5%",
            _ => "",
        }
    }

    fn benign_lines(&self) -> Vec<BenignLine> {
        let mut per_source: BTreeMap<(bool, String), Tally> = BTreeMap::new();
        for (key, t) in self.tallies.iter().filter(|(k, _)| k.2 == "benign") {
            per_source
                .entry((generated(key), key.0.clone()))
                .or_default()
                .add(t);
        }
        let mut lines = Vec::new();
        let mut pooled = Tally::default();
        for ((is_generated, source), t) in &per_source {
            let target = match source.as_str() {
                "crs" => "0 (`benign_scope: all`)".to_string(),
                s if s.starts_with("libinjection") => "< 1%".to_string(),
                _ => String::new(),
            };
            if *is_generated && source != TECHNICAL {
                pooled.add(t);
            }
            lines.push(BenignLine {
                key: source.clone(),
                label: source.clone(),
                tally: t.clone(),
                target,
            });
        }
        if pooled.total > 0 {
            lines.push(BenignLine {
                key: "generated".into(),
                label: "**generated set** (every generated source but technical)".into(),
                tally: pooled,
                target: self.generated_target().to_string(),
            });
        }
        if let Some(t) = &self.all_headers {
            lines.push(BenignLine {
                key: format!("{CHROMIUM} (headers: *)"),
                label: format!("{CHROMIUM} with `detect.headers: [\"*\"]`"),
                tally: t.clone(),
                target: if self.paranoia == 1 { "0" } else { "" }.to_string(),
            });
        }
        lines
    }

    pub fn print_table(&self) {
        println!("# Screening evaluation\n");
        println!(
            "Policy: `{}`, paranoia level {}, headers inspected: {}. Corpora: {}.\n",
            self.policy,
            self.paranoia,
            self.headers,
            self.corpora
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!("Attacks: share flagged by a detector (a limit refusal is counted apart, not as a detection).\n");
        println!("| source | category | attacks | flagged | rate | also refused by a limit | rules that fired |");
        println!("|---|---|---:|---:|---:|---:|---|");
        for ((source, category, _), t) in self.tallies.iter().filter(|(k, _)| k.2 == "attack") {
            println!(
                "| {source} | {category} | {} | {} | {:.1}% | {} | {} |",
                t.total,
                t.flagged,
                rate(t.flagged, t.total),
                t.limited,
                rules(t)
            );
        }
        println!("\nBenign requests: share wrongly flagged (false positives).\n");
        println!("| source | category | kind | requests | flagged | rate | refused by a limit | rules that fired |");
        println!("|---|---|---|---:|---:|---:|---:|---|");
        for ((source, category, kind), t) in self.tallies.iter().filter(|(k, _)| k.2 != "attack") {
            println!(
                "| {source} | {category} | {kind} | {} | {} | {:.1}% | {} | {} |",
                t.total,
                t.flagged,
                rate(t.flagged, t.total),
                t.limited,
                rules(t)
            );
        }
        println!("\nFalse positives per benign source (judged rows; the generated set's target is for its pooled rows).\n");
        println!("| source | requests | flagged | rate | target | refused by a limit | rules that fired |");
        println!("|---|---:|---:|---:|---|---:|---|");
        for line in self.benign_lines() {
            let t = &line.tally;
            println!(
                "| {} | {} | {} | {:.2}% | {} | {} | {} |",
                line.label,
                t.total,
                t.flagged,
                rate(t.flagged, t.total),
                line.target,
                t.limited,
                rules(t)
            );
        }
        println!("\nHits per rule: the requests each rule id refused (the first finding of a request; judged rows).\n");
        println!(
            "| rule | attacks | benign, shared corpora | benign, generated | technical prose |"
        );
        println!("|---|---:|---:|---:|---:|");
        for (rule, h) in &self.rule_hits {
            println!(
                "| {rule} | {} | {} | {} | {} |",
                h.attacks, h.shared_benign, h.generated, h.technical
            );
        }
    }

    pub fn print_json(&self) {
        let rows: Vec<Value> = self
            .tallies
            .iter()
            .map(|((source, category, kind), t)| {
                json!({
                    "source": source, "category": category, "kind": kind,
                    "requests": t.total, "flagged": t.flagged, "limited": t.limited,
                    "flagged_rate": rate(t.flagged, t.total) / 100.0,
                    "rules": t.rules, "wrong": t.wrong,
                })
            })
            .collect();
        let benign: Vec<Value> = self
            .benign_lines()
            .into_iter()
            .map(|l| {
                json!({
                    "source": l.key, "requests": l.tally.total, "flagged": l.tally.flagged,
                    "limited": l.tally.limited,
                    "flagged_rate": rate(l.tally.flagged, l.tally.total) / 100.0,
                    "target": l.target, "rules": l.tally.rules, "wrong": l.tally.wrong,
                })
            })
            .collect();
        let rule_hits: Vec<Value> = self
            .rule_hits
            .iter()
            .map(|(rule, h)| {
                json!({
                    "rule": rule, "attacks": h.attacks, "shared_benign": h.shared_benign,
                    "generated_benign": h.generated, "technical": h.technical,
                })
            })
            .collect();
        let out = json!({
            "policy": self.policy,
            "paranoia": self.paranoia,
            "headers": self.headers,
            "corpora": self.corpora,
            "results": rows,
            "benign_sources": benign,
            "rule_hits": rule_hits,
        });
        println!("{out:#}");
    }
}

pub fn rate(n: u64, d: u64) -> f64 {
    if d == 0 {
        0.0
    } else {
        n as f64 * 100.0 / d as f64
    }
}

fn rules(t: &Tally) -> String {
    t.rules
        .iter()
        .map(|(r, n)| format!("{r}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}
