//! The command line: argument parsing (clap), each command's work, and how failures map to exit
//! codes. Errors go to stderr one per line, each starting with the file it is about.
//!
//! Exit codes (also in `docs/cli.md`):
//! - 0: success;
//! - 1: something was checked and found wrong (a policy, a bundle, a signature, a `.wasm`);
//! - 2: the command line itself is wrong (clap's usage errors);
//! - 3: a file could not be read or written (or the OS random number generator failed).

use crate::bundle::{self, Bundle, BundleError};
use crate::filters::{self, PolicyKind};
use crate::render::envoy::{self, XdsFiles};
use crate::render::istio::{self, IstioOptions};
use crate::sign::{self, SignError};
use crate::{deployed, keygen, oci};
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit code: checked and found wrong.
pub const EXIT_INVALID: u8 = 1;
/// Exit code: bad command line (clap uses 2 for its own usage errors too).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: a file could not be read or written, or the OS random number generator failed.
pub const EXIT_IO: u8 = 3;

/// Where `make build` leaves the filters, relative to the repository root.
pub const DEFAULT_WASM_DIR: &str = "target/wasm32-wasip1/release";

/// Where `make build` leaves the native module, relative to the repository root.
pub const DEFAULT_NATIVE_MODULE: &str = "target/native/libpavise_native.so";

#[derive(Parser, Debug)]
#[command(
    name = "pavise",
    version,
    about = "Validate Pavise policies, build and sign policy bundles, render Envoy and Istio config.",
    after_help = "Exit codes: 0 success, 1 a policy, bundle, signature or .wasm failed its check, \
                  2 bad command line, 3 a file could not be read or written. With several \
                  problems, the highest code."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check policy files with the filters' own parsers; one line per problem.
    Validate {
        /// Policy files, named <filter>.json or <filter>.<anything>.json (auth.prod.json);
        /// combined.json (or combined.<anything>.json) for a combined policy.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The filter the files are for (or `combined`), instead of taking it from each file
        /// name.
        #[arg(long)]
        filter: Option<String>,
    },
    /// Mint an API key for a client: the key (shown once) and its policy entry (digest only).
    Keygen {
        /// The client the key belongs to (sent upstream in the identity header).
        #[arg(long)]
        client: String,
        /// The entry's id; default: <client>-<first 8 hex digits of the digest>.
        #[arg(long)]
        id: Option<String>,
        /// Print one JSON object {"key", "entry"} instead of commented text.
        #[arg(long)]
        json: bool,
    },
    /// Build, sign and verify policy bundles.
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// Render proxy configuration from a bundle.
    #[command(subcommand)]
    Render(RenderCommand),
    /// Write an OCI image layout per filter (Istio's Wasm image format, plugin.wasm in the
    /// layer), for `skopeo copy oci:DIR/<image>:<version> docker://REGISTRY/<image>:<version>`.
    Oci {
        /// A bundle (.tar.gz), a bundle source directory, or one policy file (<filter>.json or
        /// combined.json).
        bundle: PathBuf,
        /// Output directory; one image layout per filter in <out>/pavise-<filter>/.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        input: Input,
    },
}

/// Options every command that reads a bundle takes.
#[derive(Args, Debug, Clone)]
struct Input {
    /// Where the built filters (pavise_<filter>.wasm) are.
    #[arg(long, default_value = DEFAULT_WASM_DIR)]
    wasm_dir: PathBuf,
    /// Require a valid signature (<bundle>.sig) by this Ed25519 public key. One of --key and
    /// --no-verify is required.
    #[arg(long)]
    key: Option<PathBuf>,
    /// Use the bundle without checking its signature (a source directory or a policy file has
    /// none).
    #[arg(long, conflicts_with = "key")]
    no_verify: bool,
}

