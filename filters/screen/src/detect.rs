//! Detection: one value (a path, a query parameter, a header, a body field) in, findings out.
//!
//! Each value is decoded first ([`crate::decode`]), then handed to the detectors of the
//! enabled categories: SQL injection and XSS by libinjection's tokenizers (the `libinjectionrs`
//! port) and this crate's rules beside them ([`sql`], [`xss`]; at paranoia level 2 also
//! [`sql_strict`], [`sql_probe`], [`xss_strict`]), path traversal and command injection by this crate's own
//! ([`traversal`], [`rce`]).
//! A finding names a stable rule id, its category and where it was found; never the payload.

mod anchor;
pub mod fingerprint;
pub mod mail;
pub mod plain;
pub mod rce;
pub mod sql;
pub mod sql_probe;
pub mod sql_strict;
mod sqli_input;
pub mod traversal;
mod wordset;
pub mod xss;
pub mod xss_strict;

use crate::decode::decode_fully;
use schemars::JsonSchema;
use serde::Deserialize;
use std::cell::OnceCell;

/// A decoded value and its lowercase copy (ASCII letters lowered, invalid UTF-8 as U+FFFD), made
/// on first use and shared: the keyword, boolean-test and quote rules of SQL injection, command
/// injection and mail commands all read the value that way, and each made its own copy.
pub(crate) struct Lowered<'a> {
    decoded: &'a [u8],
    lower: OnceCell<String>,
}

impl<'a> Lowered<'a> {
    pub(crate) fn new(decoded: &'a [u8]) -> Self {
        Lowered {
            decoded,
            lower: OnceCell::new(),
        }
    }

    /// The decoded value itself.
    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.decoded
    }

    /// `String::from_utf8_lossy(decoded).to_ascii_lowercase()`, made once.
    pub(crate) fn lower(&self) -> &str {
        self.lower
            .get_or_init(|| String::from_utf8_lossy(self.decoded).to_ascii_lowercase())
    }
}

/// What kind of attack a rule detects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Sqli,
    Xss,
    /// Command injection.
    Rce,
    /// Path traversal and access to OS files.
    Traversal,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::Sqli,
        Category::Xss,
        Category::Rce,
        Category::Traversal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Sqli => "sqli",
            Category::Xss => "xss",
            Category::Rce => "rce",
            Category::Traversal => "traversal",
        }
    }
}

/// A detection rule: stable id, category, the paranoia level from which it runs, what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub category: Category,
    /// 1: runs under every policy. 2: runs only under `detect.paranoia: 2`, because it also
    /// flags some ordinary text (see [`Enabled::paranoia`]).
    pub paranoia: u8,
    pub description: &'static str,
}

macro_rules! rules {
    ($($name:ident = $id:literal, $cat:ident, $level:literal, $desc:literal;)*) => {
        $(pub const $name: Rule = Rule {
            id: $id,
            category: Category::$cat,
            paranoia: $level,
            description: $desc,
        };)*
        /// Every detection rule.
        pub const RULES: &[Rule] = &[$($name),*];
    };
}

