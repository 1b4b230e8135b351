//! Memory the server gives back. Each sign-in hashes a password with argon2id over 19 MiB; glibc
//! serves blocks that size from its heap arenas and keeps them resident after they are freed (an
//! arena per thread that hashed), so a server that has seen a few concurrent sign-ins holds tens
//! of megabytes it no longer uses. Blocks from 1 MiB up are mapped on their own instead, and go
//! back to the system when freed (docs/PERFORMANCE.md, "HMIS Export tab").

/// Map large blocks on their own (glibc's `M_MMAP_THRESHOLD`; other platforms need nothing).
pub fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a parameter of the allocator; it is called once, at start.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
