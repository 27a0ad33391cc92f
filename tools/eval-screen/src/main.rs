//! `pavise-eval-screen`: runs every request of one or more corpora through the screening
//! filter's own decision code ([`pavise_screen::screen::Screener`], the code the `.wasm` runs)
//! and reports, per source and category, the share of attacks detected and the share of benign
//! requests wrongly flagged.
//!
//! Usage: `pavise-eval-screen [--json] [--policy FILE] [--paranoia LEVEL] [--all-headers]
//! [--half even|odd] [--misses CATEGORY] [--decisions] [--check-shortcut] [--payloads CATEGORY=LIST ...]
//! [CORPUS.jsonl ...]`
//! (default policy `policies/screen.example.json`, evaluated at its own `detect.paranoia` and
//! `detect.headers` unless `--paranoia` or `--all-headers` (`["*"]`) sets others; default corpora `../shared/corpora/*.jsonl`
//! next to the repository). Corpus rows follow `../shared/corpora/README.md`: `source`,
//! `category`, `method`, `uri`, `headers`, `body`, `expect`, and for `crs` rows `phase`,
//! `paranoia_level`, `conflict`, `benign_scope`; `trivial` for libinjection rows.
//!
//! What counts: a request is *flagged* when screening finds an attack in it (a rule id of a
//! detector); refusals by a size or shape limit are counted apart, since they are the policy's
//! choice, not a detection. Judged: CRS rows at paranoia level 1-2 (PL3-4 reported apart),
//! request phase only, `conflict` rows left out; benign rows are the libinjection false
//! positives and CRS rows whose `benign_scope` is `all` (CRS `rule`-scoped benign rows only say
//! one rule must not fire, and are reported apart). Exit status: 0, or 2 on bad input.
//!
//! `--payloads sqli=LIST` (also `xss`, `rce`, `lfi`) reads a plain payload list, one attack
//! per line as in the public word lists (PayloadsAllTheThings' Intruder files): each non-empty
//! line, once, is sent as `GET /search?q=<the line, percent-encoded>` so that the decoded
//! parameter is the line itself, with the list's file name as its source.
//!
//! `--decisions` prints, instead of the report, one line per judged row and per CRS rule-scoped
//! benign row (id, source, category, kind, the rule or limit that refused it or `-`, where, and
//! the payload cut short): two runs diffed show every decision a change moved.
//!
//! `--check-shortcut` reports nothing of that: it screens every row of the corpora (judged or
//! not) twice, with the shortcuts (the plain shortcut and the detectors' prechecks) on and off
//! ([`Screener::without_shortcuts`]), in detect mode so that every value of every request is
//! inspected, and exits 1 naming the rows whose decisions differ: a shortcut may only skip
//! work that would flag nothing.

// A tool: a bad input stops it with a message.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod report;

use pavise_core::headers::HeaderList;
use pavise_screen::detect::Finding;
use pavise_screen::screen::{BodyDecision, BodyPlan, HeaderDecision, Refusal, Screener};
use report::{Key, Report, RuleHits, Tally};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
struct Row {
    id: String,
    source: String,
    category: String,
    method: String,
    uri: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: Option<String>,
    expect: String,
    #[serde(default)]
    phase: Option<String>,
    #[serde(default)]
    paranoia_level: Option<u8>,
    #[serde(default)]
    conflict: bool,
    #[serde(default)]
    benign_scope: Option<String>,
    #[serde(default)]
    trivial: bool,
    #[serde(default)]
    test_id: Option<u64>,
    #[serde(default)]
    rule_id: Option<u64>,
}

/// Where rows come from: a corpus file (JSON lines) or a plain payload list of one category.
#[derive(Debug, Clone)]
enum Source {
    Corpus(PathBuf),
    Payloads { category: String, list: PathBuf },
}

impl Source {
    /// `--payloads CATEGORY=LIST`.
    fn payloads(arg: &str) -> Source {
        match arg.split_once('=') {
            Some((category, list))
                if ["sqli", "xss", "rce", "lfi", "traversal"].contains(&category) =>
            {
                Source::Payloads {
                    category: category.to_string(),
                    list: PathBuf::from(list),
                }
            }
            _ => fail("--payloads needs CATEGORY=LIST, the category sqli, xss, rce or lfi"),
        }
    }

    fn label(&self) -> String {
        match self {
            Source::Corpus(path) => relative(path),
            Source::Payloads { category, list } => format!("{} ({category})", relative(list)),
        }
    }

