//! A registry that is a directory: a mirror `osops mirror` wrote, or its copy on a USB stick or a
//! shared file system, named by a `file:///` URL.
//!
//! The client reads the very paths it would request over HTTP — `index/config.json`, the index
//! files, the archives at the URLs `dl` gives — from the directory instead, so everything above
//! it (the download cache, checksum checks, locks, receipts) works unchanged: an archive from a
//! mirror is hashed and verified exactly as one from a server. There is no API: search, the
//! asset view and the needs are answered from the mirror's files
//! ([`super::mirror_views`]), and every request that would need a registry server is refused
//! with [`Error::NoApi`], which says where to send it instead.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{Error, Reporter};

/// The file a mirror must have; without it a directory is not a mirror.
const CONFIG: &str = "index/config.json";

/// A directory registry: its `file:///` URL (normalized) and the directory it names.
#[derive(Debug, Clone)]
pub(super) struct Directory {
    base: String,
    root: PathBuf,
}

impl Directory {
    /// `base` is a normalized `file:///ABSOLUTE/PATH` URL.
    pub(super) fn open(base: &str) -> Result<Directory, Error> {
        let root = reqwest::Url::parse(base)
            .ok()
            .and_then(|url| url.to_file_path().ok())
            .ok_or_else(|| Error::BadRegistryUrl(base.to_owned()))?;
        Ok(Directory {
            base: base.to_owned(),
            root,
        })
    }

    /// The refusal for anything only a registry server can do; `what` names it.
    pub(super) fn no_api(&self, what: impl Into<String>) -> Error {
        Error::NoApi {
            registry: self.base.clone(),
            what: what.into(),
        }
    }

    /// The file `url` names: a path under the directory made of plain names only (no `..`, no
    /// hidden files), so a hostile `dl` template cannot reach outside the mirror. URLs under
    /// `/api/` are refused with [`Error::NoApi`].
    pub(super) fn path_of(&self, url: &str) -> Result<PathBuf, Error> {
        let outside = || Error::Local {
            path: PathBuf::from(url),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("not a file inside the mirror `{}`", self.root.display()),
            ),
        };
        let rest = url
            .strip_prefix(&self.base)
            .and_then(|rest| rest.strip_prefix('/'))
            .ok_or_else(outside)?;
        let rel = rest.split(['?', '#']).next().unwrap_or_default();
        if rel == "api" || rel.starts_with("api/") {
            return Err(self.no_api(format!("`/{rel}`")));
        }
        if !is_plain_rel(rel) {
            return Err(outside());
        }
        Ok(self.root.join(rel))
    }

    /// The contents of the file `url` names, at most `max` bytes.
    pub(super) fn read(&self, url: &str, max: u64) -> Result<Vec<u8>, Error> {
        let path = self.path_of(url)?;
        let file = std::fs::File::open(&path).map_err(|e| self.missing(&path, e))?;
        let mut body = Vec::new();
        file.take(max.saturating_add(1))
            .read_to_end(&mut body)
            .map_err(|source| Error::Local {
                path: path.clone(),
                source,
            })?;
        if body.len() as u64 > max {
            return Err(Error::TooLarge {
                url: url.to_owned(),
                limit: max,
            });
        }
        Ok(body)
    }

    /// Copies the file `url` names into `dest` (emptied first), at most `max` bytes, as
    /// [`super::Client::download`] streams a download: the size and the sha256 of the bytes
    /// written, computed as they are copied.
    pub(super) fn copy_into(
        &self,
        url: &str,
        what: &str,
        dest: &mut std::fs::File,
        max: u64,
        reporter: &dyn Reporter,
    ) -> Result<(u64, String), Error> {
        let path = self.path_of(url)?;
        let mut file = std::fs::File::open(&path).map_err(|e| self.missing(&path, e))?;
        let len = file.metadata().ok().map(|m| m.len());
        if len.is_some_and(|len| len > max) {
            return Err(Error::TooLarge {
                url: url.to_owned(),
                limit: max,
            });
        }
        dest.set_len(0)
            .and_then(|()| dest.seek(SeekFrom::Start(0)).map(drop))
            .map_err(Error::Io)?;
        reporter.download_started(what, len);
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut total: u64 = 0;
        let result = loop {
            let n = match file.read(&mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    break Err(Error::Local {
                        path: path.clone(),
                        source,
                    });
                }
            };
            total += n as u64;
            if total > max {
                break Err(Error::TooLarge {
                    url: url.to_owned(),
                    limit: max,
                });
            }
            hasher.update(&buf[..n]);
            if let Err(e) = dest.write_all(&buf[..n]) {
                break Err(Error::Io(e));
            }
            reporter.download_progress(total);
        };
        reporter.download_finished();
        result?;
        dest.flush().map_err(Error::Io)?;
        Ok((total, hex::encode(hasher.finalize())))
    }

    /// Why `path` could not be opened: the directory is no mirror at all, or this file is not
    /// in it (a 404, to the callers).
    fn missing(&self, path: &Path, source: std::io::Error) -> Error {
        if source.kind() == std::io::ErrorKind::NotFound && !self.root.join(CONFIG).is_file() {
            return Error::NotAMirror {
                dir: self.root.clone(),
            };
        }
        Error::Local {
            path: path.to_owned(),
            source,
        }
    }
}

