//! The `pavise` binary as a user runs it: outputs, one-line errors naming the file, exit codes,
//! and the bundle → sign → verify → render → OCI path, with Istio output checked against the
//! WasmPlugin CRD schema from `../shared/istio/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

const WASM: &[u8] = b"\0asm\x01\0\0\0 stand-in module for CLI tests";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Tmp(PathBuf);

impl Tmp {
    fn new() -> Tmp {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "pavise-cli-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Tmp(p)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    fn s(&self, rel: &str) -> String {
        self.path(rel).display().to_string()
    }

    /// A bundle source dir `src/` with the example auth policy and a stand-in `wasm/`.
    fn with_source(self) -> Tmp {
        std::fs::create_dir_all(self.path("src")).unwrap();
        std::fs::create_dir_all(self.path("wasm")).unwrap();
        std::fs::write(self.path("wasm/pavise_auth.wasm"), WASM).unwrap();
        std::fs::write(
            self.path("src/bundle.json"),
            r#"{"name": "payments", "version": "1.4.0", "owner": "team-payments"}"#,
        )
        .unwrap();
        let mut policy: serde_json::Value = serde_json::from_slice(
            &std::fs::read(repo().join("policies/auth.example.json")).unwrap(),
        )
        .unwrap();
        // One key from the environment, to see vmConfig.env / host_env_keys rendered.
        policy["keys"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"id": "ops-env", "client": "ops", "env": "PAVISE_KEY_OPS"}));
        std::fs::write(
            self.path("src/auth.json"),
            serde_json::to_string_pretty(&policy).unwrap(),
        )
        .unwrap();
        self
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn pavise(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pavise"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn ok(args: &[&str]) -> String {
    let o = pavise(args);
    assert_eq!(o.status.code(), Some(0), "{args:?}\n{}", stderr(&o));
    stdout(&o)
}

#[track_caller]
fn fails(args: &[&str], code: i32) -> String {
    let o = pavise(args);
    assert_eq!(
        o.status.code(),
        Some(code),
        "{args:?}\nstdout: {}\nstderr: {}",
        stdout(&o),
        stderr(&o)
    );
    stderr(&o)
}

#[test]
fn validate_accepts_the_example_policy() {
    let f = repo()
        .join("policies/auth.example.json")
        .display()
        .to_string();
    let out = ok(&["validate", &f]);
    assert_eq!(out, format!("{f}: ok (auth policy)\n"));
}

#[test]
fn validate_accepts_the_combined_policy() {
    let f = repo()
        .join("policies/combined.example.json")
        .display()
        .to_string();
    assert_eq!(
        ok(&["validate", &f]),
        format!("{f}: ok (combined policy)\n")
    );
    let t = Tmp::new();
    std::fs::write(
        t.path("combined.json"),
        r#"{"auth": {"keys": [{"id": "a", "client": "c", "sha256": "12"}]}}"#,
    )
    .unwrap();
    let err = fails(&["validate", &t.s("combined.json")], 1);
    assert_eq!(
        err,
        format!(
            "{}: $.auth.keys[0].sha256: expected 64 hex characters\n",
            t.s("combined.json")
        )
    );
    std::fs::copy(&f, t.path("chain.json")).unwrap();
    ok(&["validate", "--filter", "combined", &t.s("chain.json")]);
}

/// An editor's `"$schema"` and a byte order mark are accepted in every policy and in the
/// combined one, by the same parsers the filters run.
#[test]
fn validate_accepts_a_schema_member_and_a_byte_order_mark() {
    let t = Tmp::new();
    for name in ["audit", "cors", "auth", "screen", "combined"] {
        let text =
            std::fs::read_to_string(repo().join(format!("policies/{name}.example.json"))).unwrap();
        let edited = format!(
            "\u{feff}{}",
            text.replacen(
                '{',
                &format!("{{\"$schema\": \"../policies/schemas/{name}.schema.json\","),
                1
            )
        );
        let file = t.s(&format!("{name}.edited.json"));
        std::fs::write(&file, edited).unwrap();
        assert_eq!(
            ok(&["validate", &file]),
            format!("{file}: ok ({name} policy)\n")
        );
    }
    // Only a string: an editor would not understand anything else.
    std::fs::write(t.path("auth.bad.json"), r#"{"$schema": 1, "keys": []}"#).unwrap();
    let err = fails(&["validate", &t.s("auth.bad.json")], 1);
    assert!(err.contains("$.$schema: expected a string"), "{err}");
}

#[test]
fn validate_reports_each_problem_on_a_line_naming_the_file() {
    let t = Tmp::new();
    std::fs::write(
        t.path("auth.prod.json"),
        r#"{"keys":[{"id":"a","client":"c","sha256":"12"},{"id":"a","client":"c","key":"secret"}]}"#,
    )
    .unwrap();
    let good = repo()
        .join("policies/auth.example.json")
        .display()
        .to_string();
    let bad = t.s("auth.prod.json");
    let err = fails(&["validate", &good, &bad], 1);
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines.len() >= 3, "{err}");
    for l in &lines {
        assert!(l.starts_with(&format!("{bad}: $.keys[")), "{l}");
    }
    assert!(err.contains("$.keys[0].sha256: expected 64 hex characters"));
    assert!(err.contains("$.keys[1].id: duplicate key id 'a'"));
    assert!(
        !err.contains("secret"),
        "a plaintext key must never be echoed: {err}"
    );
}

