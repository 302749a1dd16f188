//! Real-browser test driver: headless Debian Chromium driven from Rust over WebDriver.
//!
//! Each [`Browser`] owns its own `chromedriver --port=0` process, its own Chromium profile
//! directory and one WebDriver session, so tests that run concurrently in one test binary never
//! share state (cookies, storage, ports). Everything is torn down on [`Browser::close`] or, best
//! effort, on `Drop` (including while a failing test unwinds).
//!
//! When chromedriver or Chromium is not installed, [`Browser::start`] returns `Ok(None)` after a
//! loud warning, so a developer without the packages can still run the rest of the suite. CI sets
//! `ACORN_BROWSER_SKIP_LOG` and fails the run when that file is non-empty, so a skip can never
//! pass silently there. `scripts/install-test-deps.sh` installs everything this module needs.
//!
//! Accessibility: [`Browser::axe_check`] injects axe-core (npm, installed under
//! `crates/testkit/js/node_modules`) into the current page and returns its violations;
//! [`Browser::assert_accessible`] fails on any serious or critical one. The architecture requires
//! that check on every page a UI test visits.
//!
//! ```no_run
//! # async fn demo(base: &str) -> anyhow::Result<()> {
//! use acorn_testkit::browser::Browser;
//! let Some(b) = Browser::start().await? else { return Ok(()) }; // skipped, already reported
//! b.goto(&format!("{base}/login")).await?;
//! b.assert_accessible().await?;
//! b.fill("#email", "a@example.com").await?;
//! b.click("button[type=submit]").await?;
//! assert_eq!(b.current_path().await?, "/");
//! b.close().await?;
//! # Ok(()) }
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, anyhow, bail};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// How long element look-ups poll before giving up. Server-rendered pages load fast; this only
/// has to cover a navigation started by the previous click plus a slow, busy CI machine.
const WAIT_TIMEOUT: Duration = Duration::from_secs(10);
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// chromedriver prints its port almost at once; the margin is for a loaded machine.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(30);
/// Session creation launches Chromium; several in parallel on a busy machine can take a while.
const SESSION_START_TIMEOUT: Duration = Duration::from_secs(60);
/// How many node targets of each axe violation are kept (enough to find the element).
const AXE_MAX_TARGETS: usize = 5;

/// Flags known to work on these machines (see ARCHITECTURE.md, "Tests"). Why each matters:
/// `--no-sandbox` because tests run as root; `--disable-dev-shm-usage` because /dev/shm may be
/// small in containers; the `--disable-*-networking/update/sync` and `--disable-quic` ones because
/// the machines reach no internet and a stalled background fetch must not slow or flake a test;
/// a fixed window size and language make layout and text deterministic.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--window-size=1280,900",
    "--lang=en-US",
];

/// A headless Chromium session with its own chromedriver. See the module docs.
#[derive(Debug)]
pub struct Browser {
    // Field order is drop order: the WebDriver session ends in `Drop::drop` first, then
    // chromedriver stops, then the (now unused) profile directory is removed.
    client: Client,
    driver: DriverProcess,
    profile: ProfileDir,
    session_id: Option<String>,
    closed: bool,
}

