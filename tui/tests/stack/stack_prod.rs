//! The prod profile on a real engine: HTTPS with the generated certificate, the HTTP redirect,
//! HSTS, three replicas, strict limits and rotated logs, plus isolation, secrets and hardening.

use std::time::Duration;

use crate::stack_support::checks::{audit, resilience, security, topology, web};
use test_support::engine;
use test_support::http::Http;
use test_support::stack::{Profile, Stack};

#[test]
fn prod_profile_serves_tls_with_strict_limits() {
    let (stack, took) = Stack::start(Profile::Prod);
    println!("{}: all healthy {took:?} after up", stack.project);
    let https = stack.client(Duration::from_secs(10));

    web::nginx_health(&stack, &https);
    web::visits_increase(&stack, &https);
    web::items_end_to_end(&stack, &https);
    web::body_limit(&stack, &https);
    redirects_to_https(&stack);
    resilience::replicas_serve(&stack, &https);
    strict_limits_and_rotated_logs(&stack);
    nginx_workers_fit_the_cpu_limit(&stack);
    topology::isolation(&stack);
    security::hardening(&stack);
    security::admin_listener_private(&stack);
    security::secrets_hidden(&stack);
    audit::nothing_open(&stack);
}

/// Plain HTTP answers with a permanent redirect to the same path on the HTTPS port.
fn redirects_to_https(stack: &Stack) {
    let http = Http::plain(Duration::from_secs(5));
    let reply = http
        .get(&stack.http_url("/api/items?page=1"))
        .expect("GET over HTTP");
    assert!(
        matches!(reply.status, 301 | 308),
        "HTTP is redirected: {reply:?}"
    );
    let https_port = stack.https_port.expect("prod has an HTTPS port");
    assert_eq!(
        reply.header("location"),
        Some(format!("https://127.0.0.1:{https_port}/api/items?page=1").as_str()),
        "redirect target"
    );
    web::assert_security_headers(&reply, false, "HTTP redirect");

    // A Host header the client chose is not where the redirect sends it.
    let location = raw_redirect_location(stack, "evil.example");
    assert_eq!(
        location.as_deref(),
        Some(format!("https://localhost:{https_port}/login").as_str()),
        "redirect for Host: evil.example"
    );
}

/// `Location` of `GET /login` on the HTTP port sent with `host` as its Host header (the HTTP
/// client library always sends the URL's own host, so this request is written by hand).
fn raw_redirect_location(stack: &Stack, host: &str) -> Option<String> {
    use std::io::{Read, Write};
    let url = stack.http_url("/");
    let authority = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&authority).expect("connect to the HTTP port");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("read timeout");
    write!(
        stream,
        "GET /login HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("send the request");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("read the reply");
    reply.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("location")
            .then(|| value.trim().to_owned())
    })
}

/// prod's limits are the strict ones from prod/compose.yaml, and logs rotate.
fn strict_limits_and_rotated_logs(stack: &Stack) {
    let mib = 1024 * 1024;
    let limits = [
        ("nginx", 64 * mib),
        ("app", 192 * mib),
        ("redis", 128 * mib),
        ("postgres", 256 * mib),
    ];
    for (service, memory) in limits {
        for container in stack.service(service) {
            let name = engine::name(&container).to_owned();
            let host = container.host_config.unwrap_or_default();
            assert_eq!(host.memory, Some(memory), "{name}: memory limit");
            let log = host.log_config.unwrap_or_default();
            assert_eq!(log.typ.as_deref(), Some("json-file"), "{name}: log driver");
            let options = log.config.unwrap_or_default();
            assert_eq!(
                options.get("max-size").map(String::as_str),
                Some("10m"),
                "{name}: log rotation size"
            );
            assert_eq!(
                options.get("max-file").map(String::as_str),
                Some("3"),
                "{name}: log rotation files"
            );
        }
    }
}

/// prod gives nginx half a CPU: one worker, not one per host CPU (nginx's `auto`).
fn nginx_workers_fit_the_cpu_limit(stack: &Stack) {
    let nginx = stack.service("nginx");
    let name = engine::name(nginx.first().expect("an nginx container")).to_owned();
    // The bracket keeps the pattern from matching the grep (and sh) command lines themselves.
    let out = std::process::Command::new("docker")
        .args(["exec", &name, "sh", "-c"])
        .arg("grep -l '[n]ginx: worker process' /proc/[0-9]*/cmdline 2>/dev/null | wc -l")
        .output()
        .expect("docker exec runs");
    let workers = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert_eq!(
        workers, "1",
        "{name}: nginx worker processes under cpus 0.5"
    );
}
