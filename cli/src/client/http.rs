//! Sending requests: retries with backoff, deadlines, size caps, and error bodies.

use std::io::{Read, Seek, SeekFrom, Write};
use std::time::{Duration, Instant};

use reqwest::blocking::{RequestBuilder, Response};
use sha2::{Digest, Sha256};

use super::{Client, Error, MAX_JSON_BODY, Reporter, Revalidated};

/// The longest `Retry-After` the client waits for. A longer one is not waited for: the request
/// fails at once, and the error says when to try again (a rate limit of "30 per hour" answers
/// with minutes; sleeping a minute and asking again would only be refused again).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// Error bodies are read only this far.
const MAX_ERROR_BODY: u64 = 64 * 1024;

/// Which failed attempts may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Policy {
    /// Never: a write whose repetition could do something twice.
    Once,
    /// A GET or a download: every transient failure (no answer, a broken answer, a timed-out
    /// attempt, 5xx, 429). Each attempt has its own deadline, so the whole request is bounded by
    /// `(retries + 1) × total_timeout` plus the backoff.
    Idempotent,
    /// A publish: only when no answer came at all (the connection was refused, reset or closed
    /// before a response) and on 429. Sending the same archive again is safe because a publish
    /// is idempotent by content: if a first attempt did land, the registry answers the retry
    /// "already published with identical contents" (200), never a second version nor a 409. A
    /// 5xx, a broken answer or a timeout while waiting for the answer is not retried: the
    /// registry may have received the archive, and the operator (or the CI job) sees that answer.
    Publish,
}

/// Why an attempt failed in a way that may be worth another try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transient {
    /// No answer: connection refused, reset or closed before the response.
    NoAnswer,
    /// An answer with this 5xx or 429 status.
    Status(u16),
    /// The connection broke while the answer's body was arriving.
    BrokenBody,
    /// The attempt timed out: no bytes within the read timeout, or past its total deadline.
    TimedOut,
}

impl Policy {
    fn retries(self, why: Transient) -> bool {
        match self {
            Policy::Once => false,
            Policy::Idempotent => true,
            Policy::Publish => matches!(why, Transient::NoAnswer | Transient::Status(429)),
        }
    }
}

/// The outcome of one attempt.
enum Attempt<T> {
    Done(T),
    /// Maybe worth another try, as the [`Policy`] decides; `error` is returned if not.
    Retry {
        error: Error,
        why: Transient,
        reason: String,
        after: Option<Duration>,
    },
    Fail(Error),
}

impl Client {
    /// GET `url` (retried) and return its body, at most [`MAX_JSON_BODY`] bytes.
    pub(super) fn get_bytes(&self, url: &str, reporter: &dyn Reporter) -> Result<Vec<u8>, Error> {
        self.get_bytes_as(url, None, reporter)
    }

    /// [`Client::get_bytes`] with `Authorization: Bearer {bearer}` when there is one.
    pub(super) fn get_bytes_as(
        &self,
        url: &str,
        bearer: Option<&str>,
        reporter: &dyn Reporter,
    ) -> Result<Vec<u8>, Error> {
        if let Some(directory) = self.local(url) {
            return directory.read(url, MAX_JSON_BODY);
        }
        self.send(url, Policy::Idempotent, reporter, || {
            let request = self.http.get(url);
            match bearer {
                Some(token) => request.bearer_auth(token),
                None => request,
            }
        })
        .map(|(_, body)| body)
    }

    /// GET `url` (retried) and return its body, at most `max` bytes: for the one document that
    /// may be larger than [`MAX_JSON_BODY`], a mirror's catalog.
    pub(super) fn get_capped(
        &self,
        url: &str,
        max: u64,
        reporter: &dyn Reporter,
    ) -> Result<Vec<u8>, Error> {
        if let Some(directory) = self.local(url) {
            return directory.read(url, max);
        }
        self.send_capped(url, Policy::Idempotent, max, reporter, || {
            self.http.get(url)
        })
        .map(|(_, body)| body)
    }

