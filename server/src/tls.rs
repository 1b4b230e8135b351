//! TLS for outbound HTTPS (pushes to vendors): rustls with the *ring* crypto provider, made the
//! process default once, before any HTTPS client is built. (reqwest's own default, aws-lc-rs,
//! builds AWS-LC with CMake: minutes of every cold build for the same TLS.)

/// Make ring the process's rustls provider; later calls do nothing.
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err only when another provider was installed first, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
