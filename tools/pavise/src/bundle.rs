//! Policy bundles: what one team hands another.
//!
//! A bundle is one `.tar.gz` holding `bundle.json` (the manifest: name, version, owner, and per
//! filter the policy file, its SHA-256 and the SHA-256 of the `.wasm` it was tested with) and
//! the policy files under `policies/`. The archive is deterministic (sorted entries, zero
//! timestamps and owners, gzip without a timestamp), so the same inputs give the same bytes and
//! the same signature.
//!
//! A bundle is built from a directory holding a source `bundle.json` (name, version, owner, and
//! optionally `filters`: filter name → policy file); without `filters`, every `<filter>.json`
//! or `<filter>.*.json` in the directory is taken. Building validates every policy with the
//! filter's own parser; loading a bundle validates again and checks every digest.

use crate::filters::{self, FilterKind, PolicyKind};
use pavise_core::policy::PolicyErrors;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The manifest's name inside the archive and in a source directory.
pub const MANIFEST: &str = "bundle.json";

/// The manifest format this build writes and reads.
pub const FORMAT: u32 = 1;

/// Largest bundle accepted, compressed or not: policies are small, a huge file is a mistake.
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// The version of a bundle made of one policy file: it has none of its own, and ranks below any
/// released version, so it never replaces a versioned bundle in an xDS directory unasked.
pub const POLICY_FILE_VERSION: &str = "0.0.0-policy-file";

/// The manifest of a built bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Manifest format, [`FORMAT`].
    pub pavise_bundle: u32,
    /// Lowercase letters, digits and `-` (it names Kubernetes objects).
    pub name: String,
    /// Used as the OCI image tag.
    pub version: String,
    /// The team that owns the policies.
    pub owner: String,
    /// One entry per filter.
    pub filters: BTreeMap<String, FilterEntry>,
}

/// One filter's part of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterEntry {
    /// The policy's path inside the archive.
    pub policy: String,
    /// SHA-256 of the policy file, hex.
    pub policy_sha256: String,
    /// SHA-256 of the `.wasm` the policy was tested with, hex (empty only in a bundle made from
    /// a source directory to render for the native module, never written out).
    pub wasm_sha256: String,
}

/// The manifest in a source directory.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceManifest {
    name: String,
    version: String,
    owner: String,
    /// Filter name → policy file relative to the directory. Omitted: found by file name.
    #[serde(default)]
    filters: Option<BTreeMap<String, String>>,
}

/// Why a bundle could not be built, read or trusted. Each names the file it is about.
#[derive(Debug)]
pub enum BundleError {
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A policy the filter's parser refuses.
    Policy { file: String, errors: PolicyErrors },
    /// The manifest is malformed or contradicts the files.
    Manifest { file: String, reason: String },
    /// A `.wasm` on disk is not the one the bundle was tested with.
    WasmMismatch {
        file: PathBuf,
        expected: String,
        actual: String,
    },
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BundleError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            BundleError::Policy { file, errors } => write!(f, "{file}: {errors}"),
            BundleError::Manifest { file, reason } => write!(f, "{file}: {reason}"),
            BundleError::WasmMismatch {
                file,
                expected,
                actual,
            } => write!(
                f,
                "{}: sha256 {actual} is not the {expected} the bundle was tested with",
                file.display()
            ),
        }
    }
}

impl std::error::Error for BundleError {}

impl BundleError {
    /// One line per problem (a policy error lists each of its problems).
    pub fn lines(&self) -> Vec<String> {
        match self {
            BundleError::Policy { file, errors } => errors
                .errors()
                .iter()
                .map(|e| format!("{file}: {e}"))
                .collect(),
            other => vec![other.to_string()],
        }
    }