    /// A conditional GET of `url` (retried): with `etag`, sends `If-None-Match` and a `304` comes
    /// back as [`Revalidated::NotModified`]; otherwise the body (at most [`MAX_JSON_BODY`] bytes)
    /// and the answer's `ETag`, if any. Error statuses (404 included) are errors, as for every GET.
    pub fn get_revalidated(
        &self,
        url: &str,
        etag: Option<&str>,
        reporter: &dyn Reporter,
    ) -> Result<Revalidated, Error> {
        if let Some(directory) = self.local(url) {
            // A file has no ETag: read whole each time, which costs less than a request.
            return Ok(Revalidated::Fetched {
                body: directory.read(url, MAX_JSON_BODY)?,
                etag: None,
            });
        }
        self.with_retries(url, Policy::Idempotent, reporter, |deadline| {
            let mut request = self.http.get(url);
            if let Some(etag) = etag {
                request = request.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            let resp = match request.send() {
                Ok(resp) => resp,
                Err(e) => return send_error(url, e, self.settings.read_timeout),
            };
            if resp.status() == reqwest::StatusCode::NOT_MODIFIED && etag.is_some() {
                return Attempt::Done(Revalidated::NotModified);
            }
            let resp = match sort_answer(url, resp) {
                Ok(resp) => resp,
                Err(attempt) => return attempt,
            };
            // An ETag that is not visible ASCII cannot be sent back; it is dropped.
            let etag = resp
                .headers()
                .get(reqwest::header::ETAG)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty())
                .map(str::to_owned);
            let mut body = Vec::new();
            match read_body(url, resp, MAX_JSON_BODY, deadline, |chunk| {
                body.extend_from_slice(chunk);
                Ok(())
            }) {
                Ok(_) => Attempt::Done(Revalidated::Fetched { body, etag }),
                Err(attempt) => attempt,
            }
        })
    }

    /// Sends the request `make` builds, again for each attempt the `policy` allows, and returns
    /// the success status and body (at most [`MAX_JSON_BODY`] bytes).
    pub(super) fn send(
        &self,
        url: &str,
        policy: Policy,
        reporter: &dyn Reporter,
        make: impl Fn() -> RequestBuilder,
    ) -> Result<(u16, Vec<u8>), Error> {
        let result = self.send_capped(url, policy, MAX_JSON_BODY, reporter, make);
        self.unless_mirror(url, result)
    }

    /// [`Client::send`] with a body of at most `max` bytes.
    fn send_capped(
        &self,
        url: &str,
        policy: Policy,
        max: u64,
        reporter: &dyn Reporter,
        make: impl Fn() -> RequestBuilder,
    ) -> Result<(u16, Vec<u8>), Error> {
        if let Some(directory) = self.local(url) {
            return Err(directory.no_api(format!("`{url}`")));
        }
        self.with_retries(url, policy, reporter, |deadline| {
            let resp = match self.start(url, make()) {
                Ok(resp) => resp,
                Err(attempt) => return attempt,
            };
            let status = resp.status().as_u16();
            let mut body = Vec::new();
            match read_body(url, resp, max, deadline, |chunk| {
                body.extend_from_slice(chunk);
                Ok(())
            }) {
                Ok(_) => Attempt::Done((status, body)),
                Err(attempt) => attempt,
            }
        })
    }

    /// An API request's `result`, unless a web server serving a mirror refused it (404; 405 or
    /// 501 for a method it does not serve): then [`Error::NoApi`], which says the registry is a mirror rather than "405
    /// Not Allowed", and on which the reads a mirror can answer turn to its files instead
    /// ([`Client::or_mirror`]). Only a refusal costs the extra look at `config.json`.
    fn unless_mirror<T>(&self, url: &str, result: Result<T, Error>) -> Result<T, Error> {
        let api = url
            .strip_prefix(self.base.as_str())
            .is_some_and(|path| path.starts_with("/api/"));
        match result {
            Err(e)
                if api
                    && matches!(e.status(), Some(404 | 405 | 501))
                    && self.is_mirror(&super::Silent) =>
            {
                Err(Error::NoApi {
                    registry: self.base.clone(),
                    what: format!("`{url}`"),
                })
            }
            result => result,
        }
    }