#[derive(Subcommand, Debug)]
enum BundleCommand {
    /// Build <name>-<version>.tar.gz from a directory with bundle.json and the policies.
    Build {
        /// The source directory: bundle.json, and <filter>.json policies or a combined.json.
        dir: PathBuf,
        /// Output file; default: <name>-<version>.tar.gz in the current directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Where the built filters are; their digests go into the manifest.
        #[arg(long, default_value = DEFAULT_WASM_DIR)]
        wasm_dir: PathBuf,
    },
    /// Check a bundle: manifest, policy digests, policies; with --key its signature, with
    /// --check-wasm that the local .wasm files are the ones it was tested with.
    Verify {
        /// The bundle (.tar.gz).
        bundle: PathBuf,
        /// Ed25519 public key file; the signature is read from <bundle>.sig.
        #[arg(long)]
        key: Option<PathBuf>,
        /// Also check the .wasm files in --wasm-dir against the manifest.
        #[arg(long)]
        check_wasm: bool,
        /// Where the built filters (pavise_<filter>.wasm) are, for --check-wasm.
        #[arg(long, default_value = DEFAULT_WASM_DIR)]
        wasm_dir: PathBuf,
    },
    /// Sign a bundle with an Ed25519 secret key; writes <bundle>.sig.
    Sign {
        /// The bundle (.tar.gz) to sign.
        bundle: PathBuf,
        /// Secret key file (from `pavise bundle keygen`).
        #[arg(long)]
        key: PathBuf,
    },
    /// Create an Ed25519 key pair: <out>.key (secret, mode 0600) and <out>.pub.
    Keygen {
        /// Path and base name of the two files, e.g. `keys/platform`.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum RenderCommand {
    /// A complete Envoy config: filters in chain order, policies inlined, failure policy per
    /// filter, each .wasm checked against the bundle's digest (or, with --runtime native, every
    /// filter served by the native module).
    Envoy {
        /// A bundle (.tar.gz), a bundle source directory, or one policy file (<filter>.json or
        /// combined.json).
        bundle: PathBuf,
        #[command(flatten)]
        input: Input,
        /// Which build of the filters Envoy runs: `wasm`, the proxy-wasm modules (what Istio
        /// and other proxy-wasm hosts run), or `native`, the Envoy dynamic module (an Envoy you
        /// run yourself: near-native speed). Same policies, decisions, metrics and events.
        #[arg(long, value_enum, default_value_t = envoy::Runtime::Wasm)]
        runtime: envoy::Runtime,
        /// With --runtime native: the native module (libpavise_native.so) as Envoy will load it.
        #[arg(long, value_name = "FILE", default_value = DEFAULT_NATIVE_MODULE)]
        native_module: PathBuf,
        /// Listener port on 127.0.0.1.
        #[arg(long, default_value_t = 8080)]
        listen: u16,
        /// Admin port on 127.0.0.1.
        #[arg(long, default_value_t = 9901)]
        admin: u16,
        /// The upstream every route goes to.
        #[arg(long, default_value = "127.0.0.1:8081")]
        upstream: SocketAddr,
        /// Have Envoy fetch the modules from <URL>/pavise_<filter>.wasm (http or https) and
        /// check each against the bundle's sha256 itself, instead of reading local files
        /// (--runtime wasm only).
        #[arg(long, value_name = "URL")]
        wasm_url: Option<String>,
        /// Write file-based dynamic config (bootstrap.yaml, lds.yaml, cds.yaml and an
        /// ecds-<filter>.yaml per filter) into this directory instead of printing a static
        /// config; Envoy started with its bootstrap.yaml picks up every later render without a
        /// restart, and open connections get the new policies on their next request. The
        /// bundle is recorded in deployed.json there; an older version or another bundle is
        /// refused.
        #[arg(long)]
        xds_dir: Option<PathBuf>,
        /// With --xds-dir: replace what is deployed even with an older version or another
        /// bundle (a deliberate rollback).
        #[arg(long, requires = "xds_dir")]
        allow_downgrade: bool,
        /// Where the audit filter's events go, one JSON object per line (its local sink:
        /// a file access log on the listener). Only with an audit policy in the bundle.
        #[arg(long, value_name = "FILE")]
        audit_log: Option<String>,
        /// A cluster a policy names, e.g. the audit filter's HTTP sink:
        /// `--cluster audit_sink=127.0.0.1:4318` (repeatable).
        #[arg(long = "cluster", value_name = "NAME=IP:PORT", value_parser = parse_cluster)]
        clusters: Vec<(String, SocketAddr)>,
    },
    /// One Istio WasmPlugin per filter (url, sha256, phase, priority, pluginConfig,
    /// failStrategy, vmConfig.env), as a YAML stream for `kubectl apply -f -`.
    Istio {
        /// A bundle (.tar.gz), a bundle source directory, or one policy file (<filter>.json or
        /// combined.json).
        bundle: PathBuf,
        #[command(flatten)]
        input: Input,
        /// Registry and path the images (`pavise oci`) were pushed to, e.g.
        /// registry.example.com/platform.
        #[arg(
            long,
            required_unless_present = "wasm_url",
            conflicts_with = "wasm_url"
        )]
        registry: Option<String>,
        /// Instead of images: plain modules at <URL>/pavise_<filter>.wasm (http or https).
        #[arg(long, value_name = "URL")]
        wasm_url: Option<String>,
        /// Namespace of the WasmPlugin resources.
        #[arg(long, default_value = "default")]
        namespace: String,
        /// Workload label to select, KEY=VALUE (repeatable).
        #[arg(long = "selector")]
        selector: Vec<String>,
        /// The traffic the filters apply to: the workload's inbound requests (server), its
        /// outbound calls (client), or both.
        #[arg(long, value_enum, default_value_t = istio::TrafficMode::Server)]
        traffic: istio::TrafficMode,
        /// The OpenTelemetry Collector's service for the audit filter's HTTP sink, e.g.
        /// otel-collector.observability:4318: the sink's cluster becomes the sidecar's outbound
        /// cluster for it.
        #[arg(long, value_name = "SERVICE.NAMESPACE:PORT", value_parser = istio::MeshService::parse)]
        otlp_service: Option<istio::MeshService>,
    },
    /// A ConfigMap with Envoy's stats tags for Pavise's metric labels, for Istio sidecars
    /// (annotate the pods `sidecar.istio.io/bootstrapOverride: <name>`; docs/metrics.md).
    IstioStats {
        /// The ConfigMap's name.
        #[arg(long, default_value = "pavise-stats")]
        name: String,
        /// The workloads' namespace (the ConfigMap must be in the pod's).
        #[arg(long, default_value = "default")]
        namespace: String,
    },
}

