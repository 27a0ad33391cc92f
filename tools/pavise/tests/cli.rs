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
        err.contains("unknown filter (known: audit, cors, auth, screen)"),
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
    fails(&["render", "envoy", &bundle, "--wasm-dir", &t.s("wasm")], 1);
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

    let err = fails(&["render", "envoy", &bundle, "--wasm-url", "ftp://x/"], 2);
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
    fails(&["render", "istio", &bundle, "--wasm-dir", &t.s("wasm")], 2);
    fails(
        &[
            "render",
            "istio",
            &bundle,
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
