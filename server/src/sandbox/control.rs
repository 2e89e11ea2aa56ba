//! What every fake shares: fault injection, request counters, a rolling rate window, and running an axum router
//! on loopback in the background until the fake is dropped.
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// A failure a test asks a fake to answer with instead of the real response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 429, with `Retry-After: <secs>` when given.
    TooManyRequests { retry_after_secs: Option<u64> },
    /// 500 with the service's JSON error body.
    ServerError,
    /// 200 with a JSON body that is not the documented shape.
    Malformed,
    /// The real response, after this long (longer than a client's timeout reads as a timeout).
    Delay(Duration),
    /// 403 in plain text, as Spotify answers a development-mode app's unregistered user.
    PlainTextForbidden,
}

/// How a service shapes its JSON error bodies: `(status, message) -> body`.
pub(crate) type ErrorBody = fn(StatusCode, &str) -> serde_json::Value;

/// The faults queued for a fake and the log of what it was asked and answered.
pub(crate) struct Control {
    faults: Mutex<VecDeque<(String, Fault)>>,
    requests: Mutex<Vec<String>>,
    statuses: Mutex<Vec<u16>>,
    error_body: ErrorBody,
}

impl Control {
    pub(crate) fn new(error_body: ErrorBody) -> Arc<Control> {
        Arc::new(Control {
            faults: Mutex::new(VecDeque::new()),
            requests: Mutex::new(Vec::new()),
            statuses: Mutex::new(Vec::new()),
            error_body,
        })
    }

    /// Queues `fault` for the next `n` requests whose path starts with `path_prefix`.
    pub(crate) fn fail_next_on(&self, path_prefix: &str, n: usize, fault: Fault) {
        let mut faults = lock(&self.faults);
        faults.extend(std::iter::repeat_n((path_prefix.to_owned(), fault), n));
    }

    /// Requests received whose path starts with `path_prefix`, answered or not.
    pub(crate) fn calls(&self, path_prefix: &str) -> usize {
        lock(&self.requests)
            .iter()
            .filter(|path| path.starts_with(path_prefix))
            .count()
    }

    /// Responses sent with this status.
    pub(crate) fn responses_with_status(&self, status: u16) -> usize {
        lock(&self.statuses)
            .iter()
            .filter(|s| **s == status)
            .count()
    }

    pub(crate) fn error(&self, status: StatusCode, message: &str) -> Response {
        (status, axum::Json((self.error_body)(status, message))).into_response()
    }

    fn take_fault(&self, path: &str) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let index = faults
            .iter()
            .position(|(prefix, _)| path.starts_with(prefix.as_str()))?;
        faults.remove(index).map(|(_, fault)| fault)
    }

    fn fault_response(&self, fault: Fault) -> Response {
        match fault {
            Fault::TooManyRequests { retry_after_secs } => {
                let mut response =
                    self.error(StatusCode::TOO_MANY_REQUESTS, "API rate limit exceeded");
                if let Some(secs) = retry_after_secs {
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
                }
                response
            }
            Fault::ServerError => self.error(StatusCode::INTERNAL_SERVER_ERROR, "Server error."),
            Fault::Malformed => (
                StatusCode::OK,
                axum::Json(serde_json::json!({"data": null, "note": "not the documented shape"})),
            )
                .into_response(),
            Fault::PlainTextForbidden => (
                StatusCode::FORBIDDEN,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "User not registered in the Developer Dashboard",
            )
                .into_response(),
            // Handled before the request runs.
            Fault::Delay(_) => StatusCode::OK.into_response(),
        }
    }
}

/// Middleware every fake's router runs first: logs the request, answers with a queued fault if one matches,
/// and logs the status it answered with.
pub(crate) async fn faults_and_log(
    State(control): State<Arc<Control>>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    lock(&control.requests).push(path.clone());
    let response = match control.take_fault(&path) {
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            next.run(request).await
        }
        Some(fault) => control.fault_response(fault),
        None => next.run(request).await,
    };
    lock(&control.statuses).push(response.status().as_u16());
    response
}

/// Requests admitted over the last `window`, for fakes that rate limit.
#[derive(Default)]
pub(crate) struct RollingWindow {
    admitted: VecDeque<Instant>,
}

impl RollingWindow {
    /// Admits a request now if fewer than `limit` were admitted in the last `window`; otherwise says how long
    /// until one would be.
    pub(crate) fn admit(&mut self, window: Duration, limit: u32) -> Result<(), Duration> {
        let now = Instant::now();
        while self
            .admitted
            .front()
            .is_some_and(|admitted| *admitted + window <= now)
        {
            self.admitted.pop_front();
        }
        if self.admitted.len() < limit as usize {
            self.admitted.push_back(now);
            return Ok(());
        }
        let oldest = self.admitted.front().copied().unwrap_or(now);
        Err((oldest + window).saturating_duration_since(now))
    }
}

/// `Retry-After` in whole seconds, rounded up so that a client waiting it out is never early.
pub(crate) fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// A router served in the background; dropping it stops the server (requests in flight finish first).
pub(crate) struct Running {
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Running {
    pub(crate) fn start(listener: TcpListener, router: Router) -> std::io::Result<Running> {
        let address = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
            if let Err(error) = served {
                tracing::warn!(%error, %address, "fake service stopped");
            }
        });
        Ok(Running {
            address,
            stop: Some(stop),
            task: Some(task),
        })
    }

    pub(crate) fn address(&self) -> SocketAddr {
        self.address
    }

    /// Stops accepting and waits (a few seconds at most) for requests in flight.
    pub(crate) async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Binds a loopback port for a fake.
pub(crate) async fn bind_loopback() -> std::io::Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", 0)).await
}

/// A fake's state stays usable after a panicking test thread poisoned a lock.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Text for the fakes' HTML pages.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_window_rolls() {
        let mut window = RollingWindow::default();
        let span = Duration::from_secs(30);
        assert!(window.admit(span, 2).is_ok());
        tokio::time::advance(Duration::from_secs(10)).await;
        assert!(window.admit(span, 2).is_ok());
        assert_eq!(window.admit(span, 2), Err(Duration::from_secs(20)));
        tokio::time::advance(Duration::from_secs(20)).await;
        assert!(window.admit(span, 2).is_ok());
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(3)), 3);
    }
}