/// A command's failure: lines for stderr and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub lines: Vec<String>,
    pub code: u8,
}

impl Failure {
    fn invalid(line: impl Into<String>) -> Failure {
        Failure {
            lines: vec![line.into()],
            code: EXIT_INVALID,
        }
    }

    fn io(path: &Path, e: impl std::fmt::Display) -> Failure {
        Failure {
            lines: vec![format!("{}: {e}", path.display())],
            code: EXIT_IO,
        }
    }

    fn usage(line: impl Into<String>) -> Failure {
        Failure {
            lines: vec![line.into()],
            code: EXIT_USAGE,
        }
    }
}

impl From<BundleError> for Failure {
    fn from(e: BundleError) -> Failure {
        Failure {
            code: if e.is_io() { EXIT_IO } else { EXIT_INVALID },
            lines: e.lines(),
        }
    }
}

type Outcome = Result<String, Failure>;

/// Runs the CLI with the process's arguments.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // --help and --version are "errors" to clap that print to stdout and exit 0.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    // Written with write_all, not print!: print! panics when stdout is a closed pipe
    // (`pavise render … | head`).
    use std::io::Write;
    match run(cli.command) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(out.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::from(EXIT_IO),
            }
        }
        Err(f) => {
            let mut stderr = std::io::stderr().lock();
            for line in &f.lines {
                let _ = writeln!(stderr, "{line}");
            }
            ExitCode::from(f.code)
        }
    }
}