rules! {
    SQLI_LIBINJECTION = "sqli-001", Sqli, 1, "SQL injection (libinjection tokenizer fingerprint)";
    SQLI_KEYWORD = "sqli-002", Sqli, 1, "SQL only attacks use: information_schema, xp_cmdshell, sleep()/benchmark() timing, into outfile, @@version, string and catalog functions";
    SQLI_NUMERIC_TEST = "sqli-003", Sqli, 1, "a boolean test of two numbers after AND/OR (or 1=1, and 2771=1709)";
    SQLI_QUOTE_BREAKOUT = "sqli-004", Sqli, 1, "a quote closed, then a SQL clause, then a comment or statement end (x' or email notnull--)";
    SQLI_FUNCTION = "sqli-005", Sqli, 1, "a SQL function call (substr(, db_name (, count()";
    SQLI_STATEMENT = "sqli-006", Sqli, 1, "a stacked or injected SQL statement (';select, drop table, declare @x, insert into … values)";
    SQLI_BOOLEAN_CLAUSE = "sqli-007", Sqli, 1, "a boolean clause where an injected value starts (' or 'a' <, AND 4372=(, ||(c=!0))";
    SQLI_ALIAS_FROM = "sqli-008", Sqli, 1, "a column alias before FROM after an expression () as t from)";
    SQLI_NOSQL_OPERATOR = "sqli-009", Sqli, 1, "a NoSQL (MongoDB) query operator as a key or name ($ne, [$regex])";
    SQLI_FRAGMENT_CALL = "sqli-010", Sqli, 2, "a SQL function name before ( with junk between, or a call left open or given a literal (IN (, length||(, user(), in (1,2))";
    SQLI_OPERATOR = "sqli-011", Sqli, 2, "SQL operator words and bare operator probes (XOR, regexp, IS NULL, )like(, a value that is only <>, or 88)";
    SQLI_TAUTOLOGY = "sqli-012", Sqli, 2, "an always-true comparison of two literals (1=1, 'a'='a', 1!=11)";
    SQLI_CLAUSE = "sqli-013", Sqli, 2, "a SQL clause fragment (order by 1, having 1=, when 1 then, select (case, from t where c=, execute name, (select)";
    SQLI_QUOTE_OPERATOR = "sqli-014", Sqli, 2, "a quote closed, then an operator, a name and a comment (x'|email--), or an escaped quote before a connective (\\'and)";
    SQLI_JSON_OPERATOR = "sqli-015", Sqli, 1, "a JSON document as a SQL string compared with a JSON operator ('{\"a\":1}' ? 'a', '[1,2]' -> '$[0]' = 1)";
    SQLI_OBFUSCATION = "sqli-016", Sqli, 2, "SQL obfuscation: a comment inside a word (DR/**/OP), a hex literal (0xf00d), 1.e(, and(, nvarchar";
    SQLI_CATALOG = "sqli-017", Sqli, 2, "a catalog object, server variable or package level 1 does not list (@@datadir, msdb, sys.objects, sysibm, all_tables, utl_http)";
    SQLI_CAST = "sqli-018", Sqli, 2, "a PostgreSQL cast of a name, call or literal to a type, the error-based probe (password::int, unistr(x)::int)";
    SQLI_OVERFLOW = "sqli-019", Sqli, 2, "a whole value just past an integer's range or a float parsers choke on (4294967296, 2.2250738585072011e-308, 1e309)";
    SQLI_QUOTE_PROBE = "sqli-020", Sqli, 2, "a quote probe: only quotes and SQL punctuation (';, \"', ' = # '), or a word closed by a quote and ; (admin@x.org`;)";
    SQLI_DANGLING_CONNECTIVE = "sqli-021", Sqli, 2, "a boolean connective left dangling: one identifier or number then or/and (/3 or), or a connective, a number and a comment (OR 1#)";
    SQLI_QUOTED_TEST = "sqli-022", Sqli, 2, "a boolean test at a quote: connective and number (' or 3, `or`1, and '5'), or true string comparison the query closes ('x'!='y)";
    SQLI_LIKE = "sqli-023", Sqli, 2, "LIKE, RLIKE, GLOB, REGEXP or SOUNDS LIKE as a tautology of equal literals (42 like 42), or SOUNDS LIKE after a quote before a comment";
    SQLI_BARE_CALL = "sqli-024", Sqli, 2, "a value that is only a SQL function name and an open ( (default(, ln) (, left')?$()";
    SQLI_NOSQL_MORE = "sqli-025", Sqli, 2, "a MongoDB operator sqli-009 does not list ($text, $search, $jsonSchema, $lookup)";
    XSS_LIBINJECTION = "xss-001", Xss, 1, "XSS (libinjection HTML5 tokenizer)";
    XSS_SCRIPT_CONTEXT = "xss-002", Xss, 1, "script-capable markup: event handlers, javascript: URLs, script/iframe/svg tags";
    XSS_COMMENT_BREAKOUT = "xss-003", Xss, 2, "markup breakouts prose also has: a value that starts with -->, a tag behind a spaced namespace prefix (< x: script)";
    XSS_URL_ATTRIBUTE = "xss-004", Xss, 2, "a link, source, form-target or style attribute opened in markup (<a href=\"x\", <img src=, 'formaction=)";
    XSS_DATA_URI = "xss-005", Xss, 2, "a data: URL carrying markup or of a markup or script media type (data:,<x>, data:text/javascript,)";
    XSS_JSFUCK_ATOM = "xss-006", Xss, 2, "JSFuck atoms: an empty array negated or made a number twice (!![], !+[])";
    XSS_ENTITY_DECLARATION = "xss-007", Xss, 2, "an XML external entity declaration (<!ENTITY % x SYSTEM \"…\")";
    XSS_FILTER_BREAKOUT = "xss-008", Xss, 2, "a quote, then in or an operator, then a dotted name or DOM property assigned (' in foo.bar=, \"in valueOf=)";
    RCE_CHAINED_COMMAND = "rce-001", Rce, 1, "a shell command chained after ; | & $( or a backtick, or starting a line with a command line's arguments (anomaly score)";
    RCE_SUBSTITUTION = "rce-002", Rce, 1, "shell command substitution: $(…) or backticks";
    RCE_SHELL_EVASION = "rce-003", Rce, 1, "shell evasions: $IFS, brace expansion, quoted or escaped command names";
    RCE_SHELL_INVOCATION = "rce-004", Rce, 1, "an interpreter or network tool invoked directly (sh -c, nc -e, /dev/tcp)";
    RCE_WINDOWS = "rce-005", Rce, 1, "Windows command shell or PowerShell syntax";
    RCE_MAIL_COMMAND = "rce-006", Rce, 1, "a mail protocol command (SMTP, POP3, IMAP) after an injected line break";
    RCE_COMMAND_LINE = "rce-007", Rce, 2, "a value that starts with a command's name (whoami;…, visudo, cscli alerts list); one that begins sentences too only with its arguments (sed -n 1p x, not sed de aventura)";
    RCE_SHELL_EXPANSION = "rce-008", Rce, 2, "shell expansions code and prose also have: ${name}, {a,b} and {1..9}, ~+ and ~- (directory stack), !-1 (history), /bin/<name>";
    TRAVERSAL_DOT_DOT = "path-001", Traversal, 1, "../ or ..\\ after decoding";
    TRAVERSAL_NUL = "path-002", Traversal, 1, "NUL byte";
    TRAVERSAL_OS_FILE = "path-003", Traversal, 1, "a well-known OS or server file (/etc/passwd, win.ini, .htaccess)";
    TRAVERSAL_OVERLONG = "path-004", Traversal, 1, "overlong UTF-8 encoding";
    TRAVERSAL_HIDDEN = "path-005", Traversal, 1, "a hidden file or directory in the URL path (.git, .env, .ssh), other than /.well-known";
    TRAVERSAL_SERVER_DATA = "path-006", Traversal, 2, "a log, dump or backup file by name (error.log, backup.sql.zip, index.php.bak)";
    TRAVERSAL_FILE_WRITE = "path-007", Traversal, 2, "output redirected into a file in a world-writable or system directory (>/tmp/x, >> /var/www/shell.php, 2>/dev/shm/y)";
    TRAVERSAL_ENCODED_DOT_DOT = "path-008", Traversal, 1, ".. joined to a separator (either side), one of them in a form only lenient decoders read: 0x2f, %c0%qf, %c1%1c, %u2215, %%32%%66, %f0%80%80%af";
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

/// A detection: which rule, and where (`path`, `query:<name>`, `header:<name>`,
/// `body:<field>`, `body`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub location: String,
    /// The start of the offending value for the log (capped at [`EXCERPT_CHARS`]); `None`
    /// where a value may be a credential (cookies).
    pub excerpt: Option<String>,
}

