//! The node's configuration: `coopnet.toml` in the data folder, written by `coopnode init`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use url::Url;

pub const CONFIG_FILE: &str = "coopnet.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {0}: {1} (run `coopnode init` first)")]
    Read(PathBuf, std::io::Error),
    #[error("cannot write {0}: {1}")]
    Write(PathBuf, std::io::Error),
    #[error("{0} is not valid: {1}")]
    Parse(PathBuf, String),
    #[error("the domain {0:?} is not a host name with an optional port")]
    Domain(String),
}

/// What `coopnet.toml` holds. Everything else (actors, keys, follows) lives in the database.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileConfig {
    /// Host and optional port the node is reached at, as in handles: `coop.example`.
    pub domain: String,
    /// `sqlite://…` (the default, in the data folder) or `postgres://…`.
    pub database_url: String,
    /// Where `serve` listens unless `--listen` says otherwise.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Development only: plain http and loopback or private peers.
    #[serde(default)]
    pub allow_private_network: bool,
    /// Require signed GETs for ActivityPub documents (Mastodon's "secure mode").
    #[serde(default)]
    pub authorized_fetch: bool,
    /// The name shown in the portal's header.
    #[serde(default = "default_name")]
    pub node_name: String,
    /// Where uploaded files (the library's documents) are kept: the `[files]` section.
    #[serde(default)]
    pub files: FilesConfig,
}

/// Default largest upload: 50 MiB.
pub const DEFAULT_MAX_UPLOAD: u64 = 50 * 1024 * 1024;

/// Where files go: `store = "local"` (a folder, `files/` in the data folder unless `path` says
/// otherwise) or `store = "s3"` (a bucket on S3-compatible object storage).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct FilesConfig {
    /// `local` or `s3`.
    pub store: String,
    /// For `local`: the folder, absolute or relative to the data folder.
    pub path: Option<String>,
    /// For `s3`: the bucket.
    pub bucket: Option<String>,
    /// For `s3`: the endpoint of an S3-compatible service (MinIO, Garage…); empty for AWS.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// For `s3`: names of the environment variables holding the keys (never the keys).
    pub access_key_env: Option<String>,
    pub secret_key_env: Option<String>,
    /// The largest file a member may upload, in bytes.
    pub max_upload_bytes: u64,
}

impl Default for FilesConfig {
    fn default() -> FilesConfig {
        FilesConfig {
            store: "local".into(),
            path: None,
            bucket: None,
            endpoint: None,
            region: None,
            access_key_env: None,
            secret_key_env: None,
            max_upload_bytes: DEFAULT_MAX_UPLOAD,
        }
    }
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}

fn default_name() -> String {
    "Coopnet".into()
}

impl FileConfig {
    pub fn load(data_dir: &Path) -> Result<FileConfig, ConfigError> {
        let path = data_dir.join(CONFIG_FILE);
        let text =
            std::fs::read_to_string(&path).map_err(|e| ConfigError::Read(path.clone(), e))?;
        let config: FileConfig =
            toml::from_str(&text).map_err(|e| ConfigError::Parse(path.clone(), e.to_string()))?;
        if !coopnet_schemas::handle::valid_host(&config.domain) {
            return Err(ConfigError::Domain(config.domain));
        }
        Ok(config)
    }

    pub fn save(&self, data_dir: &Path) -> Result<(), ConfigError> {
        let path = data_dir.join(CONFIG_FILE);
        let text = toml::to_string_pretty(self)
            .map_err(|e| ConfigError::Parse(path.clone(), e.to_string()))?;
        std::fs::write(&path, text).map_err(|e| ConfigError::Write(path, e))
    }
}

/// Settings the running node derives from its configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub domain: String,
    pub base_url: Url,
    pub allow_private_network: bool,
    pub authorized_fetch: bool,
    pub node_name: String,
    pub data_dir: PathBuf,
    pub files: FilesConfig,
}

impl Settings {
    pub fn new(config: &FileConfig, data_dir: &Path) -> Result<Settings, ConfigError> {
        // Production nodes sit behind a TLS proxy; only development nodes speak plain http.
        let scheme = if config.allow_private_network {
            "http"
        } else {
            "https"
        };
        let base_url = Url::parse(&format!("{scheme}://{}/", config.domain))
            .map_err(|_| ConfigError::Domain(config.domain.clone()))?;
        Ok(Settings {
            domain: config.domain.clone(),
            base_url,
            allow_private_network: config.allow_private_network,
            authorized_fetch: config.authorized_fetch,
            node_name: config.node_name.clone(),
            data_dir: data_dir.to_path_buf(),
            files: config.files.clone(),
        })
    }

    /// An absolute URL on this node.
    pub fn url(&self, path: &str) -> Url {
        let mut url = self.base_url.clone();
        url.set_path(path);
        url
    }

    pub fn is_local(&self, url: &Url) -> bool {
        coopnet_federation::origin::same_origin(url, &self.base_url)
    }
}