fn run(command: Command) -> Outcome {
    match command {
        Command::Validate { files, filter } => validate(&files, filter.as_deref()),
        Command::Keygen { client, id, json } => {
            let minted = keygen::mint(&client, id.as_deref()).map_err(|e| match e {
                keygen::KeygenError::Random(e) => Failure {
                    lines: vec![e.to_string()],
                    code: EXIT_IO,
                },
                keygen::KeygenError::Policy(errors) => Failure {
                    lines: errors
                        .errors()
                        .iter()
                        .map(|e| format!("--client/--id: {e}"))
                        .collect(),
                    code: EXIT_USAGE,
                },
            })?;
            Ok(if json {
                minted.to_json()
            } else {
                minted.to_text()
            })
        }
        Command::Bundle(b) => run_bundle(b),
        Command::Render(r) => run_render(r),
        Command::Oci { bundle, out, input } => {
            let (b, modules) = load_with_modules(&bundle, &input)?;
            let mut lines = String::new();
            for (kind, _, _) in b.chain() {
                let Some(wasm) = modules.get(kind.name) else {
                    continue;
                };
                let image = oci::WasmImage::new(wasm);
                let name = istio::image_name(kind.name);
                let dir = out.join(&name);
                oci::write_layout(&dir, &image, &b.manifest.version)
                    .map_err(|e| Failure::io(&dir, e))?;
                lines.push_str(&format!(
                    "{} sha256:{} (oci:{}:{})\n",
                    name,
                    image.manifest_digest(),
                    dir.display(),
                    b.manifest.version
                ));
            }
            Ok(lines)
        }
    }
}

/// `pavise validate`: every file, every problem; fails if any file has one.
fn validate(files: &[PathBuf], forced: Option<&str>) -> Outcome {
    let forced: Option<PolicyKind> = match forced {
        Some(name) => Some(PolicyKind::named(name).ok_or_else(|| {
            Failure::usage(format!(
                "--filter {name}: unknown filter (known: {})",
                filters::known_policy_names()
            ))
        })?),
        None => None,
    };
    let mut ok = String::new();
    let mut failure = Failure {
        lines: Vec::new(),
        code: EXIT_INVALID,
    };
    // The valid policies by filter, for the checks across filters below.
    let mut valid: Vec<(&'static str, String, Vec<u8>)> = Vec::new();
    for file in files {
        let shown = file.display();
        let Some(kind) = forced.or_else(|| PolicyKind::of_file(file)) else {
            failure.lines.push(format!(
                "{shown}: cannot tell which filter this policy is for: name it <filter>.json or \
                 <filter>.<anything>.json, or pass --filter (known: {})",
                filters::known_policy_names()
            ));
            failure.code = failure.code.max(EXIT_USAGE);
            continue;
        };
        let text = match std::fs::read(file) {
            Ok(t) => t,
            Err(e) => {
                failure.lines.push(format!("{shown}: {e}"));
                failure.code = failure.code.max(EXIT_IO);
                continue;
            }
        };
        match kind.check(&text) {
            Ok(()) => {
                ok.push_str(&format!("{shown}: ok ({} policy)\n", kind.name()));
                valid.push((kind.name(), shown.to_string(), text));
            }
            Err(errors) => failure
                .lines
                .extend(errors.errors().iter().map(|e| format!("{shown}: {e}"))),
        }
    }
    // An audit policy given with an auth policy must not log auth's credential, as in a bundle.
    let policy_of = |name: &str| {
        valid
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, text)| text.as_slice())
    };
    if let Err(errors) = filters::check_chain(policy_of) {
        let audit_file = valid
            .iter()
            .find(|(n, _, _)| *n == "audit")
            .map(|(_, f, _)| f.clone())
            .unwrap_or_default();
        failure
            .lines
            .extend(errors.errors().iter().map(|e| format!("{audit_file}: {e}")));
    }
    if failure.lines.is_empty() {
        Ok(ok)
    } else {
        Err(failure)
    }
}

