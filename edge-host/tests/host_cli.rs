//! edge-host's command line: check, healthcheck and startup failures.

mod support;

use support::edge_host::{EdgeHost, Launch, run_cli};
use support::{app_dir, fixtures, simple_manifest};

#[test]
fn check_prints_imports_and_succeeds_for_a_supported_component() {
    let dir = app_dir(
        &fixtures::component("hello", false),
        &simple_manifest("", ""),
    );
    let manifest = dir.path().join("spin.toml");
    let (ok, out, err) = run_cli(&["check", "--manifest", &manifest.to_string_lossy()], &[]);
    assert!(ok, "check failed: {out}{err}");
    assert!(out.contains("import wasi:http/types@"), "{out}");
    assert!(out.contains("route /... -> app"), "{out}");
    assert!(!out.contains("UNSUPPORTED"), "{out}");
    // Logs written to a pipe (as in `docker logs`) carry no terminal colour codes.
    assert!(err.contains("component ready"), "{err}");
    assert!(!err.contains('\x1b'), "escape codes in piped logs: {err:?}");
}

#[test]
fn check_of_the_real_manifest_needs_no_secrets() {
    let manifest = support::edge_app::manifest();
    let (ok, out, err) = run_cli(&["check", "--manifest", &manifest.to_string_lossy()], &[]);
    assert!(ok, "check failed: {out}{err}");
    assert!(
        out.contains("import fermyon:spin/redis@2.0.0 [ok]"),
        "{out}"
    );
    assert!(
        out.contains("import spin:postgres/postgres@4.0.0 [ok]"),
        "{out}"
    );
    assert!(
        out.contains("variable pg_password: no value here"),
        "the placeholder is announced: {out}"
    );
    assert!(
        out.contains("ok: every component compiles and links"),
        "{out}"
    );
}

/// "…: compiled in 420 ms, 950 of 1038 functions reused" → (950, 1038).
fn reused(out: &str) -> (u64, u64) {
    let counts = out
        .trim()
        .rsplit_once(", ")
        .and_then(|(_, tail)| tail.strip_suffix(" functions reused"))
        .and_then(|counts| counts.split_once(" of "))
        .and_then(|(hits, all)| Some((hits.parse().ok()?, all.parse().ok()?)));
    counts.unwrap_or_else(|| panic!("no reuse figures in {out:?}"))
}

#[test]
fn precompile_fills_the_cache_that_loading_then_uses() {
    let component = fixtures::component("hello", false);
    let dir = app_dir(&component, &simple_manifest("", ""));
    let cache = tempfile::tempdir().expect("cache dir");
    let cache_env = [(
        "EDGE_HOST_COMPONENT_CACHE",
        cache.path().to_str().expect("utf-8"),
    )];
    let installed = dir.path().join("dist/app.wasm");
    let installed = installed.to_string_lossy();
    let (ok, out, err) = run_cli(&["precompile", &installed], &cache_env);
    assert!(ok && out.contains(": compiled in"), "{out}{err}");
    // A first compile reuses only functions the component holds twice.
    let (cold, all) = reused(&out);
    let (ok, out, err) = run_cli(&["precompile", &installed], &cache_env);
    assert!(ok && out.contains(": already compiled"), "{out}{err}");
    // Without the compiled component, the functions come from the function cache.
    for entry in std::fs::read_dir(cache.path()).expect("cache dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "cwasm") {
            std::fs::remove_file(path).expect("remove compiled component");
        }
    }
    let (ok, out, err) = run_cli(&["precompile", &installed], &cache_env);
    assert!(ok, "{out}{err}");
    let (warm, again) = reused(&out);
    assert_eq!(again, all, "{out}");
    assert!(
        warm > cold && warm * 10 >= all * 8,
        "most functions reused: {warm} of {all}, first compile {cold}"
    );
    let manifest = dir.path().join("spin.toml");
    let (ok, out, err) = run_cli(
        &["check", "--manifest", &manifest.to_string_lossy()],
        &cache_env,
    );
    assert!(ok, "{out}{err}");
    assert!(
        err.contains("cache=\"hit\"") || err.contains("cache=hit"),
        "{err}"
    );
    // `serve` with its default flags builds the engine precompile compiled for.
    let host = EdgeHost::start(Launch::new(&manifest).env(cache_env[0].0, cache_env[0].1));
    let served = host.stderr();
    assert!(
        served.contains("cache=\"hit\"") || served.contains("cache=hit"),
        "{served}"
    );
    drop(host);
    let (ok, _, err) = run_cli(&["precompile", "/nonexistent/app.wasm"], &cache_env);
    assert!(
        !ok && err.contains("cannot read /nonexistent/app.wasm"),
        "{err}"
    );
}