    fn rows(&self) -> Vec<Row> {
        match self {
            Source::Corpus(path) => {
                let text = std::fs::read_to_string(path)
                    .unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
                text.lines()
                    .enumerate()
                    .filter(|(_, l)| !l.trim().is_empty())
                    .map(|(n, line)| {
                        serde_json::from_str(line)
                            .unwrap_or_else(|e| fail(&format!("{}:{}: {e}", path.display(), n + 1)))
                    })
                    .collect()
            }
            Source::Payloads { category, list } => {
                let bytes = std::fs::read(list)
                    .unwrap_or_else(|e| fail(&format!("{}: {e}", list.display())));
                let name = list
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                payload_rows(&bytes, &name, category)
            }
        }
    }
}

/// One row per distinct non-empty line of a payload list, in the query parameter `q`.
fn payload_rows(list: &[u8], name: &str, category: &str) -> Vec<Row> {
    let mut seen = std::collections::HashSet::new();
    list.split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .filter(|line| !line.is_empty() && seen.insert(line.to_vec()))
        .enumerate()
        .map(|(n, line)| Row {
            id: format!("{name}:{}", n + 1),
            source: name.to_string(),
            category: category.to_string(),
            method: "GET".into(),
            uri: format!("/search?q={}", percent_encode(line)),
            headers: BTreeMap::new(),
            body: None,
            expect: "attack".into(),
            phase: None,
            paranoia_level: None,
            conflict: false,
            benign_scope: None,
            trivial: false,
            test_id: None,
            rule_id: None,
        })
        .collect()
}

/// Every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`) as `%XX`.
fn percent_encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// What screening did with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Flagged(&'static str),
    Limited(&'static str),
    Passed,
}

/// The decisions screening takes on one request: on its headers, and on its body if they pass
/// and ask for it to be inspected.
fn decide(screener: &Screener, row: &Row) -> (HeaderDecision, Option<BodyDecision>) {
    let mut pairs: Vec<(String, Vec<u8>)> = vec![
        (":method".into(), row.method.clone().into_bytes()),
        (":path".into(), row.uri.clone().into_bytes()),
    ];
    for (name, value) in &row.headers {
        let lower = name.to_ascii_lowercase();
        if lower == "host" {
            pairs.push((":authority".into(), value.clone().into_bytes()));
        } else {
            pairs.push((lower, value.clone().into_bytes()));
        }
    }
    let body = row.body.clone().unwrap_or_default();
    if !body.is_empty()
        && !row
            .headers
            .keys()
            .any(|k| k.eq_ignore_ascii_case("content-length"))
    {
        pairs.push(("content-length".into(), body.len().to_string().into_bytes()));
    }
    let headers = HeaderList::new(pairs);
    let decision = screener.screen_headers(&headers, !body.is_empty());
    let body = match &decision {
        HeaderDecision::Pass {
            body: BodyPlan::Inspect(kind),
            route,
            mode,
            ..
        } => Some(screener.screen_body(
            *kind,
            body.as_bytes(),
            body.len() <= screener.policy().limits.inspect_body_bytes,
            *route,
            *mode,
        )),
        _ => None,
    };
    (decision, body)
}

fn evaluate(screener: &Screener, row: &Row) -> Outcome {
    let refusal = match decide(screener, row) {
        (HeaderDecision::Refuse(r), _) | (_, Some(BodyDecision::Refuse(r))) => Some(r),
        _ => None,
    };
    match refusal {
        Some(Refusal::Finding(f)) => Outcome::Flagged(f.rule.id),
        Some(Refusal::Limit(l)) => Outcome::Limited(l.id()),
        None => Outcome::Passed,
    }
}

/// The finding that refused a row, if one did.
fn finding(screener: &Screener, row: &Row) -> Option<Finding> {
    match decide(screener, row) {
        (HeaderDecision::Refuse(Refusal::Finding(f)), _)
        | (_, Some(BodyDecision::Refuse(Refusal::Finding(f)))) => Some(f),
        _ => None,
    }
}