fn read_text(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| Failure::io(path, e))
}

fn sig_path(bundle: &Path) -> PathBuf {
    let mut s = bundle.as_os_str().to_owned();
    s.push(".sig");
    PathBuf::from(s)
}

/// Checks `<bundle>.sig` against the public key in `key`.
fn check_signature(bundle: &Path, key: &Path) -> Result<(), Failure> {
    if bundle.is_dir() {
        return Err(Failure::usage(format!(
            "{}: --key needs a built bundle (.tar.gz), not a directory",
            bundle.display()
        )));
    }
    let public = sign::public_key(&read_text(key)?)
        .map_err(|e| Failure::invalid(format!("{}: {e}", key.display())))?;
    let sig_file = sig_path(bundle);
    if !sig_file.exists() {
        // A missing signature is a failed check, not a broken file system.
        return Err(Failure::invalid(format!(
            "{}: no signature (expected {}; `pavise bundle sign` writes it)",
            bundle.display(),
            sig_file.display()
        )));
    }
    let sig = read_text(&sig_file)?;
    let bytes = bundle::read_limited(bundle)?;
    sign::verify(&bytes, &sig, &public).map_err(|e| match e {
        SignError::BadSignature => Failure::invalid(format!("{}: {e}", bundle.display())),
        other => Failure::invalid(format!("{}: {other}", sig_file.display())),
    })
}

/// Loads a bundle, checking its signature first when a key is given; without one, only after an
/// explicit `--no-verify`.
fn load(path: &Path, input: &Input) -> Result<Bundle, Failure> {
    match &input.key {
        Some(key) => check_signature(path, key)?,
        None if input.no_verify => {}
        None => {
            return Err(Failure::usage(format!(
                "{}: refusing an unverified bundle: pass --key PUBLIC_KEY to check its \
                 signature, or --no-verify",
                path.display()
            )))
        }
    }
    Ok(Bundle::load(path, &input.wasm_dir)?)
}

/// Loads a bundle and the `.wasm` files it pins.
fn load_with_modules(
    path: &Path,
    input: &Input,
) -> Result<(Bundle, std::collections::BTreeMap<String, Vec<u8>>), Failure> {
    let b = load(path, input)?;
    let modules = b.wasm_modules(&input.wasm_dir)?;
    Ok((b, modules))
}