    /// Whether the inputs were unreadable (as opposed to read and found wrong).
    pub fn is_io(&self) -> bool {
        matches!(self, BundleError::Io { .. })
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> BundleError + '_ {
    move |error| BundleError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A bundle in memory: the manifest and each filter's policy text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    pub manifest: Manifest,
    /// Filter name → policy bytes.
    pub policies: BTreeMap<String, Vec<u8>>,
}

fn manifest_err(file: &str, reason: impl Into<String>) -> BundleError {
    BundleError::Manifest {
        file: file.to_string(),
        reason: reason.into(),
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// An OCI tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn is_tag(s: &str) -> bool {
    let mut b = s.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphanumeric() || c == b'_')
        && s.len() <= 128
        && b.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn check_identity(file: &str, name: &str, version: &str, owner: &str) -> Result<(), BundleError> {
    if !is_name(name) {
        return Err(manifest_err(
            file,
            "$.name: expected 1-63 lowercase letters, digits and '-'",
        ));
    }
    if !is_tag(version) {
        return Err(manifest_err(
            file,
            "$.version: expected an OCI tag such as 1.4.0 ([A-Za-z0-9_][A-Za-z0-9_.-]*)",
        ));
    }
    if owner.trim().is_empty() {
        return Err(manifest_err(file, "$.owner: must name the owning team"));
    }
    Ok(())
}

/// The policies of a bundle checked together ([`filters::check_chain`]); an error is the
/// audit policy's, in the file `file_of("audit")`.
fn check_chain(
    policies: &BTreeMap<String, Vec<u8>>,
    file_of: impl Fn(&str) -> String,
) -> Result<(), BundleError> {
    filters::check_chain(|name| policies.get(name).map(Vec::as_slice)).map_err(|errors| {
        BundleError::Policy {
            file: file_of("audit"),
            errors,
        }
    })
}

fn policy_named(file: &str, name: &str) -> Result<PolicyKind, BundleError> {
    PolicyKind::named(name).ok_or_else(|| {
        manifest_err(
            file,
            format!(
                "$.filters.{name}: unknown filter (known: {})",
                filters::known_policy_names()
            ),
        )
    })
}

/// The policy files of a source directory: filter → path.
fn source_policies(
    dir: &Path,
    source: &SourceManifest,
) -> Result<BTreeMap<String, PathBuf>, BundleError> {
    let manifest_path = dir.join(MANIFEST).display().to_string();
    let mut out = BTreeMap::new();
    if let Some(listed) = &source.filters {
        for (name, file) in listed {
            policy_named(&manifest_path, name)?;
            out.insert(name.clone(), dir.join(file));
        }
        return Ok(out);
    }
    let entries = std::fs::read_dir(dir).map_err(io_err(dir))?;
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        paths.push(entry.map_err(io_err(dir))?.path());
    }
    paths.sort();
    for path in paths {
        let Some(kind) = PolicyKind::of_file(&path) else {
            continue;
        };
        if let Some(previous) = out.insert(kind.name().to_string(), path.clone()) {
            return Err(manifest_err(
                &manifest_path,
                format!(
                    "both {} and {} are {} policies; list the one to use in \"filters\"",
                    previous.display(),
                    path.display(),
                    kind.name()
                ),
            ));
        }
    }
    if out.is_empty() {
        return Err(manifest_err(
            &manifest_path,
            format!(
                "no policy found: expected <filter>.json files (filters: {})",
                filters::known_names()
            ),
        ));
    }
    Ok(out)
}

impl Bundle {
    /// Builds a bundle from a source directory, recording the digests of the `.wasm` files in
    /// `wasm_dir`.
    pub fn from_dir(dir: &Path, wasm_dir: &Path) -> Result<Bundle, BundleError> {
        Bundle::from_dir_pinning(dir, Some(wasm_dir))
    }

    /// [`Bundle::from_dir`], with the `.wasm` digests left empty when `wasm_dir` is `None`:
    /// for rendering the native module, which loads no `.wasm` (such a bundle is never written).
    fn from_dir_pinning(dir: &Path, wasm_dir: Option<&Path>) -> Result<Bundle, BundleError> {
        let manifest_path = dir.join(MANIFEST);
        let manifest_name = manifest_path.display().to_string();
        let text = std::fs::read(&manifest_path).map_err(io_err(&manifest_path))?;
        let source: SourceManifest = serde_json::from_slice(pavise_core::policy::strip_bom(&text))
            .map_err(|e| manifest_err(&manifest_name, e.to_string()))?;
        check_identity(&manifest_name, &source.name, &source.version, &source.owner)?;
        let mut files = Vec::new();
        for (name, path) in source_policies(dir, &source)? {
            files.push((policy_named(&manifest_name, &name)?, path));
        }
        let identity = (source.name, source.version, source.owner);
        Bundle::assemble(identity, &manifest_name, files, wasm_dir)
    }