    /// Sends a request once (no retry) and returns its success status and body: some answers
    /// differ only by status (`201` created, `200` updated).
    pub(super) fn send_once_status(
        &self,
        url: &str,
        request: RequestBuilder,
    ) -> Result<(u16, Vec<u8>), Error> {
        if let Some(directory) = self.local(url) {
            return Err(directory.no_api(format!("`{url}`")));
        }
        let mut request = Some(request);
        let result = self.with_retries(url, Policy::Once, &super::Silent, |deadline| {
            let Some(request) = request.take() else {
                return Attempt::Fail(Error::Decode {
                    url: url.to_owned(),
                    message: "request sent twice".into(),
                });
            };
            let resp = match self.start(url, request) {
                Ok(resp) => resp,
                Err(attempt) => return attempt,
            };
            let status = resp.status().as_u16();
            let mut body = Vec::new();
            match read_body(url, resp, MAX_JSON_BODY, deadline, |chunk| {
                body.extend_from_slice(chunk);
                Ok(())
            }) {
                Ok(_) => Attempt::Done((status, body)),
                Err(attempt) => attempt,
            }
        });
        self.unless_mirror(url, result)
    }

    /// Streams `url` into `dest` (emptied first, and again before each retry), at most `max`
    /// bytes. Returns the size and the sha256 of the bytes written, computed as they streamed.
    pub fn download(
        &self,
        url: &str,
        what: &str,
        dest: &mut std::fs::File,
        max: u64,
        reporter: &dyn Reporter,
    ) -> Result<(u64, String), Error> {
        if let Some(directory) = self.local(url) {
            return directory.copy_into(url, what, dest, max, reporter);
        }
        self.with_retries(url, Policy::Idempotent, reporter, |deadline| {
            if let Err(e) = dest
                .set_len(0)
                .and_then(|()| dest.seek(SeekFrom::Start(0)).map(drop))
            {
                return Attempt::Fail(Error::Io(e));
            }
            let resp = match self.start(url, self.http.get(url)) {
                Ok(resp) => resp,
                Err(attempt) => return attempt,
            };
            reporter.download_started(what, resp.content_length());
            let mut hasher = Sha256::new();
            let mut written = 0;
            let result = read_body(url, resp, max, deadline, |chunk| {
                hasher.update(chunk);
                dest.write_all(chunk)?;
                written += chunk.len() as u64;
                reporter.download_progress(written);
                Ok(())
            });
            reporter.download_finished();
            match result.and_then(|n| {
                dest.flush()
                    .map(|()| n)
                    .map_err(|e| Attempt::Fail(Error::Io(e)))
            }) {
                Ok(n) => Attempt::Done((n, hex::encode(hasher.finalize()))),
                Err(attempt) => attempt,
            }
        })
    }

    /// The directory `url` is read from: a `file:` URL of a directory registry. Other URLs (an
    /// absolute `dl` of a mirror made with `--base-url`) go over HTTP.
    fn local(&self, url: &str) -> Option<&super::directory::Directory> {
        if url.starts_with("file:") {
            self.directory.as_ref()
        } else {
            None
        }
    }

    fn with_retries<T>(
        &self,
        url: &str,
        policy: Policy,
        reporter: &dyn Reporter,
        mut attempt: impl FnMut(Instant) -> Attempt<T>,
    ) -> Result<T, Error> {
        let attempts = if policy == Policy::Once {
            1
        } else {
            self.settings.retries.saturating_add(1)
        };
        let mut delay = self.settings.backoff;
        let mut n = 1;
        loop {
            let deadline = Instant::now() + self.settings.total_timeout;
            match attempt(deadline) {
                Attempt::Done(value) => return Ok(value),
                Attempt::Fail(error) => return Err(error),
                // Not retryable under this policy, or told to wait longer than we would.
                Attempt::Retry {
                    error, why, after, ..
                } if !policy.retries(why) || after.is_some_and(|a| a > MAX_RETRY_AFTER) => {
                    return Err(error);
                }
                Attempt::Retry { error, .. } if n >= attempts => {
                    return Err(if attempts > 1 {
                        Error::GaveUp {
                            url: url.to_owned(),
                            attempts,
                            last: Box::new(error),
                        }
                    } else {
                        error
                    });
                }
                Attempt::Retry { reason, after, .. } => {
                    let wait = after.unwrap_or(delay);
                    reporter.retrying(url, n, attempts, wait, &reason);
                    std::thread::sleep(wait);
                    delay = (delay * 2).min(self.settings.max_backoff);
                    n += 1;
                }
            }
        }
    }

    /// Sends the request and sorts the answer: a success to read, or an attempt's outcome.
    fn start<T>(&self, url: &str, request: RequestBuilder) -> Result<Response, Attempt<T>> {
        let resp = request
            .send()
            .map_err(|e| send_error(url, e, self.settings.read_timeout))?;
        sort_answer(url, resp)
    }
}

