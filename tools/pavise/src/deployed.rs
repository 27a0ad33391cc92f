//! What an xDS directory serves, and the rule that keeps an older bundle from replacing it.
//!
//! `pavise render envoy --xds-dir DIR` records the bundle it renders in `DIR/deployed.json`
//! (name, version, fingerprint) before it writes the config. The next render compares: a bundle
//! of another name, or an older version of the same one, is refused (a signed old bundle is
//! still signed: replaying it would bring back revoked keys) unless `--allow-downgrade` says
//! the operator means it. The same or a newer version is accepted.
//!
//! Versions compare semver-like ([`compare_versions`]): an optional leading `v`, then
//! dot-separated parts compared numerically when both are digits (`1.10.0` > `1.9.3`), a
//! missing part counting as `0` (`1.2` = `1.2.0`); a pre-release after the first `-` ranks
//! below its release (`2.0.0-rc.1` < `2.0.0`) and pre-releases compare part by part the same
//! way, a numeric part below a named one.

use crate::bundle::Bundle;
use crate::render::envoy::write_atomically;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::path::{Path, PathBuf};

/// The record's file name inside an xDS directory.
pub const DEPLOYED_FILE: &str = "deployed.json";

/// The bundle an xDS directory was last rendered from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployed {
    pub name: String,
    pub version: String,
    /// [`Bundle::fingerprint`]: this exact content.
    pub fingerprint: String,
}

/// Why a render into an xDS directory was refused.
#[derive(Debug)]
pub enum DeployError {
    /// The bundle is older than, or another bundle than, the one deployed.
    Downgrade {
        deployed: Box<Deployed>,
        new: Box<Deployed>,
    },
    /// The record exists but cannot be read as one.
    BadRecord { path: PathBuf, reason: String },
    /// The record could not be read or written.
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl std::fmt::Display for DeployError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeployError::Downgrade { deployed, new } if deployed.name != new.name => write!(
                f,
                "serves bundle {} {}; refusing to replace it with another bundle, {} {} \
                 (--allow-downgrade replaces it anyway)",
                deployed.name, deployed.version, new.name, new.version
            ),
            DeployError::Downgrade { deployed, new } => write!(
                f,
                "serves {} {}; refusing to roll back to the older {} \
                 (--allow-downgrade rolls back anyway)",
                deployed.name, deployed.version, new.version
            ),
            DeployError::BadRecord { path, reason } => write!(
                f,
                "{}: not a deployment record ({reason}); remove it, or pass --allow-downgrade \
                 to overwrite it",
                path.display()
            ),
            DeployError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl Deployed {
    pub fn of(bundle: &Bundle) -> Deployed {
        Deployed {
            name: bundle.manifest.name.clone(),
            version: bundle.manifest.version.clone(),
            fingerprint: bundle.fingerprint(),
        }
    }

    /// The record in `dir`, if there is one.
    pub fn read(dir: &Path) -> Result<Option<Deployed>, DeployError> {
        let path = dir.join(DEPLOYED_FILE);
        let text = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(DeployError::Io { path, error }),
        };
        serde_json::from_slice(&text)
            .map(Some)
            .map_err(|e| DeployError::BadRecord {
                path,
                reason: e.to_string(),
            })
    }

    fn write(&self, dir: &Path) -> Result<(), DeployError> {
        let path = dir.join(DEPLOYED_FILE);
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        std::fs::create_dir_all(dir)
            .and_then(|()| write_atomically(&path, &text))
            .map_err(|error| DeployError::Io { path, error })
    }
}

/// Refuses `bundle` if `dir` serves another bundle or a newer version (unless
/// `allow_downgrade`), then records it as deployed. Called before the config is written, so a
/// refused render writes nothing.
pub fn check_and_record(
    dir: &Path,
    bundle: &Bundle,
    allow_downgrade: bool,
) -> Result<(), DeployError> {
    let new = Deployed::of(bundle);
    if !allow_downgrade {
        if let Some(deployed) = Deployed::read(dir)? {
            let older = compare_versions(&new.version, &deployed.version) == Ordering::Less;
            if deployed.name != new.name || older {
                return Err(DeployError::Downgrade {
                    deployed: Box::new(deployed),
                    new: Box::new(new),
                });
            }
        }
    }
    new.write(dir)
}

/// Orders two bundle versions (see the module documentation).
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let (a_release, a_pre) = split_version(a);
    let (b_release, b_pre) = split_version(b);
    compare_parts(a_release, b_release, true).then_with(|| match (a_pre, b_pre) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => compare_parts(x, y, false),
    })
}

/// Release and pre-release (after the first `-`), without a leading `v`.
fn split_version(v: &str) -> (&str, Option<&str>) {
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    match v.split_once('-') {
        Some((release, pre)) => (release, Some(pre)),
        None => (v, None),
    }
}

/// Dot-separated parts, in order. In a release a missing part is `0`; in a pre-release the
/// shorter list ranks lower.
fn compare_parts(a: &str, b: &str, missing_is_zero: bool) -> Ordering {
    let mut a = a.split('.');
    let mut b = b.split('.');
    loop {
        let order = match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (Some(x), Some(y)) => compare_part(x, y),
            (Some(x), None) if missing_is_zero => compare_part(x, "0"),
            (None, Some(y)) if missing_is_zero => compare_part("0", y),
            (Some(_), None) => Ordering::Greater,
            (None, Some(_)) => Ordering::Less,
        };
        if order != Ordering::Equal {
            return order;
        }
    }
}

/// Digits compare as numbers (of any length); digits rank below other text; text compares by
/// bytes.
fn compare_part(a: &str, b: &str) -> Ordering {
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    match (numeric(a), numeric(b)) {
        (true, true) => {
            let a = a.trim_start_matches('0');
            let b = b.trim_start_matches('0');
            a.len().cmp(&b.len()).then_with(|| a.cmp(b))
        }
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_like_semver() {
        let ascending = [
            "0.1.0",
            "0.2.0",
            "0.10.0",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.9.3",
            "1.10.0",
            "2",
            "10.0.0",
        ];
        for (i, a) in ascending.iter().enumerate() {
            for (j, b) in ascending.iter().enumerate() {
                assert_eq!(compare_versions(a, b), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn equal_spellings_are_equal() {
        assert_eq!(compare_versions("1.2", "1.2.0"), Ordering::Equal);
        assert_eq!(compare_versions("v1.2.0", "1.2.0"), Ordering::Equal);
        assert_eq!(compare_versions("1.02.0", "1.2.0"), Ordering::Equal);
        assert_eq!(compare_versions("1", "1"), Ordering::Equal);
    }
}