/// Which tally a row belongs to, or `None` if it is left out.
fn group(row: &Row) -> Option<Key> {
    let category = match (row.category.as_str(), row.rule_id.and_then(crs_category)) {
        ("other" | "protocol", Some(mapped)) if row.source == "crs" => mapped.to_string(),
        ("lfi", _) => "traversal".to_string(),
        (c, _) => c.to_string(),
    };
    if row.conflict || row.phase.as_deref() == Some("response") {
        return None;
    }
    let mut source = row.source.clone();
    if row.source == "crs" && row.paranoia_level.is_some_and(|pl| pl > 2) {
        source = "crs (PL3-4, not judged)".into();
    }
    let kind = match row.expect.as_str() {
        "attack" => "attack",
        "benign" if row.source == "crs" && row.benign_scope.as_deref() != Some("all") => {
            "benign (one rule only)"
        }
        "benign" => "benign",
        _ => return None,
    };
    if row.trivial {
        source = format!("{source} (trivial)");
    }
    Some((source, category, kind))
}

/// Adds one row's outcome to its tally.
fn count(t: &mut Tally, row: &Row, outcome: &Outcome) {
    t.total += 1;
    match outcome {
        Outcome::Flagged(rule) => {
            t.flagged += 1;
            *t.rules.entry(rule).or_default() += 1;
        }
        Outcome::Limited(limit) => {
            t.limited += 1;
            *t.rules.entry(limit).or_default() += 1;
        }
        Outcome::Passed => {}
    }
    let wrong = match row.expect.as_str() {
        "attack" => *outcome == Outcome::Passed,
        _ => matches!(outcome, Outcome::Flagged(_)),
    };
    if wrong {
        t.wrong.push(row.id.clone());
    }
}

/// Adds a judged row's finding to its rule's hits.
fn count_rule(hits: &mut BTreeMap<&'static str, RuleHits>, key: &Key, outcome: &Outcome) {
    let Outcome::Flagged(rule) = outcome else {
        return;
    };
    if key.0.contains("not judged") {
        return;
    }
    let h = hits.entry(rule).or_default();
    match key.2 {
        "attack" => h.attacks += 1,
        "benign" if report::generated(key) && key.0 == report::TECHNICAL => h.technical += 1,
        "benign" if report::generated(key) => h.generated += 1,
        "benign" => h.shared_benign += 1,
        _ => {}
    }
}

