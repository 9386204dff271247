//! Outgoing HTTPS (webhooks, single sign-on, the Learning Record Store): rustls with ring and
//! the Mozilla roots compiled in — no system TLS library, no C build beyond ring's — plus the
//! certificate authorities an organisation adds for its own PKI (`--ca-file`).

use crate::AppError;
pub use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::sync::Arc;

/// Makes ring the process's TLS provider, for HTTP clients built without [`client`] (the CLI's
/// bench, the tests'). Harmless when a provider is set already.
pub fn use_ring() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The certificates of a PEM file (an organisation's own certificate authorities); refused when
/// it holds none.
pub fn roots_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("not a PEM certificate file ({e})"))?;
    if certs.is_empty() {
        return Err("it holds no certificate (-----BEGIN CERTIFICATE-----)".into());
    }
    Ok(certs)
}

/// An HTTP client builder whose HTTPS trusts the Mozilla roots and `extra`.
pub fn client(extra: &[CertificateDer<'static>]) -> Result<reqwest::ClientBuilder, AppError> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for c in extra {
        roots
            .add(c.clone())
            .map_err(|e| AppError::refused(format!("a certificate of --ca-file: {e}")))?;
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| AppError::refused(format!("TLS: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(reqwest::Client::builder().tls_backend_preconfigured(tls))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_certificates_is_refused_by_name() {
        assert!(roots_from_pem(b"").unwrap_err().contains("no certificate"));
        assert!(
            roots_from_pem(b"hello")
                .unwrap_err()
                .contains("no certificate")
        );
    }

    #[test]
    fn the_mozilla_roots_and_extra_ones_make_a_client() {
        use_ring();
        assert!(
            client(&[])
                .and_then(|b| b.build().map_err(|e| AppError::refused(e.to_string())))
                .is_ok()
        );
    }
}
