//! proxy-config/bin/start-nginx, run against a stand-in `nginx` that only reports a version:
//! which way to the app it writes for each nginx (kept-alive upstream from 1.27.3, a per-request
//! variable before), the per-client rate and requests in progress, and the refusal of values
//! that are not numbers.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use test_support::repo_root;

/// Runs start-nginx with `nginx -v` answering `version` and the start settings `env` (nothing
/// else of the caller's STACK_* settings), writing its includes into `runtime`. The stand-in
/// exits at once, so the script returns instead of running nginx.
pub fn render_includes(runtime: &Path, version: &str, env: &[(&str, &str)]) -> Output {
    let bin = runtime.with_file_name("stand-in-bin");
    fs::create_dir_all(&bin).expect("bin directory");
    let fake = bin.join("nginx");
    fs::write(
        &fake,
        format!(
            "#!/bin/sh\n[ \"$1\" = -v ] && echo 'nginx version: nginx/{version}' >&2\nexit 0\n"
        ),
    )
    .expect("stand-in nginx");
    fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new("sh");
    command
        .arg(repo_root().join("proxy-config/bin/start-nginx"))
        .env("PATH", path)
        .env("NGINX_RUNTIME_DIR", runtime);
    for name in [
        "STACK_RATE_LIMIT",
        "STACK_CONN_LIMIT",
        "STACK_PUBLIC_HOST",
        "STACK_PUBLIC_HTTPS_PORT",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().expect("run start-nginx")
}

/// Runs start-nginx with `nginx -v` answering `version`; returns its output and the includes it
/// wrote (app-pass.conf, app-upstream.conf, rate-limit.conf, conn-limit.conf).
fn start_nginx(version: &str, env: &[(&str, &str)]) -> (Output, [String; 4]) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let runtime = dir.path().join("runtime");
    let output = render_includes(&runtime, version, env);
    let read = |name: &str| fs::read_to_string(runtime.join(name)).unwrap_or_default();
    let files = [
        read("app-pass.conf"),
        read("app-upstream.conf"),
        read("rate-limit.conf"),
        read("conn-limit.conf"),
    ];
    (output, files)
}

fn assert_ran(output: &Output, version: &str) {
    assert!(
        output.status.success(),
        "start-nginx failed under nginx {version}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn nginx_from_1_27_3_keeps_connections_to_the_app_alive() {
    for version in ["1.27.3", "1.27.10", "1.28.0", "2.0.1"] {
        let (output, [pass, upstream, ..]) = start_nginx(version, &[]);
        assert_ran(&output, version);
        assert_eq!(
            pass.trim(),
            "proxy_pass http://app_servers;",
            "nginx {version}"
        );
        for line in [
            "server app:3000 resolve;",
            "keepalive 32;",
            "zone app_servers",
        ] {
            assert!(
                upstream.contains(line),
                "nginx {version}: no `{line}` in\n{upstream}"
            );
        }
    }
}

#[test]
fn older_nginx_resolves_the_app_per_request() {
    for version in ["1.22.1", "1.27.2", "1.9.15"] {
        let (output, [pass, upstream, ..]) = start_nginx(version, &[]);
        assert_ran(&output, version);
        assert!(
            pass.contains("set $app_upstream http://app:3000;")
                && pass.contains("proxy_pass $app_upstream;"),
            "nginx {version}: {pass}"
        );
        assert!(
            !upstream
                .lines()
                .any(|line| line.trim_start().starts_with("upstream ")),
            "nginx {version} cannot re-resolve an upstream block: {upstream}"
        );
    }
}

#[test]
fn the_rate_limit_is_20_per_second_unless_set_and_must_be_a_number() {
    let (output, [.., rate, _]) = start_nginx("1.22.1", &[]);
    assert_ran(&output, "1.22.1");
    assert!(rate.contains("rate=20r/s;"), "{rate}");
    let (output, [.., rate, _]) = start_nginx("1.22.1", &[("STACK_RATE_LIMIT", "5000")]);
    assert_ran(&output, "1.22.1");
    assert!(rate.contains("rate=5000r/s;"), "{rate}");
    for bad in ["0", "20r/s", "-1", "1e3"] {
        let (output, [.., rate, _]) = start_nginx("1.22.1", &[("STACK_RATE_LIMIT", bad)]);
        assert!(
            !output.status.success(),
            "STACK_RATE_LIMIT={bad:?} was accepted"
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("STACK_RATE_LIMIT"), "{stderr}");
        assert!(rate.is_empty(), "a refused rate still wrote {rate}");
    }
}

#[test]
fn requests_in_progress_per_client_are_32_unless_set_and_must_be_a_number() {
    let (output, [.., conns]) = start_nginx("1.22.1", &[]);
    assert_ran(&output, "1.22.1");
    assert_eq!(conns.trim(), "limit_conn per_client_conn 32;");
    let (output, [.., conns]) = start_nginx("1.22.1", &[("STACK_CONN_LIMIT", "500")]);
    assert_ran(&output, "1.22.1");
    assert_eq!(conns.trim(), "limit_conn per_client_conn 500;");
    for bad in ["0", "32 ", "-1", "1e3"] {
        let (output, [.., conns]) = start_nginx("1.22.1", &[("STACK_CONN_LIMIT", bad)]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success(),
            "STACK_CONN_LIMIT={bad:?} was accepted"
        );
        assert!(stderr.contains("STACK_CONN_LIMIT"), "{stderr}");
        assert!(conns.is_empty(), "a refused limit still wrote {conns}");
    }
}