    /// A bundle of one policy file (a filter's policy or the combined policy, told by its name
    /// as for `pavise validate`), to render it without writing a bundle: named after the file,
    /// version [`POLICY_FILE_VERSION`], owner `local`.
    pub fn from_policy_file(path: &Path, wasm_dir: &Path) -> Result<Bundle, BundleError> {
        Bundle::from_policy_file_pinning(path, Some(wasm_dir))
    }

    /// [`Bundle::from_policy_file`], with the `.wasm` digests left empty when `wasm_dir` is
    /// `None` (as [`Bundle::from_dir_pinning`]).
    fn from_policy_file_pinning(
        path: &Path,
        wasm_dir: Option<&Path>,
    ) -> Result<Bundle, BundleError> {
        let shown = path.display().to_string();
        let kind = PolicyKind::of_file(path).ok_or_else(|| {
            manifest_err(
                &shown,
                format!(
                    "cannot tell which filter this policy is for: name it <filter>.json or \
                     <filter>.<anything>.json (known: {})",
                    filters::known_policy_names()
                ),
            )
        })?;
        let stem = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".json"))
            .unwrap_or(kind.name());
        let name: String = stem
            .chars()
            .map(|c| match c.to_ascii_lowercase() {
                c @ ('a'..='z' | '0'..='9') => c,
                _ => '-',
            })
            .take(63)
            .collect();
        let name = name.trim_matches('-').to_string();
        let identity = (name, POLICY_FILE_VERSION.to_string(), "local".to_string());
        Bundle::assemble(identity, &shown, vec![(kind, path.to_path_buf())], wasm_dir)
    }

    /// Reads and checks each policy file (a combined one yields its members), records the
    /// digests of their `.wasm` files in `wasm_dir` (none without one), and makes the bundle.
    fn assemble(
        (name, version, owner): (String, String, String),
        manifest_name: &str,
        files: Vec<(PolicyKind, PathBuf)>,
        wasm_dir: Option<&Path>,
    ) -> Result<Bundle, BundleError> {
        check_identity(manifest_name, &name, &version, &owner)?;
        // Each filter's policy, from its own file or as a member of a combined policy.
        let mut members: Vec<(&'static FilterKind, Vec<u8>, PathBuf)> = Vec::new();
        for (kind, path) in files {
            let policy = std::fs::read(&path).map_err(io_err(&path))?;
            let invalid = |errors| BundleError::Policy {
                file: path.display().to_string(),
                errors,
            };
            match kind {
                PolicyKind::Filter(kind) => {
                    (kind.check)(&policy).map_err(invalid)?;
                    members.push((kind, policy, path));
                }
                PolicyKind::Combined => {
                    for (kind, text) in filters::combined_members(&policy).map_err(invalid)? {
                        members.push((kind, text, path.clone()));
                    }
                }
            }
        }
        let mut filters_out = BTreeMap::new();
        let mut policies = BTreeMap::new();
        let mut paths: BTreeMap<String, PathBuf> = BTreeMap::new();
        for (kind, policy, path) in members {
            let name = kind.name.to_string();
            if policies.contains_key(&name) {
                return Err(manifest_err(
                    manifest_name,
                    format!(
                        "two {name} policies (one in {}); keep one, or list the one to use in \
                         \"filters\"",
                        path.display()
                    ),
                ));
            }
            let wasm_sha256 = match wasm_dir {
                Some(dir) => {
                    let wasm_path = dir.join(kind.wasm_file());
                    sha256_hex(&std::fs::read(&wasm_path).map_err(io_err(&wasm_path))?)
                }
                None => String::new(),
            };
            filters_out.insert(
                name.clone(),
                FilterEntry {
                    policy: format!("policies/{name}.json"),
                    policy_sha256: sha256_hex(&policy),
                    wasm_sha256,
                },
            );
            paths.insert(name.clone(), path);
            policies.insert(name, policy);
        }
        check_chain(&policies, |name| {
            paths
                .get(name)
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        })?;
        Ok(Bundle {
            manifest: Manifest {
                pavise_bundle: FORMAT,
                name,
                version,
                owner,
                filters: filters_out,
            },
            policies,
        })
    }

    /// `<name>-<version>-<first 12 hex of the archive's digest>`: names this exact content, e.g.
    /// as an xDS `version_info`.
    pub fn fingerprint(&self) -> String {
        let digest = sha256_hex(&self.to_tar_gz());
        format!(
            "{}-{}-{}",
            self.manifest.name,
            self.manifest.version,
            digest.get(..12).unwrap_or_default()
        )
    }

    /// The manifest as written into the archive.
    pub fn manifest_json(&self) -> Vec<u8> {
        let mut text = serde_json::to_vec_pretty(&self.manifest).unwrap_or_default();
        text.push(b'\n');
        text
    }

    /// The deterministic `.tar.gz`.
    pub fn to_tar_gz(&self) -> Vec<u8> {
        let mut files: Vec<(String, Vec<u8>)> = vec![(MANIFEST.to_string(), self.manifest_json())];
        for (name, entry) in &self.manifest.filters {
            if let Some(p) = self.policies.get(name) {
                files.push((entry.policy.clone(), p.clone()));
            }
        }
        deterministic_tar_gz(&files)
    }

    /// Reads and checks a `.tar.gz`: the manifest, that every policy file is there with the
    /// recorded digest and passes its filter's parser, and that nothing else is in it.
    pub fn from_tar_gz(bytes: &[u8], file: &str) -> Result<Bundle, BundleError> {
        let mut files = read_tar_gz(bytes).map_err(|reason| manifest_err(file, reason))?;
        let manifest_bytes = files
            .remove(MANIFEST)
            .ok_or_else(|| manifest_err(file, format!("no {MANIFEST} in the bundle")))?;
        let at = format!("{file}:{MANIFEST}");
        let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
            .map_err(|e| manifest_err(&at, e.to_string()))?;
        if manifest.pavise_bundle != FORMAT {
            return Err(manifest_err(
                &at,
                format!(
                    "$.pavise_bundle: format {} is not supported (this pavise reads {FORMAT})",
                    manifest.pavise_bundle
                ),
            ));
        }
        check_identity(&at, &manifest.name, &manifest.version, &manifest.owner)?;
        let mut policies = BTreeMap::new();
        for (name, entry) in &manifest.filters {
            // A built bundle holds each filter's own policy (a combined one was split at build).
            let kind = filters::find(name).ok_or_else(|| {
                manifest_err(
                    &at,
                    format!(
                        "$.filters.{name}: unknown filter (known: {})",
                        filters::known_names()
                    ),
                )
            })?;
            let here = format!("$.filters.{name}");
            if !is_hex64(&entry.wasm_sha256) || !is_hex64(&entry.policy_sha256) {
                return Err(manifest_err(
                    &at,
                    format!("{here}: digests must be 64 lowercase hex characters"),
                ));
            }
            let policy = files.remove(&entry.policy).ok_or_else(|| {
                manifest_err(&at, format!("{here}.policy: {} is missing", entry.policy))
            })?;
            let actual = sha256_hex(&policy);
            if actual != entry.policy_sha256 {
                return Err(manifest_err(
                    &format!("{file}:{}", entry.policy),
                    format!(
                        "sha256 {actual} does not match the manifest's {}: the file was changed",
                        entry.policy_sha256
                    ),
                ));
            }
            (kind.check)(&policy).map_err(|errors| BundleError::Policy {
                file: format!("{file}:{}", entry.policy),
                errors,
            })?;
            policies.insert(name.clone(), policy);
        }
        check_chain(&policies, |name| {
            let entry = manifest.filters.get(name).map(|e| e.policy.as_str());
            format!("{file}:{}", entry.unwrap_or_default())
        })?;
        if let Some(extra) = files.keys().next() {
            return Err(manifest_err(
                file,
                format!("{extra} is not listed in the manifest"),
            ));
        }
        Ok(Bundle { manifest, policies })
    }

    /// A bundle from a `.tar.gz` file, built from a source directory, or made of one policy
    /// file (`*.json`).
    pub fn load(path: &Path, wasm_dir: &Path) -> Result<Bundle, BundleError> {
        Bundle::load_pinning(path, Some(wasm_dir))
    }

    /// [`Bundle::load`] for the native module: a source directory or policy file needs no
    /// `.wasm` files (their digests stay empty); an archive keeps the digests it carries.
    pub fn load_for_native(path: &Path) -> Result<Bundle, BundleError> {
        Bundle::load_pinning(path, None)
    }

    fn load_pinning(path: &Path, wasm_dir: Option<&Path>) -> Result<Bundle, BundleError> {
        if path.is_dir() {
            return Bundle::from_dir_pinning(path, wasm_dir);
        }
        if path.extension().is_some_and(|e| e == "json") {
            return Bundle::from_policy_file_pinning(path, wasm_dir);
        }
        let bytes = read_limited(path)?;
        Bundle::from_tar_gz(&bytes, &path.display().to_string())
    }

    /// The filters in chain order, with their policy text and manifest entry.
    pub fn chain(&self) -> Vec<(&'static FilterKind, &[u8], &FilterEntry)> {
        filters::FILTERS
            .iter()
            .filter_map(|kind| {
                let entry = self.manifest.filters.get(kind.name)?;
                let policy = self.policies.get(kind.name)?;
                Some((kind, policy.as_slice(), entry))
            })
            .collect()
    }

    /// Reads each filter's `.wasm` from `wasm_dir`, refusing any whose digest is not the
    /// manifest's.
    pub fn wasm_modules(&self, wasm_dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, BundleError> {
        let mut out = BTreeMap::new();
        for (kind, _, entry) in self.chain() {
            let path = wasm_dir.join(kind.wasm_file());
            let bytes = std::fs::read(&path).map_err(io_err(&path))?;
            let actual = sha256_hex(&bytes);
            if actual != entry.wasm_sha256 {
                return Err(BundleError::WasmMismatch {
                    file: path,
                    expected: entry.wasm_sha256.clone(),
                    actual,
                });
            }
            out.insert(kind.name.to_string(), bytes);
        }
        Ok(out)
    }
}

/// Reads a file of at most [`MAX_BYTES`].
pub fn read_limited(path: &Path) -> Result<Vec<u8>, BundleError> {
    let file = std::fs::File::open(path).map_err(io_err(path))?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err(path))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(manifest_err(
            &path.display().to_string(),
            format!("larger than {MAX_BYTES} bytes"),
        ));
    }
    Ok(bytes)
}