/// Given together, an audit policy that would log the key auth reads is refused, as in a bundle.
#[test]
fn validate_refuses_an_audit_policy_that_would_log_auths_key() {
    let t = Tmp::new();
    let mut auth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("policies/auth.example.json")).unwrap(),
    )
    .unwrap();
    auth["credentials"]["query_param"] = "access".into();
    let auth_file = t.path("auth.json");
    std::fs::write(&auth_file, auth.to_string()).unwrap();
    let audit_file = t.path("audit.json");
    std::fs::write(&audit_file, r#"{"redact": {"query_params": ["account"]}}"#).unwrap();
    let (auth_arg, audit_arg) = (auth_file.to_str().unwrap(), audit_file.to_str().unwrap());
    // Each alone is valid.
    ok(&["validate", auth_arg]);
    ok(&["validate", audit_arg]);
    let o = pavise(&["validate", auth_arg, audit_arg]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stderr(&o).contains(&format!(
            "{audit_arg}: $.redact.query_params: the auth policy reads keys from query parameter \
             'access'"
        )),
        "{}",
        stderr(&o)
    );
    std::fs::write(&audit_file, r#"{"redact": {"query_params": ["access"]}}"#).unwrap();
    ok(&["validate", auth_arg, audit_arg]);
}

#[test]
fn validate_needs_to_know_the_filter() {
    let t = Tmp::new();
    std::fs::copy(
        repo().join("policies/auth.example.json"),
        t.path("keys.json"),
    )
    .unwrap();
    let err = fails(&["validate", &t.s("keys.json")], 2);
    assert!(err.contains("cannot tell which filter"), "{err}");
    ok(&["validate", "--filter", "auth", &t.s("keys.json")]);
    let err = fails(&["validate", "--filter", "nope", &t.s("keys.json")], 2);
    assert!(
        err.contains("unknown filter (known: audit, cors, auth, screen, combined)"),
        "{err}"
    );
}

#[test]
fn validate_missing_file_is_an_io_error() {
    let err = fails(&["validate", "/nonexistent/auth.json"], 3);
    assert!(err.starts_with("/nonexistent/auth.json: "), "{err}");
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["validate", "--help"],
        vec!["keygen", "--help"],
        vec!["bundle", "--help"],
        vec!["bundle", "build", "--help"],
        vec!["bundle", "verify", "--help"],
        vec!["bundle", "sign", "--help"],
        vec!["bundle", "keygen", "--help"],
        vec!["render", "--help"],
        vec!["render", "envoy", "--help"],
        vec!["render", "istio", "--help"],
        vec!["oci", "--help"],
    ] {
        let out = ok(&args);
        assert!(out.contains("Usage: pavise"), "{args:?}: {out}");
        // Every argument, option and subcommand listed is described: on its line, or (clap's
        // long format, when some description is long) on the lines below it, indented further.
        let lines: Vec<&str> = out.lines().collect();
        let mut listed = 0;
        for (i, line) in lines.iter().enumerate() {
            let item = line.trim_start();
            let indent = line.len() - item.len();
            let is_entry = (indent == 2 || indent == 6) && !item.is_empty();
            if !is_entry || (indent == 6 && !item.starts_with('-')) {
                continue;
            }
            listed += 1;
            let same_line = item
                .split_once("  ")
                .is_some_and(|(_, text)| !text.trim().is_empty());
            let next_line = lines.get(i + 1).is_some_and(|next| {
                let text = next.trim_start();
                !text.is_empty() && next.len() - text.len() > indent
            });
            assert!(
                same_line || next_line,
                "{args:?}: '{item}' is not described\n{out}"
            );
        }
        assert!(listed >= 2, "{args:?}: {out}");
    }
    assert!(ok(&["--help"]).contains("Exit codes"));
    fails(&["frobnicate"], 2);
    fails(&["validate"], 2);
}

#[test]
fn keygen_prints_the_key_once_and_an_entry_with_its_digest() {
    let out = ok(&["keygen", "--client", "billing"]);
    let key = out.lines().find(|l| !l.starts_with('#')).unwrap();
    assert_eq!(key.len(), 64);
    let entry: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    use sha2::Digest;
    assert_eq!(
        entry["sha256"],
        hex::encode(sha2::Sha256::digest(key.as_bytes()))
    );
    assert_eq!(entry["client"], "billing");
    assert_eq!(
        out.matches(key).count(),
        1,
        "the key is printed once: {out}"
    );

    let j: serde_json::Value =
        serde_json::from_str(&ok(&["keygen", "--client", "ci", "--id", "ci-1", "--json"])).unwrap();
    assert_eq!(j["entry"]["id"], "ci-1");
    assert_eq!(j["key"].as_str().unwrap().len(), 64);

    let err = fails(&["keygen", "--client", "bad name"], 2);
    assert!(err.contains("$.keys[0].client"), "{err}");
}