/// One axe-core rule that failed on the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AxeViolation {
    /// axe rule id, e.g. `image-alt`, `label`, `color-contrast`.
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical` (empty when axe gave none).
    pub impact: String,
    /// One-line description of what is required.
    pub help: String,
    /// Deque's page explaining the rule and how to fix it.
    pub help_url: String,
    /// CSS selectors of the first few offending elements (at most 5).
    pub targets: Vec<String>,
    /// How many elements violate the rule in total.
    pub node_count: usize,
}

impl AxeViolation {
    /// The impacts that fail [`Browser::assert_accessible`].
    pub fn is_blocking(&self) -> bool {
        matches!(self.impact.as_str(), "serious" | "critical")
    }
}

impl std::fmt::Display for AxeViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{}] {}: {} ({} element(s): {}{}) {}",
            if self.impact.is_empty() { "?" } else { &self.impact },
            self.id,
            self.help,
            self.node_count,
            self.targets.join(", "),
            if self.node_count > self.targets.len() { ", …" } else { "" },
            self.help_url,
        )
    }
}

impl Browser {
    /// Starts chromedriver and a fresh headless Chromium session.
    ///
    /// Returns `Ok(None)` (after a loud warning on stderr and a line in the file named by
    /// `ACORN_BROWSER_SKIP_LOG`, if set) when chromedriver or Chromium is not installed.
    /// Returns `Err` when they are installed but fail to start: a broken install must not
    /// look like a skip.
    pub async fn start() -> anyhow::Result<Option<Browser>> {
        let chromedriver = match find_chromedriver() {
            Ok(p) => p,
            Err(reason) => {
                report_skip(&reason);
                return Ok(None);
            }
        };
        let chromium = match find_chromium() {
            Ok(p) => p,
            Err(reason) => {
                report_skip(&reason);
                return Ok(None);
            }
        };

        // Guards are created first so an error below still stops chromedriver and removes
        // the profile directory.
        let profile = ProfileDir::create()?;
        let driver = DriverProcess::spawn(&chromedriver).await?;

        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path.display()));
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.to_string_lossy(),
                "args": args,
                // Downloads (CSV/PDF exports) land in a per-session folder without a prompt, so
                // a test can open the file and check it (e.g. for another tenant's canary).
                "prefs": {
                    "download.default_directory": profile.downloads().to_string_lossy(),
                    "download.prompt_for_download": false,
                    "download.directory_upgrade": true,
                },
            },
        });
        let serde_json::Value::Object(caps) = caps else { unreachable!() };

        // Plain HTTP connector: chromedriver is on localhost, so no TLS stack is compiled in.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let webdriver_url = format!("http://127.0.0.1:{}", driver.port);
        let client = tokio::time::timeout(SESSION_START_TIMEOUT, ClientBuilder::new(connector).capabilities(caps).connect(&webdriver_url))
            .await
            .map_err(|_| {
                anyhow!(
                    "timed out after {SESSION_START_TIMEOUT:?} creating a Chromium session \
                 (chromedriver output:\n{})",
                    driver.output()
                )
            })?
            .map_err(|e| {
                anyhow!(
                    "could not start Chromium ({}) through chromedriver ({}): {e}\n\
                 chromedriver output:\n{}",
                    chromium.display(),
                    chromedriver.display(),
                    driver.output()
                )
            })?;

        // fantoccini would otherwise send its own DELETE from a spawned task when the client is
        // dropped, possibly after chromedriver is gone (or its port reused by another test's
        // chromedriver). We end the session ourselves, synchronously, in `Drop`.
        client.persist().await.context("marking WebDriver session persistent")?;
        let session_id = client.session_id().await.context("reading WebDriver session id")?;

        Ok(Some(Browser { client, driver, profile, session_id, closed: false }))
    }

    /// Where files downloaded by this session are saved (inside the session's temporary
    /// profile, so it is removed with it). The folder may not exist before the first download.
    pub fn downloads_dir(&self) -> PathBuf {
        self.profile.downloads()
    }

    /// The underlying fantoccini client, for anything the helpers below don't cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Navigates to `url` and waits for the page load to finish.
    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.client.goto(url).await.with_context(|| format!("navigating to {url}"))
    }

    /// Finds the element matching `css`, polling for up to 10 s (pages that a click just
    /// started loading need a moment). The error names the selector and the current URL.
    pub async fn wait_for(&self, css: &str) -> anyhow::Result<Element> {
        self.wait_for_within(css, WAIT_TIMEOUT).await
    }

    /// [`wait_for`](Self::wait_for) with a custom timeout.
    pub async fn wait_for_within(&self, css: &str, timeout: Duration) -> anyhow::Result<Element> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.client.find(Locator::Css(css)).await {
                Ok(el) => return Ok(el),
                Err(e) if e.is_no_such_element() && Instant::now() < deadline => {
                    tokio::time::sleep(POLL_INTERVAL).await;
                }
                Err(e) => {
                    let url = self.client.current_url().await.map(|u| u.to_string());
                    return Err(anyhow!("element `{css}` not found within {timeout:?} on {}: {e}", url.unwrap_or_else(|_| "<unknown page>".into())));
                }
            }
        }
    }

    /// Whether an element matching `css` is on the page right now (no waiting): for asserting
    /// that something is absent, where waiting would only add the full timeout.
    pub async fn exists(&self, css: &str) -> anyhow::Result<bool> {
        match self.client.find(Locator::Css(css)).await {
            Ok(_) => Ok(true),
            Err(e) if e.is_no_such_element() => Ok(false),
            Err(e) => Err(anyhow!("looking for `{css}`: {e}")),
        }
    }

    /// Clears the input matching `css`, then types `text` into it (real key events).
    pub async fn fill(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let el = self.wait_for(css).await?;
        el.clear().await.with_context(|| format!("clearing `{css}`"))?;
        el.send_keys(text).await.with_context(|| format!("typing into `{css}`"))
    }

    /// Clicks the element matching `css`. A click that submits a form or follows a link
    /// returns once chromedriver sees the navigation finish.
    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        let el = self.wait_for(css).await?;
        el.click().await.with_context(|| format!("clicking `{css}`"))
    }

    /// The rendered (visible) text of the element matching `css`.
    pub async fn text(&self, css: &str) -> anyhow::Result<String> {
        let el = self.wait_for(css).await?;
        el.text().await.with_context(|| format!("reading text of `{css}`"))
    }

    /// Path of the current URL (no query or fragment), e.g. `/orders/42`.
    pub async fn current_path(&self) -> anyhow::Result<String> {
        Ok(self.current_url().await?.path().to_string())
    }

    /// The full current URL.
    pub async fn current_url(&self) -> anyhow::Result<url::Url> {
        self.client.current_url().await.context("reading current URL")
    }

    /// The current DOM serialized as HTML.
    pub async fn page_source(&self) -> anyhow::Result<String> {
        self.client.source().await.context("reading page source")
    }

    /// Saves a PNG screenshot of the viewport to `path` (parent directories are created),
    /// handy to attach to a failing test.
    pub async fn screenshot(&self, path: impl AsRef<Path>) -> anyhow::Result<()> {
        let path = path.as_ref();
        let png = self.client.screenshot().await.context("taking screenshot")?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))
    }

    /// Waits until the current document has finished loading.
    async fn wait_loaded(&self) -> anyhow::Result<()> {
        for _ in 0..100 {
            let state = self.client.execute("return document.readyState;", vec![]).await.context("reading document.readyState")?;
            if state == Value::String("complete".into()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("the page did not finish loading within 5 s")
    }

    /// Runs axe-core on the current page and returns every violation (all impacts).
    ///
    /// axe is injected at most once per page; it has to be re-injected after every navigation,
    /// which is why this checks for `window.axe` instead of remembering.
    pub async fn axe_check(&self) -> anyhow::Result<Vec<AxeViolation>> {
        // Injection and run happen in one script, so a navigation still under way when the check
        // starts (a redirect after a form post) cannot land between them; if the page changes
        // under the script anyway, wait for the new page to finish loading and run again.
        let mut attempt = 0;
        let result = loop {
            attempt += 1;
            self.wait_loaded().await?;
            let loaded =
                self.client.execute("return typeof window.axe === 'object' && !!window.axe.run;", vec![]).await.context("checking for axe-core in page")?;
            let inject = if loaded == Value::Bool(true) { String::new() } else { read_axe_source()? };
            let script = format!("{inject}\n{AXE_RUN}");
            match self.client.execute_async(&script, vec![json!(AXE_MAX_TARGETS)]).await {
                Ok(r) => break r,
                Err(e) if attempt < 3 => {
                    eprintln!("axe-core interrupted by a navigation ({e}); retrying");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => return Err(anyhow::Error::new(e).context("running axe-core")),
            }
        };
        if let Some(err) = result.get("error") {
            bail!("axe-core failed on the page: {err}");
        }
        let list = result.get("violations").and_then(Value::as_array).ok_or_else(|| anyhow!("unexpected axe-core result: {result}"))?;
        Ok(list.iter().map(parse_violation).collect())
    }

    /// Fails with a readable list when axe-core finds any serious or critical violation on the
    /// current page. Minor and moderate findings are tolerated (see ARCHITECTURE.md, "Tests").
    pub async fn assert_accessible(&self) -> anyhow::Result<()> {
        let blocking: Vec<AxeViolation> = self.axe_check().await?.into_iter().filter(AxeViolation::is_blocking).collect();
        if blocking.is_empty() {
            return Ok(());
        }
        let url = self.client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        let mut msg = format!("axe-core found {} serious/critical accessibility violation(s) on {url}:", blocking.len());
        for v in &blocking {
            msg.push_str("\n  - ");
            msg.push_str(&v.to_string());
        }
        Err(anyhow!(msg))
    }

    /// Ends the WebDriver session (Chromium quits). chromedriver is stopped and the profile
    /// removed right after, when `self` drops. Prefer this over relying on `Drop` so errors
    /// surface.
    pub async fn close(mut self) -> anyhow::Result<()> {
        // `Client::close` consumes a client; it's a cheap handle onto the same session.
        let res = self.client.clone().close().await.context("closing WebDriver session");
        self.closed = true;
        res
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Blocking on purpose: Drop can't await, may run while a panicking test unwinds, and
        // the tokio runtime may already be shutting down. Ending the session makes
        // chromedriver quit Chromium, so no browser outlives the test.
        if !self.closed
            && let Some(id) = &self.session_id
        {
            let _ = http_request(self.driver.port, "DELETE", &format!("/session/{id}"));
        }
    }
}

/// The chromedriver child process; stopped (and reaped) on drop.
#[derive(Debug)]
struct DriverProcess {
    child: Child,
    port: u16,
    /// Everything chromedriver printed, for error messages.
    output: Arc<Mutex<String>>,
}

impl DriverProcess {
    async fn spawn(chromedriver: &Path) -> anyhow::Result<DriverProcess> {
        let mut child = Command::new(chromedriver)
            // Port 0: the OS picks a free port, so parallel tests never race for one.
            .arg("--port=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("spawning {}", chromedriver.display()))?;

        let output = Arc::new(Mutex::new(String::new()));
        let (port_tx, mut port_rx) = tokio::sync::mpsc::unbounded_channel::<u16>();
        // Reader threads keep draining the pipes for the process's whole life, so chromedriver
        // can never block on a full pipe; they end at EOF when it exits.
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        spawn_reader(stdout, output.clone(), Some(port_tx));
        spawn_reader(stderr, output.clone(), None);

        // The guard exists before we wait, so a timeout or early exit still kills and reaps it.
        let mut driver = DriverProcess { child, port: 0, output };
        let port = match tokio::time::timeout(DRIVER_START_TIMEOUT, port_rx.recv()).await {
            Ok(Some(port)) => port,
            Ok(None) => bail!(
                "chromedriver ({}) exited without reporting its port (status {:?}); output:\n{}",
                chromedriver.display(),
                driver.child.try_wait().ok().flatten(),
                driver.output()
            ),
            Err(_) => bail!(
                "chromedriver ({}) did not report its port within {DRIVER_START_TIMEOUT:?}; \
                 output:\n{}",
                chromedriver.display(),
                driver.output()
            ),
        };
        driver.port = port;
        Ok(driver)
    }

    fn output(&self) -> String {
        self.output.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for DriverProcess {
    fn drop(&mut self) {
        if self.port != 0 {
            // /shutdown lets chromedriver quit any browser it still runs, unlike a plain kill
            // which would orphan Chromium.
            let _ = http_request(self.port, "GET", "/shutdown");
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_reader(pipe: impl Read + Send + 'static, output: Arc<Mutex<String>>, port_tx: Option<tokio::sync::mpsc::UnboundedSender<u16>>) {
    std::thread::spawn(move || {
        let mut port_tx = port_tx;
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if let Some(tx) = &port_tx
                && let Some(port) = parse_driver_port(&line)
            {
                let _ = tx.send(port);
                port_tx = None;
            }
            if let Ok(mut out) = output.lock() {
                // Bounded: only the beginning matters for start-up errors.
                if out.len() < 64 * 1024 {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
        }
    });
}

/// Parses "ChromeDriver was started successfully on port 43811." (the line chromedriver prints
/// once it listens; the earlier "Starting ChromeDriver … on port 0" line is not it).
fn parse_driver_port(line: &str) -> Option<u16> {
    let rest = line.split("started successfully on port ").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|&p| p != 0)
}

/// A fresh Chromium profile directory, removed on drop. Each session gets its own so parallel
/// browsers never share cookies, caches or the profile lock.
#[derive(Debug)]
struct ProfileDir {
    path: PathBuf,
}

impl ProfileDir {
    fn create() -> anyhow::Result<ProfileDir> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let path = std::env::temp_dir().join(format!("acorn-chromium-{}-{}-{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
        // create_dir (not _all) fails if it exists: the directory is never someone else's.
        std::fs::create_dir(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(ProfileDir { path })
    }

    fn downloads(&self) -> PathBuf {
        self.path.join("Downloads")
    }
}

impl Drop for ProfileDir {
    fn drop(&mut self) {
        // Chromium may still be flushing files for a moment after it quits; retry briefly.
        for _ in 0..10 {
            match std::fs::remove_dir_all(&self.path) {
                Ok(()) => return,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }
}

/// Minimal blocking HTTP/1.1 request to chromedriver, for use in `Drop`. Returns the status
/// line.
fn http_request(port: u16, method: &str, path: &str) -> std::io::Result<String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    // Deleting a session waits for Chromium to quit; generous but bounded.
    stream.set_read_timeout(Some(Duration::from_secs(15)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n"
    )?;
    // chromedriver answers "Connection: close" but keeps the socket open, so reading to EOF
    // would hang until the timeout: stop once Content-Length bytes of body have arrived.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse::<usize>().ok()).unwrap_or(0);
            if buf.len() >= end + 4 + len {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&buf);
    Ok(text.lines().next().unwrap_or_default().to_string())
}

fn find_chromedriver() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("ACORN_CHROMEDRIVER") {
        let p = PathBuf::from(p);
        return if p.is_file() { Ok(p) } else { Err(format!("chromedriver not found at ACORN_CHROMEDRIVER={}", p.display())) };
    }
    let default = PathBuf::from("/usr/bin/chromedriver");
    if default.is_file() {
        return Ok(default);
    }
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join("chromedriver")).find(|p| p.is_file()))
        .ok_or_else(|| "chromedriver not found (not at /usr/bin/chromedriver, not on PATH)".into())
}

fn find_chromium() -> Result<PathBuf, String> {
    let (p, origin) = match std::env::var_os("ACORN_CHROMIUM") {
        Some(p) => (PathBuf::from(p), "ACORN_CHROMIUM="),
        None => (PathBuf::from("/usr/bin/chromium"), ""),
    };
    if p.is_file() { Ok(p) } else { Err(format!("chromium not found at {origin}{}", p.display())) }
}

/// Loud on purpose: a skipped browser test must not be mistaken for a passing one.
fn report_skip(reason: &str) {
    let test = std::thread::current().name().unwrap_or("<unnamed thread>").to_string();
    eprintln!(
        "\n\
         ************************************************************************\n\
         *** BROWSER TESTS SKIPPED: {reason}\n\
         *** test: {test}\n\
         *** Install with: scripts/install-test-deps.sh (Debian chromium + chromium-driver)\n\
         *** or point ACORN_CHROMEDRIVER / ACORN_CHROMIUM at the binaries.\n\
         ************************************************************************\n"
    );
    if let Some(log) = std::env::var_os("ACORN_BROWSER_SKIP_LOG") {
        let line = format!("BROWSER TESTS SKIPPED: {reason} (test: {test})\n");
        let written = std::fs::OpenOptions::new().create(true).append(true).open(&log).and_then(|mut f| f.write_all(line.as_bytes()));
        if let Err(e) = written {
            eprintln!("*** could not append to ACORN_BROWSER_SKIP_LOG={}: {e}", Path::new(&log).display());
        }
    }
}

fn axe_path() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/js/node_modules/axe-core/axe.min.js")
}

/// Runs axe on the document; only the fields we report cross the WebDriver wire (axe's full result
/// for a big page is megabytes). Errors come back as a value since a rejected promise would only
/// show as a script timeout.
const AXE_RUN: &str = r#"
    const done = arguments[arguments.length - 1];
    const max = arguments[0];
    window.axe.run(document, { resultTypes: ['violations'] }).then(
        (r) => done({ violations: r.violations.map((v) => ({
            id: v.id,
            impact: v.impact || '',
            help: v.help,
            helpUrl: v.helpUrl,
            nodeCount: v.nodes.length,
            targets: v.nodes.slice(0, max).map((n) =>
                n.target.map((t) => Array.isArray(t) ? t.join(' >>> ') : String(t))
                    .join(' | ')),
        })) }),
        (e) => done({ error: String(e && e.stack || e) }),
    );
"#;

/// Read at run time (not `include_str!`) so the crate builds before npm has run; the test then
/// fails with a clear instruction instead of a compile error.
fn read_axe_source() -> anyhow::Result<String> {
    std::fs::read_to_string(axe_path()).map_err(|e| {
        anyhow!(
            "cannot read axe-core from {}: {e}. Run scripts/install-test-deps.sh \
             (it runs `npm ci --prefix crates/testkit/js`).",
            axe_path()
        )
    })
}

fn parse_violation(v: &Value) -> AxeViolation {
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    AxeViolation {
        id: s("id"),
        impact: s("impact"),
        help: s("help"),
        help_url: s("helpUrl"),
        targets: v.get("targets").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default(),
        node_count: v.get("nodeCount").and_then(Value::as_u64).unwrap_or(0) as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    const GOOD_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Greeter</title></head>
<body><main>
<h1>Greeter</h1>
<form action="/next" method="get">
  <label for="name">Name</label>
  <input id="name" name="name" type="text" value="placeholder">
  <button id="greet" type="button"
    onclick="document.getElementById('out').textContent = 'Hello, ' + document.getElementById('name').value + '!'">Greet</button>
  <button id="submit" type="submit">Continue</button>
</form>
<p id="out" aria-live="polite"></p>
<p><a id="export" href="/export.csv">Export CSV</a></p>
</main></body></html>"#;

    const NEXT_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Next</title></head>
<body><main><h1 id="heading">Next page</h1></main></body></html>"#;

    // No lang, no title, an image without alt and an input without a label.
    const BAD_PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"></head>
<body><img src="/pixel.png"><input type="text" id="nolabel"></body></html>"#;

    /// A hand-written HTTP/1.1 server (one request per connection) so the test needs no web
    /// framework: it only has to serve three fixed pages.
    async fn serve() -> anyhow::Result<String> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf);
                    let target = head.split_whitespace().nth(1).unwrap_or("/");
                    let path = target.split('?').next().unwrap_or("/");
                    let html = "Content-Type: text/html; charset=utf-8";
                    let csv = "Content-Type: text/csv\r\n\
                               Content-Disposition: attachment; filename=\"export.csv\"";
                    let (status, headers, body) = match path {
                        "/" => ("200 OK", html, GOOD_PAGE),
                        "/next" => ("200 OK", html, NEXT_PAGE),
                        "/bad" => ("200 OK", html, BAD_PAGE),
                        "/export.csv" => ("200 OK", csv, "id,name\n1,canary-42\n"),
                        _ => ("404 Not Found", html, ""),
                    };
                    let resp = format!(
                        "HTTP/1.1 {status}\r\n{headers}\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(resp.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        Ok(format!("http://{addr}"))
    }

    /// Command lines of live processes that mention `needle` (Chromium's carry its
    /// `--user-data-dir`), to prove no browser outlives its `Browser`.
    fn processes_mentioning(needle: &Path) -> Vec<String> {
        let needle = needle.to_string_lossy().into_owned();
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        dir.filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
            .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
            .filter(|c| c.contains(&needle))
            .collect()
    }

    /// Processes still mentioning `needle` after giving them up to 5 s to exit: Chromium's
    /// children take a moment to go after their parent is killed, more so on a loaded machine.
    fn lingering(needle: &Path) -> Vec<String> {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let left = processes_mentioning(needle);
            if left.is_empty() || std::time::Instant::now() > deadline {
                return left;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    #[test]
    fn parses_chromedriver_port_line() {
        assert_eq!(parse_driver_port("ChromeDriver was started successfully on port 43811."), Some(43811));
        assert_eq!(parse_driver_port("Starting ChromeDriver 156.0 (abc) on port 0"), None);
        assert_eq!(parse_driver_port("Only local connections are allowed."), None);
    }

    #[tokio::test]
    async fn drives_a_page_and_runs_axe() -> anyhow::Result<()> {
        let Some(browser) = Browser::start().await? else {
            return Ok(());
        };
        let base = serve().await?;

        browser.goto(&format!("{base}/")).await?;
        assert_eq!(browser.current_path().await?, "/");
        browser.assert_accessible().await?;
        assert!(!browser.axe_check().await?.iter().any(AxeViolation::is_blocking), "good page has no serious/critical violations");

        browser.fill("#name", "Ada").await?;
        browser.click("#greet").await?;
        assert_eq!(browser.text("#out").await?, "Hello, Ada!");
        assert!(browser.page_source().await?.contains("Greeter"));

        // A download started by a click lands in downloads_dir().
        browser.click("#export").await?;
        let csv = browser.downloads_dir().join("export.csv");
        let deadline = Instant::now() + WAIT_TIMEOUT;
        while !csv.exists() && Instant::now() < deadline {
            tokio::time::sleep(POLL_INTERVAL).await;
        }
        assert_eq!(std::fs::read_to_string(&csv)?, "id,name\n1,canary-42\n");

        // A real form submission (navigation) through a click.
        browser.click("#submit").await?;
        browser.wait_for("#heading").await?;
        assert_eq!(browser.current_path().await?, "/next");
        assert_eq!(browser.current_url().await?.query(), Some("name=Ada"));
        assert_eq!(browser.text("#heading").await?, "Next page");
        browser.assert_accessible().await?; // axe re-injected after navigation

        browser.goto(&format!("{base}/bad")).await?;
        let violations = browser.axe_check().await?;
        let ids: Vec<&str> = violations.iter().map(|v| v.id.as_str()).collect();
        for expected in ["image-alt", "label"] {
            assert!(ids.contains(&expected), "expected `{expected}` violation, got {ids:?}");
        }
        let image_alt = violations.iter().find(|v| v.id == "image-alt").unwrap();
        assert_eq!(image_alt.impact, "critical");
        assert_eq!(image_alt.targets, vec!["img".to_string()]);
        let err = browser.assert_accessible().await.expect_err("bad page must fail");
        let msg = err.to_string();
        assert!(msg.contains("image-alt") && msg.contains("#nolabel"), "{msg}");

        assert!(browser.exists("img").await?);
        assert!(!browser.exists("#does-not-exist").await?);
        let missing = browser.wait_for_within("#does-not-exist", Duration::from_millis(300)).await;
        let msg = missing.expect_err("absent element").to_string();
        assert!(msg.contains("#does-not-exist") && msg.contains("/bad"), "{msg}");

        let shot = browser.profile.path.join("shot.png");
        browser.screenshot(&shot).await?;
        assert!(std::fs::read(&shot)?.starts_with(b"\x89PNG"));

        let profile = browser.profile.path.clone();
        browser.close().await?;
        assert!(!profile.exists(), "profile dir removed on close");
        assert_eq!(lingering(&profile), Vec::<String>::new(), "Chromium left running");
        Ok(())
    }

    /// Two sessions at once in one process: separate drivers, ports and profiles; and a
    /// browser dropped without `close()` still cleans up.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn parallel_sessions_are_isolated() -> anyhow::Result<()> {
        let (a, b) = tokio::join!(Browser::start(), Browser::start());
        let (Some(a), Some(b)) = (a?, b?) else {
            return Ok(());
        };
        assert_ne!(a.driver.port, b.driver.port);
        assert_ne!(a.profile.path, b.profile.path);
        let base = serve().await?;
        a.goto(&format!("{base}/")).await?;
        b.goto(&format!("{base}/next")).await?;
        assert_eq!(a.current_path().await?, "/");
        assert_eq!(b.current_path().await?, "/next");
        let a_profile = a.profile.path.clone();
        let b_profile = b.profile.path.clone();
        assert!(!processes_mentioning(&b_profile).is_empty(), "the /proc scan sees Chromium");
        drop(b);
        assert!(!b_profile.exists(), "profile dir removed on drop");
        assert_eq!(lingering(&b_profile), Vec::<String>::new(), "Chromium left running");
        assert_eq!(a.current_path().await?, "/", "the other session is unaffected");
        a.close().await?;
        assert_eq!(lingering(&a_profile), Vec::<String>::new(), "Chromium left running");
        Ok(())
    }
}
