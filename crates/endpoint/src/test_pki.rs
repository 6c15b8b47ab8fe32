//! A test CA and a server certificate it signed, written as PEM files (feature `test-pki`):
//! what the TLS tests of the connecting crates give the real server (`[tls]` cert and key) and
//! the client (the CA file). A second, unrelated CA stands for "a CA nobody told the client
//! about".

use std::path::{Path, PathBuf};

/// PEM files in one folder.
#[derive(Debug, Clone)]
pub struct TestPki {
    /// The CA certificate: the client's `--ca` file.
    pub ca: PathBuf,
    /// The server's certificate, signed by `ca`, and its key.
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TestPki {
    /// A new CA (named `ca_name`) in `dir`, and a server certificate it signed for `names`
    /// (DNS names or IP addresses, e.g. `127.0.0.1`). Files are prefixed with `prefix`, so two
    /// sets can share a folder.
    pub fn new(dir: &Path, prefix: &str, names: &[&str]) -> Result<TestPki, String> {
        let fail = |e: rcgen::Error| e.to_string();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(
            rcgen::DnType::CommonName,
            format!("Linedesk test CA {prefix}"),
        );
        let ca = rcgen::CertifiedIssuer::self_signed(
            ca_params,
            rcgen::KeyPair::generate().map_err(fail)?,
        )
        .map_err(fail)?;
        let key = rcgen::KeyPair::generate().map_err(fail)?;
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let cert = rcgen::CertificateParams::new(names)
            .map_err(fail)?
            .signed_by(&key, &ca)
            .map_err(fail)?;
        let pki = TestPki {
            ca: dir.join(format!("{prefix}ca.pem")),
            cert: dir.join(format!("{prefix}cert.pem")),
            key: dir.join(format!("{prefix}key.pem")),
        };
        let write = |path: &Path, text: String| {
            std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
        };
        write(&pki.ca, ca.pem())?;
        write(&pki.cert, cert.pem())?;
        write(&pki.key, key.serialize_pem())?;
        Ok(pki)
    }
}
