//! Differential tests of the anchors: the prefilter against the anchors read one by one
//! ([`super::anchor::naive`]), and the engine with its shortcuts against the engine without
//! them, on values and whole bodies built at random from the pieces rules and plain text are
//! made of (words rules look for, the bytes between, encodings). A shortcut that skipped a
//! finding, or a body called plain that holds one, shows here as a difference.

use super::anchor::naive;
use super::{every_row, prefilter, rows, View};
use crate::decode::decode_fully;
use crate::detect::{inspect_with, Enabled, ValueKind};
use crate::policy::Mode;
use crate::screen::{BodyKind, Screener};

/// Pieces of values: plain words and numbers, the bytes between words, the words and phrases
/// rules look for (SQL, shell, script, template, code), encodings.
const PIECES: &[&str] = &[
    "a",
    "Item",
    "number",
    "42",
    "7",
    "0",
    "1990",
    "the",
    "well",
    "made",
    "for",
    "everyday",
    "use",
    "José",
    "Müller",
    "東京",
    " ",
    " ",
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    ",",
    ".",
    "..",
    "...",
    ":",
    "::",
    "-",
    "--",
    "_",
    "@",
    "@@",
    "'",
    "\"",
    "`",
    "(",
    ")",
    "()",
    "<",
    ">",
    "=",
    "==",
    "!",
    "!-",
    ";",
    "|",
    "||",
    "&",
    "&&",
    "$",
    "${",
    "{",
    "}",
    "{{",
    "}}",
    "[",
    "]",
    "/",
    "\\",
    "\\\\",
    "#",
    "%",
    "+",
    "*",
    "~",
    "?",
    "^",
    "\0",
    "\u{7f}",
    "é",
    "\u{ff1c}",
    "%2e",
    "%2f",
    "%27",
    "%3C",
    "%u2215",
    "%c0%ae",
    "&lt;",
    "&#60;",
    "0x2f",
    "0x2e",
    "0x5c",
    "0X5C",
    "or",
    "OR",
    "and",
    "xor",
    "as",
    "not",
    "is",
    "null",
    "union",
    "UNION",
    "select",
    "from",
    "where",
    "order",
    "by",
    "group",
    "having",
    "limit",
    "insert",
    "into",
    "values",
    "update",
    "set",
    "delete",
    "drop",
    "table",
    "exec",
    "execute",
    "sleep",
    "benchmark",
    "waitfor",
    "delay",
    "like",
    "sounds",
    "rlike",
    "regexp",
    "glob",
    "case",
    "when",
    "then",
    "between",
    "json",
    "jsonb",
    "infile",
    "load",
    "data",
    "xp_dirtree",
    "xp_",
    "master",
    "dbo",
    "sqlite_master",
    "information_schema",
    "tables",
    "pg_sleep",
    "char",
    "concat",
    "version",
    "user",
    "database",
    "2147483648",
    "1e309",
    "2.2250738585072011e-308",
    "int",
    "text",
    "varchar",
    "sh",
    "bash",
    "-c",
    "-e",
    "nc",
    "python",
    "perl",
    "php",
    "ruby",
    "cmd",
    "/c",
    "powershell",
    "iex",
    "certutil",
    "wmic",
    "net",
    "localgroup",
    "if",
    "exist",
    "equ",
    "goto",
    "nohup",
    "time",
    "sudo",
    "env",
    "xargs",
    "watch",
    "whoami",
    "id",
    "ls",
    "-la",
    "cat",
    "ps",
    "ifconfig",
    "visudo",
    "/usr/sbin/",
    "python3",
    "curl",
    "wget",
    "ping",
    "echo",
    "etc",
    "passwd",
    "/etc/passwd",
    "shadow",
    "win.ini",
    "boot.ini",
    "proc",
    "self",
    "environ",
    ".git",
    "config",
    ".env",
    "error.log",
    "backup.sql",
    ".bak",
    "dev",
    "tcp",
    "bin/",
    "tmp",
    "script",
    "javascript:",
    "java script",
    "vbscript:",
    "docu",
    "ment",
    "document",
    ".cookie",
    "window",
    ".location",
    "alert",
    "onload",
    "onerror",
    "img",
    "src",
    "svg",
    "iframe",
    "innerhtml",
    "import",
    "moz",
    "-moz-binding",
    "binding",
    "vml",
    "frame",
    ":vmlframe",
    "data:",
    "text/html",
    "base64",
    "-->",
    "<!--#",
    "exec",
    "include",
    "java",
    "runtime",
    "getRuntime",
    "lang",
    "Class",
    "forName",
    "ognl",
    "__class__",
    "__mro__",
    "__import__",
    "os",
    "system",
    "subprocess",
    "constructor",
    "prototype",
    "__proto__",
    "child_process",
    "require",
    "process",
    "function",
    "while",
    "true",
    "7*7",
    "jndi:",
    "ldap:",
    "//",
    "://",
    "http",
    "ftp",
    "1.2.3.4",
    "x.php",
    "file:",
    "cn",
    "uid",
    "*)",
    "(|",
    "(&",
    "objectClass",
    "invokertransformer",
    "rO0AB",
    "aced0005",
    "O:8:",
    "!!python/object",
    "stdClass",
    "SGVsbG8gd29ybGQhIGFuZCBtb3Jl",
    "MAIL",
    "FROM:",
    "RCPT",
    "Set-Cookie:",
    "HTTP/1.1",
    "Content-Length:",
    "\u{ac}\u{ed}",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// 1 to 8 pieces.
    fn value(&mut self) -> String {
        let n = 1 + self.below(8);
        (0..n).map(|_| PIECES[self.below(PIECES.len())]).collect()
    }
}