/// Builds `out.tar.gz` from the source; returns its path.
fn build(t: &Tmp) -> String {
    let out = t.s("payments.tar.gz");
    let msg = ok(&[
        "bundle",
        "build",
        &t.s("src"),
        "--wasm-dir",
        &t.s("wasm"),
        "--out",
        &out,
    ]);
    assert!(
        msg.starts_with(&format!("{out}: payments 1.4.0 (1 filters) sha256 ")),
        "{msg}"
    );
    out
}

#[test]
fn bundle_build_sign_verify_and_tampering() {
    let t = Tmp::new().with_source();
    let bundle = build(&t);
    let first = std::fs::read(&bundle).unwrap();
    build(&t);
    assert_eq!(
        first,
        std::fs::read(&bundle).unwrap(),
        "builds are reproducible"
    );

    ok(&["bundle", "verify", &bundle]);
    ok(&[
        "bundle",
        "verify",
        &bundle,
        "--check-wasm",
        "--wasm-dir",
        &t.s("wasm"),
    ]);

    ok(&["bundle", "keygen", "--out", &t.s("platform")]);
    ok(&["bundle", "keygen", "--out", &t.s("other")]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(t.path("platform.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    fails(&["bundle", "keygen", "--out", &t.s("platform")], 3);
    let err = fails(
        &["bundle", "verify", &bundle, "--key", &t.s("platform.pub")],
        1,
    );
    assert!(err.contains("no signature"), "{err}");
    ok(&["bundle", "sign", &bundle, "--key", &t.s("platform.key")]);
    let out = ok(&["bundle", "verify", &bundle, "--key", &t.s("platform.pub")]);
    assert!(out.contains("signature valid"), "{out}");

    // Another team's key.
    let err = fails(
        &["bundle", "verify", &bundle, "--key", &t.s("other.pub")],
        1,
    );
    assert!(err.contains("signature does not verify"), "{err}");
    // A secret key where a public one belongs.
    fails(
        &["bundle", "verify", &bundle, "--key", &t.s("platform.key")],
        1,
    );

    // One byte changed in the archive.
    let mut tampered = first.clone();
    let mid = tampered.len() / 2;
    tampered[mid] ^= 0x01;
    std::fs::write(&bundle, &tampered).unwrap();
    let err = fails(
        &["bundle", "verify", &bundle, "--key", &t.s("platform.pub")],
        1,
    );
    assert!(err.contains("signature does not verify"), "{err}");
    fails(
        &[
            "render",
            "envoy",
            &bundle,
            "--wasm-dir",
            &t.s("wasm"),
            "--key",
            &t.s("platform.pub"),
        ],
        1,
    );

    // A different .wasm than the one the bundle was tested with.
    std::fs::write(&bundle, &first).unwrap();
    std::fs::write(t.path("wasm/pavise_auth.wasm"), b"\0asm\x01\0\0\0 other").unwrap();
    let err = fails(
        &[
            "bundle",
            "verify",
            &bundle,
            "--check-wasm",
            "--wasm-dir",
            &t.s("wasm"),
        ],
        1,
    );
    assert!(err.contains("pavise_auth.wasm: sha256 "), "{err}");
    fails(
        &[
            "render",
            "envoy",
            &bundle,
            "--no-verify",
            "--wasm-dir",
            &t.s("wasm"),
        ],
        1,
    );
}

#[test]
fn a_bundle_repacked_with_tar_still_verifies() {
    // Teams may unpack and repack by hand; directory entries and another gzip are fine, the
    // digests in the manifest still decide.
    let t = Tmp::new().with_source();
    let bundle = build(&t);
    std::fs::create_dir_all(t.path("unpacked")).unwrap();
    let run = |args: &[&str]| {
        let st = Command::new("tar").args(args).status().unwrap();
        assert!(st.success(), "tar {args:?}");
    };
    run(&["-xzf", &bundle, "-C", &t.s("unpacked")]);
    run(&["-czf", &t.s("repacked.tar.gz"), "-C", &t.s("unpacked"), "."]);
    ok(&["bundle", "verify", &t.s("repacked.tar.gz")]);
}

#[test]
fn bundle_build_refuses_an_invalid_policy() {
    let t = Tmp::new().with_source();
    std::fs::write(
        t.path("src/auth.json"),
        r#"{"keys": [], "routes": [{"access": "open"}]}"#,
    )
    .unwrap();
    let err = fails(
        &[
            "bundle",
            "build",
            &t.s("src"),
            "--wasm-dir",
            &t.s("wasm"),
            "--out",
            &t.s("b.tar.gz"),
        ],
        1,
    );
    assert!(
        err.starts_with(&format!(
            "{}: $.routes[0].access: unknown variant `open`",
            t.s("src/auth.json")
        )),
        "{err}"
    );
    assert!(!t.path("b.tar.gz").exists());
}

#[test]
fn render_envoy_pins_inlines_and_fails_closed() {
    let t = Tmp::new().with_source();
    let bundle = build(&t);
    let y = ok(&[
        "render",
        "envoy",
        &bundle,
        "--no-verify",
        "--wasm-dir",
        &t.s("wasm"),
        "--upstream",
        "127.0.0.1:9000",
    ]);
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(WASM));
    assert!(y.contains(&format!("# sha256: {digest}")), "{y}");
    assert!(y.contains("fail_open: false"), "{y}");
    assert!(y.contains("host_env_keys: [PAVISE_KEY_OPS]"), "{y}");
    assert!(
        y.contains("\"path_prefix\": \"/healthz\""),
        "policy inlined: {y}"
    );
    assert!(y.contains("port_value: 9000"), "{y}");
    let v: serde_yaml::Value = serde_yaml::from_str(&y).unwrap();
    assert!(v["static_resources"]["listeners"][0]["filter_chains"].is_sequence());

    // A directory renders the same config as the bundle built from it.
    let from_dir = ok(&[
        "render",
        "envoy",
        &t.s("src"),
        "--no-verify",
        "--wasm-dir",
        &t.s("wasm"),
        "--upstream",
        "127.0.0.1:9000",
    ]);
    assert_eq!(from_dir, y);

    let out = ok(&[
        "render",
        "envoy",
        &bundle,
        "--no-verify",
        "--wasm-dir",
        &t.s("wasm"),
        "--xds-dir",
        &t.s("xds"),
    ]);
    assert!(out.contains("bootstrap.yaml"), "{out}");
    for f in ["bootstrap.yaml", "lds.yaml", "cds.yaml"] {
        let text = std::fs::read_to_string(t.path(&format!("xds/{f}"))).unwrap();
        serde_yaml::from_str::<serde_yaml::Value>(&text).unwrap();
    }
    let lds = std::fs::read_to_string(t.path("xds/lds.yaml")).unwrap();
    assert!(lds.contains("version_info: \"payments-1.4.0-"), "{lds}");
    // The policy lives in the filter's own resource, which the listener only names.
    let ecds = std::fs::read_to_string(t.path("xds/ecds-auth.yaml")).unwrap();
    let v: serde_yaml::Value = serde_yaml::from_str(&ecds).unwrap();
    assert_eq!(
        v["resources"][0]["name"].as_str(),
        Some("pavise.auth"),
        "{ecds}"
    );
    assert!(ecds.contains("\"keys\""), "{ecds}");
    assert!(
        lds.contains("config_discovery:") && !lds.contains("\"keys\""),
        "{lds}"
    );
    assert!(lds.contains("ecds-auth.yaml"), "{lds}");
    let boot = std::fs::read_to_string(t.path("xds/bootstrap.yaml")).unwrap();
    assert!(boot.contains("stats_tags:"), "{boot}");
}

/// `--runtime native`: every filter a `filter_name` of the one native module, the same policy
/// as its configuration, no Wasm settings, and the runtime flag that strips the dynamic-module
/// namespace from the Prometheus names; in the xDS shape too.
#[test]
fn render_envoy_for_the_native_module() {
    let t = Tmp::new().with_source();
    let bundle = build(&t);
    std::fs::write(t.path("libpavise_native.so"), b"stand-in").unwrap();
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "render",
            "envoy",
            &bundle,
            "--no-verify",
            "--wasm-dir",
            &t.s("wasm"),
            "--runtime",
            "native",
            "--native-module",
            &t.s("libpavise_native.so"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        ok(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let y = run(&[]);
    let v: serde_yaml::Value = serde_yaml::from_str(&y).unwrap();
    let hcm =
        &v["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"];
    let auth = &hcm["http_filters"][0];
    assert_eq!(auth["name"].as_str(), Some("pavise.auth"), "{y}");
    let typed = &auth["typed_config"];
    assert_eq!(
        typed["@type"].as_str(),
        Some("type.googleapis.com/envoy.extensions.filters.http.dynamic_modules.v3.DynamicModuleFilter")
    );
    assert_eq!(typed["filter_name"].as_str(), Some("pavise.auth"));
    assert_eq!(
        typed["dynamic_module_config"]["module"]["local"]["filename"].as_str(),
        Some(t.s("libpavise_native.so").as_str())
    );
    let policy: serde_json::Value =
        serde_json::from_str(typed["filter_config"]["value"].as_str().unwrap()).unwrap();
    let source: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path("src/auth.json")).unwrap()).unwrap();
    assert_eq!(policy, source, "the policy is the configuration, unchanged");
    assert!(
        !y.contains("vm_config") && !y.contains("host_env_keys"),
        "{y}"
    );
    assert_eq!(
        v["layered_runtime"]["layers"][0]["static_layer"]
            ["envoy.reloadable_features.dynamic_modules_strip_custom_stat_prefix"]
            .as_bool(),
        Some(true),
        "{y}"
    );

    // The xDS shape: the listener accepts the native type, the ECDS resource carries it, the
    // module path is absolute for a running Envoy elsewhere.
    run(&["--xds-dir", &t.s("xds")]);
    let lds = std::fs::read_to_string(t.path("xds/lds.yaml")).unwrap();
    assert!(
        lds.contains("type_urls: [type.googleapis.com/envoy.extensions.filters.http.dynamic_modules.v3.DynamicModuleFilter]"),
        "{lds}"
    );
    let ecds = std::fs::read_to_string(t.path("xds/ecds-auth.yaml")).unwrap();
    let e: serde_yaml::Value = serde_yaml::from_str(&ecds).unwrap();
    assert_eq!(
        e["resources"][0]["typed_config"]["filter_name"].as_str(),
        Some("pavise.auth"),
        "{ecds}"
    );
    let boot = std::fs::read_to_string(t.path("xds/bootstrap.yaml")).unwrap();
    assert!(
        boot.contains("dynamic_modules_strip_custom_stat_prefix: true"),
        "{boot}"
    );

    // A missing module is an I/O error; remote code is for Wasm only.
    let mut missing = args(&[]);
    let at = missing.iter().position(|a| a == "--native-module").unwrap();
    missing[at + 1] = t.s("nowhere/libpavise_native.so");
    let err = fails(&missing.iter().map(String::as_str).collect::<Vec<_>>(), 3);
    assert!(err.contains("nowhere/libpavise_native.so"), "{err}");
    let remote = args(&["--wasm-url", "http://10.0.0.5/wasm"]);
    let err = fails(&remote.iter().map(String::as_str).collect::<Vec<_>>(), 2);
    assert!(err.contains("--runtime wasm"), "{err}");
    let mut bad = args(&[]);
    let at = bad.iter().position(|a| a == "--runtime").unwrap();
    bad[at + 1] = "lua".to_string();
    let err = fails(&bad.iter().map(String::as_str).collect::<Vec<_>>(), 2);
    assert!(err.contains("possible values: wasm, native"), "{err}");
}

#[test]
fn render_istio_stats_prints_the_stats_tags_as_a_configmap() {
    let out = ok(&["render", "istio-stats", "--namespace", "payments"]);
    let v: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
    assert_eq!(v["kind"].as_str(), Some("ConfigMap"), "{out}");
    assert_eq!(
        v["metadata"]["namespace"].as_str(),
        Some("payments"),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(v["data"]["custom_bootstrap.json"].as_str().unwrap()).unwrap();
    assert!(
        json["stats_config"]["stats_tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["tag_name"] == "reason"),
        "{json}"
    );
}

#[test]
fn render_envoy_with_remote_code_lets_envoy_check_the_digest() {
    let t = Tmp::new().with_source();
    let bundle = build(&t);
    // No local .wasm needed: Envoy fetches and checks it.
    std::fs::remove_file(t.path("wasm/pavise_auth.wasm")).unwrap();
    let y = ok(&[
        "render",
        "envoy",
        &bundle,
        "--no-verify",
        "--wasm-url",
        "https://wasm.example.com/pavise/1.4.0",
    ]);
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(WASM));
    assert!(
        y.contains("uri: \"https://wasm.example.com/pavise/1.4.0/pavise_auth.wasm\""),
        "{y}"
    );
    assert!(y.contains(&format!("sha256: \"{digest}\"")), "{y}");
    assert!(
        y.contains("name: pavise_wasm_code") && y.contains("type: STRICT_DNS"),
        "{y}"
    );
    let v: serde_yaml::Value = serde_yaml::from_str(&y).unwrap();
    assert_eq!(
        v["static_resources"]["clusters"]
            .as_sequence()
            .unwrap()
            .len(),
        2
    );

    ok(&[
        "render",
        "envoy",
        &bundle,
        "--no-verify",
        "--wasm-url",
        "http://127.0.0.1:8000/m",
        "--xds-dir",
        &t.s("xds"),
    ]);
    let cds = std::fs::read_to_string(t.path("xds/cds.yaml")).unwrap();
    assert!(
        cds.contains("name: pavise_wasm_code") && cds.contains("type: STATIC"),
        "{cds}"
    );

    let err = fails(
        &[
            "render",
            "envoy",
            &bundle,
            "--no-verify",
            "--wasm-url",
            "ftp://x/",
        ],
        2,
    );
    assert!(err.contains("--wasm-url"), "{err}");
}

fn crd_schema() -> serde_json::Value {
    let path = repo().join("../shared/istio/wasmplugins.extensions.istio.io.crd.yaml");
    let path = if path.exists() {
        path
    } else {
        PathBuf::from("/work/shared/istio/wasmplugins.extensions.istio.io.crd.yaml")
    };
    let crd: serde_json::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    crd["spec"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "v1alpha1")
        .unwrap()["schema"]["openAPIV3Schema"]
        .clone()
}

#[test]
fn render_istio_matches_the_crd_schema_and_oci_digests() {
    let t = Tmp::new().with_source();
    let bundle = build(&t);
    let stream = ok(&[
        "render",
        "istio",
        &bundle,
        "--no-verify",
        "--wasm-dir",
        &t.s("wasm"),
        "--registry",
        "registry.example.com/platform",
        "--namespace",
        "payments",
        "--selector",
        "app=payments",
    ]);
    let validator = jsonschema::validator_for(&crd_schema()).unwrap();
    let docs: Vec<serde_json::Value> = serde_yaml::Deserializer::from_str(&stream)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    assert_eq!(docs.len(), 1, "{stream}");
    for doc in &docs {
        let errors: Vec<String> = validator
            .iter_errors(doc)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{errors:?}\n{stream}");
        // The CRD's CEL rule (not JSON Schema): a HOST variable carries no value.
        for env in doc["spec"]["vmConfig"]["env"].as_array().unwrap() {
            assert_eq!(env["valueFrom"], "HOST");
            assert!(env.get("value").is_none());
        }
    }
    let auth = &docs[0];
    assert_eq!(auth["kind"], "WasmPlugin");
    assert_eq!(auth["metadata"]["name"], "payments-auth");
    assert_eq!(
        auth["spec"]["url"],
        "oci://registry.example.com/platform/pavise-auth:1.4.0"
    );
    assert_eq!(auth["spec"]["failStrategy"], "FAIL_CLOSE");
    assert_eq!(auth["spec"]["phase"], "AUTHN");
    assert_eq!(auth["spec"]["pluginName"], "pavise_auth");
    assert_eq!(auth["spec"]["selector"]["matchLabels"]["app"], "payments");
    assert_eq!(auth["spec"]["vmConfig"]["env"][0]["name"], "PAVISE_KEY_OPS");
    let policy: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(t.path("src/auth.json")).unwrap()).unwrap();
    assert_eq!(auth["spec"]["pluginConfig"], policy);

    // The pinned sha256 is the manifest digest of the image `pavise oci` writes.
    let out = ok(&[
        "oci",
        &bundle,
        "--no-verify",
        "--wasm-dir",
        &t.s("wasm"),
        "--out",
        &t.s("oci"),
    ]);
    let sha = auth["spec"]["sha256"].as_str().unwrap();
    assert!(
        out.starts_with(&format!("pavise-auth sha256:{sha} ")),
        "{out}"
    );
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path("oci/pavise-auth/index.json")).unwrap())
            .unwrap();
    assert_eq!(index["manifests"][0]["digest"], format!("sha256:{sha}"));
    assert_eq!(
        index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        "1.4.0"
    );
    assert_eq!(
        pavise::oci::read_plugin_from_layout(&t.path("oci/pavise-auth")).unwrap(),
        WASM
    );
}

