use std::collections::BTreeMap;
use std::path::Path;

use super::*;

const MANIFEST: &str = r#"
spin_manifest_version = 2

[application]
name = "shop"
version = "1.2.3"
colour = "blue"

[variables]
message = { default = "hi" }
redis_host = { default = "127.0.0.1" }
redis_port = { default = "6379" }
db_password = { required = true, secret = true }

[[trigger.http]]
route = "/..."
component = "web"

[[trigger.http]]
route = "/api/items/:id"
component = "web"

[[trigger.http]]
route = "/api/..."
component = "web"

[[trigger.http]]
route = { private = true }
component = "web"

[component.web]
source = "dist/web.wasm"
allowed_outbound_hosts = ["redis://{{ redis_host }}:{{redis_port}}"]
key_value_stores = ["default"]
sqlite_databases = ["default", "audit"]
files = ["static/**"]
[component.web.variables]
message = "says {{ message }}"
password = "{{ db_password }}"
[component.web.build]
command = "cargo build"
watch = ["src/**/*.rs"]
"#;

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn load(text: &str, vars: &BTreeMap<String, String>) -> Result<App, ManifestError> {
    App::from_str(text, Path::new("spin.toml"), Path::new("/srv/app"), vars)
}

#[test]
fn loads_components_routes_and_templates() {
    let app = load(MANIFEST, &env(&[("SPIN_VARIABLE_DB_PASSWORD", "pw")])).expect("loads");
    assert_eq!(app.name, "shop");
    let web = &app.components["web"];
    assert_eq!(web.source, Path::new("/srv/app/dist/web.wasm"));
    assert_eq!(web.allowed_outbound_hosts, vec!["redis://127.0.0.1:6379"]);
    assert_eq!(web.variables["message"], "says hi");
    assert_eq!(web.variables["password"], "pw");
    assert_eq!(web.key_value_stores, vec!["default"]);
    assert_eq!(web.sqlite_databases, vec!["default", "audit"]);
    assert_eq!(app.router.routes().len(), 3, "private route is not served");
}

#[test]
fn unknown_keys_become_warnings() {
    let app = load(MANIFEST, &env(&[("SPIN_VARIABLE_DB_PASSWORD", "pw")])).expect("loads");
    assert!(app.warnings.iter().any(|w| w.contains("`colour`")));
    assert!(app.warnings.iter().any(|w| w.contains("`files`")));
    assert!(!app.warnings.iter().any(|w| w.contains("sqlite_databases")));
}

#[test]
fn missing_required_variable_is_named() {
    let err = load(MANIFEST, &env(&[])).expect_err("must fail");
    let text = err.to_string();
    assert!(text.contains("\"db_password\""), "{text}");
    assert!(text.contains("SPIN_VARIABLE_DB_PASSWORD"), "{text}");
}

#[test]
fn env_overrides_default_and_file_overrides_env() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("secret");
    std::fs::write(&file, "from-file\n").expect("write secret");
    let vars = env(&[
        ("SPIN_VARIABLE_DB_PASSWORD", "pw"),
        ("SPIN_VARIABLE_MESSAGE", "from-env"),
    ]);
    let app = load(MANIFEST, &vars).expect("loads");
    assert_eq!(app.components["web"].variables["message"], "says from-env");

    let mut vars = vars;
    let path = file.to_string_lossy().to_string();
    vars.insert("SPIN_VARIABLE_MESSAGE_FILE".into(), path);
    let app = load(MANIFEST, &vars).expect("loads");
    assert_eq!(
        app.components["web"].variables["message"], "says from-file",
        "exactly one trailing newline is trimmed"
    );
}

#[test]
fn unreadable_variable_file_is_an_error() {
    let vars = env(&[(
        "SPIN_VARIABLE_DB_PASSWORD_FILE",
        "/nonexistent/edge-host/secret",
    )]);
    let err = load(MANIFEST, &vars).expect_err("must fail");
    assert!(err.to_string().contains("/nonexistent/edge-host/secret"));
}

#[test]
fn undefined_template_variable_is_named() {
    let text = MANIFEST.replace("{{ redis_host }}", "{{ nope }}");
    let err = load(&text, &env(&[("SPIN_VARIABLE_DB_PASSWORD", "pw")])).expect_err("fails");
    assert!(err.to_string().contains("\"nope\""), "{err}");
}

#[test]
fn trigger_naming_missing_component_is_rejected() {
    let text = MANIFEST.replace(
        "component = \"web\"\n\n[[trigger.http]]\nroute = \"/api/items/:id\"",
        "component = \"ghost\"\n\n[[trigger.http]]\nroute = \"/api/items/:id\"",
    );
    let err = load(&text, &env(&[("SPIN_VARIABLE_DB_PASSWORD", "pw")])).expect_err("fails");
    assert!(err.to_string().contains("ghost"), "{err}");
}

#[test]
fn bad_toml_and_wrong_version_are_clear() {
    let err = load("spin_manifest_version = ", &env(&[])).expect_err("fails");
    assert!(err.to_string().contains("not valid TOML"), "{err}");
    let text = MANIFEST.replace("spin_manifest_version = 2", "spin_manifest_version = 1");
    let err = load(&text, &env(&[])).expect_err("fails");
    assert!(err.to_string().contains("version 1"), "{err}");
}

fn router(routes: &[&str]) -> Router {
    Router::new(
        routes
            .iter()
            .map(|r| Route::parse(r, &format!("c{r}")).expect("valid route"))
            .collect(),
    )
}

#[test]
fn routing_prefers_exact_then_longest_prefix() {
    let r = router(&[
        "/...",
        "/api/...",
        "/api/items/...",
        "/api/items",
        "/api/items/:id",
    ]);
    let cases = [
        ("/", "/...", "/"),
        ("/about/team", "/...", "/about/team"),
        ("/api", "/api/...", ""),
        ("/api/other", "/api/...", "/other"),
        ("/api/items", "/api/items", ""),
        ("/api/items/7", "/api/items/:id", ""),
        ("/api/items/7/tags", "/api/items/...", "/7/tags"),
    ];
    for (path, route, info) in cases {
        let m = r.route(path).expect("matches");
        assert_eq!(m.raw_route, route, "path {path}");
        assert_eq!(m.path_info, info, "path {path}");
    }
}

#[test]
fn params_are_captured_and_component_route_drops_wildcard() {
    let r = router(&["/users/:user/posts/:post", "/static/..."]);
    let m = r.route("/users/ada/posts/42").expect("matches");
    assert_eq!(
        m.params,
        vec![("user".into(), "ada".into()), ("post".into(), "42".into())]
    );
    let m = r.route("/static/css/site.css").expect("matches");
    assert_eq!(m.component_route, "/static");
    assert_eq!(m.path_info, "/css/site.css");
    assert!(r.route("/users/ada").is_none());
}

#[test]
fn invalid_routes_are_rejected() {
    assert!(Route::parse("api", "c").is_err());
    assert!(Route::parse("/a/.../b", "c").is_err());
    assert!(Route::parse("/a/:", "c").is_err());
}

#[test]
fn variable_names_follow_spin_rules() {
    assert!(variables::is_valid_name("pg_host2"));
    assert!(!variables::is_valid_name("PgHost"));
    assert!(!variables::is_valid_name("2fast"));
    assert!(!variables::is_valid_name(""));
}