/// Longest excerpt of an offending value kept for the log.
pub const EXCERPT_CHARS: usize = 64;

/// What kind of value is inspected: it decides the decodings and the detectors that apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// The URL path (already percent-decoded by nothing; `+` is literal).
    Path,
    /// A query parameter or form field value (raw, still encoded; `+` is a space).
    FormValue,
    /// A header value or a JSON string or plain text (not URL-encoded on the wire, but
    /// applications may decode it anyway).
    Text,
}

/// Which categories to look for, and how hard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enabled {
    pub sqli: bool,
    pub xss: bool,
    pub rce: bool,
    pub traversal: bool,
    /// The highest rule level that runs (`detect.paranoia`, as in the OWASP Core Rule Set):
    /// 1 for rules that ordinary text does not trigger; 2 adds rules for attack fragments that
    /// also occur in prose (a SQL function name before `(`, `execute` before a word), for
    /// services whose inputs are not free text, or that accept reviewing more false positives.
    pub paranoia: u8,
}

impl Enabled {
    pub const ALL: Enabled = Enabled {
        sqli: true,
        xss: true,
        rce: true,
        traversal: true,
        paranoia: 1,
    };

    /// Every category, with the paranoia-2 rules too.
    pub const STRICT: Enabled = Enabled {
        paranoia: 2,
        ..Enabled::ALL
    };

    fn has(self, c: Category) -> bool {
        match c {
            Category::Sqli => self.sqli,
            Category::Xss => self.xss,
            Category::Rce => self.rce,
            Category::Traversal => self.traversal,
        }
    }
}

/// Whether the value at `location` (`query:token`, `header:cookie`) may be a credential. The
/// name is the last part of a JSON path (`body:user.pin`) or an XML attribute
/// (`body:login@pwd`).
fn location_is_secret(location: &str) -> bool {
    location.split_once(':').is_some_and(|(_, name)| {
        pavise_core::secrets::is_secret_name(name.rsplit(['.', '@']).next().unwrap_or(name))
    })
}

/// Inspects one raw value; the first finding per category. The cost is linear in the value's
/// length, which the policy's header and body limits bound.
pub fn inspect(raw: &[u8], kind: ValueKind, location: &str, enabled: Enabled) -> Vec<Finding> {
    inspect_with(raw, kind, location, enabled, true)
}

