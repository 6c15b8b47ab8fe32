//! Where the PBX password is kept: never in the store in clear, never logged.
//!
//! [`Secrets`] is the narrow trait the app uses; [`FileSecrets`] is the fallback for a Linux
//! desktop without a secret service (and the only implementation today: no OS keyring crate
//! is in the workspace yet): one file per secret in a directory only the user may open
//! (0700), each file 0600, written whole to a temporary file and renamed over the old one.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

/// A secret's name: lowercase letters, digits and `_`, at most 64.
fn check_name(name: &str) -> Result<(), SecretError> {
    let fine = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if fine {
        Ok(())
    } else {
        Err(SecretError::BadName)
    }
}

/// The longest secret kept.
pub const MAX_SECRET: usize = 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("not a secret's name")]
    BadName,
    #[error("the secret is empty, too long or holds a NUL")]
    BadValue,
    /// The secret could not be read or written (the message says why, never the secret).
    #[error("the secret store: {0}")]
    Io(String),
}

/// Keeps small secrets by name.
pub trait Secrets: Send + Sync {
    fn get(&self, name: &str) -> Result<Option<String>, SecretError>;
    fn set(&self, name: &str, value: &str) -> Result<(), SecretError>;
    fn delete(&self, name: &str) -> Result<(), SecretError>;
}

/// Secrets as files readable by the user alone.
pub struct FileSecrets {
    dir: PathBuf,
}

impl FileSecrets {
    pub fn new(dir: PathBuf) -> FileSecrets {
        FileSecrets { dir }
    }

    fn prepare(&self) -> Result<(), SecretError> {
        fs::create_dir_all(&self.dir).map_err(io)?;
        restrict(&self.dir, 0o700)
    }
}

fn io(e: std::io::Error) -> SecretError {
    SecretError::Io(e.kind().to_string())
}

#[cfg(unix)]
fn restrict(path: &std::path::Path, mode: u32) -> Result<(), SecretError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io)
}

#[cfg(not(unix))]
fn restrict(_path: &std::path::Path, _mode: u32) -> Result<(), SecretError> {
    Ok(())
}

impl Secrets for FileSecrets {
    fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        check_name(name)?;
        match fs::read(self.dir.join(name)) {
            Ok(bytes) if bytes.len() <= MAX_SECRET => String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| SecretError::BadValue),
            Ok(_) => Err(SecretError::BadValue),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(e)),
        }
    }

    fn set(&self, name: &str, value: &str) -> Result<(), SecretError> {
        check_name(name)?;
        if value.is_empty() || value.len() > MAX_SECRET || value.contains('\0') {
            return Err(SecretError::BadValue);
        }
        self.prepare()?;
        let part = self.dir.join(format!("{name}.part"));
        {
            let mut options = fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(&part).map_err(io)?;
            restrict(&part, 0o600)?;
            file.write_all(value.as_bytes()).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        fs::rename(&part, self.dir.join(name)).map_err(io)
    }

    fn delete(&self, name: &str) -> Result<(), SecretError> {
        check_name(name)?;
        match fs::remove_file(self.dir.join(name)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_kept_read_back_replaced_and_deleted() {
        let dir = tempfile::tempdir().expect("temp dir");
        let secrets = FileSecrets::new(dir.path().join("secrets"));
        assert_eq!(secrets.get("sip_password"), Ok(None));
        secrets.set("sip_password", "s3cret").expect("set");
        assert_eq!(secrets.get("sip_password"), Ok(Some("s3cret".into())));
        secrets.set("sip_password", "другой").expect("replace");
        assert_eq!(secrets.get("sip_password"), Ok(Some("другой".into())));
        secrets.delete("sip_password").expect("delete");
        assert_eq!(secrets.get("sip_password"), Ok(None));
        secrets
            .delete("sip_password")
            .expect("deleting twice is fine");
    }

    #[cfg(unix)]
    #[test]
    fn only_the_user_can_read_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let secrets = FileSecrets::new(dir.path().join("secrets"));
        secrets.set("sip_password", "s3cret").expect("set");
        let mode = |p: PathBuf| fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(dir.path().join("secrets")), 0o700);
        assert_eq!(mode(dir.path().join("secrets/sip_password")), 0o600);
        assert!(!dir.path().join("secrets/sip_password.part").exists());
    }

    #[test]
    fn names_and_values_are_checked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let secrets = FileSecrets::new(dir.path().to_path_buf());
        assert_eq!(secrets.get("../etc/passwd"), Err(SecretError::BadName));
        assert_eq!(secrets.set("", "x"), Err(SecretError::BadName));
        assert_eq!(secrets.set("sip_password", ""), Err(SecretError::BadValue));
        assert_eq!(
            secrets.set("sip_password", &"x".repeat(MAX_SECRET + 1)),
            Err(SecretError::BadValue)
        );
        assert_eq!(
            secrets.set("sip_password", "a\0b"),
            Err(SecretError::BadValue)
        );
    }

    #[test]
    fn errors_never_carry_the_secret() {
        let dir = tempfile::tempdir().expect("temp dir");
        // A file where the directory should be: writing fails.
        let blocker = dir.path().join("secrets");
        fs::write(&blocker, b"x").expect("blocker");
        let secrets = FileSecrets::new(blocker);
        let err = secrets
            .set("sip_password", "s3cret")
            .expect_err("cannot write");
        assert!(!err.to_string().contains("s3cret"));
    }
}
