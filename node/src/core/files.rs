//! Uploaded files: kept under their SHA-256 (never a name anyone chose) in a local folder or in
//! S3-compatible object storage, through the `object_store` crate.
//!
//! This module stores and reads bytes; what a file may be, and how it is served, is the
//! library's business (`library`).

use std::{path::Path, sync::Arc};

use object_store::{path::Path as StorePath, ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};

use crate::core::config::FilesConfig;

#[derive(Debug, thiserror::Error)]
pub enum FileStoreError {
    #[error("the file store is not configured properly: {0}")]
    Config(String),
    #[error("the file store failed: {0}")]
    Store(#[from] object_store::Error),
    #[error("{0:?} is not a SHA-256 in hex")]
    BadKey(String),
}

/// Where the node's files live.
#[derive(Clone)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
    /// `local` or `s3`, for the logs and the health page.
    pub kind: &'static str,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FileStore({})", self.kind)
    }
}

/// The SHA-256 of some bytes, in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `s` is a SHA-256 in lower-case hex: the only keys files are kept under.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn key(sha256: &str) -> Result<StorePath, FileStoreError> {
    if !is_sha256(sha256) {
        return Err(FileStoreError::BadKey(sha256.chars().take(80).collect()));
    }
    // Two levels of folders keep any one folder small on local disks.
    Ok(StorePath::from(format!(
        "library/{}/{}/{sha256}",
        &sha256[..2],
        &sha256[2..4]
    )))
}

fn env_value(name: &Option<String>, what: &str) -> Result<String, FileStoreError> {
    let name = name
        .as_deref()
        .ok_or_else(|| FileStoreError::Config(format!("files.{what} is not set")))?;
    std::env::var(name).map_err(|_| {
        FileStoreError::Config(format!(
            "the environment variable {name} (files.{what}) is not set"
        ))
    })
}

impl FileStore {
    /// Opens the store `config` describes; a local folder is created if missing.
    pub fn open(config: &FilesConfig, data_dir: &Path) -> Result<FileStore, FileStoreError> {
        match config.store.as_str() {
            "local" => {
                let folder = match &config.path {
                    Some(p) => data_dir.join(p),
                    None => data_dir.join("files"),
                };
                std::fs::create_dir_all(&folder).map_err(|e| {
                    FileStoreError::Config(format!("cannot create {}: {e}", folder.display()))
                })?;
                let store = object_store::local::LocalFileSystem::new_with_prefix(&folder)?;
                Ok(FileStore {
                    inner: Arc::new(store),
                    kind: "local",
                })
            }
            "s3" => {
                let bucket = config
                    .bucket
                    .as_deref()
                    .filter(|b| !b.is_empty())
                    .ok_or_else(|| FileStoreError::Config("files.bucket is not set".into()))?;
                let mut builder = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_access_key_id(env_value(&config.access_key_env, "access_key_env")?)
                    .with_secret_access_key(env_value(&config.secret_key_env, "secret_key_env")?)
                    .with_region(config.region.as_deref().unwrap_or("us-east-1"));
                if let Some(endpoint) = config.endpoint.as_deref().filter(|e| !e.is_empty()) {
                    // S3-compatible services (MinIO, Garage, Ceph) answer on paths, not
                    // bucket subdomains.
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_virtual_hosted_style_request(false)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                Ok(FileStore {
                    inner: Arc::new(builder.build()?),
                    kind: "s3",
                })
            }
            other => Err(FileStoreError::Config(format!(
                "files.store is {other:?}; use \"local\" or \"s3\""
            ))),
        }
    }

    /// Keeps `bytes` under their SHA-256, which is returned. Storing the same bytes twice
    /// writes them once.
    pub async fn put(&self, bytes: Vec<u8>) -> Result<String, FileStoreError> {
        let sha = sha256_hex(&bytes);
        let key = key(&sha)?;
        if self.inner.head(&key).await.is_ok() {
            return Ok(sha);
        }
        self.inner.put(&key, PutPayload::from(bytes)).await?;
        Ok(sha)
    }

    /// The bytes kept under `sha256`, or `None` if there are none.
    pub async fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>, FileStoreError> {
        let key = key(sha256)?;
        match self.inner.get(&key).await {
            Ok(found) => Ok(Some(found.bytes().await?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Forgets the bytes kept under `sha256`; nothing happens if there are none.
    pub async fn delete(&self, sha256: &str) -> Result<(), FileStoreError> {
        let key = key(sha256)?;
        match self.inner.delete(&key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn files_are_kept_under_their_checksum() {
        let dir = std::env::temp_dir().join(format!("coopnet-files-{}", uuid::Uuid::new_v4()));
        let store = FileStore::open(&FilesConfig::default(), &dir).unwrap();
        let sha = store.put(b"hello".to_vec()).await.unwrap();
        assert_eq!(
            sha,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(store.put(b"hello".to_vec()).await.unwrap(), sha);
        assert_eq!(store.get(&sha).await.unwrap().unwrap(), b"hello");
        assert!(dir.join("files/library/2c/f2").join(&sha).exists());
        assert!(store.get("../../etc/passwd").await.is_err());
        store.delete(&sha).await.unwrap();
        assert!(store.get(&sha).await.unwrap().is_none());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn s3_needs_its_bucket_and_keys() {
        let config = FilesConfig {
            store: "s3".into(),
            ..FilesConfig::default()
        };
        assert!(FileStore::open(&config, Path::new("/tmp")).is_err());
        let config = FilesConfig {
            store: "ftp".into(),
            ..FilesConfig::default()
        };
        assert!(FileStore::open(&config, Path::new("/tmp")).is_err());
    }
}
