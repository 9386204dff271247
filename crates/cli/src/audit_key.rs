//! Where the audit key comes from: `TRAINYARD_AUDIT_KEY` (hex or base64), else a key file —
//! `--audit-key-file` / `TRAINYARD_AUDIT_KEY_FILE`, by default `FILE.audit-key` beside a SQLite
//! database `FILE`, or `trainyard-audit.key` in the working directory for PostgreSQL. A missing key
//! file is created at first start, readable by its owner only. The key never goes into the
//! database: someone who can write to the database but not read this key cannot forge the chain.

use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
use trainyard_store::audit::AuditKey;

/// The key file used when none is configured.
pub fn default_file(database_url: &str) -> PathBuf {
    match database_url.strip_prefix("sqlite:") {
        Some(rest) => {
            let path = rest.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() || path == ":memory:" {
                PathBuf::from("trainyard-audit.key")
            } else {
                PathBuf::from(format!("{path}.audit-key"))
            }
        }
        None => PathBuf::from("trainyard-audit.key"),
    }
}

/// The audit key for `database_url`: from the environment, or read from (or created in) the file.
pub fn load(database_url: &str, file: Option<&Path>) -> anyhow::Result<AuditKey> {
    if let Ok(text) = std::env::var("TRAINYARD_AUDIT_KEY")
        && !text.trim().is_empty()
    {
        return AuditKey::from_text(&text).context("TRAINYARD_AUDIT_KEY");
    }
    let path = file
        .map(Path::to_path_buf)
        .unwrap_or_else(|| default_file(database_url));
    match std::fs::read_to_string(&path) {
        Ok(text) => AuditKey::from_text(&text)
            .with_context(|| format!("the audit key file {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&path),
        Err(e) => Err(e).with_context(|| format!("reading the audit key file {}", path.display())),
    }
}

/// Creates a new key file, owner-readable only. Several processes starting at once agree on one
/// key: each writes its own temporary file and links it into place, which only one link can do.
fn create(path: &Path) -> anyhow::Result<AuditKey> {
    let key = AuditKey::generate()?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(format!("{}\n", key.to_text()).as_bytes())?;
            f.sync_all()
        })
        .with_context(|| format!("creating the audit key file {}", path.display()));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            tracing::warn!(
                file = %path.display(),
                fingerprint = %key.fingerprint(),
                "created a new audit key: back this file up, apart from the database backups \
                 (without it the audit trail cannot be verified)"
            );
            Ok(key)
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the audit key file {}", path.display()))?;
            AuditKey::from_text(&text)
                .with_context(|| format!("the audit key file {}", path.display()))
        }
        Err(e) => Err(e).with_context(|| format!("creating the audit key file {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_sits_beside_a_sqlite_database() {
        assert_eq!(
            default_file("sqlite://data/trainyard.db?mode=rwc"),
            PathBuf::from("data/trainyard.db.audit-key")
        );
        assert_eq!(
            default_file("sqlite:///var/lib/t.db"),
            PathBuf::from("/var/lib/t.db.audit-key")
        );
        assert_eq!(
            default_file("postgres://u@h/db"),
            PathBuf::from("trainyard-audit.key")
        );
    }

    #[test]
    fn a_created_key_file_is_private_and_read_back() {
        let dir = std::env::temp_dir().join(format!("trainyard-key-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let path = dir.join("k.audit-key");
        let _ = std::fs::remove_file(&path);
        let made = create(&path).map(|k| k.to_text()).unwrap_or_default();
        let again = load("postgres://x/y", Some(&path))
            .map(|k| k.to_text())
            .unwrap_or_default();
        assert_eq!(made.len(), 64);
        assert_eq!(made, again);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .map(|m| m.permissions().mode())
                .unwrap_or(0);
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