fn run_bundle(command: BundleCommand) -> Outcome {
    match command {
        BundleCommand::Build { dir, out, wasm_dir } => {
            let b = Bundle::from_dir(&dir, &wasm_dir)?;
            let out = out.unwrap_or_else(|| {
                PathBuf::from(format!("{}-{}.tar.gz", b.manifest.name, b.manifest.version))
            });
            let bytes = b.to_tar_gz();
            std::fs::write(&out, &bytes).map_err(|e| Failure::io(&out, e))?;
            Ok(format!(
                "{}: {} {} ({} filters) sha256 {}\n",
                out.display(),
                b.manifest.name,
                b.manifest.version,
                b.manifest.filters.len(),
                bundle::sha256_hex(&bytes)
            ))
        }
        BundleCommand::Verify {
            bundle: path,
            key,
            check_wasm,
            wasm_dir,
        } => {
            if path.is_dir() {
                return Err(Failure::usage(format!(
                    "{}: verify takes a built bundle (.tar.gz)",
                    path.display()
                )));
            }
            let signed = key.is_some();
            let input = Input {
                wasm_dir,
                no_verify: !signed,
                key,
            };
            let b = load(&path, &input)?;
            if check_wasm {
                b.wasm_modules(&input.wasm_dir)?;
            }
            Ok(format!(
                "{}: ok: {} {} by {}; policies valid{}{}\n",
                path.display(),
                b.manifest.name,
                b.manifest.version,
                b.manifest.owner,
                if signed { "; signature valid" } else { "" },
                if check_wasm {
                    "; .wasm digests match"
                } else {
                    ""
                },
            ))
        }
        BundleCommand::Sign { bundle: path, key } => {
            let secret = sign::secret_key(&read_text(&key)?)
                .map_err(|e| Failure::invalid(format!("{}: {e}", key.display())))?;
            // Only a bundle that verifies is worth a signature.
            let bytes = bundle::read_limited(&path)?;
            Bundle::from_tar_gz(&bytes, &path.display().to_string())?;
            let sig_file = sig_path(&path);
            std::fs::write(&sig_file, sign::sign(&bytes, &secret))
                .map_err(|e| Failure::io(&sig_file, e))?;
            Ok(format!("{}: signed\n", sig_file.display()))
        }
        BundleCommand::Keygen { out } => {
            let (secret, public) = sign::generate().map_err(|e| Failure::invalid(e.to_string()))?;
            let mut secret_path = out.as_os_str().to_owned();
            secret_path.push(".key");
            let secret_path = PathBuf::from(secret_path);
            let mut public_path = out.as_os_str().to_owned();
            public_path.push(".pub");
            let public_path = PathBuf::from(public_path);
            write_secret(&secret_path, &secret)?;
            std::fs::write(&public_path, &public).map_err(|e| Failure::io(&public_path, e))?;
            Ok(format!(
                "{}: secret key (keep it; mode 0600)\n{}: public key (share it)\n",
                secret_path.display(),
                public_path.display()
            ))
        }
    }
}

/// Creates a file only its owner can read; refuses to overwrite one.
fn write_secret(path: &Path, text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(|e| Failure::io(path, e))?;
    f.write_all(text.as_bytes())
        .map_err(|e| Failure::io(path, e))
}

/// `NAME=IP:PORT` for `--cluster`.
fn parse_cluster(text: &str) -> Result<(String, SocketAddr), String> {
    let (name, addr) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=IP:PORT, got '{text}'"))?;
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(format!("'{name}' is not a cluster name ([A-Za-z0-9_-])"));
    }
    let addr = addr
        .parse()
        .map_err(|_| format!("'{addr}' is not IP:PORT"))?;
    Ok((name.to_string(), addr))
}

