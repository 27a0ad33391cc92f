//! Java code injection (CRS 944100-944130, 944260): the runtime and reflection APIs an
//! expression language (OGNL, SpEL, EL, MVEL) or a deserialised object reaches to run a
//! command, the expression syntax of OGNL and Spring's class-loader paths, and at level 2 any
//! class of the JDK or of the libraries gadget chains use, by its full name.

use super::super::more::{has_word, is_ident};
use super::super::{JAVA_CLASS, JAVA_EXPRESSION, JAVA_RUNTIME};
use crate::engine::Anchor::{Pieces, Squeezed};
use crate::engine::RuleDef;

pub(crate) const TABLE: &[RuleDef] = &[
    RuleDef {
        rule: JAVA_RUNTIME,
        anchors: &[Pieces(&[
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
        ])],
        check: |v| runtime_api(v.bytes(), v.lower()),
    },
    RuleDef {
        rule: JAVA_EXPRESSION,
        // Each pattern of [`expression`] with blanks removed: `#`, `(`, `ognl`, or those with
        // none of them.
        anchors: &[
            Pieces(&["#", "(", "ognl"]),
            Squeezed("@java."),
            Squeezed("xwork.methodaccessor"),
        ],
        check: |v| expression(v.squeezed()),
    },
    RuleDef {
        rule: JAVA_CLASS,
        anchors: &[Pieces(&[
            "java",
            "jdk.",
            "sun.",
            "org.",
            "com.",
            "ognl.",
            "bsh.",
            "weblogic.",
        ])],
        check: |v| qualified_class(v.bytes(), v.lower()),
    },
];

/// The dotted names in `lower` (identifier segments joined by `.`, at least two), each as its
/// segments.
fn dotted_names(lower: &str) -> impl Iterator<Item = Vec<&str>> {
    lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '.'))
        .filter(|t| t.contains('.'))
        .map(|t| t.split('.').filter(|s| !s.is_empty()).collect::<Vec<_>>())
        .filter(|s| s.len() >= 2)
}

/// The APIs that run commands or load code: `Runtime.getRuntime()`, `ProcessBuilder` named
/// or called, `java.lang.Runtime`, any dotted name from `java` to `runtime` or
/// `processbuilder` (`java.Runtime`, `java.evil.runtime`), `javax.script` and
/// `ScriptEngineManager`, `Class.forName(`, `java.lang.reflect`, `getDeclaredMethod(`, a class
/// loader reached through `class.` (`class.module.classLoader`).
fn runtime_api(_: &[u8], lower: &str) -> bool {
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
    dotted_names(lower).any(|segments| {
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
        || squeezed.match_indices("t(java.").any(|(i, _)| {
            !squeezed
                .as_bytes()
                .get(i.wrapping_sub(1))
                .copied()
                .is_some_and(is_ident)
                || i == 0
        })
}

/// A class of the JDK or of a library gadget chains use, by its full name: `java.io.…`,
/// `java.lang.…`, `javax.naming.…`, `jdk.…`, `sun.misc.…`, `com.sun.…`, `org.omg.…`,
/// `org.apache.commons.…`, `org.apache.xalan…`, `com.opensymphony.…`, `org.springframework.…`,
/// `org.codehaus.groovy…`, `ognl.…`, `bsh.…`, `com.mchange…`, `com.bea.…`, `weblogic.…`,
/// `org.hibernate.…`, `org.mozilla.javascript…`. Stack traces and Java
/// documentation name such classes too: level 2.
fn qualified_class(_: &[u8], lower: &str) -> bool {
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
    dotted_names(lower).any(|segments| {
        ROOTS.iter().any(|root| {
            segments.len() > root.len() && segments.iter().zip(root.iter()).all(|(s, r)| s == r)
        }) || (segments.len() >= 2
            && ["ognl", "bsh", "weblogic"].contains(segments.first().unwrap_or(&"")))
    })
}

#[cfg(test)]
mod tests {
    use super::super::super::more::cases::{attacks, benign};
    use super::*;

    #[test]
    fn cases() {
        attacks(
            TABLE,
            &[
                ("java.lang.Runtime", "java-001"),
                ("test=java.lang.ProcessBuilder", "java-001"),
                ("java.Runtime", "java-001"),
                ("java.evil.runtime", "java-001"),
                ("ProcessBuilder.evil.clonetransformer", "java-001"),
                ("new ProcessBuilder(\"id\").start()", "java-001"),
                ("Runtime.getRuntime().exec(\"id\")", "java-001"),
                ("javax.script.ScriptEngineManager", "java-001"),
                ("Class.forName(\"java.lang.Runtime\")", "java-001"),
                (
                    "class.module.classLoader.resources.context.parent.pipeline.first.pattern",
                    "java-001",
                ),
                (
                    "%{(#_memberAccess['allowStaticMethodAccess']=true)}",
                    "java-002",
                ),
                ("${(#a=@java.lang.Runtime@getRuntime())}", "java-001"),
                (
                    "%{#context['xwork.MethodAccessor.denyMethodExecution']=false}",
                    "java-002",
                ),
                ("@java.lang.System@getProperty('x')", "java-002"),
                ("T(java.lang.System).getenv()", "java-002"),
                ("java.io.BufferedReader", "java-003"),
                ("com.opensymphony.xwork2", "java-003"),
                ("org.apache.commons", "java-003"),
                ("org.omg.CORBA", "java-003"),
                (
                    "com.sun.org.apache.xalan.internal.xsltc.trax.TemplatesImpl",
                    "java-003",
                ),
            ],
        );
        benign(
            TABLE,
            1,
            &[
                "I love Java. Runtime errors are rare",
                "Runtime: 2h 15min",
                "The runtime of the movie",
                "java.lang.NullPointerException at com.example.App.main",
                "Download from www.java.com",
                "Mail me at dev@java.net",
                "#1 hit @ the #context",
                "javascript is not java",
            ],
        );
        benign(
            TABLE,
            2,
            &[
                "I love Java. Runtime errors are rare",
                "Download from www.java.com",
                "Mail me at dev@java.net",
                "see https://commons.apache.org/",
                "comma, then org.",
            ],
        );
    }
}