#[test]
fn render_istio_with_plain_modules_pins_the_module_digest() {
    let t = Tmp::new().with_source();
    let bundle = build(&t);
    let stream = ok(&[
        "render",
        "istio",
        &bundle,
        "--no-verify",
        "--wasm-dir",
        &t.s("wasm"),
        "--wasm-url",
        "https://wasm.example.com/pavise/1.4.0/",
    ]);
    let doc: serde_json::Value =
        serde_yaml::from_str(stream.split("---\n").nth(1).unwrap()).unwrap();
    assert!(jsonschema::validator_for(&crd_schema())
        .unwrap()
        .is_valid(&doc));
    assert_eq!(
        doc["spec"]["url"],
        "https://wasm.example.com/pavise/1.4.0/pavise_auth.wasm"
    );
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(WASM));
    assert_eq!(doc["spec"]["sha256"], digest);
    fails(
        &[
            "render",
            "istio",
            &bundle,
            "--no-verify",
            "--wasm-dir",
            &t.s("wasm"),
        ],
        2,
    );
    fails(
        &[
            "render",
            "istio",
            &bundle,
            "--no-verify",
            "--wasm-dir",
            &t.s("wasm"),
            "--registry",
            "r",
            "--wasm-url",
            "https://x",
        ],
        2,
    );
}