/// A success to read, or the attempt's outcome for an error status.
fn sort_answer<T>(url: &str, resp: Response) -> Result<Response, Attempt<T>> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let after = retry_after(&resp);
    let error = api_error(url, resp, after);
    if status.is_server_error() || status.as_u16() == 429 {
        Err(Attempt::Retry {
            reason: format!("HTTP {}", status.as_u16()),
            why: Transient::Status(status.as_u16()),
            error,
            after,
        })
    } else {
        Err(Attempt::Fail(error))
    }
}

fn send_error<T>(url: &str, e: reqwest::Error, read_timeout: Duration) -> Attempt<T> {
    let url = url.to_owned();
    if e.is_connect() {
        Attempt::Retry {
            reason: "cannot connect".into(),
            why: Transient::NoAnswer,
            error: Error::Connect { url, source: e },
            after: None,
        }
    } else if e.is_timeout() {
        Attempt::Retry {
            reason: "timed out".into(),
            why: Transient::TimedOut,
            error: Error::Timeout {
                url,
                after: read_timeout,
            },
            after: None,
        }
    } else if e.is_request() || e.is_body() {
        // The connection was reset or closed before an answer.
        Attempt::Retry {
            reason: "connection failed".into(),
            why: Transient::NoAnswer,
            error: Error::Http { url, source: e },
            after: None,
        }
    } else {
        Attempt::Fail(Error::Http { url, source: e })
    }
}

/// Reads the body into `sink`, failing past `limit` bytes or past `deadline`.
fn read_body<T>(
    url: &str,
    mut resp: Response,
    limit: u64,
    deadline: Instant,
    mut sink: impl FnMut(&[u8]) -> std::io::Result<()>,
) -> Result<u64, Attempt<T>> {
    let too_large = || {
        Attempt::Fail(Error::TooLarge {
            url: url.to_owned(),
            limit,
        })
    };
    if resp.content_length().is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let started = Instant::now();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    loop {
        if Instant::now() > deadline {
            return Err(timed_out(url, deadline.saturating_duration_since(started)));
        }
        let n = match resp.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if is_timeout(&e) => return Err(timed_out(url, started.elapsed())),
            Err(e) => {
                return Err(Attempt::Retry {
                    reason: "connection broke during the answer".into(),
                    why: Transient::BrokenBody,
                    error: Error::Body {
                        url: url.to_owned(),
                        source: e,
                    },
                    after: None,
                });
            }
        };
        total += n as u64;
        if total > limit {
            return Err(too_large());
        }
        sink(&buf[..n]).map_err(|e| Attempt::Fail(Error::Io(e)))?;
    }
}

/// An attempt that ran out of time, `after` reading for that long.
fn timed_out<T>(url: &str, after: Duration) -> Attempt<T> {
    Attempt::Retry {
        reason: "timed out".into(),
        why: Transient::TimedOut,
        error: Error::Timeout {
            url: url.to_owned(),
            after,
        },
        after: None,
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    if e.kind() == std::io::ErrorKind::TimedOut {
        return true;
    }
    let mut source = e
        .get_ref()
        .map(|inner| inner as &(dyn std::error::Error + 'static));
    while let Some(err) = source {
        if err
            .downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_timeout)
        {
            return true;
        }
        if err
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        source = err.source();
    }
    false
}

fn retry_after(resp: &Response) -> Option<Duration> {
    let value = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[derive(serde::Deserialize)]
struct Problem {
    detail: Option<String>,
    title: Option<String>,
}

/// Turns an error answer into [`Error::Api`], with the problem+json `detail` when there is one.
fn api_error(url: &str, resp: Response, retry_after: Option<Duration>) -> Error {
    let status = resp.status();
    let mut body = Vec::new();
    // A broken or oversized error body still leaves the status to report.
    let _ = resp.take(MAX_ERROR_BODY).read_to_end(&mut body);
    let detail = serde_json::from_slice::<Problem>(&body)
        .ok()
        .and_then(|p| p.detail.or(p.title))
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
    // The detail is printed to a terminal: no escape sequences from a hostile server.
    let detail: String = detail
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(1000)
        .collect();
    Error::Api {
        status: status.as_u16(),
        detail,
        url: url.to_owned(),
        retry_after,
    }
}