const KINDS: [ValueKind; 5] = [
    ValueKind::Text,
    ValueKind::FormValue,
    ValueKind::FormName,
    ValueKind::Path,
    ValueKind::FileName,
];

#[test]
fn the_prefilter_finds_what_the_anchors_say() {
    let defs: Vec<_> = rows().collect();
    let mut rng = Rng(0x5eed_0fa4_c401_2500);
    for _ in 0..20_000 {
        let raw = rng.value();
        let kind = KINDS[rng.below(KINDS.len())];
        let decoded = decode_fully(raw.as_bytes(), kind.form_encoded(), true);
        let view = View::with(raw.as_bytes(), &decoded, kind, true);
        let present = prefilter().present(&decoded, raw.as_bytes(), kind, &every_row());
        for (row, def) in defs.iter().enumerate() {
            let expected = def.anchors.is_empty() || naive::holds_any(def.anchors, &view);
            assert_eq!(
                present.contains(row),
                expected,
                "{} on {raw:?} ({kind:?})",
                def.rule.id
            );
        }
    }
}

#[test]
fn the_shortcuts_change_no_finding_on_values() {
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    for _ in 0..4_000 {
        let raw = rng.value();
        for kind in KINDS {
            for level in [1, 2] {
                let enabled = Enabled::all_at(level);
                let with = inspect_with(raw.as_bytes(), kind, "q", enabled, true);
                let without = inspect_with(raw.as_bytes(), kind, "q", enabled, false);
                assert_eq!(with, without, "{raw:?} ({kind:?}, level {level})");
            }
        }
    }
}

/// A JSON document, a form or a text of a few values, some of them plain text alone.
fn body(rng: &mut Rng) -> (BodyKind, Vec<u8>) {
    let n = 1 + rng.below(5);
    let mut values: Vec<String> = (0..n)
        .map(|_| {
            if rng.below(2) == 0 {
                rng.value()
            } else {
                [
                    "Item number 7",
                    "A sturdy, well-made thing",
                    "kitchen",
                    "José Müller",
                ][rng.below(4)]
                .to_string()
            }
        })
        .collect();
    match rng.below(3) {
        0 => {
            let map: serde_json::Map<String, serde_json::Value> = values
                .drain(..)
                .enumerate()
                .map(|(i, v)| (format!("k{i}"), serde_json::Value::String(v)))
                .collect();
            let doc = serde_json::Value::Object(map).to_string();
            (BodyKind::Json, doc.into_bytes())
        }
        1 => {
            let form: Vec<String> = values
                .iter()
                .enumerate()
                .map(|(i, v)| format!("k{i}={}", v.replace(' ', "+")))
                .collect();
            (BodyKind::Form, form.join("&").into_bytes())
        }
        _ => (BodyKind::Text, values.concat().into_bytes()),
    }
}

/// Every category, as a policy lists them.
const CATEGORIES: &str = r#"["sqli", "xss", "rce", "traversal", "crlf", "ssti", "jndi", "ssi", "ldap", "php", "java", "python", "node", "ruby", "deser", "rfi"]"#;

#[test]
fn the_shortcuts_change_no_decision_on_bodies() {
    let policy = |level: u8| {
        format!(
            r#"{{"mode": "detect", "detect": {{"categories": {CATEGORIES}, "paranoia": {level}}}}}"#
        )
    };
    let mut rng = Rng(0xb0d1_e50f_7e57);
    for level in [1, 2] {
        let with = Screener::from_json(policy(level).as_bytes()).expect("policy");
        let without = Screener::from_json(policy(level).as_bytes())
            .expect("policy")
            .without_shortcuts();
        for _ in 0..1_500 {
            let (kind, body) = body(&mut rng);
            for complete in [true, false] {
                assert_eq!(
                    with.screen_body(kind, &body, complete, None, Mode::Detect),
                    without.screen_body(kind, &body, complete, None, Mode::Detect),
                    "{:?} ({kind:?}, level {level}, complete {complete})",
                    String::from_utf8_lossy(&body)
                );
            }
        }
    }
}
