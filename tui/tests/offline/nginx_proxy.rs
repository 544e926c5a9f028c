//! The stack's nginx configuration run by the real nginx binary on 127.0.0.1, in front of a
//! stand-in app that records what reaches it: the client address the app is told cannot be
//! forged, the HTTPS redirect names the configured host whatever `Host` the client sent, and one
//! client gets 429 beyond its requests in progress.
//!
//! proxy-config/ is copied with its container paths (`/etc/nginx`, `/tmp`, ports 8080/8443)
//! moved into a temporary directory, and bin/start-nginx writes the includes as in the
//! container; only the way to the app is replaced, by the stand-in's loopback port.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use test_support::http::{Response, wire};
use test_support::{free_port, repo_root, wait_until};

use crate::start_nginx::render_includes;

/// A forged client address, from the documentation range (never routed).
const FORGED: &str = "203.0.113.9";

/// The app's side: every request head it got, and whether it answers yet.
#[derive(Default)]
struct Seen {
    heads: Vec<String>,
    held: usize,
    released: bool,
}

/// A stand-in app on a loopback port: records each request's head and answers 200 with it as the
/// body, at once or (when holding) only after `release`.
struct StandInApp {
    port: u16,
    seen: Arc<(Mutex<Seen>, Condvar)>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl StandInApp {
    fn start(hold: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the stand-in app");
        let port = listener.local_addr().expect("local address").port();
        let seen = Arc::new((
            Mutex::new(Seen {
                released: !hold,
                ..Seen::default()
            }),
            Condvar::new(),
        ));
        let stop = Arc::new(AtomicBool::new(false));
        let (shared, stopping) = (Arc::clone(&seen), Arc::clone(&stop));
        let accept = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let shared = Arc::clone(&shared);
                    std::thread::spawn(move || answer(stream, &shared));
                }
            }
        });
        Self {
            port,
            seen,
            stop,
            accept: Some(accept),
        }
    }

    fn heads(&self) -> Vec<String> {
        lock(&self.seen.0).heads.clone()
    }

    fn held(&self) -> usize {
        lock(&self.seen.0).held
    }

    fn release(&self) {
        lock(&self.seen.0).released = true;
        self.seen.1.notify_all();
    }
}

impl Drop for StandInApp {
    fn drop(&mut self) {
        self.release();
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the stop flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn lock(seen: &Mutex<Seen>) -> std::sync::MutexGuard<'_, Seen> {
    seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Reads one request head, records it, waits for the release, answers with the head.
fn answer(stream: TcpStream, seen: &(Mutex<Seen>, Condvar)) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(&stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => head.push_str(&line),
        }
    }
    let (state, released) = seen;
    let mut guard = lock(state);
    guard.heads.push(head.clone());
    guard.held += 1;
    let (mut guard, _) = released
        .wait_timeout_while(guard, Duration::from_secs(20), |s| !s.released)
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    guard.held -= 1;
    drop(guard);
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{head}",
        head.len()
    );
    let _ = (&stream).write_all(reply.as_bytes());
}

/// The value of `name` in a recorded request head, when it appears exactly once.
fn header_in(head: &str, name: &str) -> Option<String> {
    let values: Vec<&str> = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .filter(|(key, _)| key.trim().eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim())
        .collect();
    match values.as_slice() {
        [one] => Some((*one).to_owned()),
        _ => None,
    }
}

/// Which of proxy-config/sites/* is enabled, as the profiles mount it.
#[derive(Clone, Copy)]
enum Site {
    Http,
    Https,
}