/// [`inspect`], with the shortcuts on or off (`shortcuts`; off only to check that they change
/// nothing): the plain shortcut ([`plain`]) and the prechecks by which a detector skips work
/// that cannot match (each argued where it is; the rest of a detector runs either way).
pub fn inspect_with(
    raw: &[u8],
    kind: ValueKind,
    location: &str,
    enabled: Enabled,
    shortcuts: bool,
) -> Vec<Finding> {
    if raw.is_empty() {
        return Vec::new();
    }
    let decoded = decode_fully(raw, kind == ValueKind::FormValue, true);
    let mut rules: Vec<Rule> = Vec::new();
    // In each category the first rule found names the finding: a level-2 check runs only
    // where level 1 found nothing in that category.
    if enabled.traversal {
        let level_one = traversal::detect_with(raw, &decoded, kind == ValueKind::Path, shortcuts);
        if level_one.is_empty() && enabled.paranoia >= 2 {
            rules.extend(traversal::detect_level2(&decoded, kind == ValueKind::Path));
        }
        rules.extend(level_one);
    }
    // Plain text (a path may have its slashes) gives the other detectors nothing to find.
    let plain = if kind == ValueKind::Path {
        &plain::PlainSet::PATH
    } else {
        &plain::PlainSet::TEXT
    };
    // Level 2 command lines run on plain text too (`visudo`): before the shortcut, and named
    // after the level-1 rules (the first rule of a category names the finding).
    let rce_level2 = if enabled.rce && enabled.paranoia >= 2 {
        rce::detect_level2(&decoded, kind != ValueKind::Path, shortcuts)
    } else {
        Vec::new()
    };
    if shortcuts && plain.holds(&decoded) {
        rules.extend(rce_level2);
        // Plain text holds nothing level 1 finds (every level-1 SQL rule would pass it on to
        // the level-2 ones below), but the level-2 SQL rules may match it (`XOR`, `order by
        // 1`): at level 2 they run here just as they would there.
        if enabled.sqli && enabled.paranoia >= 2 {
            rules.extend(sql_level2(&decoded, shortcuts));
        }
        return findings(rules, location, raw, enabled);
    }
    let lowered = Lowered::new(&decoded);
    if enabled.sqli {
        if libinjection_sqli(&decoded) {
            rules.push(SQLI_LIBINJECTION);
        } else if sqli_keyword_in(&lowered) {
            rules.push(SQLI_KEYWORD);
        } else if numeric_test_in(&lowered) {
            rules.push(SQLI_NUMERIC_TEST);
        } else if quote_breakout_in(&lowered) {
            rules.push(SQLI_QUOTE_BREAKOUT);
        } else if let Some(rule) = sql::detect(&decoded) {
            rules.push(rule);
        } else if enabled.paranoia >= 2 {
            rules.extend(sql_level2(&decoded, shortcuts));
        }
    }
    if enabled.xss {
        let level_one = xss::detect_with(&decoded, shortcuts);
        if level_one.is_empty() && enabled.paranoia >= 2 {
            let breakouts = xss::detect_level2(&decoded, shortcuts);
            if breakouts.is_empty() {
                rules.extend(xss_strict::detect(&decoded, shortcuts));
            }
            rules.extend(breakouts);
        }
        rules.extend(level_one);
    }
    if enabled.rce {
        rules.extend(rce::detect_with(&lowered, enabled.paranoia, shortcuts));
        rules.extend(mail::detect_lowered(&lowered));
        rules.extend(rce_level2);
    }
    findings(rules, location, raw, enabled)
}

/// The level-2 SQL rules: the grammar fragments ([`sql_strict`]), then the probes
/// ([`sql_probe`]), which run on plain text too and so also where the plain shortcut was taken.
fn sql_level2(decoded: &[u8], shortcuts: bool) -> Option<Rule> {
    sql_strict::detect_with(decoded, shortcuts).or_else(|| sql_probe::detect(decoded))
}

/// The first rule per enabled category, as findings at `location`.
fn findings(rules: Vec<Rule>, location: &str, raw: &[u8], enabled: Enabled) -> Vec<Finding> {
    let mut seen = Vec::new();
    rules
        .into_iter()
        .filter(|r| enabled.has(r.category) && r.paranoia <= enabled.paranoia)
        .filter(|r| {
            let first = !seen.contains(&r.category);
            seen.push(r.category);
            first
        })
        .map(|rule| Finding {
            rule,
            location: location.to_string(),
            excerpt: (!location_is_secret(location))
                .then(|| pavise_core::headers::loggable(raw, EXCERPT_CHARS)),
        })
        .collect()
}

/// libinjection's verdict, with the fingerprints prose also produces looked at again
/// ([`fingerprint::confirmed`]).
///
/// `SqliState::detect` is the verdict `libinjectionrs::detect_sqli` returns; that wrapper then
/// tokenizes the value once more (same flags) only to hand back the fingerprint, which the
/// state already holds from the pass that decided: folding and fingerprinting read the input
/// and the flags, never the counters a pass leaves behind, so the stored one is the same.
/// Reading it saves a whole tokenizer pass per value.
fn libinjection_sqli(decoded: &[u8]) -> bool {
    let input = sqli_input::for_tokenizer(decoded);
    let mut state = libinjectionrs::SqliState::new(&input, libinjectionrs::SqliFlags::FLAG_NONE);
    state.detect() && fingerprint::confirmed(&input, &state.fingerprint_string())
}