/// The screening category a CRS rule's rows test, by the rule's id, for the rows the corpus
/// files under `other` or `protocol`: each range is the CRS rules of one attack class.
fn crs_category(rule_id: u64) -> Option<&'static str> {
    Some(match rule_id {
        921110..=921160 | 921190 => "crlf",
        921200 => "ldap",
        931000..=931999 => "rfi",
        // 933200's rows carry the id 9331200 in the corpus.
        933000..=933999 | 9331200 | 934170 => "php",
        934100 | 934101 | 934130 | 934160 => "node",
        934150 => "ruby",
        934180 | 934200 => "ssti",
        944100..=944140 | 944260 => "java",
        944150..=944152 => "jndi",
        944200..=944250 => "deser",
        _ => return None,
    })
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut as_json = false;
    let mut policy_path = workspace_root().join("policies/screen.example.json");
    let mut corpora: Vec<Source> = Vec::new();
    let mut half: Option<u64> = None;
    let mut misses: Option<String> = None;
    let mut check_shortcut = false;
    let mut decisions = false;
    let mut paranoia: Option<u64> = None;
    let mut all_headers = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--json" => as_json = true,
            "--policy" => match args.next() {
                Some(p) => policy_path = PathBuf::from(p),
                None => fail("--policy needs a file"),
            },
            "--half" => match args.next().as_deref() {
                Some("even") => half = Some(0),
                Some("odd") => half = Some(1),
                _ => fail("--half needs even or odd"),
            },
            "--misses" => match args.next() {
                Some(c) => misses = Some(c),
                None => fail("--misses needs a category (sqli, xss, rce, traversal, benign)"),
            },
            "--check-shortcut" => check_shortcut = true,
            "--decisions" => decisions = true,
            "--paranoia" => match args.next().and_then(|l| l.parse().ok()) {
                Some(level) => paranoia = Some(level),
                None => fail("--paranoia needs a level (1 or 2)"),
            },
            "--all-headers" => all_headers = true,
            "--payloads" => match args.next() {
                Some(a) => corpora.push(Source::payloads(&a)),
                None => fail("--payloads needs CATEGORY=LIST"),
            },
            "-h" | "--help" => {
                println!("usage: pavise-eval-screen [--json] [--policy FILE] [--paranoia LEVEL] [--all-headers] [--half even|odd] [--misses CATEGORY] [--decisions] [--check-shortcut] [--payloads CATEGORY=LIST ...] [CORPUS.jsonl ...]");
                return;
            }
            other if other.starts_with('-') => fail(&format!("unknown option {other}")),
            other => corpora.push(Source::Corpus(PathBuf::from(other))),
        }
    }
    if corpora.is_empty() {
        corpora = default_corpora().into_iter().map(Source::Corpus).collect();
    }
    let policy = std::fs::read(&policy_path)
        .unwrap_or_else(|e| fail(&format!("{}: {e}", policy_path.display())));
    let policy = match paranoia {
        Some(level) => with_detect(&policy, &policy_path, "paranoia", json!(level)),
        None => policy,
    };
    let policy = if all_headers {
        with_detect(&policy, &policy_path, "headers", json!(["*"]))
    } else {
        policy
    };
    let screener = Screener::from_json(&policy)
        .unwrap_or_else(|e| fail(&format!("{}: {e}", policy_path.display())));
    if check_shortcut {
        std::process::exit(check_plain_shortcut(&policy, &policy_path, &corpora));
    }

    // The recorded browser requests are also screened with every header inspected, the
    // setting their target is about.
    let every_header = (screener.policy().detect.headers != ["*"]).then(|| {
        let policy = with_detect(&policy, &policy_path, "headers", json!(["*"]));
        Screener::from_json(&policy)
            .unwrap_or_else(|e| fail(&format!("{}: {e}", policy_path.display())))
    });
    let mut tallies: BTreeMap<Key, Tally> = BTreeMap::new();
    let mut rule_hits: BTreeMap<&'static str, RuleHits> = BTreeMap::new();
    let mut all_headers: Option<Tally> = None;
    for row in rows(&corpora) {
        if half.is_some_and(|h| row.source == "crs" && row.test_id.unwrap_or(0) % 2 != h) {
            continue;
        }
        let Some(key) = group(&row) else { continue };
        let outcome = evaluate(&screener, &row);
        let every = every_header
            .as_ref()
            .filter(|_| row.source == report::CHROMIUM)
            .map(|s| evaluate(s, &row));
        if decisions {
            print_decision(&screener, &row, &key, &outcome);
            continue;
        }
        if let Some(wanted) = &misses {
            print_miss(&screener, &row, &key, &outcome, wanted);
            if let Some(o) = &every {
                let mut shown = row.clone();
                shown.id = format!("{} (headers: *)", row.id);
                if let Some(every) = &every_header {
                    print_miss(every, &shown, &key, o, wanted);
                }
            }
            continue;
        }
        count(tallies.entry(key.clone()).or_default(), &row, &outcome);
        count_rule(&mut rule_hits, &key, &outcome);
        if let Some(o) = &every {
            count(all_headers.get_or_insert_with(Tally::default), &row, o);
        }
    }
    if misses.is_some() || decisions {
        return;
    }
    let report = Report {
        tallies,
        rule_hits,
        all_headers,
        policy: relative(&policy_path),
        paranoia: screener.policy().detect.paranoia,
        headers: screener.policy().detect.headers.join(", "),
        corpora: corpora.iter().map(Source::label).collect(),
    };
    if as_json {
        report.print_json();
    } else {
        report.print_table();
    }
}

/// The policy with `detect.<field>` set to `value` (`--paranoia`, `--all-headers`), so that one
/// policy file is evaluated in each variant.
fn with_detect(policy: &[u8], policy_path: &Path, field: &str, value: Value) -> Vec<u8> {
    let mut policy: Value = serde_json::from_slice(policy)
        .unwrap_or_else(|e| fail(&format!("{}: {e}", policy_path.display())));
    let Some(p) = policy.as_object_mut() else {
        fail(&format!("{}: not a JSON object", policy_path.display()))
    };
    let detect = p.entry("detect").or_insert_with(|| json!({}));
    match detect.as_object_mut() {
        Some(d) => {
            d.insert(field.into(), value);
        }
        None => fail(&format!(
            "{}: detect is not an object",
            policy_path.display()
        )),
    }
    policy.to_string().into_bytes()
}

/// The rows of every source, in order.
fn rows(corpora: &[Source]) -> impl Iterator<Item = Row> + '_ {
    corpora.iter().flat_map(Source::rows)
}