#[test]
fn a_schema_violation_is_caught_by_the_validator() {
    // The schema check is real: a wrong enum value fails it.
    let validator = jsonschema::validator_for(&crd_schema()).unwrap();
    let bad = serde_json::json!({"spec": {"url": "oci://x/y:1", "failStrategy": "FAIL_SOMETIMES"}});
    assert!(!validator.is_valid(&bad));
    let bad = serde_json::json!({"spec": {"url": "oci://x/y:1", "sha256": "ABC"}});
    assert!(!validator.is_valid(&bad));
}

/// Builds the source as version `version` into `<version>.tar.gz`, signed with `platform.key`.
fn build_signed(t: &Tmp, version: &str) -> String {
    std::fs::write(
        t.path("src/bundle.json"),
        format!(r#"{{"name": "payments", "version": "{version}", "owner": "team-payments"}}"#),
    )
    .unwrap();
    let out = t.s(&format!("{version}.tar.gz"));
    ok(&[
        "bundle",
        "build",
        &t.s("src"),
        "--wasm-dir",
        &t.s("wasm"),
        "--out",
        &out,
    ]);
    ok(&["bundle", "sign", &out, "--key", &t.s("platform.key")]);
    out
}

#[test]
fn rendering_requires_a_verified_signature_or_an_explicit_no_verify() {
    let t = Tmp::new().with_source();
    ok(&["bundle", "keygen", "--out", &t.s("platform")]);
    let bundle = build_signed(&t, "1.4.0");
    let wasm = t.s("wasm");
    // A signature lying beside the bundle is not enough: the command must be told to check it.
    for args in [
        vec!["render", "envoy", &bundle, "--wasm-dir", &wasm],
        vec![
            "render",
            "istio",
            &bundle,
            "--wasm-dir",
            &wasm,
            "--registry",
            "r",
        ],
        vec!["oci", &bundle, "--wasm-dir", &wasm, "--out", &t.s("oci")],
    ] {
        let err = fails(&args, 2);
        assert!(
            err.contains("--key") && err.contains("--no-verify"),
            "{args:?}: {err}"
        );
        let mut verified = args.clone();
        let key = t.s("platform.pub");
        verified.extend(["--key", &key]);
        ok(&verified);
        let mut unverified = args.clone();
        unverified.push("--no-verify");
        ok(&unverified);
        let mut both = args.clone();
        both.extend(["--key", &key, "--no-verify"]);
        fails(&both, 2);
    }
    // A tampered signature fails with --key, whatever sits beside the bundle.
    std::fs::write(format!("{bundle}.sig"), "AAAA").unwrap();
    fails(
        &[
            "render",
            "envoy",
            &bundle,
            "--wasm-dir",
            &wasm,
            "--key",
            &t.s("platform.pub"),
        ],
        1,
    );
    // A source directory has no signature: only --no-verify renders it.
    let err = fails(&["render", "envoy", &t.s("src"), "--wasm-dir", &wasm], 2);
    assert!(err.contains("--no-verify"), "{err}");
}

#[test]
fn an_older_bundle_does_not_replace_a_deployed_one() {
    let t = Tmp::new().with_source();
    ok(&["bundle", "keygen", "--out", &t.s("platform")]);
    let old = build_signed(&t, "1.3.9");
    let new = build_signed(&t, "1.10.0");
    let render = |bundle: &str, extra: &[&str]| {
        let mut args = vec![
            "render".to_string(),
            "envoy".to_string(),
            bundle.to_string(),
            "--wasm-dir".to_string(),
            t.s("wasm"),
            "--key".to_string(),
            t.s("platform.pub"),
            "--xds-dir".to_string(),
            t.s("xds"),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        pavise(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let lds = || std::fs::read_to_string(t.path("xds/lds.yaml")).unwrap();
    let deployed = || -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(t.path("xds/deployed.json")).unwrap()).unwrap()
    };

    assert_eq!(render(&new, &[]).status.code(), Some(0));
    assert_eq!(deployed()["version"], "1.10.0");
    let served = lds();
    assert!(served.contains("payments-1.10.0-"), "{served}");

    // Signed and valid, but older: refused, nothing written.
    let o = render(&old, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("refusing to roll back to the older 1.3.9"),
        "{}",
        stderr(&o)
    );
    assert_eq!(lds(), served);
    assert_eq!(deployed()["version"], "1.10.0");

    // The same version again is fine (a re-render).
    assert_eq!(render(&new, &[]).status.code(), Some(0));

    // A deliberate rollback.
    let o = render(&old, &["--allow-downgrade"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(lds().contains("payments-1.3.9-"));
    assert_eq!(deployed()["version"], "1.3.9");
    assert_eq!(render(&new, &[]).status.code(), Some(0));

    // Another bundle into the same directory is refused too.
    std::fs::write(
        t.path("src/bundle.json"),
        r#"{"name": "billing", "version": "9.0.0", "owner": "team-billing"}"#,
    )
    .unwrap();
    let other = t.s("billing.tar.gz");
    ok(&[
        "bundle",
        "build",
        &t.s("src"),
        "--wasm-dir",
        &t.s("wasm"),
        "--out",
        &other,
    ]);
    ok(&["bundle", "sign", &other, "--key", &t.s("platform.key")]);
    let o = render(&other, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("another bundle, billing 9.0.0"),
        "{}",
        stderr(&o)
    );

    // --allow-downgrade only means something with --xds-dir.
    fails(
        &[
            "render",
            "envoy",
            &old,
            "--no-verify",
            "--wasm-dir",
            &t.s("wasm"),
            "--allow-downgrade",
        ],
        2,
    );
}

/// A bundle source may hold the combined policy instead of the filters' own files: it is built
/// and rendered as its members.
#[test]
fn a_combined_policy_bundles_and_renders_as_its_members() {
    let t = Tmp::new().with_source();
    std::fs::remove_file(t.path("src/auth.json")).unwrap();
    std::fs::copy(
        repo().join("policies/combined.example.json"),
        t.path("src/combined.json"),
    )
    .unwrap();
    for f in ["audit", "cors", "screen"] {
        std::fs::write(t.path(&format!("wasm/pavise_{f}.wasm")), WASM).unwrap();
    }
    let y = ok(&[
        "render",
        "envoy",
        &t.s("src"),
        "--no-verify",
        "--wasm-dir",
        &t.s("wasm"),
    ]);
    let positions: Vec<usize> = [
        "pavise_audit",
        "pavise_cors",
        "pavise_auth",
        "pavise_screen",
    ]
    .iter()
    .map(|root| {
        y.find(&format!("root_id: {root}"))
            .unwrap_or_else(|| panic!("{root}: {y}"))
    })
    .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "chain order: {y}"
    );
    let out = ok(&[
        "bundle",
        "build",
        &t.s("src"),
        "--wasm-dir",
        &t.s("wasm"),
        "--out",
        &t.s("c.tar.gz"),
    ]);
    assert!(out.contains("(4 filters)"), "{out}");
    ok(&["bundle", "verify", &t.s("c.tar.gz")]);
    // The combined policy and one of its members' own files: which one is meant?
    std::fs::copy(
        repo().join("policies/auth.example.json"),
        t.path("src/auth.json"),
    )
    .unwrap();
    let err = fails(
        &[
            "render",
            "envoy",
            &t.s("src"),
            "--no-verify",
            "--wasm-dir",
            &t.s("wasm"),
        ],
        1,
    );
    assert!(err.contains("two auth policies"), "{err}");
}

/// `render` takes a policy file too, the combined one included: rendered as its members, with
/// --no-verify (a policy file carries no signature), never over a versioned deployment.
#[test]
fn render_takes_a_policy_file_and_the_combined_policy() {
    let t = Tmp::new().with_source();
    for f in ["audit", "cors", "screen"] {
        std::fs::write(t.path(&format!("wasm/pavise_{f}.wasm")), WASM).unwrap();
    }
    let combined = repo()
        .join("policies/combined.example.json")
        .display()
        .to_string();
    let y = ok(&[
        "render",
        "envoy",
        &combined,
        "--no-verify",
        "--wasm-dir",
        &t.s("wasm"),
    ]);
    assert!(
        y.starts_with(
            "# Envoy config for bundle combined-example 0.0.0-policy-file (owner: local)"
        ),
        "{y}"
    );
    for root in [
        "pavise_audit",
        "pavise_cors",
        "pavise_auth",
        "pavise_screen",
    ] {
        assert!(y.contains(&format!("root_id: {root}")), "{root}: {y}");
    }
    let err = fails(
        &["render", "envoy", &combined, "--wasm-dir", &t.s("wasm")],
        2,
    );
    assert!(err.contains("--no-verify"), "{err}");
    let y = ok(&[
        "render",
        "envoy",
        &t.s("src/auth.json"),
        "--no-verify",
        "--wasm-dir",
        &t.s("wasm"),
    ]);
    assert!(
        y.contains("root_id: pavise_auth") && !y.contains("pavise_cors"),
        "{y}"
    );
    std::fs::write(t.path("keys.json"), "{}").unwrap();
    let err = fails(
        &[
            "render",
            "envoy",
            &t.s("keys.json"),
            "--no-verify",
            "--wasm-dir",
            &t.s("wasm"),
        ],
        1,
    );
    assert!(err.contains("cannot tell which filter"), "{err}");

    // Over a versioned bundle in an xDS directory: refused as older.
    let bundle = build(&t);
    let xds = t.s("xds");
    ok(&[
        "render",
        "envoy",
        &bundle,
        "--no-verify",
        "--wasm-dir",
        &t.s("wasm"),
        "--xds-dir",
        &xds,
    ]);
    let err = fails(
        &[
            "render",
            "envoy",
            &combined,
            "--no-verify",
            "--wasm-dir",
            &t.s("wasm"),
            "--xds-dir",
            &xds,
        ],
        1,
    );
    assert!(err.contains("refusing"), "{err}");
}