/// SQL only an attack sends ([`sqli_keyword_in`]).
const SQLI_PHRASES: [&str; 71] = [
    "group_concat(",
    "concat_ws(",
    "concat(",
    "char(",
    "chr(",
    "ascii(",
    "substring(",
    "unhex(",
    "find_in_set(",
    "sqlite_",
    "jsonb_",
    "json_build_object(",
    "current_user(",
    "database(",
    "::jsonb",
    "::json",
    "information_schema",
    "xp_cmdshell",
    "waitfor delay",
    "pg_sleep(",
    "sleep(",
    "benchmark(",
    "load_file(",
    "into outfile",
    "into dumpfile",
    "@@version",
    "sysobjects",
    "union select",
    "union all select",
    "extractvalue(",
    "updatexml(",
    "dbms_pipe.receive_message",
    // Catalog objects and server procedures enumerated or called through an injection.
    "schema_name",
    "tempdb",
    "northwind",
    "mysql.db",
    "mysql.user",
    "pg_catalog",
    "pg_shadow",
    "sysdatabases",
    "msysobjects",
    "openrowset",
    "opendatasource",
    "msdasql",
    "sqloledb",
    "sp_executesql",
    "sp_password",
    "sp_oacreate",
    "sp_makewebtask",
    // SQL Server's extended procedures: called (`exec xp_…`, `master..xp_…`,
    // `.dbo.xp_…`) or named on their own. A bare `xp_` prefix is not enough: games and
    // loyalty schemes have `xp_points` and `xp_boost`.
    "exec xp_",
    "execute xp_",
    "..xp_",
    ".dbo.xp_",
    "xp_dirtree",
    "xp_subdirs",
    "xp_fileexist",
    "xp_regread",
    "xp_regwrite",
    "xp_regdeletekey",
    "xp_regdeletevalue",
    "xp_regenumvalues",
    "xp_instance_regread",
    "xp_servicecontrol",
    "xp_availablemedia",
    "xp_loginconfig",
    "xp_enumgroups",
    "xp_logininfo",
    "xp_ntsec_enumdomains",
    "xp_terminate_process",
    "xp_makecab",
    "xp_execresultset",
];

/// [`sqli_keyword_in`] on a value of its own.
#[cfg(test)]
fn sqli_keyword(decoded: &[u8]) -> bool {
    sqli_keyword_in(&Lowered::new(decoded))
}

/// SQL that only an attack sends, matched on a lowercase copy with comments and whitespace
/// runs removed (`union/**/select` is `union select`).
fn sqli_keyword_in(value: &Lowered) -> bool {
    let decoded = value.bytes();
    // Every phrase matches in the normalized copy below, in which comments became a blank,
    // blank runs one space and " (" became "(": a run of the copy without blank or `(` is a
    // run of the value itself (lowercased; invalid UTF-8 only turns into non-ASCII). So each
    // phrase's longest such piece stands in the value, and without any there is no match.
    static ANCHORS: anchor::Anchors = anchor::Anchors::new(|| {
        SQLI_PHRASES
            .iter()
            .map(|p| anchor::longest_piece(p))
            .collect()
    });
    if !ANCHORS.found_in(decoded) {
        return false;
    }
    sqli_phrase(value.lower())
}

/// Calls in [`SQLI_PHRASES`] whose names are English words too ("Sleep (8 hours) is
/// important", "Char (the fish) recipe", "Database (MySQL 8) notes"): see [`word_call`].
const WORD_CALLS: [&str; 5] = ["char(", "ascii(", "database(", "sleep(", "benchmark("];

/// `name` called in `spaced` (lowercase, comments and blank runs one blank): the `(` glued to
/// the name (`sleep(5)`, `sleep/**/(5)` once the comment is dropped reads `sleep (5)`), or
/// after a blank with what only a call has inside: nothing, or the value's end, numbers (`sleep (5)`,
/// `char (65,66)`), a quote, a nested `(`, a variable (`@x`). Prose puts words there.
fn word_call(spaced: &str, name: &str) -> bool {
    spaced.match_indices(name).any(|(i, _)| {
        let before = spaced.get(..i).and_then(|b| b.chars().last());
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            return false;
        }
        let after = spaced.get(i + name.len()..).unwrap_or_default();
        if after.starts_with('(') {
            return true;
        }
        let Some(inside) = after.strip_prefix(" (") else {
            return false;
        };
        let inside = inside.trim_start();
        // Left open at the end (`database (`, `sleep   (`): the rest of the query closes it.
        if inside.is_empty() || inside.starts_with(['\'', '"', '(', '@', ')']) {
            return true;
        }
        // A number and a comma glued to the next argument (`benchmark (1000000,md5(1))`);
        // prose puts a blank after its commas.
        let number = inside.bytes().take_while(u8::is_ascii_digit).count();
        if number > 0
            && inside.get(number..).is_some_and(|r| {
                r.strip_prefix(',')
                    .is_some_and(|a| a.starts_with(|c: char| !c.is_ascii_whitespace()))
            })
        {
            return true;
        }
        // (An argument is short: 64 bytes at most are read, which keeps many calls linear.)
        let close = inside
            .char_indices()
            .take_while(|(i, _)| *i <= 64)
            .find(|(_, c)| *c == ')')
            .map(|(i, _)| i);
        close.is_some_and(|c| {
            inside.get(..c).is_some_and(|arg| {
                !arg.is_empty()
                    && arg
                        .bytes()
                        .all(|b| b.is_ascii_digit() || b" ,.+-*".contains(&b))
            })
        })
    })
}

