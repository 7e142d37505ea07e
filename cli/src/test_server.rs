//! A tiny HTTP/1.1 server on `127.0.0.1:0` for the client's tests: canned answers per route, a
//! log of the requests it saw, and misbehaviours (resets, trickled bodies) on demand.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub enum Reply {
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Close the connection without answering.
    Close,
    /// Send the headers, then one body byte every `every`, forever.
    Trickle { every: Duration },
}

impl Reply {
    pub fn ok(body: impl Into<Vec<u8>>) -> Reply {
        Reply::Http {
            status: 200,
            headers: vec![],
            body: body.into(),
        }
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Reply {
        Reply::Http {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: value.to_string().into_bytes(),
        }
    }

    pub fn problem(status: u16, detail: &str) -> Reply {
        let body = serde_json::json!({"type": "about:blank", "title": "Error", "status": status, "detail": detail});
        Reply::Http {
            status,
            headers: vec![("Content-Type".into(), "application/problem+json".into())],
            body: body.to_string().into_bytes(),
        }
    }
}

type Routes = HashMap<String, Vec<Reply>>;

/// One request as the server read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `"GET /path?query"`.
    pub request: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    /// The `If-None-Match` header, if any.
    pub if_none_match: Option<String>,
    pub body: Vec<u8>,
}

pub struct TestServer {
    pub url: String,
    routes: Arc<Mutex<Routes>>,
    log: Arc<Mutex<Vec<Seen>>>,
}

impl TestServer {
    pub fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let routes = Arc::new(Mutex::new(Routes::new()));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (r, l) = (routes.clone(), log.clone());
        // The thread outlives the test harmlessly; the process ends it.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (r, l) = (r.clone(), l.clone());
                std::thread::spawn(move || serve(stream, &r, &l));
            }
        });
        TestServer { url, routes, log }
    }

    /// Answers `"GET /path"` with `replies` in turn; the last one repeats.
    pub fn route(&self, request: &str, replies: Vec<Reply>) {
        self.routes
            .lock()
            .expect("lock")
            .insert(request.to_owned(), replies);
    }

    /// Every request seen so far, as `"GET /path"`, in order.
    pub fn requests(&self) -> Vec<String> {
        self.seen().into_iter().map(|s| s.request).collect()
    }

    /// Every request seen so far, with its `Authorization` header and body, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.log.lock().expect("lock").clone()
    }

    pub fn count(&self, request: &str) -> usize {
        self.requests().iter().filter(|r| *r == request).count()
    }
}

fn serve(stream: TcpStream, routes: &Mutex<Routes>, log: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let request = format!(
        "{} {}",
        parts.next().unwrap_or(""),
        parts.next().unwrap_or("")
    );
    let mut length = 0usize;
    let (mut authorization, mut content_type, mut if_none_match) = (None, None, None);
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            } else if k.eq_ignore_ascii_case("authorization") {
                authorization = Some(v.trim().to_owned());
            } else if k.eq_ignore_ascii_case("content-type") {
                content_type = Some(v.trim().to_owned());
            } else if k.eq_ignore_ascii_case("if-none-match") {
                if_none_match = Some(v.trim().to_owned());
            }
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let reply = {
        let mut routes = routes.lock().expect("lock");
        match routes.get_mut(&request) {
            Some(replies) if replies.len() > 1 => replies.remove(0),
            Some(replies) => replies[0].clone(),
            None => Reply::problem(404, "no such route"),
        }
    };
    // Logged before answering, so a client that got an answer always finds its request here.
    log.lock().expect("lock").push(Seen {
        request,
        authorization,
        content_type,
        if_none_match,
        body,
    });
    let mut stream = reader.into_inner();
    match reply {
        Reply::Close => {}
        Reply::Http {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream
                .write_all(head.as_bytes())
                .and_then(|()| stream.write_all(&body));
        }
        Reply::Trickle { every } => {
            let head = "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n";
            if stream.write_all(head.as_bytes()).is_err() {
                return;
            }
            while stream.write_all(b"x").and_then(|()| stream.flush()).is_ok() {
                std::thread::sleep(every);
            }
        }
    }
}
