//! Exercises every Spin interface edge-host implements, one path each, and reports the result
//! as plain text (`ok ...` or `error ...`) so host tests can assert on it.

use spin_sdk::http::{IntoResponse, Request, Response};
use spin_sdk::{http_component, key_value, mqtt, pg4, redis, sqlite, sqlite3, variables};

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

/// Sends one parameter of each structured type and reads it back.
fn probe_pg_types(address: &str) -> String {
    use pg4::{Interval, ParameterValue as P, RangeBoundKind as K};
    let conn = match pg4::Connection::open(address) {
        Ok(conn) => conn,
        Err(e) => return format!("error {e:?}"),
    };
    let sql = "SELECT $1::int4range AS r4, $2::int8range AS r8, $3::numrange AS rn, \
               $4::interval AS iv, $5::bytea AS b, $6::uuid AS u, $7::timestamp AS ts, \
               $8::int4[] AS a4, '(1,5]'::int4range AS canon";
    let params = [
        P::RangeInt32((Some((30, K::Exclusive)), Some((40, K::Inclusive)))),
        P::RangeInt64((Some((-5, K::Inclusive)), None)),
        P::RangeDecimal((None, Some(("1234.56".to_string(), K::Inclusive)))),
        P::Interval(Interval {
            micros: 1_500_000,
            days: 2,
            months: 14,
        }),
        P::Binary(vec![0, 159, 255]),
        P::Uuid("fedcba98-fedc-fedc-fedc-fedcba987654".to_string()),
        P::Datetime((1999, 7, 12, 4, 3, 2, 1_000_000)),
        P::ArrayInt32(vec![Some(1), None]),
    ];
    match conn.query(sql, &params) {
        Ok(rows) => format!("ok {:?} {:?}", rows.columns, rows.rows),
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

/// Inserts one row of every SQLite value type through `spin:sqlite@3.0.0`.
fn probe_sqlite_put(label: &str, text: &str) -> String {
    use sqlite3::Value;
    let conn = match sqlite3::Connection::open(label) {
        Ok(c) => c,
        Err(e) => return format!("error {e:?}"),
    };
    let create =
        "CREATE TABLE IF NOT EXISTS probe(k INTEGER PRIMARY KEY, t TEXT, r REAL, b BLOB, n)";
    if let Err(e) = conn.execute(create, &[]) {
        return format!("error {e:?}");
    }
    let params = [
        Value::Text(text.to_string()),
        Value::Real(1.5),
        Value::Blob(vec![0, 1, 255]),
        Value::Null,
    ];
    match conn.execute("INSERT INTO probe(t, r, b, n) VALUES (?, ?, ?, ?)", &params) {
        Ok(_) => format!(
            "ok rowid={} changes={}",
            conn.last_insert_rowid(),
            conn.changes()
        ),
        Err(e) => format!("error {e:?}"),
    }
}

/// A statement that runs for minutes, to check that a request timeout stops it.
fn probe_sqlite_slow(label: &str) -> String {
    let conn = match sqlite::Connection::open(label) {
        Ok(c) => c,
        Err(e) => return format!("error {e:?}"),
    };
    let sql = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10000000000) \
               SELECT count(*) FROM n";
    match conn.execute(sql, &[]) {
        Ok(_) => "ok finished".to_string(),
        Err(e) => format!("error {e:?}"),
    }
}

/// Reads every row back through `fermyon:spin/sqlite@2.0.0`.
fn probe_sqlite_get(label: &str) -> String {
    let conn = match sqlite::Connection::open(label) {
        Ok(c) => c,
        Err(e) => return format!("error {e:?}"),
    };
    match conn.execute("SELECT k, t, r, b, n FROM probe ORDER BY k", &[]) {
        Ok(result) => {
            let rows: Vec<_> = result.rows.iter().map(|r| &r.values).collect();
            format!("ok {:?} {:?}", result.columns, rows)
        }
        Err(e) => format!("error {e:?}"),
    }
}

fn probe_mqtt(address: &str, topic: &str, message: &str) -> String {
    let conn = match mqtt::Connection::open(address, "probe", "secret", 30) {
        Ok(c) => c,
        Err(e) => return format!("error {e:?}"),
    };
    match conn.publish(topic, &message.as_bytes().to_vec(), mqtt::Qos::AtLeastOnce) {
        Ok(()) => "ok published".to_string(),
        Err(e) => format!("error {e:?}"),
    }
}

/// Opens `count` connections at once and reports the first failure.
fn probe_mqtt_many(address: &str, count: usize) -> String {
    let mut open = Vec::new();
    for i in 0..count {
        match mqtt::Connection::open(address, "", "", 30) {
            Ok(c) => open.push(c),
            Err(e) => return format!("error after {i}: {e:?}"),
        }
    }
    format!("ok {}", open.len())
}

/// Computes forever without calling the host: only the host's deadline ends it. Says so on
/// stdout first, so a test can tell it has started.
fn busy() -> String {
    println!("probe: busy, computing without end");
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}

#[http_component]
fn handle(req: Request) -> anyhow::Result<impl IntoResponse> {
    let path = req.path().to_string();
    let body = match path.as_str() {
        "/redis" => probe_redis(&query_param(&req, "addr")),
        "/pg" => probe_pg(&query_param(&req, "addr")),
        "/pg-types" => probe_pg_types(&query_param(&req, "addr")),
        "/pg-error" => probe_pg_error(&query_param(&req, "addr")),
        "/kv" => probe_kv(),
        "/kv-set" => probe_kv_key(
            Some(&query_param(&req, "value")),
            &query_param(&req, "key"),
        ),
        "/kv-get" => probe_kv_key(None, &query_param(&req, "key")),
        "/kv-bench" => probe_kv_bench(query_param(&req, "n").parse().unwrap_or(1000).min(100_000)),
        "/sqlite-put" => probe_sqlite_put(&query_param(&req, "db"), &query_param(&req, "text")),
        "/sqlite-slow" => probe_sqlite_slow(&query_param(&req, "db")),
        "/sqlite-get" => probe_sqlite_get(&query_param(&req, "db")),
        "/mqtt-many" => probe_mqtt_many(
            &query_param(&req, "addr"),
            query_param(&req, "n").parse().unwrap_or(0),
        ),
        "/mqtt" => probe_mqtt(
            &query_param(&req, "addr"),
            &query_param(&req, "topic"),
            &query_param(&req, "msg"),
        ),
        "/var" => match variables::get(&query_param(&req, "name")) {
            Ok(v) => format!("ok {v}"),
            Err(e) => format!("error {e:?}"),
        },
        "/busy" => busy(),
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
