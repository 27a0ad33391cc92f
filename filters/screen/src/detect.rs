//! Detection: the rules, their ids and categories, and the detectors behind them.
//!
//! Each category module holds its rule table ([`crate::engine::RuleDef`]) and checks:
//! SQL injection ([`sqli`]: libinjection's tokenizer, via the `libinjectionrs` port, and this
//! crate's rules beside it in [`sql`]; at paranoia level 2 also [`sql_strict`], [`sql_probe`]),
//! XSS ([`xss`], [`xss_strict`]), path traversal ([`traversal`]) and command injection
//! ([`rce`], [`mail`]). The engine ([`crate::engine`]) decodes each value and runs the tables.
//! A finding names a stable rule id, its category and where it was found; never the payload.

mod anchor;
pub(crate) mod code;
pub(crate) mod crlf;
pub(crate) mod deser;
pub mod fingerprint;
pub(crate) mod jndi;
pub(crate) mod ldap;
pub mod libinjection;
pub mod mail;
pub(crate) mod more;
pub mod rce;
pub(crate) mod rce_table;
pub(crate) mod rfi;
pub mod sql;
pub mod sql_probe;
pub mod sql_strict;
pub mod sqli;
mod sqli_input;
pub(crate) mod ssi;
pub(crate) mod ssti;
pub mod traversal;
mod words;
mod wordset;
pub mod xss;
pub mod xss_strict;

pub use crate::engine::{inspect, inspect_excluding, inspect_with};
use schemars::JsonSchema;
use serde::Deserialize;

/// A decoded value with its lowercase copy made on first use and shared: the command-injection
/// and mail rules read the value through it, as every rule reads it through the engine's view.
pub(crate) type Lowered<'a> = crate::engine::View<'a>;

/// What kind of attack a rule detects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Sqli,
    Xss,
    /// Command injection.
    Rce,
    /// Path traversal and access to OS files (also UNC paths and `file:` URLs).
    Traversal,
    /// CR/LF injection: HTTP response splitting, header injection, request smuggling.
    Crlf,
    /// Server-side template injection (`{{7*7}}`, `${…}`, `{% … %}`, dunder chains).
    Ssti,
    /// JNDI lookups (Log4Shell): `${jndi:ldap://…}` and its obfuscations.
    Jndi,
    /// Server-side includes (`<!--#exec cmd=`).
    Ssi,
    /// LDAP filter injection (`*)(uid=*))(|(uid=*`).
    Ldap,
    /// PHP code injection.
    Php,
    /// Java code injection: runtime and reflection APIs, OGNL and EL, JDK classes.
    Java,
    /// Python code injection.
    Python,
    /// Node.js code injection and prototype pollution.
    Node,
    /// Ruby code injection.
    Ruby,
    /// Serialised objects: Java, PHP, language-specific YAML tags.
    Deser,
    /// Remote file inclusion and server-side request forgery: a URL an application is led
    /// to fetch or include.
    Rfi,
}