/// `--check-shortcut`: every row screened with the shortcuts (plain values, the detectors'
/// prechecks) on and off, in detect mode
/// (the policy's and its routes' modes overridden) so that a finding never stops the
/// inspection early. The exit status: 0 if every decision is the same, 1 if not (the first
/// differing rows are printed), 2 if there is nothing to check.
fn check_plain_shortcut(policy: &[u8], policy_path: &Path, corpora: &[Source]) -> i32 {
    let mut policy: Value = serde_json::from_slice(policy)
        .unwrap_or_else(|e| fail(&format!("{}: {e}", policy_path.display())));
    if let Some(p) = policy.as_object_mut() {
        p.insert("mode".into(), json!("detect"));
        for route in p
            .get_mut("routes")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object_mut)
        {
            route.remove("mode");
        }
    }
    let with = Screener::from_json(policy.to_string().as_bytes())
        .unwrap_or_else(|e| fail(&format!("{}: {e}", policy_path.display())));
    let without = Screener::from_json(policy.to_string().as_bytes())
        .unwrap_or_else(|e| fail(&format!("{}: {e}", policy_path.display())))
        .without_shortcuts();
    let (mut checked, mut differing) = (0u64, Vec::new());
    for row in rows(corpora) {
        checked += 1;
        let (on, off) = (decide(&with, &row), decide(&without, &row));
        if on != off {
            if differing.len() < 20 {
                eprintln!("{}: with the shortcut {on:?}\n  without it {off:?}", row.id);
            }
            differing.push(row.id);
        }
    }
    if checked == 0 {
        eprintln!(
            "pavise-eval-screen: no rows in {}: nothing to check",
            corpora
                .iter()
                .map(Source::label)
                .collect::<Vec<_>>()
                .join(", ")
        );
        return 2;
    }
    if differing.is_empty() {
        println!("shortcuts (plain values, prechecks): the same decisions on all {checked} rows");
        return 0;
    }
    eprintln!(
        "shortcuts (plain values, prechecks): {} of {checked} rows decided differently without them (first: {})",
        differing.len(),
        differing
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    );
    1
}

/// One line for a judged attack of `wanted` that passed, or (with `wanted` `benign`) a judged
/// benign row that was flagged: id, CRS rule, where the payload is, and the payload cut short.
///
/// A flagged row's place is the finding's location; for a generated row, whose headers and
/// fields are many, its payload is the finding's excerpt of the value.
fn print_miss(screener: &Screener, row: &Row, key: &Key, outcome: &Outcome, wanted: &str) {
    // `benign+` adds the CRS rows that only say one rule must not fire.
    let judged =
        !key.0.contains("not judged") && (key.2 != "benign (one rule only)" || wanted == "benign+");
    let hit = match (wanted, key.2) {
        ("benign" | "benign+", "benign" | "benign (one rule only)") => {
            matches!(outcome, Outcome::Flagged(_))
        }
        (_, "attack") => key.1 == wanted && *outcome == Outcome::Passed,
        _ => false,
    };
    if !judged || !hit {
        return;
    }
    let rule = row.rule_id.map(|r| r.to_string()).unwrap_or_default();
    let fired = match outcome {
        Outcome::Flagged(r) => (*r).to_string(),
        _ => String::new(),
    };
    let (mut place, mut payload) = payload_place(row);
    if let Some(f) = finding(screener, row) {
        place = f.location;
        if report::generated(key) {
            payload = f.excerpt.unwrap_or(payload);
        }
    }
    println!(
        "{}\t{rule}\t{fired}\t{place}\t{}",
        row.id,
        cut(&payload, 160)
    );
}

/// `--decisions`: one line for a judged row (or a CRS benign row that only says one rule
/// must not fire, its kind saying so), whatever its outcome.
fn print_decision(screener: &Screener, row: &Row, key: &Key, outcome: &Outcome) {
    if key.0.contains("not judged") {
        return;
    }
    let outcome = match outcome {
        Outcome::Flagged(r) | Outcome::Limited(r) => *r,
        Outcome::Passed => "-",
    };
    let (mut place, payload) = payload_place(row);
    if let Some(f) = finding(screener, row) {
        place = f.location;
    }
    println!(
        "{}\t{}\t{}\t{}\t{outcome}\t{place}\t{}",
        row.id,
        key.0,
        key.1,
        key.2,
        cut(&payload, 160)
    );
}

