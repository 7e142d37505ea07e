use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use osops_index::{AssetName, IndexConfig, IndexEntry, index_path};

/// A registry that serves whatever it is told: fixed bytes at fixed paths over plain HTTP/1.1.
///
/// It stands in for a compromised registry or mirror, or a proxy that alters bytes, so tests can
/// hand the client an index and archives that the real registry would never serve. It can also
/// misbehave on a path (SECURITY-TESTS 26): answer 5xx a number of times ([`Self::fail`]),
/// trickle the body ([`Self::trickle`]) or reset the connection mid-body
/// ([`Self::reset_mid_body`]); [`Self::requests`] counts what each path was asked.
pub struct StaticRegistry {
    url: String,
    state: Arc<State>,
}

#[derive(Default)]
struct State {
    files: Mutex<HashMap<String, Vec<u8>>>,
    faults: Mutex<HashMap<String, Fault>>,
    hits: Mutex<HashMap<String, usize>>,
    stop: AtomicBool,
}

/// How a path misbehaves.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// Answer `status` to the next `times` requests, then serve the file.
    Status { status: u16, times: usize },
    /// Send the headers, then one body byte every `every`.
    Trickle { every: Duration },
    /// Send the headers and half the body, then reset the connection (TCP RST).
    Reset,
}

impl StaticRegistry {
    pub fn start() -> StaticRegistry {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let state = Arc::new(State::default());
        let registry = StaticRegistry {
            url,
            state: Arc::clone(&state),
        };
        registry.put(
            "/index/config.json",
            serde_json::to_vec(&IndexConfig {
                dl: format!("{}/dl/{{name}}/{{version}}", registry.url),
                api: registry.url.clone(),
                v: 1,
            })
            .expect("config serialises"),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if state.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let state = Arc::clone(&state);
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        registry
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Serves `body` at `path`.
    pub fn put(&self, path: &str, body: Vec<u8>) {
        self.state
            .files
            .lock()
            .expect("files lock")
            .insert(path.to_string(), body);
    }

    /// Publishes `archive` as `entry` (its `cksum` as given, so a test can make it lie): the index
    /// line and the download.
    pub fn publish(&self, entry: &IndexEntry, archive: Vec<u8>) {
        let name: &AssetName = &entry.name;
        let line = serde_json::to_string(entry).expect("entry serialises") + "\n";
        self.put(&format!("/index/{}", index_path(name)), line.into_bytes());
        self.put(&format!("/dl/{}/{}", name, entry.vers), archive);
    }

    /// The download path of `entry`, as [`Self::publish`] serves it.
    pub fn download_path(entry: &IndexEntry) -> String {
        format!("/dl/{}/{}", entry.name, entry.vers)
    }

    /// Answers `status` (with a problem+json body) to the next `times` requests for `path`, then
    /// serves it again; `usize::MAX` for always.
    pub fn fail(&self, path: &str, status: u16, times: usize) {
        self.fault(path, Fault::Status { status, times });
    }

    /// Sends `path`'s headers at once, then its body one byte every `every`.
    pub fn trickle(&self, path: &str, every: Duration) {
        self.fault(path, Fault::Trickle { every });
    }

    /// Sends `path`'s headers and the first half of its body, then resets the connection.
    pub fn reset_mid_body(&self, path: &str) {
        self.fault(path, Fault::Reset);
    }

    /// How many requests for `path` arrived.
    pub fn requests(&self, path: &str) -> usize {
        let hits = self.state.hits.lock().expect("hits lock");
        hits.get(path).copied().unwrap_or(0)
    }

    fn fault(&self, path: &str, fault: Fault) {
        self.state
            .faults
            .lock()
            .expect("faults lock")
            .insert(path.to_string(), fault);
    }
}

impl Drop for StaticRegistry {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

fn serve(stream: TcpStream, state: &State) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Skip the headers; this server answers every request the same way.
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    *state
        .hits
        .lock()
        .expect("hits lock")
        .entry(path.clone())
        .or_default() += 1;
    let fault = {
        let mut faults = state.faults.lock().expect("faults lock");
        let fault = faults.get(&path).copied();
        if let Some(Fault::Status { status, times }) = fault {
            if times == 0 {
                faults.remove(&path);
                None
            } else {
                let times = if times == usize::MAX {
                    times
                } else {
                    times - 1
                };
                faults.insert(path.clone(), Fault::Status { status, times });
                fault
            }
        } else {
            fault
        }
    };
    let body = state.files.lock().expect("files lock").get(&path).cloned();
    let mut stream = stream;
    let (status, body) = match (fault, body) {
        (Some(Fault::Status { status, .. }), _) => (
            format!("{status} Error"),
            format!(r#"{{"type":"about:blank","title":"Error","status":{status},"detail":"induced failure {status}"}}"#)
                .into_bytes(),
        ),
        (_, Some(body)) => ("200 OK".to_string(), body),
        (_, None) => ("404 Not Found".to_string(), b"not found".to_vec()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    match fault {
        Some(Fault::Trickle { every }) => {
            for byte in &body {
                if state.stop.load(Ordering::SeqCst)
                    || stream.write_all(std::slice::from_ref(byte)).is_err()
                {
                    return;
                }
                std::thread::sleep(every);
            }
        }
        Some(Fault::Reset) => {
            let _ = stream.write_all(&body[..body.len() / 2]);
            let _ = stream.flush();
            // SO_LINGER 0: closing sends RST rather than FIN, as a crashed proxy would.
            let socket = tokio::net::TcpSocket::from_std_stream(stream);
            let _ = socket.set_zero_linger();
            return;
        }
        _ => {
            let _ = stream.write_all(&body);
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}
