//! Serving, observability and hot swap with the hello fixture (no Spin imports).

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use support::edge_host::{EdgeHost, Launch};
use support::{app_dir, fixtures, replace_file, simple_manifest, wait_until};
use test_support::http::wire;

const A: &str = "hello from build A";
const B: &str = "hello from build B";

#[test]
fn serves_routes_builtins_metrics_and_access_log() {
    let dir = app_dir(
        &fixtures::component("hello", false),
        &simple_manifest("", ""),
    );
    let host = EdgeHost::start(Launch::new(&dir.path().join("spin.toml")));

    let resp = host.get("/some/where?x=1");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.text(), A);
    assert_eq!(
        resp.header("x-path-info"),
        Some("/some/where"),
        "spin-path-info reached the guest"
    );

    let info = host.get("/.well-known/spin/info");
    assert_eq!(info.status, 200);
    let info = info.json();
    assert_eq!(info["name"], "fixture");
    // The digests name exactly the files served, so a deployment can confirm its write landed.
    let digest = |path: std::path::PathBuf| {
        edge_host::runtime::cache::sha256_hex(&std::fs::read(path).expect("read served file"))
    };
    assert_eq!(
        info["manifest_sha256"],
        digest(dir.path().join("spin.toml")),
        "{info}"
    );
    assert_eq!(
        info["components"]["app"]["source_sha256"],
        digest(dir.path().join("dist/app.wasm")),
        "{info}"
    );

    assert_eq!(
        host.get("/metrics").text(),
        A,
        "/metrics is not served on the app listener"
    );
    let metrics = host.admin("GET", "/metrics").text();
    assert!(
        metrics.contains("edge_host_http_requests_total{route=\"/...\",status=\"200\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("edge_host_http_request_duration_seconds_bucket"),
        "{metrics}"
    );
    assert!(metrics.contains("edge_host_live_instances"), "{metrics}");

    let logged = wait_until(Duration::from_secs(5), || {
        host.stdout().contains("/some/where")
    });
    assert!(logged, "no access log line: {}", host.stdout());
    let line = host
        .stdout()
        .lines()
        .find(|l| l.contains("/some/where"))
        .map(str::to_string)
        .expect("line present");
    let entry: serde_json::Value = serde_json::from_str(&line).expect("access log is JSON");
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["route"], "/...");
    let generated = entry["request_id"].as_str().unwrap_or_default();
    assert_eq!(generated.len(), 32, "generated id logged: {generated}");
    assert_eq!(
        resp.header("x-request-id"),
        None,
        "a generated id stays off the response, which carries only what Spin sends"
    );

    // The proxy's id travels through: back on the response and on the access line.
    let traced = wire::request(
        host.port,
        "GET",
        "/traced",
        &[("X-Request-Id", "nginx-7f3a")],
        b"",
    )
    .expect("GET /traced");
    assert_eq!(traced.header("x-request-id"), Some("nginx-7f3a"));
    let logged = wait_until(Duration::from_secs(5), || host.stdout().contains("/traced"));
    assert!(logged, "no access log line for /traced: {}", host.stdout());
    let traced_line = host
        .stdout()
        .lines()
        .find(|l| l.contains("/traced"))
        .map(str::to_string)
        .expect("line present");
    let entry: serde_json::Value = serde_json::from_str(&traced_line).expect("JSON");
    assert_eq!(entry["request_id"], "nginx-7f3a");
}

/// `--metrics` serves GET /metrics read-only: a scraper on the container's network reads the
/// counters, and the admin actions (reload) are not there, whatever the method.
#[test]
fn metrics_listener_serves_metrics_and_nothing_else() {
    let dir = app_dir(
        &fixtures::component("hello", false),
        &simple_manifest("", ""),
    );
    let metrics_port = support::free_port();
    let host = EdgeHost::start(
        Launch::new(&dir.path().join("spin.toml"))
            .arg("--metrics")
            .arg(&format!("127.0.0.1:{metrics_port}")),
    );
    assert_eq!(host.get("/counted").status, 200);

    let scrape = |method: &str, path: &str| {
        wire::request(metrics_port, method, path, &[], b"")
            .unwrap_or_else(|e| panic!("metrics listener {method} {path}: {e}"))
    };
    let metrics = scrape("GET", "/metrics");
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .text()
            .contains("edge_host_http_requests_total{route=\"/...\",status=\"200\"} 1"),
        "{}",
        metrics.text()
    );
    assert_eq!(
        scrape("POST", "/admin/reload").status,
        404,
        "no reload here"
    );
    assert_eq!(scrape("GET", "/admin/reload").status, 404);
    assert_eq!(scrape("POST", "/metrics").status, 405);
    assert_eq!(scrape("GET", "/").status, 404, "not the app either");
    let info = host.get("/.well-known/spin/info").json();
    assert_eq!(info["generation"], 1, "nothing was reloaded: {info}");
    // The admin listener keeps both.
    assert_eq!(host.admin("GET", "/metrics").status, 200);
}

