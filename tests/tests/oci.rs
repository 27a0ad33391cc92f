//! `pavise oci` against a real registry: the image layout it writes for the auth filter is
//! pushed with skopeo to Debian's `docker-registry` (started here on a loopback port with a
//! throw-away config), the registry reports the manifest digest that `pavise render istio` pins,
//! and pulling it back by that digest yields the same `plugin.wasm` bytes.
//!
//! Needs `docker-registry` and `skopeo` (`make test` installs them through `make test-deps`).

// Tests fail by panicking.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pavise::oci::{read_plugin_from_layout, write_layout, WasmImage, MANIFEST_MEDIA_TYPE};
use pavise_tests::envoy::TempDir;
use pavise_tests::http::get;
use pavise_tests::process::{spawn_logged, wait_for};
use pavise_tests::{free_port, wasm_path};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn tool(name: &str) -> String {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .unwrap();
    let path = String::from_utf8_lossy(&found.stdout).trim().to_string();
    assert!(
        found.status.success() && !path.is_empty(),
        "{name} is missing: run `make test-deps` (installs docker-registry and skopeo)"
    );
    path
}

fn skopeo(args: &[&str]) {
    let out = Command::new(tool("skopeo"))
        // The signature policy, not TLS: the test registry is plain HTTP on loopback.
        .arg("--insecure-policy")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "skopeo {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn image_pushed_to_a_registry_pulls_back_by_digest() {
    let wasm = std::fs::read(wasm_path("auth")).unwrap();
    let dir = TempDir::new("pavise-oci");
    let port = free_port();
    let registry: SocketAddr = ([127, 0, 0, 1], port).into();
    let config = dir.0.join("registry.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {registry}\n",
            dir.0.join("data").display()
        ),
    )
    .unwrap();
    let mut cmd = Command::new(tool("docker-registry"));
    cmd.arg("serve").arg(&config);
    let _registry = spawn_logged("docker-registry", cmd, &dir.0.join("registry.log"));
    wait_for("the registry", Duration::from_secs(30), || {
        TcpStream::connect(registry).ok()?;
        (get(registry, "/v2/", &[]).status == 200).then_some(())
    });

    let image = WasmImage::new(&wasm);
    let digest = image.manifest_digest();
    let layout = dir.0.join("layout");
    write_layout(&layout, &image, "0.1.0").unwrap();
    let remote = format!("docker://{registry}/pavise/pavise-auth");
    skopeo(&[
        "copy",
        "--dest-tls-verify=false",
        &format!("oci:{}:0.1.0", layout.display()),
        &format!("{remote}:0.1.0"),
    ]);

    // The registry stored the manifest unchanged: same digest as the one Istio will check.
    let r = get(
        registry,
        "/v2/pavise/pavise-auth/manifests/0.1.0",
        &[("accept", MANIFEST_MEDIA_TYPE)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("docker-content-digest"),
        Some(format!("sha256:{digest}").as_str())
    );
    assert_eq!(r.body, image.manifest.bytes);

    // Pull by digest, as Istio does with a pinned sha256, and unpack plugin.wasm.
    let back = dir.0.join("pulled");
    skopeo(&[
        "copy",
        "--src-tls-verify=false",
        &format!("{remote}@sha256:{digest}"),
        &format!("oci:{}:pulled", back.display()),
    ]);
    let pulled = read_plugin_from_layout(Path::new(&back)).unwrap();
    assert!(pulled == wasm, "plugin.wasm differs after the round trip");
}