#[test]
fn unsupported_import_is_rejected_at_load_naming_it() {
    let dir = app_dir(
        &fixtures::component("unsupported", false),
        &simple_manifest("", ""),
    );
    let manifest = dir.path().join("spin.toml");
    let (ok, out, err) = run_cli(&["check", "--manifest", &manifest.to_string_lossy()], &[]);
    assert!(!ok, "check must fail");
    assert!(
        out.contains("fermyon:spin/llm@2.0.0 [UNSUPPORTED]"),
        "{out}"
    );
    assert!(err.contains("imports fermyon:spin/llm@2.0.0"), "{err}");
    assert!(
        err.contains("it implements") && err.contains("fermyon:spin/key-value@2.0.0"),
        "the error says what is supported: {err}"
    );

    let stderr = EdgeHost::try_start(Launch::new(&manifest))
        .err()
        .expect("serve must refuse");
    assert!(stderr.contains("fermyon:spin/llm@2.0.0"), "{stderr}");
}

#[test]
fn missing_required_variable_stops_startup_naming_it() {
    let text = simple_manifest(
        "db_password = { required = true, secret = true }",
        "[component.app.variables]\npassword = \"{{ db_password }}\"",
    );
    let dir = app_dir(&fixtures::component("hello", false), &text);
    let manifest = dir.path().join("spin.toml");
    let stderr = EdgeHost::try_start(Launch::new(&manifest))
        .err()
        .expect("startup must fail");
    assert!(stderr.contains("\"db_password\""), "{stderr}");
    assert!(stderr.contains("SPIN_VARIABLE_DB_PASSWORD"), "{stderr}");

    // Supplying it through the *_FILE extension lets the same manifest start.
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "s3cret\n").expect("write secret");
    let host = EdgeHost::start(
        Launch::new(&manifest).env("SPIN_VARIABLE_DB_PASSWORD_FILE", &secret.to_string_lossy()),
    );
    assert_eq!(host.get("/").status, 200);
}

#[test]
fn healthcheck_exits_zero_only_on_2xx() {
    let dir = app_dir(
        &fixtures::component("hello", false),
        &simple_manifest("", ""),
    );
    let host = EdgeHost::start(Launch::new(&dir.path().join("spin.toml")));
    let ok_url = format!("http://127.0.0.1:{}/.well-known/spin/health", host.port);
    let (ok, out, _) = run_cli(&["healthcheck", &ok_url], &[]);
    assert!(ok, "{out}");
    assert!(out.contains("200"), "{out}");

    // --print-body: the info document, as a deployment reads it from inside the container.
    let info_url = format!("http://127.0.0.1:{}/.well-known/spin/info", host.port);
    let (ok, out, err) = run_cli(&["healthcheck", "--print-body", &info_url], &[]);
    assert!(ok, "{err}");
    let info: serde_json::Value = serde_json::from_str(out.trim()).expect("the body is the JSON");
    assert_eq!(info["generation"], 1, "{info}");
    assert_eq!(info["last_reload_error"], serde_json::Value::Null, "{info}");

    let metrics_on_app_port = format!("http://127.0.0.1:{}/metrics-missing", host.admin_port);
    let (ok, _, err) = run_cli(&["healthcheck", &metrics_on_app_port], &[]);
    assert!(!ok);
    assert!(err.contains("404"), "{err}");

    let closed = format!("http://127.0.0.1:{}/", support::free_port());
    let (ok, _, err) = run_cli(&["healthcheck", "--timeout-ms", "2000", &closed], &[]);
    assert!(!ok);
    assert!(err.contains("cannot connect"), "{err}");
}

#[test]
fn no_watch_env_takes_the_usual_switch_words_and_names_a_bad_value() {
    let dir = app_dir(
        &fixtures::component("hello", false),
        &simple_manifest("", ""),
    );
    let manifest = dir.path().join("spin.toml");
    let watching = "watching for component changes";
    for (value, watches) in [("YES", false), ("1", false), ("No", true), ("0", true)] {
        let host = EdgeHost::start(Launch::new(&manifest).env("EDGE_HOST_NO_WATCH", value));
        assert!(
            support::wait_until(std::time::Duration::from_secs(5), || {
                host.stderr().contains("serving")
            }),
            "{}",
            host.stderr()
        );
        assert_eq!(
            host.stderr().contains(watching),
            watches,
            "EDGE_HOST_NO_WATCH={value}: {}",
            host.stderr()
        );
    }

    let stderr = EdgeHost::try_start(Launch::new(&manifest).env("EDGE_HOST_NO_WATCH", "maybe"))
        .err()
        .expect("a bad switch value must stop startup");
    assert!(stderr.contains("EDGE_HOST_NO_WATCH=\"maybe\""), "{stderr}");
    assert!(stderr.contains("yes/no"), "{stderr}");
}