impl Category {
    pub const ALL: [Category; 16] = [
        Category::Sqli,
        Category::Xss,
        Category::Rce,
        Category::Traversal,
        Category::Crlf,
        Category::Ssti,
        Category::Jndi,
        Category::Ssi,
        Category::Ldap,
        Category::Php,
        Category::Java,
        Category::Python,
        Category::Node,
        Category::Ruby,
        Category::Deser,
        Category::Rfi,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Sqli => "sqli",
            Category::Xss => "xss",
            Category::Rce => "rce",
            Category::Traversal => "traversal",
            Category::Crlf => "crlf",
            Category::Ssti => "ssti",
            Category::Jndi => "jndi",
            Category::Ssi => "ssi",
            Category::Ldap => "ldap",
            Category::Php => "php",
            Category::Java => "java",
            Category::Python => "python",
            Category::Node => "node",
            Category::Ruby => "ruby",
            Category::Deser => "deser",
            Category::Rfi => "rfi",
        }
    }

    /// This category's bit in [`Enabled`].
    const fn bit(self) -> u32 {
        1 << self as u32
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
    SQLI_KEYWORD = "sqli-002", Sqli, 1, "SQL only attacks use: catalog schemas and procedures, timing functions, file output, server variables, string and catalog functions, union select";
    SQLI_NUMERIC_TEST = "sqli-003", Sqli, 1, "a boolean test of two numbers after AND/OR";
    SQLI_QUOTE_BREAKOUT = "sqli-004", Sqli, 1, "a quote closed, then a SQL clause, then a comment or statement end";
    SQLI_FUNCTION = "sqli-005", Sqli, 1, "a SQL function call";
    SQLI_STATEMENT = "sqli-006", Sqli, 1, "a stacked or injected SQL statement, or a statement keyword glued to ;";
    SQLI_BOOLEAN_CLAUSE = "sqli-007", Sqli, 1, "a boolean clause where an injected value starts";
    SQLI_ALIAS_FROM = "sqli-008", Sqli, 1, "a column alias before FROM after an expression";
    SQLI_NOSQL_OPERATOR = "sqli-009", Sqli, 1, "a NoSQL (MongoDB) query operator as a key or name";
    SQLI_FRAGMENT_CALL = "sqli-010", Sqli, 2, "a SQL function name before ( with junk between, or a call left open or given a literal";
    SQLI_OPERATOR = "sqli-011", Sqli, 2, "SQL operator words, null compared, a value that is only an operator or opens with a connective and a number";
    SQLI_TAUTOLOGY = "sqli-012", Sqli, 2, "an always-true comparison of two literals";
    SQLI_CLAUSE = "sqli-013", Sqli, 2, "a SQL clause fragment: ordering, grouping, when-then, select lists, unions, backticked names, exists, limit, procedure calls";
    SQLI_QUOTE_OPERATOR = "sqli-014", Sqli, 2, "a quote closed, then an operator, a name and any comment, a name or number closed by a quote then a comment, or an escaped quote before a connective";
    SQLI_JSON_OPERATOR = "sqli-015", Sqli, 1, "a JSON document as a SQL string compared with a JSON operator";
    SQLI_OBFUSCATION = "sqli-016", Sqli, 2, "SQL obfuscation: a statement ended and commented out, executable comments, hex literals, a number glued to a call or name, glued connectives, string types";
    SQLI_CATALOG = "sqli-017", Sqli, 2, "a catalog object, server variable or package level 1 does not list";
    SQLI_CAST = "sqli-018", Sqli, 2, "a PostgreSQL cast of a name, call or literal to a type, the error-based probe";
    SQLI_OVERFLOW = "sqli-019", Sqli, 2, "a whole value just past an integer's range or a float parsers choke on";
    SQLI_QUOTE_PROBE = "sqli-020", Sqli, 1, "a quote probe: only quotes and SQL punctuation, or a word closed by a quote and ;";
    SQLI_DANGLING_CONNECTIVE = "sqli-021", Sqli, 2, "a boolean connective left dangling after one identifier or number, or a connective, a number and a comment";
    SQLI_QUOTED_TEST = "sqli-022", Sqli, 2, "a boolean test at a quote, or a true string comparison the query closes";
    SQLI_LIKE = "sqli-023", Sqli, 1, "LIKE, RLIKE, GLOB, REGEXP or SOUNDS LIKE as a tautology of equal literals, or SOUNDS LIKE after a quote before a comment";
    SQLI_BARE_CALL = "sqli-024", Sqli, 1, "a value that is only a SQL function name and an open (";
    SQLI_NOSQL_MORE = "sqli-025", Sqli, 2, "a MongoDB operator sqli-009 does not list";
    SQLI_QUOTE_STATEMENT = "sqli-026", Sqli, 1, "a quote closed and SQL begun: a statement keyword after it, an operator, a name and a comment, an e-mail login cut off, an escaped quote before a connective";
    SQLI_QUERY_FRAGMENT = "sqli-027", Sqli, 1, "a query fragment prose does not write: an open subquery, a select star, select (case, from t where c =, having c =, `db`.`table`";
    SQLI_COMPARISON_PROBE = "sqli-028", Sqli, 1, "a comparison probe: a whole value that is a true comparison of literals, ) like (, LIKE and a quote left open";
    SQLI_COMMENT_BLANK = "sqli-029", Sqli, 1, "SQL with comments for blanks (DR/**/OP, 1,/**/2), or level 1's attack phrases joined by +";
    XSS_LIBINJECTION = "xss-001", Xss, 1, "XSS (libinjection HTML5 tokenizer)";
    XSS_SCRIPT_CONTEXT = "xss-002", Xss, 1, "script-capable markup: event handlers, javascript: URLs, script-capable tags";
    XSS_COMMENT_BREAKOUT = "xss-003", Xss, 2, "markup breakouts prose also has: a value that starts by closing a comment, a tag behind a spaced namespace prefix";
    XSS_URL_ATTRIBUTE = "xss-004", Xss, 2, "a link, source, form-target or style attribute opened in markup";
    XSS_DATA_URI = "xss-005", Xss, 2, "a data: URL carrying markup or of a markup or script media type";
    XSS_JSFUCK_ATOM = "xss-006", Xss, 2, "JSFuck atoms: an empty array negated or made a number twice";
    XSS_ENTITY_DECLARATION = "xss-007", Xss, 2, "an XML external entity declaration";
    XSS_FILTER_BREAKOUT = "xss-008", Xss, 2, "a quote, then in or an operator, then a dotted name or DOM property assigned";
    RCE_CHAINED_COMMAND = "rce-001", Rce, 1, "a shell command chained after ; | & $( or a backtick; after a line break, or a name prose writes after a prose-like separator, only with a command line's arguments (anomaly score)";
    RCE_SUBSTITUTION = "rce-002", Rce, 1, "shell command substitution";
    RCE_SHELL_EVASION = "rce-003", Rce, 1, "shell evasions: $IFS, brace expansion, quoted or escaped command names";
    RCE_SHELL_INVOCATION = "rce-004", Rce, 1, "an interpreter or network tool invoked directly";
    RCE_WINDOWS = "rce-005", Rce, 1, "Windows command shell or PowerShell syntax";
    RCE_MAIL_COMMAND = "rce-006", Rce, 1, "a mail protocol command (SMTP, POP3, IMAP) after an injected line break";
    RCE_COMMAND_LINE = "rce-007", Rce, 2, "a value that starts with a command's name; for one that also begins sentences, with its arguments";
    RCE_SHELL_EXPANSION = "rce-008", Rce, 2, "shell expansions code and prose also have: parameter and brace expansion, the directory stack, history, programs by their bin path";
    TRAVERSAL_DOT_DOT = "path-001", Traversal, 1, "a .. path segment after decoding";
    TRAVERSAL_NUL = "path-002", Traversal, 1, "NUL byte";
    TRAVERSAL_OS_FILE = "path-003", Traversal, 1, "a well-known OS or server file";
    TRAVERSAL_OVERLONG = "path-004", Traversal, 1, "overlong UTF-8 encoding";
    TRAVERSAL_HIDDEN = "path-005", Traversal, 1, "a hidden file or directory in the URL path, other than /.well-known";
    TRAVERSAL_SERVER_DATA = "path-006", Traversal, 2, "a log, dump or backup file by name";
    TRAVERSAL_FILE_WRITE = "path-007", Traversal, 2, "output redirected into a file in a world-writable or system directory";
    TRAVERSAL_ENCODED_DOT_DOT = "path-008", Traversal, 1, ".. joined to a separator, one of them in a form only lenient decoders read";
    TRAVERSAL_UNC = "path-009", Traversal, 1, "a Windows UNC path where a value starts (\\\\host\\c$\\…, \\\\?\\C:\\, \\\\.\\pipe)";
    TRAVERSAL_FILE_URL = "path-010", Traversal, 1, "a file: URL (file:///etc/./passwd, file://localhost/c:/)";
    CRLF_HEADER = "crlf-001", Crlf, 1, "a line break then a response header (Set-Cookie:, Content-Length:, Refresh:, Location: and a URL), an HTTP status or request line, or a blank line and a document";
    CRLF_PATH = "crlf-002", Crlf, 1, "a line break in the URL path or in a parameter's name";
    CRLF_NAME = "crlf-003", Crlf, 2, "a line break then any name and : or = (a header or parameter on a line of its own)";
    CRLF_HEADER_VALUE = "crlf-004", Crlf, 1, "a line break a request header's value encodes, then a header line (X-Api: a%0dInjected: b)";
    SSTI_ARITHMETIC = "ssti-001", Ssti, 1, "a template expression of arithmetic on numbers, the probe ({{7*7}}, ${7*7}, #{7*7}, <%= 7*7 %>)";
    SSTI_DUNDER = "ssti-002", Ssti, 1, "Python's object graph walked to the interpreter (''.__class__.__mro__, __globals__, __subclasses__)";
    SSTI_OBJECTS = "ssti-003", Ssti, 1, "a template expression reaching the engine's or runtime's objects ({{config}}, {{self}}, ${T(…)}, #{runtime.exec(…)})";
    SSTI_STATEMENT = "ssti-004", Ssti, 2, "a template statement or a call or filter in an expression ({% if %}, <% … %>, {{ x|attr(…) }})";
    JNDI_LOOKUP = "jndi-001", Jndi, 1, "a Log4j JNDI lookup, also hidden by nested lookups (${jndi:ldap://…}, ${${lower:j}ndi:…}, ${${::-j}ndi:…})";
    JNDI_RUNTIME = "jndi-002", Jndi, 2, "a Log4j lookup of the environment or runtime, or an obfuscation lookup (${env:…}, ${java:version}, ${lower:…})";
    SSI_DIRECTIVE = "ssi-001", Ssi, 1, "a server-side include directive (<!--#exec cmd=, <!--#include virtual=)";
    LDAP_FILTER = "ldap-001", Ldap, 1, "an LDAP filter closed and a clause of its own opened (*)(uid=*, x)(|(cn=, )!(sn=, (&(objectClass=)";
    LDAP_FRAGMENT = "ldap-002", Ldap, 2, "an LDAP filter fragment: a value that starts with *) or *(, ends with *), or holds (&) or (|)";
    PHP_OPEN_TAG = "php-001", Php, 1, "a PHP open tag (<?php, <?=, <? code, <? ending the value) or [php] tags";
    PHP_WRAPPER = "php-002", Php, 1, "a PHP stream wrapper (php://filter, phar://, expect://) or a value that is a text data: URL";
    PHP_VARIABLE = "php-003", Php, 1, "a PHP superglobal ($_GET[, $_SERVER) or a variable variable (${'a'}, $ {NAME})";
    PHP_CALL = "php-004", Php, 1, "a call of a PHP function that runs commands or code, reads files or the server's settings (shell_exec(, base64_decode(, print_r(, system('id'), system(whoami), exec/**/())";
    PHP_VARIABLE_CALL = "php-005", Php, 1, "a PHP call through a variable or an expression spelling a command function ($a(1), $__['o'](5), $x /*c*/ (1), (system)('id'), [system][0](ls), \"sys\".\"tem\"('id'))";
    PHP_DIRECTIVE = "php-006", Php, 1, "a PHP configuration directive assigned (allow_url_include=1, opcache.jit=…, memory_limit = 512M)";
    PHP_FUNCTION_NAME = "php-007", Php, 2, "a call of a PHP library function by its prefix or name, or of a command function with any argument (array_diff (, is_array(), intval(foo), exec (blah))";
    PHP_LOOSE = "php-008", Php, 2, "a php.ini directive forms also name assigned (engine=true, precision=…), or a call through a variable with blanks before its ( ($x (a))";
    PHP_UPLOAD = "php-009", Php, 1, "an uploaded file named with an extension PHP runs (shell.php, a.phtml, x.php5.., photo. php)";
    PHP_SESSION_UPLOAD = "php-010", Php, 1, "an uploaded file named as a PHP session file (sess_ and a session id)";
    JAVA_RUNTIME = "java-001", Java, 1, "Java's command and code-loading APIs (java.lang.Runtime, ProcessBuilder, getRuntime(, Class.forName(, javax.script, class.module.classLoader)";
    JAVA_EXPRESSION = "java-002", Java, 1, "OGNL or EL with Java objects (%{(#…, #_memberAccess, @java.lang.X@, T(java.…))";
    JAVA_CLASS = "java-003", Java, 2, "a JDK or gadget-library class by its full name (java.io.…, com.opensymphony.…, org.apache.commons.…)";
    JAVA_EXPLOIT_CLASS = "java-004", Java, 1, "a JDK or gadget-library class exploits reach for, by its full name, outside a stack trace (java.io.BufferedReader, java.lang.Runtime, com.sun.org.apache…, org.apache.commons…)";
    JAVA_UPLOAD = "java-005", Java, 1, "an uploaded file named with a JSP extension (shell.jsp, a.jspx..)";
    PYTHON_CALL = "python-001", Python, 1, "a Python call that runs commands or code (__import__(, os.system(, subprocess.…(, eval(compile()";
    PYTHON_IMPORT = "python-002", Python, 2, "a Python import of a command module followed by more code (import os;, from subprocess import)";
    NODE_PROCESS = "node-001", Node, 1, "Node.js process access (child_process, process.mainModule, constructor.constructor(, _$$ND_FUNC$$_)";
    NODE_PROTOTYPE = "node-002", Node, 1, "JavaScript prototype pollution (__proto__ as a key, constructor.prototype)";
    NODE_LOOP = "node-003", Node, 1, "an endless loop (while(true), while(!0), for(;;))";
    NODE_FUNCTION = "node-004", Node, 2, "a JavaScript function literal with a body (function() {, () => {)";
    RUBY_CALL = "ruby-001", Ruby, 1, "a Ruby call that runs commands or code (Process.spawn(, Kernel.exec, IO.popen(, %x()";
    DESER_JAVA = "deser-001", Deser, 1, "a Java serialisation stream (rO0AB in base64, aced0005 in hex, the raw magic bytes)";
    DESER_GADGET = "deser-002", Deser, 1, "a Java gadget-chain class name (InvokerTransformer, TemplatesImpl, JdbcRowSetImpl)";
    DESER_PHP = "deser-003", Deser, 1, "a PHP serialised object (O:8:\"stdClass\":0:{})";
    DESER_YAML = "deser-004", Deser, 1, "a YAML tag constructing a language's object (!!python/object, !!javax.script.X, !ruby/object)";
    RFI_IP_SCRIPT = "rfi-001", Rfi, 1, "a URL to an IP address and a script or text file, or a URL to a file cut off with ? (http://1.2.3.4/x.php)";
    RFI_URL = "rfi-002", Rfi, 2, "a URL to an IP address, an FTP or LDAP URL, a URL value ending with ?, a URL as a path segment, user information naming a host (http://a.example@b.example)";
    RFI_FETCH_SCHEME = "rfi-003", Rfi, 1, "a URL of a scheme only a server fetches (gopher://, dict://, tftp://, jar:http:, url:file:, local_file:)";
    RFI_HIDDEN_HOST = "rfi-004", Rfi, 1, "a URL whose user information hides the host behind an encoded separator (http://example.com%2f@evil.com/)";
    RFI_PATH_PARAMETER = "rfi-005", Rfi, 1, "a URL given to a parameter named for a local directory or include path (mosConfig_absolute_path=http://x, _CONF[path]=http://x)";
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
    /// A query parameter's, form field's or cookie's name, encoded as a value is: a name
    /// holds no line break or code an application means to receive.
    FormName,
    /// A header value or a JSON string or plain text (not URL-encoded on the wire, but
    /// applications may decode it anyway).
    Text,
    /// The name of an uploaded file, as a multipart part's `filename` or an upload header
    /// (`X-Filename`) gives it: decoded as text, and read by the rules on what a server would
    /// run if it stored the file under that name.
    FileName,
}

