//! Java code injection (CRS 944100-944130, 944260): the runtime and reflection APIs an
//! expression language (OGNL, SpEL, EL, MVEL) or a deserialised object reaches to run a
//! command, the expression syntax of OGNL and Spring's class-loader paths, and at level 2 any
//! class of the JDK or of the libraries gadget chains use, by its full name.

use super::super::more::{has_word, starts_of, upload_extension};
use super::super::{JAVA_CLASS, JAVA_EXPLOIT_CLASS, JAVA_EXPRESSION, JAVA_RUNTIME, JAVA_UPLOAD};
use crate::detect::ValueKind;
use crate::engine::Anchor::{InFileName, Pieces, Squeezed};
use crate::engine::RuleDef;

pub(crate) const TABLE: &[RuleDef] = &[
    RuleDef::always(JAVA_RUNTIME, |v| runtime_api(v.lower())).anchored(&[Pieces(&[
        "runtime",
        "processbuilder",
        "javax.script",
        "scriptengine",
        "forname",
        "classloader",
        "java.lang.reflect",
        "getdeclared",
        "java.",
        "defineclass",
        "class.module",
    ])]),
    // Each pattern of [`expression`] with blanks removed: `#`, `(`, `ognl`, or those with none
    // of them.
    RuleDef::always(JAVA_EXPRESSION, |v| expression(v.squeezed())).anchored(&[
        Pieces(&["#", "(", "ognl"]),
        Squeezed("@java."),
        Squeezed("xwork.methodaccessor"),
    ]),
    RuleDef::always(JAVA_CLASS, |v| qualified_class(v.lower())).anchored(&[Pieces(&[
        "java",
        "jdk.",
        "sun.",
        "org.",
        "com.",
        "ognl.",
        "bsh.",
        "weblogic.",
    ])]),
    RuleDef::always(JAVA_EXPLOIT_CLASS, |v| exploit_class(v.lower()))
        .anchored(&[Pieces(&["java.", "javax.", "jdk.", "sun.", "com.", "org."])]),
    RuleDef::always(JAVA_UPLOAD, |v| {
        v.kind() == ValueKind::FileName
            && upload_extension(v.lower()).is_some_and(|e| e == "jsp" || e == "jspx")
    })
    .anchored(&[InFileName("jsp")]),
];

/// A dotted name in a value: where it stands, and its segments.
struct Dotted<'a> {
    start: usize,
    end: usize,
    segments: Vec<&'a str>,
}

impl Dotted<'_> {
    /// Whether the name is a host (`https://bsh.info/`, `dev@java.net`) rather than a class.
    fn is_host(&self, lower: &str) -> bool {
        let before = lower.get(..self.start).unwrap_or_default();
        before.ends_with("//")
            || before.ends_with('@')
            || lower.get(self.end..).is_some_and(|a| a.starts_with('/'))
    }

    /// Whether the name is a frame of a stack trace (`at java.io.FileInputStream.open0(Native
    /// Method)`, `…read(FileInputStream.java:255)`) or names an exception or error type.
    fn is_trace(&self, lower: &str) -> bool {
        let thrown = self
            .segments
            .iter()
            .any(|s| s.ends_with("exception") || s.ends_with("error") || *s == "throwable");
        let frame = lower
            .get(self.end..)
            .and_then(|a| a.strip_prefix('('))
            .is_some_and(|a| {
                let inside = a.split(')').next().unwrap_or_default();
                inside.contains(".java:") || inside == "native method" || inside == "unknown source"
            })
            || lower.get(..self.start).is_some_and(|b| {
                b.trim_end()
                    .strip_suffix("at")
                    .is_some_and(|w| !w.bytes().last().is_some_and(|c| c.is_ascii_alphanumeric()))
            });
        thrown || frame
    }
}

/// The dotted names in `lower` (identifier segments joined by `.`, at least two).
fn dotted_names(lower: &str) -> impl Iterator<Item = Dotted<'_>> {
    fn part(c: char) -> bool {
        c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '.'
    }
    let mut at = 0;
    std::iter::from_fn(move || loop {
        let rest = lower.get(at..)?;
        let skip = rest.find(part)?;
        let start = at + skip;
        let token = lower.get(start..)?;
        let len = token.find(|c: char| !part(c)).unwrap_or(token.len());
        at = start + len;
        let token = token.get(..len)?;
        let segments: Vec<&str> = token.split('.').filter(|s| !s.is_empty()).collect();
        if segments.len() >= 2 {
            return Some(Dotted {
                start,
                end: start + len,
                segments,
            });
        }
    })
}

/// The APIs that run commands or load code: `Runtime.getRuntime()`, `ProcessBuilder` named
/// or called, `java.lang.Runtime`, any dotted name from `java` to `runtime` or
/// `processbuilder` (`java.Runtime`, `java.evil.runtime`), `javax.script` and
/// `ScriptEngineManager`, `Class.forName(`, `java.lang.reflect`, `getDeclaredMethod(`, a class
/// loader reached through `class.` (`class.module.classLoader`).
fn runtime_api(lower: &str) -> bool {
    if [
        "getruntime(",
        "runtime.getruntime",
        "scriptenginemanager",
        "javax.script",
        "java.lang.reflect",
        "class.forname(",
        ".forname(",
        "getdeclaredmethod(",
        "getdeclaredconstructor(",
        "getdeclaredfield(",
        "defineclass(",
    ]
    .iter()
    .any(|p| lower.contains(p))
    {
        return true;
    }
    // `new ProcessBuilder(`, `ProcessBuilder.start`, a bare `ProcessBuilder` word: no prose.
    if has_word(lower, "processbuilder") {
        return true;
    }
    dotted_names(lower).any(|Dotted { segments, .. }| {
        let java = segments.iter().position(|s| *s == "java" || *s == "javax");
        java.is_some_and(|j| {
            segments
                .iter()
                .skip(j + 1)
                .any(|s| *s == "runtime" || *s == "processbuilder" || *s == "classloader")
        }) || segments.windows(2).any(|w| {
            matches!(
                w,
                ["class", "classloader"] | ["module", "classloader"] | ["class", "module"]
            )
        })
    })
}

