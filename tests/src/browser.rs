//! A real headless Chromium, driven over WebDriver (chromedriver + fantoccini), for the tests that
//! use the registry's web pages as a person would.
//!
//! The tests run only when `OSOPS_TEST_BROWSER` is set (CI sets it after installing Debian's
//! `chromium` and `chromium-driver`); elsewhere [`Browser::start`] says so and returns `None`, so
//! a developer without a browser still gets a green `cargo test`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;

/// How long chromedriver may take to listen, and Chromium to close, before we give up.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Chromium's flags: headless and quiet (no calls home: the network is loopback only), no sandbox
/// (CI runs as root, where Chromium's sandbox refuses to start), and a fixed window so screenshots
/// of two runs compare.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1000",
];

/// A WebDriver session on a headless Chromium; derefs to the fantoccini [`Client`].
///
/// Dropping it (also while a test panics) ends the session, which closes Chromium, then kills
/// chromedriver.
pub struct Browser {
    client: Client,
    session: Option<String>,
    driver: Child,
    port: u16,
    screenshots: AtomicUsize,
    // Chromium's profile, fresh for each session so no state leaks between tests; removed on drop.
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a Chromium session, or returns `None` when `OSOPS_TEST_BROWSER`
    /// is unset. Panics when it is set but the browser cannot be started: CI must not pass by
    /// skipping.
    pub async fn start() -> Option<Browser> {
        if std::env::var_os("OSOPS_TEST_BROWSER").is_none() {
            // Straight to stderr, not eprintln!, which the test harness captures and hides from
            // passing tests: a skip should be seen.
            let _ = writeln!(
                std::io::stderr(),
                "skipped: set OSOPS_TEST_BROWSER=1 to run the browser tests (needs chromium and chromedriver)"
            );
            return None;
        }
        let chromedriver = program("CHROMEDRIVER", "/usr/bin/chromedriver");
        let chromium = program("CHROMIUM", "/usr/bin/chromium");
        let (driver, port, log) = start_chromedriver(&chromedriver);

        let profile = tempfile::tempdir().expect("temporary Chromium profile dir");
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let capabilities = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal");
        };
        // Plain http to loopback: no TLS connector (and no TLS library) needed.
        let connected = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        let client = match connected {
            Ok(client) => client,
            Err(err) => {
                let mut driver = driver;
                let _ = driver.kill();
                let _ = driver.wait();
                panic!(
                    "Chromium ({}) did not start under chromedriver: {err}\nchromedriver said:\n{}",
                    chromium.display(),
                    log.lock().expect("log lock")
                );
            }
        };
        let session = client.session_id().await.ok().flatten();
        Some(Browser {
            client,
            session,
            driver,
            port,
            screenshots: AtomicUsize::new(0),
            _profile: profile,
        })
    }

    /// Saves what the page shows as `<workspace>/target/browser-screenshots/NN-NAME.png` (NN
    /// counts this browser's screenshots, so the files sort in the order of the test) and returns
    /// the path, which it also prints, to find the picture of a failing step.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = crate::workspace_dir().join("target/browser-screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let n = self.screenshots.fetch_add(1, Ordering::Relaxed) + 1;
        let path = dir.join(format!("{n:02}-{name}.png"));
        std::fs::write(&path, png).expect("screenshot written");
        eprintln!("screenshot: {}", path.display());
        path
    }
}

impl Deref for Browser {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // fantoccini ends the session only from an async task that may never run once the test's
        // runtime is gone, so end it here, synchronously, before chromedriver goes: deleting the
        // session is what makes chromedriver close Chromium rather than orphan it.
        if let Some(session) = &self.session {
            delete_session(self.port, session);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The program named by the environment variable `var`, else `default`; panics if it is missing.
fn program(var: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from);
    assert!(
        path.is_file(),
        "OSOPS_TEST_BROWSER is set but {} does not exist: install Debian's chromium and \
         chromium-driver (as .ci/run does), or point {var} at it",
        path.display()
    );
    path
}

/// Starts chromedriver on a free loopback port and waits for it to say it listens (no sleep: it
/// prints "ChromeDriver was started successfully on port N." once it accepts connections).
/// Returns the child, the port and everything it printed.
fn start_chromedriver(chromedriver: &Path) -> (Child, u16, Arc<Mutex<String>>) {
    // Port 0: chromedriver picks a free port itself and tells it, so there is no race with other
    // tests over a port picked in advance.
    let mut driver = Command::new(chromedriver)
        .arg("--port=0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not start: {e}", chromedriver.display()));
    let log = Arc::new(Mutex::new(String::new()));
    let (ready, port) = mpsc::channel();
    // Drain both pipes for chromedriver's whole life, so it never blocks on a full pipe. When it
    // exits before saying it is ready, the sender is dropped and the wait below ends at once.
    let stdout = driver.stdout.take().expect("stdout is piped");
    drain(stdout, Arc::clone(&log), Some(ready));
    let stderr = driver.stderr.take().expect("stderr is piped");
    drain(stderr, Arc::clone(&log), None);
    match port.recv_timeout(TIMEOUT) {
        Ok(port) => (driver, port, log),
        Err(e) => {
            let _ = driver.kill();
            let _ = driver.wait();
            let why = match e {
                mpsc::RecvTimeoutError::Timeout => "did not listen within the time limit",
                mpsc::RecvTimeoutError::Disconnected => "exited before it listened",
            };
            panic!(
                "{} {why}; it said:\n{}",
                chromedriver.display(),
                log.lock().expect("log lock")
            );
        }
    }
}

/// Copies `pipe` into `log` line by line on a thread, sending the port of the readiness line.
fn drain(
    pipe: impl Read + Send + 'static,
    log: Arc<Mutex<String>>,
    ready: Option<mpsc::Sender<u16>>,
) {
    std::thread::spawn(move || {
        let mut ready = ready;
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let port = line
                .split_once("started successfully on port ")
                .and_then(|(_, rest)| rest.trim_end_matches('.').parse().ok());
            if let (Some(port), Some(tx)) = (port, &ready) {
                let _ = tx.send(port);
                ready = None;
            }
            let mut log = log.lock().expect("log lock");
            log.push_str(&line);
            log.push('\n');
        }
    });
}

/// `DELETE /session/ID` over a bare socket (Drop cannot await), waiting for the answer, which
/// comes once Chromium has quit. Only the first bytes are awaited: chromedriver keeps the
/// connection open despite `Connection: close`. Errors are ignored: chromedriver is killed next.
fn delete_session(port: u16, session: &str) {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(TIMEOUT));
    let request = format!(
        "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_ok() {
        let _ = stream.read(&mut [0; 64]);
    }
}