/// `rel` is `/`-separated names of letters, digits, `.`, `_`, `+` and `-`, none empty or
/// starting with `.` (so neither `.` nor `..` nor a hidden file).
pub(crate) fn is_plain_rel(rel: &str) -> bool {
    !rel.is_empty()
        && rel.split('/').all(|part| {
            !part.is_empty()
                && !part.starts_with('.')
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'+'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mirror() -> (tempfile::TempDir, Directory) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("index")).expect("mkdir");
        std::fs::write(dir.path().join(CONFIG), r#"{"dl":"/a","api":"","v":1}"#).expect("write");
        let base = format!("file://{}", dir.path().display());
        let directory = Directory::open(&base).expect("open");
        (dir, directory)
    }

    #[test]
    fn files_are_read_under_the_directory_only() {
        let (dir, directory) = mirror();
        let base = format!("file://{}", dir.path().display());
        let body = directory
            .read(&format!("{base}/index/config.json"), 1024)
            .expect("config");
        assert!(body.starts_with(b"{\"dl\""));
        for bad in [
            format!("{base}/../etc/passwd"),
            format!("{base}/index/../../x"),
            format!("{base}/.hidden"),
            format!("{base}x/index/config.json"),
            "file:///etc/passwd".to_owned(),
        ] {
            let err = directory.read(&bad, 1024).expect_err(&bad);
            assert!(matches!(err, Error::Local { .. }), "{bad}: {err:?}");
        }
        let err = directory
            .read(&format!("{base}/index/config.json"), 3)
            .expect_err("cap");
        assert!(matches!(err, Error::TooLarge { .. }), "{err:?}");
    }

    #[test]
    fn a_missing_file_is_not_found_and_the_api_is_refused() {
        let (dir, directory) = mirror();
        let base = format!("file://{}", dir.path().display());
        let err = directory
            .read(&format!("{base}/index/no/va/nova-tools"), 1024)
            .expect_err("missing");
        assert!(err.is_not_found(), "{err:?}");
        let err = directory
            .read(&format!("{base}/api/v1/assets?q=x"), 1024)
            .expect_err("api");
        assert!(matches!(err, Error::NoApi { .. }), "{err:?}");
        assert!(err.to_string().contains("`/api/v1/assets`"), "{err}");
    }

    #[test]
    fn a_directory_without_config_is_not_a_mirror() {
        let dir = tempfile::tempdir().expect("tempdir");
        let base = format!("file://{}", dir.path().display());
        let directory = Directory::open(&base).expect("open");
        let err = directory
            .read(&format!("{base}/index/config.json"), 1024)
            .expect_err("no mirror");
        assert!(matches!(err, Error::NotAMirror { .. }), "{err:?}");
        assert!(err.hint().expect("hint").contains("osops mirror DIR"));
    }

    #[test]
    fn file_urls_name_absolute_paths() {
        use super::super::normalize_registry;
        assert_eq!(
            normalize_registry("file:///media/usb/Mirror/").expect("ok"),
            "file:///media/usb/Mirror"
        );
        assert_eq!(
            crate::config::registry_key("file:///media/usb/Mirror/").expect("ok"),
            "file:///media/usb/Mirror",
            "the path keeps its case"
        );
        for bad in ["file://mirror", "file://", "file:///a b", "file:relative"] {
            assert!(normalize_registry(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn copies_hash_what_they_write() {
        let (dir, directory) = mirror();
        let base = format!("file://{}", dir.path().display());
        std::fs::create_dir_all(dir.path().join("archives/x")).expect("mkdir");
        std::fs::write(dir.path().join("archives/x/x-1.0.0.osops"), b"bytes").expect("write");
        let mut dest = tempfile::tempfile().expect("tempfile");
        let (size, sha) = directory
            .copy_into(
                &format!("{base}/archives/x/x-1.0.0.osops"),
                "x v1.0.0",
                &mut dest,
                1024,
                &super::super::Silent,
            )
            .expect("copy");
        assert_eq!(size, 5);
        assert_eq!(sha, osops_index::sha256_hex(b"bytes"));
    }
}