#[test]
fn oversized_declared_body_is_refused_with_413() {
    let dir = app_dir(
        &fixtures::component("hello", false),
        &simple_manifest("", ""),
    );
    let host = EdgeHost::start(
        Launch::new(&dir.path().join("spin.toml"))
            .arg("--max-body-bytes")
            .arg("1024"),
    );
    let resp = host.request("POST", "/", &[], &vec![b'x'; 4096]);
    assert_eq!(resp.status, 413);
    assert_eq!(
        resp.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(host.request("POST", "/", &[], &[b'x'; 100]).status, 200);
}

#[test]
fn request_beyond_the_instance_pool_is_answered_503() {
    let dir = app_dir(
        &fixtures::component("hello", false),
        &simple_manifest("", ""),
    );
    let host = EdgeHost::start(
        Launch::new(&dir.path().join("spin.toml"))
            .arg("--max-instances")
            .arg("1"),
    );
    // The guest reads the whole body before answering, so a body still owed holds the only slot.
    let mut held = TcpStream::connect(("127.0.0.1", host.port)).expect("connect");
    held.set_read_timeout(Some(Duration::from_secs(15)))
        .expect("read timeout");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: 1\r\n\r\n",
        host.port
    );
    held.write_all(head.as_bytes()).expect("send head");
    let occupied = wait_until(Duration::from_secs(10), || {
        host.admin("GET", "/metrics")
            .text()
            .contains("edge_host_live_instances 1")
    });
    assert!(occupied, "the held request never got an instance");

    let refused = host.get("/");
    assert_eq!(refused.status, 503, "{}", refused.text());
    assert_eq!(refused.json()["detail"], "too many requests in flight");

    held.write_all(b"x").expect("send body");
    let mut answer = String::new();
    held.read_to_string(&mut answer).expect("held answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let freed = wait_until(Duration::from_secs(10), || host.get("/").status == 200);
    assert!(freed, "the slot was not returned to the pool");
}

#[test]
fn swap_under_load_drops_nothing_and_serves_both_builds() {
    let build_a = fixtures::component("hello", false);
    let build_b = fixtures::component("hello", true);
    let dir = app_dir(&build_a, &simple_manifest("", ""));
    let host = EdgeHost::start(Launch::new(&dir.path().join("spin.toml")));
    let port = host.port;

    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed, saw_a, saw_b) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (stop, ok, failed, saw_a, saw_b) = (
                stop.clone(),
                ok.clone(),
                failed.clone(),
                saw_a.clone(),
                saw_b.clone(),
            );
            std::thread::spawn(move || {
                // Bounded: stops when told, or after 200k requests at most.
                for _ in 0..200_000 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    match wire::get(port, "/") {
                        Ok(r) if r.status == 200 && r.text() == A => {
                            saw_a.store(true, Ordering::Relaxed);
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(r) if r.status == 200 && r.text() == B => {
                            saw_b.store(true, Ordering::Relaxed);
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();

    let target = dir.path().join("dist").join("app.wasm");
    for i in 0..10 {
        let (src, expected_generation) = (if i % 2 == 0 { &build_b } else { &build_a }, i + 2);
        if i % 2 == 0 {
            // Even rounds: the file watch picks up an atomic rename.
            replace_file(src, &target);
            let swapped = wait_until(Duration::from_secs(30), || {
                host.get("/.well-known/spin/info").json()["generation"].as_u64()
                    >= Some(expected_generation)
            });
            assert!(
                swapped,
                "file watch did not swap (round {i}): {}",
                host.stderr()
            );
        } else {
            // Odd rounds: the admin endpoint (the watcher may fire too; reloads are serialised).
            replace_file(src, &target);
            let resp = host.admin("POST", "/admin/reload");
            assert_eq!(resp.status, 200, "{}", resp.text());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().expect("client thread");
    }
    let (ok, failed) = (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    assert_eq!(failed, 0, "{failed} failed requests out of {}", ok + failed);
    assert!(ok > 100, "load loop made only {ok} requests");
    assert!(
        saw_a.load(Ordering::Relaxed) && saw_b.load(Ordering::Relaxed),
        "both builds answered"
    );
    let metrics = host.admin("GET", "/metrics").text();
    assert!(
        metrics.contains("edge_host_component_reloads_total{result=\"ok\"}"),
        "{metrics}"
    );
}

#[test]
fn failed_compile_is_rejected_and_old_component_keeps_serving() {
    let dir = app_dir(
        &fixtures::component("hello", false),
        &simple_manifest("", ""),
    );
    let host = EdgeHost::start(Launch::new(&dir.path().join("spin.toml")).arg("--no-watch"));
    std::fs::write(
        dir.path().join("dist").join("app.wasm"),
        b"\0asm not really",
    )
    .expect("write junk");
    let resp = host.admin("POST", "/admin/reload");
    assert_eq!(resp.status, 422);
    let body = resp.json();
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("does not compile")),
        "{body}"
    );
    assert_eq!(body["serving_generation"], 1);
    let after = host.get("/");
    assert_eq!((after.status, after.text().as_str()), (200, A));
    // The info document says why the served generation did not move on.
    let info = host.get("/.well-known/spin/info").json();
    assert!(
        info["last_reload_error"]
            .as_str()
            .is_some_and(|e| e.contains("does not compile")),
        "{info}"
    );
    let metrics = host.admin("GET", "/metrics").text();
    assert!(
        metrics.contains("edge_host_component_reloads_total{result=\"failed\"} 1"),
        "{metrics}"
    );
}

#[test]
fn sigterm_drains_and_exits_cleanly() {
    let dir = app_dir(
        &fixtures::component("hello", false),
        &simple_manifest("", ""),
    );
    let mut host = EdgeHost::start(Launch::new(&dir.path().join("spin.toml")));
    assert_eq!(host.get("/").status, 200);
    assert!(
        host.terminate(),
        "edge-host did not exit 0 on SIGTERM: {}",
        host.stderr()
    );
    assert!(host.stderr().contains("drained"), "{}", host.stderr());
}

/// More guests computing without end than the runtime has threads: each yields at every epoch
/// tick, so a quick request is answered while they run, and each is stopped at the request
/// timeout with a 504.
#[test]
fn guests_computing_past_their_deadline_neither_stall_others_nor_run_on() {
    const SPINNERS: usize = 3;
    let dir = app_dir(
        &fixtures::component("probe", false),
        &simple_manifest("", ""),
    );
    let host = EdgeHost::start(
        Launch::new(&dir.path().join("spin.toml"))
            .arg("--request-timeout-ms")
            .arg("4000")
            .env("TOKIO_WORKER_THREADS", "2"),
    );
    let port = host.port;
    let spinners: Vec<_> = (0..SPINNERS)
        .map(|_| {
            std::thread::spawn(move || {
                let answer = wire::get(port, "/busy").map(|r| r.status);
                (answer, std::time::Instant::now())
            })
        })
        .collect();
    assert!(
        wait_until(Duration::from_secs(10), || {
            host.stderr().matches("probe: busy").count() >= SPINNERS
        }),
        "the busy guests did not start: {}",
        host.stderr()
    );
    let quick = host.get("/env");
    let quick_done = std::time::Instant::now();
    assert_eq!(quick.status, 200, "{}", quick.text());
    for spinner in spinners {
        let (answer, done) = spinner.join().expect("the spinner's thread");
        assert_eq!(answer.ok(), Some(504), "stopped at the deadline");
        assert!(
            done > quick_done,
            "the quick request waited for the busy guests to be stopped"
        );
    }
}
