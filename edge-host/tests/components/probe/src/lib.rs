//! Exercises every Spin interface edge-host implements, one path each, and reports the result
//! as plain text (`ok ...` or `error ...`) so host tests can assert on it.

use spin_sdk::http::{IntoResponse, Request, Response};
use spin_sdk::{http_component, key_value, pg4, redis, variables};

fn query_param(req: &Request, name: &str) -> String {
    let query = req.query();
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.replace("%20", " ").replace("%3D", "="))
        .unwrap_or_default()
}

fn probe_redis(address: &str) -> String {
    match redis::Connection::open(address) {
        Ok(conn) => match conn.incr("probe-counter") {
            Ok(n) => format!("ok {n}"),
            Err(e) => format!("error {e:?}"),
        },
        Err(e) => format!("error {e:?}"),
    }
}

fn probe_pg(address: &str) -> String {
    let conn = match pg4::Connection::open(address) {
        Ok(conn) => conn,
        Err(e) => return format!("error {e:?}"),
    };
    let sql = "SELECT 42::int4 AS i, 1.50::numeric AS d, '{\"a\":1}'::jsonb AS j, \
               NULL::text AS n, DATE '2024-02-29' AS day, 'x'::text AS s";
    match conn.query(sql, &[]) {
        Ok(rows) => format!("ok {:?}", rows.rows),
        Err(e) => format!("error {e:?}"),
    }
}

fn probe_pg_error(address: &str) -> String {
    let conn = match pg4::Connection::open(address) {
        Ok(conn) => conn,
        Err(e) => return format!("error {e:?}"),
    };
    match conn.query("SELECT * FROM no_such_table", &[]) {
        Ok(_) => "ok unexpected".to_string(),
        Err(e) => format!("error {e:?}"),
    }
}

fn probe_kv() -> String {
    let store = match key_value::Store::open("default") {
        Ok(s) => s,
        Err(e) => return format!("error {e:?}"),
    };
    if let Err(e) = store.set("k", b"v1") {
        return format!("error {e:?}");
    }
    match store.get("k") {
        Ok(Some(v)) => format!("ok {}", String::from_utf8_lossy(&v)),
        Ok(None) => "error missing".to_string(),
        Err(e) => format!("error {e:?}"),
    }
}

/// `/kv-set?key=K&value=V` and `/kv-get?key=K` on the default store, for tests that share it.
fn probe_kv_key(set: Option<&str>, key: &str) -> String {
    let store = match key_value::Store::open("default") {
        Ok(s) => s,
        Err(e) => return format!("error {e:?}"),
    };
    if let Some(value) = set {
        return match store.set(key, value.as_bytes()) {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("error {e:?}"),
        };
    }
    match store.get(key) {
        Ok(Some(v)) => format!("ok {}", String::from_utf8_lossy(&v)),
        Ok(None) => "ok (none)".to_string(),
        Err(e) => format!("error {e:?}"),
    }
}

/// `/kv-bench?n=N`: N sets then N gets on the default store, timed inside the guest; answers
/// `ok set_mean_us=.. set_p99_us=.. get_mean_us=.. get_p99_us=..`.
fn probe_kv_bench(n: usize) -> String {
    let store = match key_value::Store::open("default") {
        Ok(s) => s,
        Err(e) => return format!("error {e:?}"),
    };
    let value = vec![b'v'; 64];
    let mut sets = Vec::with_capacity(n);
    let mut gets = Vec::with_capacity(n);
    for i in 0..n {
        let key = format!("bench-{i}");
        let started = std::time::Instant::now();
        if let Err(e) = store.set(&key, &value) {
            return format!("error {e:?}");
        }
        sets.push(started.elapsed().as_secs_f64() * 1e6);
    }
    for i in 0..n {
        let started = std::time::Instant::now();
        if let Err(e) = store.get(&format!("bench-{i}")) {
            return format!("error {e:?}");
        }
        gets.push(started.elapsed().as_secs_f64() * 1e6);
    }
    let summary = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
        let p99 = v.get(v.len() * 99 / 100).copied().unwrap_or(0.0);
        (mean, p99)
    };
    let ((set_mean, set_p99), (get_mean, get_p99)) = (summary(sets), summary(gets));
    format!(
        "ok set_mean_us={set_mean:.1} set_p99_us={set_p99:.1} get_mean_us={get_mean:.1} get_p99_us={get_p99:.1}"
    )
}

#[http_component]
fn handle(req: Request) -> anyhow::Result<impl IntoResponse> {
    let path = req.path().to_string();
    let body = match path.as_str() {
        "/redis" => probe_redis(&query_param(&req, "addr")),
        "/pg" => probe_pg(&query_param(&req, "addr")),
        "/pg-error" => probe_pg_error(&query_param(&req, "addr")),
        "/kv" => probe_kv(),
        "/kv-set" => probe_kv_key(
            Some(&query_param(&req, "value")),
            &query_param(&req, "key"),
        ),
        "/kv-get" => probe_kv_key(None, &query_param(&req, "key")),
        "/kv-bench" => probe_kv_bench(query_param(&req, "n").parse().unwrap_or(1000).min(100_000)),
        "/var" => match variables::get(&query_param(&req, "name")) {
            Ok(v) => format!("ok {v}"),
            Err(e) => format!("error {e:?}"),
        },
        "/env" => format!("ok {}", std::env::var("HOSTNAME").unwrap_or_default()),
        "/headers" => {
            let mut lines: Vec<String> = req
                .headers()
                .filter(|(k, _)| k.starts_with("spin-"))
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect();
            lines.sort();
            lines.join("\n")
        }
        _ => "error unknown path".to_string(),
    };
    Ok(Response::new(200, body))
}