/// [`sqli_keyword_in`] without its precheck, on the value's lowercase copy.
fn sqli_phrase(lower: &str) -> bool {
    const PHRASES: [&str; 71] = SQLI_PHRASES;
    let mut squeezed = String::with_capacity(lower.len());
    let mut rest = lower;
    while let Some(start) = rest.find("/*") {
        squeezed.push_str(rest.get(..start).unwrap_or_default());
        squeezed.push(' ');
        rest = rest
            .get(start + 2..)
            .and_then(|r| r.find("*/").and_then(|e| r.get(e + 2..)))
            .unwrap_or("");
    }
    squeezed.push_str(rest);
    let words: Vec<&str> = squeezed.split_whitespace().collect();
    let spaced = words.join(" ");
    let joined = spaced.replace(" (", "(");
    // Whole words: "union selected" is English.
    PHRASES.iter().any(|p| {
        if WORD_CALLS.contains(p) {
            return word_call(&spaced, p.trim_end_matches('('));
        }
        joined.match_indices(p).any(|(i, _)| {
            let before = joined.get(..i).and_then(|b| b.chars().last());
            let after = joined.get(i + p.len()..).and_then(|a| a.chars().next());
            let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            // A phrase that starts with punctuation (`..xp_`) follows a name (`master`).
            (p.starts_with('.') || !word(before))
                && (p.ends_with('(') || p.ends_with('_') || !word(after))
        })
    })
}

/// [`quote_breakout_in`] on a value of its own.
#[cfg(test)]
fn quote_breakout(decoded: &[u8]) -> bool {
    quote_breakout_in(&Lowered::new(decoded))
}

/// `x' or email notnull--`, `admin' and email ilike email;`: a quote, right after it a SQL
/// connective or operator word, and later a comment (`--`, `#`, `/*`) or `;` that ends the
/// injected statement. English ("O'Reilly and sons") has no such word right after the quote,
/// nor a terminator.
fn quote_breakout_in(value: &Lowered) -> bool {
    let decoded = value.bytes();
    const WORDS: [&str; 17] = [
        "or", "and", "xor", "collate", "like", "ilike", "glob", "regexp", "rlike", "notnull",
        "isnull", "is", "not", "having", "union", "order", "group",
    ];
    // Every match starts at a quote: without one there is nothing to lowercase or search.
    if !decoded.iter().any(|b| matches!(b, b'\'' | b'"')) {
        return false;
    }
    let lower = value.lower();
    // Where the last comment or statement end starts: one after the word is one at or after
    // that word's end (found once, not searched for again after every quote).
    let Some(last_end) = ["--", "#", "/*", ";"]
        .iter()
        .filter_map(|t| lower.rfind(t))
        .max()
    else {
        return false;
    };
    lower.match_indices(['\'', '"']).any(|(i, _)| {
        let rest = lower.get(i + 1..).unwrap_or_default();
        let after = rest.trim_start_matches([' ', '\t', '(', '`']);
        let word_len = after.len()
            - after
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        let word = after.get(..word_len).unwrap_or_default();
        let word_end = lower.len() - after.len() + word_len;
        WORDS.contains(&word) && last_end >= word_end
    })
}

/// [`numeric_test_in`] on a value of its own.
#[cfg(test)]
fn numeric_test(decoded: &[u8]) -> bool {
    numeric_test_in(&Lowered::new(decoded))
}