fn run_render(command: RenderCommand) -> Outcome {
    match command {
        RenderCommand::Envoy {
            bundle: path,
            input,
            runtime,
            native_module,
            listen,
            admin,
            upstream,
            wasm_url,
            xds_dir,
            allow_downgrade,
            audit_log,
            clusters,
        } => {
            let code = match &wasm_url {
                Some(url) => Some(
                    envoy::CodeUrl::parse(url)
                        .map_err(|e| Failure::usage(format!("--wasm-url {e}")))?
                        .ok_or_else(|| {
                            Failure::usage(format!("--wasm-url {url}: expected http(s)://…"))
                        })?,
                ),
                None => None,
            };
            if runtime == envoy::Runtime::Native && code.is_some() {
                return Err(Failure::usage(
                    "--wasm-url: the native module is a local file; use it with --runtime wasm",
                ));
            }
            // A running Envoy may have another working directory than this command.
            let as_envoy_sees = |p: &Path| -> Result<String, Failure> {
                Ok(match &xds_dir {
                    Some(_) => std::path::absolute(p)
                        .map_err(|e| Failure::io(p, e))?
                        .display()
                        .to_string(),
                    None => p.display().to_string(),
                })
            };
            // Remote modules are checked by Envoy; local ones here, before rendering. The
            // native module is not pinned by the bundle: it must be there to be loaded.
            let (b, modules) = match (runtime, &code) {
                (envoy::Runtime::Native, _) => {
                    std::fs::metadata(&native_module)
                        .map_err(|e| Failure::io(&native_module, e))?;
                    (
                        load(&path, &input)?,
                        envoy::Modules::Native(as_envoy_sees(&native_module)?),
                    )
                }
                (envoy::Runtime::Wasm, Some(c)) => {
                    (load(&path, &input)?, envoy::Modules::Wasm(c.base.clone()))
                }
                (envoy::Runtime::Wasm, None) => (
                    load_with_modules(&path, &input)?.0,
                    envoy::Modules::Wasm(as_envoy_sees(&input.wasm_dir)?),
                ),
            };
            let specs = envoy::bundle_filters(&b);
            let boot = envoy::bootstrap_for(
                &specs,
                &envoy::EnvoyOptions {
                    listener_port: listen,
                    admin_port: admin,
                    upstream,
                    modules,
                    audit_log,
                    clusters,
                },
            );
            let header = format!(
                "# Envoy config for bundle {} {} (owner: {}), rendered by `pavise render envoy`.\n",
                b.manifest.name, b.manifest.version, b.manifest.owner
            );
            match xds_dir {
                None => Ok(format!(
                    "{header}{}",
                    envoy::bootstrap_yaml_with(&boot, code.as_ref())
                )),
                Some(dir) => {
                    let abs = std::path::absolute(&dir).map_err(|e| Failure::io(&dir, e))?;
                    deployed::check_and_record(&abs, &b, allow_downgrade).map_err(|e| Failure {
                        code: match e {
                            deployed::DeployError::Io { .. } => EXIT_IO,
                            _ => EXIT_INVALID,
                        },
                        lines: vec![format!("{}: {e}", abs.display())],
                    })?;
                    let version = b.fingerprint();
                    XdsFiles::with_code(&boot, &abs, &version, code.as_ref())
                        .write(&abs)
                        .map_err(|e| Failure::io(&abs, e))?;
                    Ok(format!(
                        "{}: policies and listener {version} written (an Envoy started with -c {} picks them up live)\n",
                        abs.display(),
                        abs.join(envoy::XDS_BOOTSTRAP).display()
                    ))
                }
            }
        }
        RenderCommand::Istio {
            bundle: path,
            input,
            registry,
            wasm_url,
            namespace,
            selector,
            traffic,
            otlp_service,
        } => {
            let source = match (registry, wasm_url) {
                (Some(r), _) => istio::ModuleSource::Registry(r),
                (None, Some(u)) => {
                    if !(u.starts_with("http://") || u.starts_with("https://")) {
                        return Err(Failure::usage(format!(
                            "--wasm-url {u}: expected http(s)://…"
                        )));
                    }
                    istio::ModuleSource::Url(u)
                }
                (None, None) => return Err(Failure::usage("give --registry or --wasm-url")),
            };
            let mut match_labels = Vec::new();
            for s in &selector {
                let (k, v) = s
                    .split_once('=')
                    .ok_or_else(|| Failure::usage(format!("--selector {s}: expected KEY=VALUE")))?;
                match_labels.push((k.to_string(), v.to_string()));
            }
            let (b, modules) = load_with_modules(&path, &input)?;
            let opts = IstioOptions {
                source,
                namespace,
                match_labels,
                mode: traffic,
                otlp_service,
            };
            let plugins = istio::wasm_plugins(&b, &modules, &opts)
                .map_err(|e| Failure::usage(e.to_string()))?;
            Ok(istio::to_yaml_stream(&b, &plugins))
        }
        RenderCommand::IstioStats { name, namespace } => {
            Ok(crate::render::stats::istio_configmap(&name, &namespace))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every subcommand says what it does, and every argument and option what it means, so
    /// `--help` at every level describes everything it lists.
    #[test]
    fn every_command_and_option_is_described() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            if cmd.get_about().is_none() {
                missing.push(format!("{path}: no description"));
            }
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                if arg
                    .get_help()
                    .is_none_or(|h| h.to_string().trim().is_empty())
                {
                    missing.push(format!("{path} {id}: no help text"));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "pavise", &mut missing);
        assert!(missing.is_empty(), "{missing:#?}");
    }
}
