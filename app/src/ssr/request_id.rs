//! The request id (docs/operations.md): one per request, taken from the client's `X-Request-Id`
//! when it is a plain token and made here otherwise. The server's middleware runs the request
//! inside [`scope`], so code handling it (server functions, the download) reads it with
//! [`current`]; a push queued there carries it in `outbox.request_id` into the worker's log lines
//! for that delivery.
use std::future::Future;
use std::sync::Arc;

/// The header it travels in, both ways.
pub const HEADER: &str = "x-request-id";

/// The longest id accepted from a client.
pub const MAX_LEN: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(Arc<str>);

impl RequestId {
    /// The id a client sent, when it is 1 to 64 letters, digits, `.`, `_` or `-` (nothing that
    /// could forge a log line or a header); a new one otherwise.
    pub fn accept_or_new(sent: Option<&str>) -> RequestId {
        match sent {
            Some(id) if Self::acceptable(id) => RequestId(id.into()),
            _ => RequestId::new(),
        }
    }

    /// A new random id (32 hex digits).
    pub fn new() -> RequestId {
        RequestId(uuid::Uuid::new_v4().simple().to_string().into())
    }

    pub fn acceptable(id: &str) -> bool {
        (1..=MAX_LEN).contains(&id.len())
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for RequestId {
    fn default() -> Self {
        RequestId::new()
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

tokio::task_local! {
    static CURRENT: RequestId;
}

/// Run `work` as the request `id` (the middleware; the CLI for its own pushes).
pub async fn scope<F: Future>(id: RequestId, work: F) -> F::Output {
    CURRENT.scope(id, work).await
}

/// The request being handled, if any (none in the worker and the scheduler).
pub fn current() -> Option<RequestId> {
    CURRENT.try_with(Clone::clone).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_tokens_are_taken_from_the_client() {
        for good in ["abc", "0f3e-12.x_Y", &"a".repeat(64)] {
            assert_eq!(RequestId::accept_or_new(Some(good)).as_str(), good);
        }
        for bad in ["", "a b", "x\ny", "ü", "a\"b", &"a".repeat(65), "a{b}"] {
            let made = RequestId::accept_or_new(Some(bad));
            assert_ne!(made.as_str(), bad);
            assert!(RequestId::acceptable(made.as_str()), "{made}");
        }
        assert_eq!(RequestId::accept_or_new(None).as_str().len(), 32);
    }

    #[tokio::test]
    async fn the_scope_gives_the_current_request() {
        assert_eq!(current(), None);
        let id = RequestId::accept_or_new(Some("req-1"));
        assert_eq!(scope(id.clone(), async { current() }).await, Some(id));
    }
}
