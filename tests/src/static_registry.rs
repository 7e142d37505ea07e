use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use osops_index::{AssetName, IndexConfig, IndexEntry, index_path};

/// A registry that serves whatever it is told: fixed bytes at fixed paths over plain HTTP/1.1.
///
/// It stands in for a compromised registry or mirror, or a proxy that alters bytes, so tests can
/// hand the client an index and archives that the real registry would never serve.
pub struct StaticRegistry {
    url: String,
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    stop: Arc<AtomicBool>,
}

impl StaticRegistry {
    pub fn start() -> StaticRegistry {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let files = Arc::new(Mutex::new(HashMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let registry = StaticRegistry {
            url,
            files: Arc::clone(&files),
            stop: Arc::clone(&stop),
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
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let files = Arc::clone(&files);
                std::thread::spawn(move || serve(stream, &files));
            }
        });
        registry
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Serves `body` at `path`.
    pub fn put(&self, path: &str, body: Vec<u8>) {
        self.files
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
}

impl Drop for StaticRegistry {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

fn serve(stream: TcpStream, files: &Mutex<HashMap<String, Vec<u8>>>) {
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
    let body = files.lock().expect("files lock").get(&path).cloned();
    let mut stream = stream;
    let (status, body) = match body {
        Some(body) => ("200 OK", body),
        None => ("404 Not Found", b"not found".to_vec()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
    let _ = stream.shutdown(Shutdown::Both);
}
