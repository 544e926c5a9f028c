//! The app reaches Postgres as the least-privilege role `app`, never as the superuser. The role
//! owns the tables its migrations create, and nothing beyond its one database's public schema.

use test_support::http::Http;
use test_support::stack::Stack;

/// Runs SQL in the postgres container: as `app` over TCP with its secret, or as the superuser
/// over the Unix socket. Returns (success, stdout + stderr).
fn psql(stack: &Stack, as_app: bool, sql: &str) -> (bool, String) {
    let connect = if as_app {
        // The password travels in the exec's environment, not as an argument.
        r#"PGPASSWORD="$(cat /run/secrets/db_password)" psql -h 127.0.0.1 -U app -d app"#
    } else {
        "psql -U postgres -d app"
    };
    let script = format!("{connect} -v ON_ERROR_STOP=1 -tA -c \"$STACK_TEST_SQL\"");
    let output = stack.compose(&[
        "exec",
        "-T",
        "-e",
        &format!("STACK_TEST_SQL={sql}"),
        "postgres",
        "sh",
        "-c",
        &script,
    ]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text.trim().to_owned())
}

pub fn app_role_is_least_privilege(stack: &Stack, http: &Http) {
    // A database read through the app, so its pooled connections are there to be seen.
    let listed = http
        .get(&stack.site_url("/api/items?per_page=1"))
        .expect("GET /api/items");
    assert_eq!(listed.status, 200, "list items: {listed:?}");

    let (ok, attributes) = psql(
        stack,
        false,
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = 'app'",
    );
    assert!(ok, "read the app role: {attributes}");
    assert_eq!(attributes, "f|f|f|f|f", "app role attributes");

    let (ok, users) = psql(
        stack,
        false,
        "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity WHERE backend_type = 'client backend' AND client_addr IS NOT NULL AND client_addr <> '127.0.0.1'",
    );
    assert!(ok, "read pg_stat_activity: {users}");
    assert_eq!(users, "app", "the app's connections use the app role only");

    let (ok, count) = psql(stack, true, "SELECT count(*) >= 0 FROM items");
    assert!(ok && count == "t", "app reads items: {count}");
    // The schema is the app's own: its migrations ran as this role (the migrate service).
    let (ok, owner) = psql(
        stack,
        false,
        "SELECT tableowner FROM pg_tables WHERE tablename = 'items'",
    );
    assert!(
        ok && owner == "app",
        "items belongs to the app role: {owner}"
    );
    for forbidden in [
        "CREATE SCHEMA stack_test_forbidden",
        "CREATE ROLE stack_test_forbidden",
        "CREATE DATABASE stack_test_forbidden",
        "ALTER SYSTEM SET work_mem = '8MB'",
    ] {
        let (ok, message) = psql(stack, true, forbidden);
        assert!(!ok, "the app role may not run {forbidden:?}: {message}");
        assert!(
            message.contains("permission denied") || message.contains("must be owner"),
            "{forbidden:?} fails for lack of privilege: {message}"
        );
    }
}