/// A gzip'd [`deterministic_tar`] with a gzip header without timestamp.
pub fn deterministic_tar_gz(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    gzip(&deterministic_tar(files))
}

/// A tar of regular files, byte-for-byte reproducible: entries in the given order, mode 0644,
/// owner 0:0, mtime 0, no user names.
pub fn deterministic_tar(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (path, data) in files {
        let mut header = tar::Header::new_ustar();
        // Paths come from the manifest writer: short, relative, ASCII.
        if header.set_path(path).is_err() {
            continue;
        }
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        let _ = tar.append(&header, data.as_slice());
    }
    tar.into_inner().unwrap_or_default()
}

/// Gzip with a fixed header (no name, mtime 0) so equal input gives equal output.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    if enc.write_all(bytes).is_err() {
        return Vec::new();
    }
    enc.finish().unwrap_or_default()
}

/// The regular files of a `.tar.gz`, by path. Anything but plain relative paths of regular
/// files, or more than [`MAX_BYTES`] unpacked, is refused.
pub fn read_tar_gz(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let gz = flate2::read::GzDecoder::new(bytes).take(MAX_BYTES + 1);
    let mut archive = tar::Archive::new(gz);
    let mut files = BTreeMap::new();
    let entries = archive
        .entries()
        .map_err(|e| format!("not a .tar.gz: {e}"))?;
    let mut total: u64 = 0;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("not a .tar.gz: {e}"))?;
        let path = entry
            .path()
            .map_err(|e| format!("bad path in archive: {e}"))?
            .to_string_lossy()
            // `tar -C dir .` writes `./name`.
            .trim_start_matches("./")
            .to_string();
        // Directory entries (from a hand-made tar) carry nothing; anything else is refused.
        if entry.header().entry_type() == tar::EntryType::Directory {
            continue;
        }
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Err(format!("{path}: only regular files may be in a bundle"));
        }
        if path.starts_with('/')
            || path
                .split('/')
                .any(|s| s == ".." || s == "." || s.is_empty())
        {
            return Err(format!("{path}: not a plain relative path"));
        }
        let mut data = Vec::new();
        entry
            .read_to_end(&mut data)
            .map_err(|e| format!("{path}: {e}"))?;
        total += data.len() as u64;
        if total > MAX_BYTES {
            return Err(format!("unpacks to more than {MAX_BYTES} bytes"));
        }
        if files.insert(path.clone(), data).is_some() {
            return Err(format!("{path} is in the archive twice"));
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wasm_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pavise-bundle-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("pavise_auth.wasm"), b"\0asm\x01\0\0\0").unwrap();
        d
    }

    fn source(tag: &str) -> PathBuf {
        let d = wasm_dir(tag).join("src");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join(MANIFEST),
            r#"{"name":"payments","version":"1.2.0","owner":"team-payments"}"#,
        )
        .unwrap();
        let example =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/auth.example.json");
        std::fs::copy(example, d.join("auth.json")).unwrap();
        d
    }

    #[test]
    fn build_is_deterministic_and_reads_back() {
        let src = source("det");
        let wasm = src.parent().unwrap().to_path_buf();
        let a = Bundle::from_dir(&src, &wasm).unwrap();
        let b = Bundle::from_dir(&src, &wasm).unwrap();
        assert_eq!(a.to_tar_gz(), b.to_tar_gz());
        let back = Bundle::from_tar_gz(&a.to_tar_gz(), "b.tar.gz").unwrap();
        assert_eq!(back, a);
        let entry = &back.manifest.filters["auth"];
        assert_eq!(entry.wasm_sha256, sha256_hex(b"\0asm\x01\0\0\0"));
        assert_eq!(entry.policy, "policies/auth.json");
        assert!(back.wasm_modules(&wasm).is_ok());
    }

    #[test]
    fn changed_policy_inside_the_archive_is_detected() {
        let src = source("tamper");
        let b = Bundle::from_dir(&src, src.parent().unwrap()).unwrap();
        let mut files = read_tar_gz(&b.to_tar_gz()).unwrap();
        let p = files.get_mut("policies/auth.json").unwrap();
        *p = String::from_utf8(p.clone())
            .unwrap()
            .replace("\"/healthz\"", "\"/\"")
            .into_bytes();
        let files: Vec<(String, Vec<u8>)> = files.into_iter().collect();
        let e = Bundle::from_tar_gz(&deterministic_tar_gz(&files), "b.tar.gz").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("b.tar.gz:policies/auth.json: sha256 "),
            "{e}"
        );
    }

    #[test]
    fn extra_file_and_unknown_filter_are_refused() {
        let src = source("extra");
        let b = Bundle::from_dir(&src, src.parent().unwrap()).unwrap();
        let mut files: Vec<(String, Vec<u8>)> =
            read_tar_gz(&b.to_tar_gz()).unwrap().into_iter().collect();
        files.push(("notes.txt".into(), b"hi".to_vec()));
        let e = Bundle::from_tar_gz(&deterministic_tar_gz(&files), "b").unwrap_err();
        assert_eq!(e.to_string(), "b: notes.txt is not listed in the manifest");

        std::fs::write(
            src.join(MANIFEST),
            r#"{"name":"p","version":"1","owner":"t","filters":{"nope":"auth.json"}}"#,
        )
        .unwrap();
        let e = Bundle::from_dir(&src, src.parent().unwrap()).unwrap_err();
        assert!(
            e.to_string().contains("$.filters.nope: unknown filter"),
            "{e}"
        );
    }

    #[test]
    fn invalid_policy_is_refused_at_build_with_its_path() {
        let src = source("bad");
        std::fs::write(
            src.join("auth.json"),
            r#"{"keys":[{"id":"a","client":"c","sha256":"x"}],"colour":1}"#,
        )
        .unwrap();
        let e = Bundle::from_dir(&src, src.parent().unwrap()).unwrap_err();
        let lines = e.lines();
        assert_eq!(lines.len(), 1);
        assert!(lines[0].ends_with("auth.json: $.colour: unknown field `colour`, expected one of `credentials`, `keys`, `routes`, `routing`, `identity_header`, `realm`"), "{lines:?}");
    }

    #[test]
    fn wasm_that_differs_from_the_tested_one_is_refused() {
        let src = source("wasm");
        let wasm = src.parent().unwrap().to_path_buf();
        let b = Bundle::from_dir(&src, &wasm).unwrap();
        std::fs::write(wasm.join("pavise_auth.wasm"), b"\0asm\x01\0\0\0\0").unwrap();
        let e = b.wasm_modules(&wasm).unwrap_err();
        assert!(matches!(e, BundleError::WasmMismatch { .. }), "{e}");
    }

    #[test]
    fn bad_identity_is_refused() {
        let src = source("ident");
        std::fs::write(
            src.join(MANIFEST),
            r#"{"name":"Payments Team","version":"1","owner":"t"}"#,
        )
        .unwrap();
        let e = Bundle::from_dir(&src, src.parent().unwrap()).unwrap_err();
        assert!(e.to_string().contains("$.name: expected"), "{e}");
    }

    /// `bundle build` (and every command that loads a source directory) refuses a bundle
    /// whose audit policy would log the key auth reads from a query parameter.
    #[test]
    fn audit_that_would_log_auths_key_is_refused() {
        let src = source("keylog");
        std::fs::write(
            src.parent().unwrap().join("pavise_audit.wasm"),
            b"\0asm\x01\0\0\0",
        )
        .unwrap();
        let auth = std::fs::read_to_string(src.join("auth.json")).unwrap();
        let auth: serde_json::Value = serde_json::from_str(&auth).unwrap();
        let mut auth = auth;
        auth["credentials"]["query_param"] = "access".into();
        std::fs::write(src.join("auth.json"), auth.to_string()).unwrap();
        std::fs::write(
            src.join("audit.json"),
            r#"{"redact": {"query_params": ["account"]}}"#,
        )
        .unwrap();
        let e = Bundle::from_dir(&src, src.parent().unwrap()).unwrap_err();
        let lines = e.lines();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].ends_with(
                "audit.json: $.redact.query_params: the auth policy reads keys from query \
                 parameter 'access'; list it here so no key reaches the audit log"
            ),
            "{lines:?}"
        );
        std::fs::write(
            src.join("audit.json"),
            r#"{"redact": {"query_params": ["access"]}}"#,
        )
        .unwrap();
        let b = Bundle::from_dir(&src, src.parent().unwrap()).unwrap();
        // A tampered archive is checked the same way when it is read.
        let mut files: Vec<(String, Vec<u8>)> =
            read_tar_gz(&b.to_tar_gz()).unwrap().into_iter().collect();
        let blind = br#"{"redact": {}}"#.to_vec();
        let mut manifest = b.manifest.clone();
        if let Some(entry) = manifest.filters.get_mut("audit") {
            entry.policy_sha256 = sha256_hex(&blind);
        }
        for (name, bytes) in files.iter_mut() {
            if name == "policies/audit.json" {
                *bytes = blind.clone();
            } else if name == MANIFEST {
                *bytes = serde_json::to_vec(&manifest).unwrap();
            }
        }
        let e = Bundle::from_tar_gz(&deterministic_tar_gz(&files), "b.tar.gz").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("b.tar.gz:policies/audit.json: $.redact.query_params: "),
            "{e}"
        );
    }
}