/// `or 1=1`, `AND (2771=1709)`, `|| 3<>4`: AND/OR, then two numbers compared.
fn numeric_test_in(value: &Lowered) -> bool {
    let decoded = value.bytes();
    // Every match starts at one of the connectives (searched in the lowercase copy, which
    // lowercases ASCII only, so any ASCII case in the value) and holds a digit after it.
    static CONNECTIVES: anchor::Anchors =
        anchor::Anchors::new(|| vec!["and", "or", "xor", "&&", "||"]);
    if !decoded.iter().any(u8::is_ascii_digit) || !CONNECTIVES.found_in(decoded) {
        return false;
    }
    let lower = value.lower();
    let bytes = lower.as_bytes();
    let connective_ends = ["and", "or", "xor", "&&", "||"].iter().flat_map(|c| {
        lower.match_indices(c).filter_map(|(i, _)| {
            let before_ok = i == 0
                || !bytes
                    .get(i - 1)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
            before_ok.then_some(i + c.len())
        })
    });
    let digits = |s: &str| s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    connective_ends.collect::<Vec<_>>().into_iter().any(|end| {
        let rest = lower.get(end..).unwrap_or_default();
        // A blank or `(` must separate the connective from the first number.
        if !rest.starts_with([' ', '(', '\t', '\n']) {
            return false;
        }
        let rest = rest.trim_start_matches([' ', '(', '\t', '\n']);
        let n = digits(rest);
        if n == 0 {
            return false;
        }
        let rest = rest.get(n..).unwrap_or_default().trim_start();
        let op = ["<>", "!=", "<=", ">=", "=", "<", ">"]
            .iter()
            .find(|op| rest.starts_with(**op));
        op.is_some_and(|op| digits(rest.get(op.len()..).unwrap_or_default().trim_start()) > 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/screen.md's rule table lists every rule with its category and level, and no other.
    #[test]
    fn rule_table_in_the_docs_is_current() {
        let docs = include_str!("../../../docs/screen.md");
        let rows: Vec<&str> = docs
            .lines()
            .filter(|l| {
                RULES
                    .iter()
                    .any(|r| l.starts_with(&format!("| `{}` |", r.id)))
            })
            .collect();
        for r in RULES {
            let row = format!("| `{}` | {} | {} |", r.id, r.category.as_str(), r.paranoia);
            assert!(
                rows.iter().any(|l| l.starts_with(&row)),
                "docs/screen.md has no row starting {row}"
            );
        }
        assert_eq!(rows.len(), RULES.len(), "one row per rule");
    }

    fn ids(raw: &str, kind: ValueKind) -> Vec<&'static str> {
        inspect(raw.as_bytes(), kind, "query:q", Enabled::ALL)
            .into_iter()
            .map(|f| f.rule.id)
            .collect()
    }

    #[test]
    fn rule_ids_are_unique_and_stable() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        assert_eq!(rule("sqli-001"), Some(SQLI_LIBINJECTION));
        assert_eq!(rule("nope"), None);
    }

    #[test]
    fn english_word_calls_need_a_call_shape() {
        for v in [
            "Sleep (8 hours) is important",
            "Char (the fish) recipe",
            "Database (MySQL 8) migration notes",
            "Benchmark (2024 edition) results",
            "ASCII (text) art",
        ] {
            for enabled in [Enabled::ALL, Enabled::STRICT] {
                let found = inspect(v.as_bytes(), ValueKind::Text, "body:note", enabled);
                assert!(found.is_empty(), "{v}: {found:?}");
            }
        }
        for v in [
            "1 and sleep(5)",
            "1 and sleep (5)",
            "1 and SLEEP/**/(5)",
            "x' or char (65,66)='ab",
            "database ()",
            "database (",
            "1 or benchmark (1000000,md5(1))",
            "1 and ascii ('a')",
        ] {
            assert!(sqli_phrase(&v.to_ascii_lowercase()), "{v}");
        }
    }

    #[test]
    fn sqli_after_decoding() {
        assert_eq!(ids("1' OR '1'='1", ValueKind::Text), ["sqli-001"]);
        assert_eq!(
            ids("1%27%20OR%20%271%27%3D%271", ValueKind::FormValue),
            ["sqli-001"]
        );
        assert_eq!(
            ids(
                "1'+UNION+SELECT+password+FROM+users--",
                ValueKind::FormValue
            ),
            ["sqli-001"]
        );
        assert!(ids("1%2527%2520or%25201%253D1--", ValueKind::FormValue).contains(&"sqli-001"));
        assert_eq!(
            ids("1/**/UnIoN/**/SeLeCt/**/1,2", ValueKind::FormValue),
            ["sqli-001"]
        );
    }

    #[test]
    fn attack_only_sql() {
        for v in [
            "1 and sleep (5)",
            "x' union/**/all/**/select 1",
            "select table_name from information_schema.tables",
            "'; exec xp_cmdshell 'dir'",
            "1;waitfor   delay '0:0:5'",
        ] {
            assert!(
                ids(v, ValueKind::FormValue)
                    .iter()
                    .any(|id| id.starts_with("sqli")),
                "{v}"
            );
        }
        assert!(!sqli_keyword(b"sleep well, union members"));
        assert!(sqli_keyword(b"x' or sqlite_compileoption_used (id)--"));
        assert!(sqli_keyword(b", FIND_IN_SET('22', Category )"));
        assert!(numeric_test(b"pay=AND 2771=1709)"));
        assert!(quote_breakout(b"z'or email notnull--"));
        assert!(quote_breakout(
            b"admin@juice-sh.op' and email ilike email--"
        ));
        assert!(!quote_breakout(b"O'Reilly and sons; since 1978"));
        assert!(!quote_breakout(b"select 'and'"));
        assert!(numeric_test(b"OR (7319=8742)"));
        assert!(numeric_test(b"x || 3 <> 4"));
        assert!(!numeric_test(b"black and 2 white"));
        assert!(!numeric_test(b"sort=2=1"));
        assert!(!numeric_test(b"color=2"));
        assert!(!numeric_test(b"order 12 = 3"));
        assert!(!sqli_keyword(b"O'connors UNION selected a few friends"));
        // SQL Server procedures by name or call; not any `xp_` word.
        for v in [
            "pay=xp_dirtree",
            "xp_regread",
            "; exec master.dbo.xp_dirtree @q;--",
            "exec master..xp_whatever",
            "EXEC  xp_somethingnew 'x'",
        ] {
            assert!(sqli_keyword(v.as_bytes()), "{v}");
        }
        for v in ["xp_points=300", "gain xp_boost now", "level_xp_total"] {
            assert!(!sqli_keyword(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn benign_values_pass() {
        for v in [
            "hello world",
            "O'Reilly",
            "select a plan that fits",
            "john.doe@example.com",
            "2024-01-01T00:00:00Z",
            "/api/v1/orders/42",
            "a+b+c",
            "Tom & Jerry",
            "100% cotton; machine wash",
            "C:\\Users\\public",
        ] {
            assert!(
                ids(v, ValueKind::FormValue).is_empty(),
                "{v}: {:?}",
                ids(v, ValueKind::FormValue)
            );
        }
    }

    #[test]
    fn one_finding_per_category() {
        let found = ids("<script>alert(1)</script>", ValueKind::Text);
        assert_eq!(
            found.iter().filter(|id| id.starts_with("xss")).count(),
            1,
            "{found:?}"
        );
    }

    #[test]
    fn disabled_categories_are_skipped() {
        let only_rce = Enabled {
            sqli: false,
            xss: false,
            rce: true,
            traversal: false,
            paranoia: 1,
        };
        assert!(inspect(b"1' or '1'='1", ValueKind::Text, "q", only_rce).is_empty());
        assert_eq!(
            inspect(b";cat /etc/passwd", ValueKind::Text, "q", only_rce).len(),
            1
        );
    }

    #[test]
    fn excerpts_only_where_no_credential_can_be() {
        let f = inspect(
            b"<script>alert(1)</script>",
            ValueKind::Text,
            "query:q",
            Enabled::ALL,
        );
        assert_eq!(f[0].excerpt.as_deref(), Some("<script>alert(1)</script>"));
        for secret in [
            "header:cookie",
            "query:access_token",
            "body:user.password",
            "body:user.pin",
            "body:login@pwd",
        ] {
            let f = inspect(
                b"<script>alert(1)</script>",
                ValueKind::Text,
                secret,
                Enabled::ALL,
            );
            assert_eq!(f[0].excerpt, None, "{secret}");
        }
        let long = "<script>".to_string() + &"a".repeat(200);
        let f = inspect(long.as_bytes(), ValueKind::Text, "body", Enabled::ALL);
        assert_eq!(
            f[0].excerpt.as_ref().map(|e| e.chars().count()),
            Some(EXCERPT_CHARS + 1)
        );
    }

    #[test]
    fn empty_and_huge_values() {
        assert!(inspect(b"", ValueKind::Text, "q", Enabled::ALL).is_empty());
        let huge = "a ".repeat(50_000) + "' or 1=1--";
        assert!(
            !inspect(huge.as_bytes(), ValueKind::Text, "q", Enabled::ALL).is_empty(),
            "padding does not hide it"
        );
    }

    #[test]
    fn libinjection_verdict_and_fingerprint_as_detect_sqli() {
        for v in [
            "1' OR '1'='1",
            "It's sturdy and doesn't wobble; we've used it daily (and it's still fine).",
            "CHRISTMAS STOCKING \"NOT\" STUFFER",
            "1 and 1=1",
            "1--",
            "1,1--",
            "https://shop.example.com/p/12/item-12?ref=home",
            "1#x\nAND 9227=9227",
        ] {
            let r = libinjectionrs::detect_sqli(v.as_bytes());
            let expected = r.is_injection()
                && r.fingerprint
                    .is_none_or(|f| fingerprint::confirmed(v.as_bytes(), f.as_str()));
            assert_eq!(libinjection_sqli(v.as_bytes()), expected, "{v}");
        }
    }

    #[test]
    fn keyword_precheck_keeps_spaced_commented_and_cased_phrases() {
        assert!(SQLI_PHRASES
            .iter()
            .all(|p| !anchor::longest_piece(p).is_empty()));
        for v in [
            "x UnIoN/**/aLl/**/SeLeCt 1",
            "1 union\t\n select 2",
            "CHAR (65)",
            "Xp_CmdShell",
            "waitfor/**/DELAY '0:0:5'",
            "master..XP_dirtree",
            "@@VERSION",
            "x ::JSONB",
        ] {
            assert!(sqli_keyword(v.as_bytes()), "{v}");
        }
        // No anchor: no match, and no normalized copy made.
        assert!(!sqli_keyword(
            b"https://shop.example.com/p/12/item-12?ref=home"
        ));
    }
}
