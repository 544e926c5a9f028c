//! The rendered compose model of every profile (`docker compose … config --format json`):
//! topology, dependencies, healthchecks and hardening as declared, without starting anything.

use crate::stack_support::checks::security::secret_values;
use serde_json::Value;
use test_support::stack::Profile;
use test_support::stack::{compose_command, prepare};

const SERVICES: [&str; 4] = ["nginx", "app", "redis", "postgres"];

fn rendered(profile: Profile) -> Value {
    prepare();
    let output = compose_command(
        profile,
        &format!("stack-{}", profile.name()),
        18080,
        profile.tls().then_some(18443),
    )
    .args(["config", "--format", "json"])
    .output()
    .expect("run docker compose config");
    assert!(
        output.status.success(),
        "compose config for {} failed: {}",
        profile.name(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("compose config prints JSON")
}

#[test]
fn every_profile_renders_the_declared_stack() {
    let secrets = secret_values();
    for profile in [Profile::Local, Profile::Dev, Profile::Prod] {
        let model = rendered(profile);
        let what = profile.name();
        let services = &model["services"];
        for service in SERVICES {
            let s = &services[service];
            assert!(s.is_object(), "{what}: service {service} exists");
            assert_eq!(s["read_only"], true, "{what}/{service}: read_only");
            assert_eq!(
                s["cap_drop"],
                serde_json::json!(["ALL"]),
                "{what}/{service}: cap_drop"
            );
            assert!(
                s.get("cap_add").is_none(),
                "{what}/{service}: cap_add must stay empty"
            );
            assert!(
                s["security_opt"]
                    .to_string()
                    .contains("no-new-privileges:true"),
                "{what}/{service}: no-new-privileges"
            );
            assert!(
                s["healthcheck"]["test"].is_array(),
                "{what}/{service}: healthcheck"
            );
            let user = s["user"].as_str().unwrap_or_default();
            assert!(
                !user.is_empty() && !user.starts_with("0:"),
                "{what}/{service}: user {user:?}"
            );
            assert!(s["restart"].is_string(), "{what}/{service}: restart policy");
            assert!(
                s["deploy"]["resources"]["limits"]["memory"].is_string(),
                "{what}/{service}: memory limit"
            );
            assert!(
                s["labels"]["stack-tui.role"].is_string(),
                "{what}/{service}: role label"
            );
            if service != "nginx" {
                assert!(s.get("ports").is_none(), "{what}/{service} publishes ports");
            }
        }
        assert!(
            services["nginx"].get("depends_on").is_none(),
            "{what}: nginx must not depend on app"
        );
        for dependency in ["redis", "postgres"] {
            assert_eq!(
                services["app"]["depends_on"][dependency]["condition"], "service_healthy",
                "{what}: app waits for {dependency} to be healthy"
            );
        }
        assert_eq!(
            model["networks"]["backend"]["internal"], true,
            "{what}: backend internal"
        );
        assert_eq!(
            services["app"]["deploy"]["replicas"].as_u64(),
            Some(profile.app_replicas() as u64),
            "{what}: app replicas"
        );
        for port in services["nginx"]["ports"]
            .as_array()
            .expect("nginx publishes ports")
        {
            assert_eq!(
                port["host_ip"], "127.0.0.1",
                "{what}: nginx publishes on loopback only"
            );
        }
        let text = model.to_string();
        for (name, value) in &secrets {
            assert!(
                !text.contains(value.as_str()),
                "{what}: the rendered model contains {name}"
            );
        }
    }
}

#[test]
fn only_the_local_profile_mounts_the_component() {
    for profile in [Profile::Local, Profile::Dev, Profile::Prod] {
        let model = rendered(profile);
        let volumes = model["services"]["app"]["volumes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let app = volumes
            .iter()
            .find(|v| v["target"] == "/app" || v["target"] == "/app/dist");
        match profile {
            Profile::Local => {
                let app = app.expect("local mounts /app");
                assert_eq!(app["target"], "/app");
                assert_eq!(app["type"], "bind");
                assert_eq!(app["read_only"], true, "read-only mount");
                let source = app["source"].as_str().unwrap_or_default();
                assert!(
                    source.ends_with("edge-app"),
                    "mounts the app's directory: {source}"
                );
            }
            _ => assert!(app.is_none(), "{} mounts the app over /app", profile.name()),
        }
    }
}

/// The one-shot migration runner: the app's image and role, hardened like the rest, on the
/// backend only, after Postgres and before the app; local and dev apply the migrations on disk,
/// prod the copy baked into the image.
#[test]
fn the_migrate_one_shot_runs_between_postgres_and_the_app() {
    for profile in [Profile::Local, Profile::Dev, Profile::Prod] {
        let model = rendered(profile);
        let what = profile.name();
        let migrate = &model["services"]["migrate"];
        let app = &model["services"]["app"];
        assert_eq!(migrate["image"], app["image"], "{what}: the app's image");
        assert_eq!(migrate["user"], app["user"], "{what}: the app's user");
        assert_eq!(migrate["read_only"], true, "{what}: read_only");
        assert_eq!(migrate["cap_drop"], serde_json::json!(["ALL"]), "{what}");
        assert!(
            migrate["security_opt"]
                .to_string()
                .contains("no-new-privileges:true"),
            "{what}: no-new-privileges"
        );
        assert_eq!(
            migrate["networks"]
                .as_object()
                .map(|n| n.keys().collect::<Vec<_>>()),
            Some(vec![&"backend".to_string()]),
            "{what}: backend only"
        );
        assert_eq!(migrate["labels"]["stack-tui.one-shot"], "true", "{what}");
        assert_eq!(migrate["labels"]["stack-tui.role"], "migrations", "{what}");
        assert_eq!(
            migrate["restart"], "no",
            "{what}: a one-shot is not restarted"
        );
        assert_eq!(
            migrate["depends_on"]["postgres"]["condition"], "service_healthy",
            "{what}"
        );
        assert_eq!(
            app["depends_on"]["migrate"]["condition"], "service_completed_successfully",
            "{what}: the app starts after the migrations"
        );
        assert_eq!(migrate["command"], serde_json::json!(["migrate"]), "{what}");
        assert_eq!(
            migrate["environment"]["EDGE_HOST_PG_PASSWORD_FILE"], "/run/secrets/db_password",
            "{what}: the password from the app's secret file"
        );
        assert_eq!(migrate["environment"]["EDGE_HOST_PG_USER"], "app", "{what}");
        assert_eq!(migrate["secrets"][0]["source"], "app_db_password", "{what}");
        let mounted = migrate["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|v| v["target"] == "/migrations")
            .cloned();
        match profile {
            Profile::Prod => assert!(mounted.is_none(), "prod uses the baked migrations"),
            _ => {
                let mounted = mounted.expect("local and dev mount the migrations");
                assert_eq!(mounted["read_only"], true, "{what}");
                let source = mounted["source"].as_str().unwrap_or_default();
                assert!(
                    source.ends_with("compose/db/migrations"),
                    "{what}: {source}"
                );
            }
        }
    }
}

/// Run by hand without `-p`, each profile's files name their own project, so the profiles never
/// share one.
#[test]
fn each_profile_names_its_project_without_p() {
    prepare();
    for profile in [Profile::Local, Profile::Dev, Profile::Prod] {
        let name = profile.name();
        let output = std::process::Command::new("docker")
            .current_dir(test_support::repo_root())
            .args(["compose", "--env-file", "env/common.env"])
            .args(["--env-file", &format!("env/{name}.env")])
            .args([
                "-f",
                "compose/compose.yaml",
                "-f",
                &format!("{name}/compose.yaml"),
            ])
            .args(["config", "--format", "json"])
            .output()
            .expect("run docker compose config");
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let model: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        assert_eq!(model["name"], format!("stack-{name}"));
    }
    // With no flag at all beyond the two files (compose reads compose/.env, which is
    // common.env), from the repository and from elsewhere.
    let root = test_support::repo_root();
    for dir in [root.clone(), std::env::temp_dir()] {
        let output = std::process::Command::new("docker")
            .current_dir(&dir)
            .arg("compose")
            .arg("-f")
            .arg(root.join("compose/compose.yaml"))
            .arg("-f")
            .arg(root.join("local/compose.yaml"))
            .args(["config", "--format", "json"])
            .env_remove("STACK_HTTP_PORT")
            .output()
            .expect("run docker compose config");
        assert!(
            output.status.success(),
            "by hand from {}: {}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let model: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        assert_eq!(model["name"], "stack-local");
        assert_eq!(model["services"]["nginx"]["ports"][0]["published"], "8080");
    }
}