/// Where a row's payload seems to be: the body (with its media type), a header that is not
/// one go-ftw always sends, the query, or the path.
fn payload_place(row: &Row) -> (String, String) {
    const USUAL: [(&str, &str); 3] = [
        ("user-agent", "OWASP CRS test agent"),
        ("host", "localhost"),
        ("accept", "text/xml,application/xml,application/xhtml+xml,text/html;q=0.9,text/plain;q=0.8,image/png,*/*;q=0.5"),
    ];
    let content_type = row
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if let Some(body) = row.body.as_deref().filter(|b| !b.is_empty()) {
        return (
            format!("body({})", cut(&content_type, 40)),
            body.to_string(),
        );
    }
    let unusual: Vec<String> = row
        .headers
        .iter()
        .filter(|(k, v)| {
            let k = k.to_ascii_lowercase();
            k != "content-length"
                && k != "content-type"
                && !USUAL.iter().any(|(n, u)| *n == k && u == v)
        })
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    if !unusual.is_empty() {
        return (
            "header".into(),
            format!("{}  [{}]", unusual.join(" | "), row.uri),
        );
    }
    match row.uri.split_once('?') {
        Some((_, q)) => ("query".into(), q.to_string()),
        None => ("path".into(), row.uri.clone()),
    }
}

fn cut(text: &str, chars: usize) -> String {
    let mut out: String = text
        .chars()
        .take(chars)
        .map(|c| if c.is_control() { '·' } else { c })
        .collect();
    if text.chars().count() > chars {
        out.push('…');
    }
    out
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared corpora, then the generated benign set (`make benign-corpus`).
fn default_corpora() -> Vec<PathBuf> {
    let shared = match std::env::var_os("PAVISE_CORPORA") {
        Some(d) => PathBuf::from(d),
        None => workspace_root().join("../shared/corpora"),
    };
    let mut files = jsonl_files(&shared, "pass corpus files as arguments");
    files.extend(jsonl_files(&benign_dir(), "run `make benign-corpus`"));
    files
}

/// Where `make benign-corpus` writes the generated benign set: `$PAVISE_BENIGN`, else
/// `target/benign/`.
fn benign_dir() -> PathBuf {
    match std::env::var_os("PAVISE_BENIGN") {
        Some(d) => PathBuf::from(d),
        None => workspace_root().join("target/benign"),
    }
}

/// The `*.jsonl` files of `dir`, sorted; a missing directory stops the tool with `hint`.
fn jsonl_files(dir: &Path, hint: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| fail(&format!("{}: {e} ({hint})", dir.display())))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    files
}

fn relative(p: &Path) -> String {
    let root = workspace_root().canonicalize().unwrap_or_default();
    let full = p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    match full.strip_prefix(&root) {
        Ok(r) => r.display().to_string(),
        Err(_) => match root
            .parent()
            .and_then(|parent| full.strip_prefix(parent).ok())
        {
            Some(r) => format!("../{}", r.display()),
            None => full.display().to_string(),
        },
    }
}

fn fail(message: &str) -> ! {
    eprintln!("pavise-eval-screen: {message}");
    std::process::exit(2);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_list_is_one_query_parameter_per_distinct_line() {
        let rows = payload_rows(
            b"' or 1=1--\r\n\n<script>\n' or 1=1--\n a b&c",
            "x.txt",
            "sqli",
        );
        let uris: Vec<&str> = rows.iter().map(|r| r.uri.as_str()).collect();
        assert_eq!(
            uris,
            [
                "/search?q=%27%20or%201%3D1--",
                "/search?q=%3Cscript%3E",
                "/search?q=%20a%20b%26c"
            ]
        );
        assert!(rows
            .iter()
            .all(|r| r.source == "x.txt" && r.category == "sqli" && r.expect == "attack"));
        assert_eq!(rows.first().map(|r| r.id.as_str()), Some("x.txt:1"));
    }

    #[test]
    fn payload_rows_are_screened_as_decoded() {
        let screener = Screener::from_json(b"{}").unwrap_or_else(|e| panic!("{e}"));
        let rows = payload_rows(
            b"' union select password from users--\nred shoes",
            "l",
            "sqli",
        );
        let outcomes: Vec<Outcome> = rows.iter().map(|r| evaluate(&screener, r)).collect();
        assert!(matches!(outcomes.first(), Some(Outcome::Flagged(id)) if id.starts_with("sqli")));
        assert_eq!(outcomes.get(1), Some(&Outcome::Passed));
    }
}