/// The real nginx serving the stack's configuration; stopped when dropped.
struct Nginx {
    http_port: u16,
    child: Child,
    stderr: PathBuf,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn start(site: Site, app_port: u16, env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let root = dir.path();
        // nginx's workers run as nobody when the tests run as root: they must reach the files.
        fs::set_permissions(root, fs::Permissions::from_mode(0o755)).expect("chmod");
        let (http_port, https_port) = (free_port(), free_port());
        let etc = root.join("etc");
        let tmp = root.join("tmp");
        let source = repo_root().join("proxy-config");
        let site_dir = match site {
            Site::Http => "sites/http",
            Site::Https => "sites/https",
        };
        let relocate = |text: &str| {
            text.replace("/tmp/", &format!("{}/", tmp.display()))
                .replace("/etc/nginx", &etc.display().to_string())
                .replace("listen 8080", &format!("listen 127.0.0.1:{http_port}"))
                .replace("listen 8443", &format!("listen 127.0.0.1:{https_port}"))
        };
        for (from, to) in [
            ("nginx.conf", "nginx.conf"),
            ("mime.types", "mime.types"),
            ("conf.d", "conf.d"),
            ("snippets", "snippets"),
            (site_dir, "sites-enabled"),
        ] {
            copy_relocated(&source.join(from), &etc.join(to), &relocate);
        }
        fs::create_dir_all(&tmp).expect("tmp");
        if matches!(site, Site::Https) {
            self_signed(&etc.join("tls"));
        }
        let runtime = tmp.join("nginx-runtime");
        let output = render_includes(&runtime, "1.22.1", env);
        assert!(
            output.status.success(),
            "start-nginx: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        // The way to the app is the stand-in's port instead of Docker's `app`.
        fs::write(
            runtime.join("app-pass.conf"),
            format!("proxy_pass http://127.0.0.1:{app_port};\n"),
        )
        .expect("app-pass.conf");
        fs::write(runtime.join("app-upstream.conf"), "# the stand-in app\n").expect("upstream");

        let stderr = root.join("nginx.stderr");
        let child = Command::new("nginx")
            .arg("-e")
            .arg(&stderr)
            .arg("-c")
            .arg(etc.join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("run nginx (apt-get install nginx)");
        let mut nginx = Self {
            http_port,
            child,
            stderr,
            _dir: dir,
        };
        let up = wait_until(Duration::from_secs(10), || {
            nginx.running() && wire::get(http_port, "/health").is_ok_and(|r| r.status == 200)
        });
        assert!(up, "nginx did not answer /health: {}", nginx.errors());
        nginx
    }

    fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn errors(&self) -> String {
        fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    fn get(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        wire::request(self.http_port, "GET", path, headers, b"")
            .unwrap_or_else(|err| panic!("GET {path}: {err}; nginx said: {}", self.errors()))
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies a file or a directory tree, rewriting every file's text with `relocate`.
fn copy_relocated(from: &Path, to: &Path, relocate: &dyn Fn(&str) -> String) {
    if from.is_dir() {
        fs::create_dir_all(to).expect("create directory");
        for entry in fs::read_dir(from).expect("read directory").flatten() {
            copy_relocated(&entry.path(), &to.join(entry.file_name()), relocate);
        }
    } else {
        let text = fs::read_to_string(from).expect("read a config file");
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).expect("create directory");
        }
        fs::write(to, relocate(&text)).expect("write a config file");
    }
}

/// A throwaway certificate where sites/https expects one (compose/prepare makes the real one).
fn self_signed(dir: &Path) {
    fs::create_dir_all(dir).expect("tls directory");
    let output = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .output()
        .expect("run openssl");
    assert!(
        output.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_app_is_told_the_peer_address_never_the_one_a_client_sent() {
    let app = StandInApp::start(false);
    let nginx = Nginx::start(Site::Http, app.port, &[]);
    let reply = nginx.get(
        "/api/items",
        &[("X-Forwarded-For", FORGED), ("X-Real-IP", FORGED)],
    );
    assert_eq!(reply.status, 200, "{reply:?}");
    let heads = app.heads();
    let head = heads.last().expect("the request reached the app");
    assert_eq!(
        header_in(head, "X-Forwarded-For").as_deref(),
        Some("127.0.0.1"),
        "X-Forwarded-For is the peer nginx saw, nothing the client sent:\n{head}"
    );
    assert_eq!(
        header_in(head, "X-Real-IP").as_deref(),
        Some("127.0.0.1"),
        "X-Real-IP:\n{head}"
    );
    assert!(
        !head.contains(FORGED),
        "the forged address reached the app:\n{head}"
    );
}

#[test]
fn the_https_redirect_names_the_configured_host_whatever_host_the_client_sent() {
    let app = StandInApp::start(false);
    let env = [
        ("STACK_PUBLIC_HOST", "stack.example.test"),
        ("STACK_PUBLIC_HTTPS_PORT", "9443"),
    ];
    let nginx = Nginx::start(Site::Https, app.port, &env);
    for (host, expected) in [
        (
            "evil.example",
            "https://stack.example.test:9443/login?next=1",
        ),
        (
            "evil.example:80",
            "https://stack.example.test:9443/login?next=1",
        ),
        (
            "stack.example.test.evil.example",
            "https://stack.example.test:9443/login?next=1",
        ),
        // The machine's own loopback names are kept (the certificate is issued for them).
        ("localhost", "https://localhost:9443/login?next=1"),
    ] {
        let reply = nginx.get("/login?next=1", &[("Host", host)]);
        assert_eq!(reply.status, 308, "Host: {host}: {reply:?}");
        assert_eq!(reply.header("location"), Some(expected), "Host: {host}");
    }
    assert!(app.heads().is_empty(), "a redirect never reaches the app");
}

#[test]
fn one_client_gets_429_beyond_its_requests_in_progress() {
    let app = StandInApp::start(true);
    let nginx = Nginx::start(Site::Http, app.port, &[("STACK_CONN_LIMIT", "2")]);
    let port = nginx.http_port;
    let slow: Vec<_> = (0..2)
        .map(|_| std::thread::spawn(move || wire::get(port, "/api/items")))
        .collect();
    assert!(
        wait_until(Duration::from_secs(10), || app.held() == 2),
        "two requests in progress at the app: {}",
        nginx.errors()
    );
    // A third from the same address while two are in progress; if nginx let it through, the app
    // holds it too, and the release below answers it.
    let third = std::thread::spawn(move || wire::get(port, "/api/items"));
    let settled = wait_until(Duration::from_secs(10), || {
        third.is_finished() || app.heads().len() > 2
    });
    app.release();
    let third = third.join().expect("third request").expect("third reply");
    assert!(
        settled,
        "the third request neither answered nor reached the app"
    );
    assert_eq!(third.status, 429, "beyond 2 in progress: {third:?}");
    assert_eq!(
        third.header("content-type"),
        Some("application/problem+json"),
        "{third:?}"
    );
    assert_eq!(third.json()["status"], 429);
    assert_eq!(
        app.heads().len(),
        2,
        "the refused request never reached the app"
    );
    for request in slow {
        let reply = request.join().expect("slow request").expect("slow reply");
        assert_eq!(reply.status, 200, "{reply:?}");
    }
    // Finished requests free their places.
    assert_eq!(nginx.get("/api/items", &[]).status, 200);
}
