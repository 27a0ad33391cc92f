//! OCI images of the filters, in the format Istio pulls for a `WasmPlugin` with an `oci://` URL.
//!
//! Istio accepts two Wasm image variants; this writes the "compat" one because every registry
//! and tool (skopeo, oras, crane) handles it: a standard OCI image manifest with one
//! `application/vnd.oci.image.layer.v1.tar+gzip` layer whose tar holds `plugin.wasm`. Istio
//! checks a `WasmPlugin`'s `sha256` against the image's *manifest* digest, so
//! [`WasmImage::manifest_digest`] is what `pavise render istio` pins. Everything is
//! deterministic (fixed timestamps, sorted JSON), so the same `.wasm` always gives the same
//! digest, and rendering can compute it without a registry.
//!
//! [`write_layout`] writes an OCI image layout directory (`oci-layout`, `index.json`,
//! `blobs/sha256/…`), ready for `skopeo copy oci:DIR:TAG docker://REGISTRY/NAME:TAG`.

use crate::bundle::{deterministic_tar, gzip, sha256_hex};
use serde_json::json;
use std::path::Path;

pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// The file Istio looks for in the layer.
pub const PLUGIN_FILE: &str = "plugin.wasm";

/// One content-addressed blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

impl Blob {
    /// `sha256:<hex>`.
    pub fn digest(&self) -> String {
        format!("sha256:{}", sha256_hex(&self.bytes))
    }

    fn descriptor(&self) -> serde_json::Value {
        json!({"mediaType": self.media_type, "digest": self.digest(), "size": self.bytes.len()})
    }
}

/// A single-layer Wasm image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasmImage {
    pub config: Blob,
    pub layer: Blob,
    pub manifest: Blob,
}

impl WasmImage {
    /// The image for one module.
    pub fn new(wasm: &[u8]) -> WasmImage {
        // The tar inside the layer: its digest is the layer's diff id.
        let tar = deterministic_tar(&[(PLUGIN_FILE.to_string(), wasm.to_vec())]);
        let diff_id = format!("sha256:{}", sha256_hex(&tar));
        let layer_gz = gzip(&tar);
        let config = Blob {
            media_type: CONFIG_MEDIA_TYPE,
            bytes: json_bytes(&json!({
                "architecture": "wasm",
                "os": "wasip1",
                "created": "1970-01-01T00:00:00Z",
                "config": {},
                "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            })),
        };
        let layer = Blob {
            media_type: LAYER_MEDIA_TYPE,
            bytes: layer_gz,
        };
        let manifest = Blob {
            media_type: MANIFEST_MEDIA_TYPE,
            bytes: json_bytes(&json!({
                "schemaVersion": 2,
                "mediaType": MANIFEST_MEDIA_TYPE,
                "config": config.descriptor(),
                "layers": [layer.descriptor()],
            })),
        };
        WasmImage {
            config,
            layer,
            manifest,
        }
    }

    /// The manifest digest, bare hex: Istio's `WasmPlugin.spec.sha256` for this image.
    pub fn manifest_digest(&self) -> String {
        sha256_hex(&self.manifest.bytes)
    }
}

/// Compact JSON; `serde_json` without `preserve_order` sorts keys, so this is canonical.
fn json_bytes(v: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// Writes `image` as an OCI image layout in `dir`, tagged `tag`.
pub fn write_layout(dir: &Path, image: &WasmImage, tag: &str) -> std::io::Result<()> {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs)?;
    for blob in [&image.config, &image.layer, &image.manifest] {
        std::fs::write(blobs.join(sha256_hex(&blob.bytes)), &blob.bytes)?;
    }
    std::fs::write(
        dir.join("oci-layout"),
        json_bytes(&json!({"imageLayoutVersion": "1.0.0"})),
    )?;
    let mut manifest = image.manifest.descriptor();
    if let Some(m) = manifest.as_object_mut() {
        m.insert(
            "annotations".into(),
            json!({"org.opencontainers.image.ref.name": tag}),
        );
    }
    std::fs::write(
        dir.join("index.json"),
        json_bytes(&json!({"schemaVersion": 2, "manifests": [manifest]})),
    )
}

/// Reads `plugin.wasm` back out of an image layout written by [`write_layout`] (or pulled by
/// skopeo), following index → manifest → layer: what Istio does after pulling.
pub fn read_plugin_from_layout(dir: &Path) -> Result<Vec<u8>, String> {
    let blob = |digest: &str| -> Result<Vec<u8>, String> {
        let hex = digest
            .strip_prefix("sha256:")
            .ok_or_else(|| format!("unsupported digest {digest}"))?;
        let bytes = std::fs::read(dir.join("blobs/sha256").join(hex))
            .map_err(|e| format!("blob {digest}: {e}"))?;
        if sha256_hex(&bytes) != hex {
            return Err(format!("blob {digest} does not match its digest"));
        }
        Ok(bytes)
    };
    let index: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("index.json")).map_err(|e| format!("index.json: {e}"))?,
    )
    .map_err(|e| format!("index.json: {e}"))?;
    let manifest_digest = index
        .pointer("/manifests/0/digest")
        .and_then(|d| d.as_str())
        .ok_or("index.json: no manifest")?;
    let manifest: serde_json::Value =
        serde_json::from_slice(&blob(manifest_digest)?).map_err(|e| format!("manifest: {e}"))?;
    let layers = manifest
        .get("layers")
        .and_then(|l| l.as_array())
        .ok_or("manifest: no layers")?;
    let [layer] = layers.as_slice() else {
        return Err(format!("expected one layer, found {}", layers.len()));
    };
    let layer_digest = layer
        .get("digest")
        .and_then(|d| d.as_str())
        .ok_or("layer: no digest")?;
    let mut files = crate::bundle::read_tar_gz(&blob(layer_digest)?)?;
    files
        .remove(PLUGIN_FILE)
        .ok_or_else(|| format!("no {PLUGIN_FILE} in the layer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WASM: &[u8] = b"\0asm\x01\0\0\0 a tiny module";

    #[test]
    fn image_is_deterministic() {
        assert_eq!(WasmImage::new(WASM), WasmImage::new(WASM));
        assert_ne!(
            WasmImage::new(WASM).manifest_digest(),
            WasmImage::new(b"\0asm\x01\0\0\0").manifest_digest()
        );
    }

    #[test]
    fn manifest_names_config_and_one_plugin_layer() {
        let img = WasmImage::new(WASM);
        let m: serde_json::Value = serde_json::from_slice(&img.manifest.bytes).unwrap();
        assert_eq!(m["config"]["digest"], img.config.digest());
        assert_eq!(m["layers"][0]["mediaType"], LAYER_MEDIA_TYPE);
        assert_eq!(m["layers"][0]["size"], img.layer.bytes.len());
        let files = crate::bundle::read_tar_gz(&img.layer.bytes).unwrap();
        assert_eq!(files.keys().collect::<Vec<_>>(), [PLUGIN_FILE]);
        let c: serde_json::Value = serde_json::from_slice(&img.config.bytes).unwrap();
        let mut tar = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(img.layer.bytes.as_slice()),
            &mut tar,
        )
        .unwrap();
        assert_eq!(
            c["rootfs"]["diff_ids"][0],
            format!("sha256:{}", sha256_hex(&tar))
        );
    }

    #[test]
    fn layout_round_trips() {
        let dir = std::env::temp_dir().join(format!("pavise-oci-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        write_layout(&dir, &WasmImage::new(WASM), "1.0").unwrap();
        assert_eq!(read_plugin_from_layout(&dir).unwrap(), WASM);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