/// OGNL and EL syntax with Java objects: `%{(#…`, `${(#…`, `#_memberAccess`, `#context[`,
/// `@java.lang.…@`, `(#cmd=`, Spring's `T(java.…)` type operator.
fn expression(squeezed: &str) -> bool {
    [
        "%{(#",
        "${(#",
        "%{#",
        "#_memberaccess",
        "#context[",
        "#context.get",
        "@ognl",
        "ognlcontext",
        "xwork.methodaccessor",
        "(#cmd=",
        "#application[",
        "#request[",
        "#parameters[",
    ]
    .iter()
    .any(|p| squeezed.contains(p))
        || squeezed
            .match_indices("@java.")
            .any(|(i, _)| squeezed.get(i + 1..).unwrap_or_default().contains('@'))
        || starts_of(squeezed, "t(java.").next().is_some()
}

/// A class of the JDK or of a library gadget chains use, by its full name: `java.io.…`,
/// `java.lang.…`, `javax.naming.…`, `jdk.…`, `sun.misc.…`, `com.sun.…`, `org.omg.…`,
/// `org.apache.commons.…`, `org.apache.xalan…`, `com.opensymphony.…`, `org.springframework.…`,
/// `org.codehaus.groovy…`, `ognl.…`, `bsh.…`, `com.mchange…`, `com.bea.…`, `weblogic.…`,
/// `org.hibernate.…`, `org.mozilla.javascript…`; not a host (`https://bsh.info/`). Stack
/// traces and Java documentation name such classes too: level 2.
fn qualified_class(lower: &str) -> bool {
    const ROOTS: [&[&str]; 22] = [
        &["java", "io"],
        &["java", "lang"],
        &["java", "net"],
        &["java", "nio"],
        &["java", "rmi"],
        &["java", "util"],
        &["java", "beans"],
        &["java", "security"],
        &["javax"],
        &["jdk"],
        &["sun", "misc"],
        &["sun", "reflect"],
        &["com", "sun"],
        &["org", "omg"],
        &["org", "apache"],
        &["com", "opensymphony"],
        &["org", "springframework"],
        &["org", "codehaus"],
        &["com", "mchange"],
        &["com", "bea"],
        &["org", "hibernate"],
        &["org", "mozilla"],
    ];
    dotted_names(lower).any(|name| {
        !name.is_host(lower)
            && (ROOTS.iter().any(|root| under(&name.segments, root))
                || ["ognl", "bsh", "weblogic"].contains(name.segments.first().unwrap_or(&"")))
    })
}

/// Whether `segments` name something inside the package `root` (a segment after it).
fn under(segments: &[&str], root: &[&str]) -> bool {
    segments.len() > root.len() && segments.iter().zip(root.iter()).all(|(s, r)| s == r)
}

/// A class an exploit reaches for, by its full name: `java.io`'s files, streams, readers and
/// writers, `java.lang`'s processes, runtime, system, classes, class loaders, threads and
/// reflection, `java.net`'s sockets and class loaders, `java.nio.file`, `java.beans`,
/// `java.rmi`, `javax.script`, `javax.naming`, `javax.management`, `javax.el`, `jdk.…`,
/// `sun.misc`, `sun.reflect`, `com.sun.…`, `org.omg.…`, `org.apache.commons.…`,
/// `org.apache.xalan`, `com.opensymphony.…`, `org.codehaus.groovy`, `com.mchange`,
/// `com.bea.…`, `org.mozilla.javascript` (CRS 944130, 944260); not an exception or error
/// type nor a stack trace's frame (`at java.io.FileInputStream.read(FileInputStream.java:255)`),
/// not the value types code is full of (`java.lang.String`, `java.lang.Integer`), not a host.
fn exploit_class(lower: &str) -> bool {
    const ROOTS: [&[&str]; 22] = [
        &["java", "io"],
        &["java", "nio", "file"],
        &["java", "beans"],
        &["java", "rmi"],
        &["javax", "script"],
        &["javax", "naming"],
        &["javax", "management"],
        &["javax", "el"],
        &["jdk"],
        &["sun", "misc"],
        &["sun", "reflect"],
        &["com", "sun"],
        &["org", "omg"],
        &["org", "apache", "commons"],
        &["org", "apache", "xalan"],
        &["com", "opensymphony"],
        &["org", "codehaus", "groovy"],
        &["com", "mchange"],
        &["com", "bea"],
        &["org", "mozilla", "javascript"],
        &["java", "net", "urlclassloader"],
        &["java", "net", "socket"],
    ];
    const LANG: [&str; 10] = [
        "runtime",
        "process",
        "processbuilder",
        "system",
        "class",
        "classloader",
        "thread",
        "reflect",
        "invoke",
        "unixprocess",
    ];
    dotted_names(lower).any(|name| {
        let s = &name.segments;
        // `org.apache.commons` alone names the gadget libraries' root.
        let named = ROOTS.iter().any(|root| under(s, root))
            || s.as_slice() == ["org", "apache", "commons"]
            || (under(s, &["java", "lang"]) && s.get(2).is_some_and(|c| LANG.contains(c)));
        named && !name.is_host(lower) && !name.is_trace(lower)
    })
}