impl ValueKind {
    /// Whether the value is form-encoded (`+` is a space).
    pub fn form_encoded(self) -> bool {
        matches!(self, ValueKind::FormValue | ValueKind::FormName)
    }
}

/// Which categories to look for, and how hard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enabled {
    /// One bit per enabled [`Category`].
    categories: u32,
    /// The highest rule level that runs (`detect.paranoia`, as in the OWASP Core Rule Set):
    /// 1 for rules that ordinary text does not trigger; 2 adds rules for attack fragments that
    /// also occur in prose (a SQL function name before `(`, `execute` before a word), for
    /// services whose inputs are not free text, or that accept reviewing more false positives.
    pub paranoia: u8,
}

impl Enabled {
    pub const ALL: Enabled = Enabled::all_at(1);

    /// Every category, with the paranoia-2 rules too.
    pub const STRICT: Enabled = Enabled::all_at(2);

    /// Every category, at `paranoia`.
    pub const fn all_at(paranoia: u8) -> Enabled {
        let mut categories = 0;
        let mut rest: &[Category] = &Category::ALL;
        while let [c, tail @ ..] = rest {
            categories |= c.bit();
            rest = tail;
        }
        Enabled {
            categories,
            paranoia,
        }
    }

    /// The categories listed, at `paranoia`.
    pub fn of(categories: &[Category], paranoia: u8) -> Enabled {
        Enabled {
            categories: categories.iter().fold(0, |bits, c| bits | c.bit()),
            paranoia,
        }
    }

    /// Whether `c` is looked for.
    pub fn has(self, c: Category) -> bool {
        self.categories & c.bit() != 0
    }
}

/// Whether the value at `location` (`query:token`, `header:cookie`) may be a credential. The
/// name is the last part of a JSON path (`body:user.pin`) or an XML attribute
/// (`body:login@pwd`).
pub(crate) fn location_is_secret(location: &str) -> bool {
    location.split_once(':').is_some_and(|(_, name)| {
        pavise_core::secrets::is_secret_name(name.rsplit(['.', '@']).next().unwrap_or(name))
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
        let only_rce = Enabled::of(&[Category::Rce], 1);
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
}
