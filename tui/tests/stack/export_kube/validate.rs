//! Every exported object validates offline: the SpinApp against the `openAPIV3Schema` of
//! SpinKube's CRD (with unknown fields rejected, as `kubectl apply --validate=strict` does), the
//! core objects by a round trip through k8s-openapi's types that must give back every field.

use super::support::{self, PROFILES, documents, kind, name};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret, Service};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use stack_tui::export::kube::KubeOptions;
use stack_tui::export::spinapp::SpinApp;
use std::collections::BTreeMap;

/// The SpinApp CRD's schema, read from SpinKube's reference copy beside the repository.
fn spinapp_schema() -> Value {
    let path = support::repo_root().join("../shared/spinkube/crd/core.spinkube.dev_spinapps.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "SpinKube's CRD is read from {} (shared/ beside the repository): {err}",
            path.display()
        )
    });
    let crd: Value = yaml_serde::from_str(&text).expect("the CRD is YAML");
    let versions = crd["spec"]["versions"].as_array().expect("CRD versions");
    let v1alpha1 = versions
        .iter()
        .find(|version| version["name"] == "v1alpha1")
        .expect("the CRD serves v1alpha1");
    let mut schema = v1alpha1["schema"]["openAPIV3Schema"].clone();
    reject_unknown_fields(&mut schema);
    schema
}

/// Kubernetes drops (or, with strict validation, rejects) fields a structural schema doesn't
/// name; in JSON Schema that is `additionalProperties: false` on every object with properties.
fn reject_unknown_fields(schema: &mut Value) {
    if let Value::Object(map) = schema {
        let preserves = map.get("x-kubernetes-preserve-unknown-fields") == Some(&json!(true));
        if map.contains_key("properties") && !map.contains_key("additionalProperties") && !preserves
        {
            map.insert("additionalProperties".into(), json!(false));
        }
        map.values_mut().for_each(reject_unknown_fields);
    } else if let Value::Array(items) = schema {
        items.iter_mut().for_each(reject_unknown_fields);
    }
}

fn crd_errors(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

/// Deserializes into `T` and serializes back: a field `T` doesn't know is lost, so the result
/// differs from the original.
fn round_trip<T: DeserializeOwned + Serialize>(document: &Value) -> Result<(), String> {
    let typed: T = serde_json::from_value(document.clone()).map_err(|err| err.to_string())?;
    let back = serde_json::to_value(&typed).map_err(|err| err.to_string())?;
    if &back == document {
        Ok(())
    } else {
        Err(format!(
            "fields lost or changed in the round trip:\nwas  {document}\nnow  {back}"
        ))
    }
}

fn check_core(document: &Value) -> Result<(), String> {
    match kind(document) {
        "Namespace" => round_trip::<Namespace>(document),
        "ConfigMap" => round_trip::<ConfigMap>(document),
        "Secret" => round_trip::<Secret>(document),
        "Service" => round_trip::<Service>(document),
        "Deployment" => round_trip::<Deployment>(document),
        "StatefulSet" => round_trip::<StatefulSet>(document),
        "Job" => round_trip::<Job>(document),
        "NetworkPolicy" => round_trip::<NetworkPolicy>(document),
        other => Err(format!("unexpected kind {other:?}")),
    }
}

/// The pinned upstream image of env/common.env, e.g. `REDIS_IMAGE`.
fn common_env(key: &str) -> String {
    let text =
        std::fs::read_to_string(support::repo_root().join("env/common.env")).expect("common.env");
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("env/common.env sets {key}"))
        .to_string()
}

#[test]
fn every_profile_exports_objects_that_validate_offline() {
    let validator = jsonschema::validator_for(&spinapp_schema()).expect("the CRD schema compiles");
    let expected_replicas = BTreeMap::from([("local", 1), ("dev", 2), ("prod", 3)]);
    for profile in PROFILES {
        let files = support::export(profile, &KubeOptions::default());
        let docs = documents(&files);
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        for (file, document) in &docs {
            *kinds.entry(kind(document).to_string()).or_default() += 1;
            if kind(document) == "Kustomization" {
                // It lists every other manifest of the folder, and sets the namespace.
                let listed: Vec<&str> = document["resources"]
                    .as_array()
                    .expect("resources")
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                let mut listed_sorted = listed.clone();
                listed_sorted.sort_unstable();
                let others: Vec<&str> = files
                    .keys()
                    .map(String::as_str)
                    .filter(|f| f.ends_with(".yaml") && *f != "kustomization.yaml")
                    .collect();
                assert_eq!(listed_sorted, others, "{profile}: kustomization resources");
                assert_eq!(document["namespace"], format!("stack-{profile}"));
                assert_eq!(
                    listed.first(),
                    Some(&"namespace.yaml"),
                    "{profile}: the namespace comes first"
                );
                continue;
            }
            if kind(document) == "SpinApp" {
                let errors = crd_errors(&validator, document);
                assert!(
                    errors.is_empty(),
                    "{profile}/{file}: SpinApp fails the CRD: {errors:#?}"
                );
                let typed: SpinApp = serde_json::from_value(document.clone())
                    .unwrap_or_else(|err| panic!("{profile}/{file}: not a SpinApp: {err}"));
                assert_eq!(
                    typed.spec.replicas,
                    Some(expected_replicas[profile]),
                    "{profile}"
                );
                assert_eq!(typed.spec.executor, "containerd-shim-spin");
            } else if let Err(problem) = check_core(document) {
                panic!(
                    "{profile}/{file} {} {}: {problem}",
                    kind(document),
                    name(document)
                );
            }
            assert_eq!(
                document["metadata"].get("namespace"),
                None,
                "{profile}/{file}: the namespace comes from the kustomization"
            );
        }
        for (kind, count) in [
            ("SpinApp", 1),
            ("Deployment", 1),
            ("StatefulSet", 2),
            ("Job", 1),
            ("Service", 3),
            ("Namespace", 1),
        ] {
            assert_eq!(
                kinds.get(kind),
                Some(&count),
                "{profile}: {kind} objects in {kinds:?}"
            );
        }
        assert!(
            kinds.get("NetworkPolicy") >= Some(&6),
            "{profile}: {kinds:?}"
        );
        // The migrations Job carries the project's migration files and runs `edge-host migrate`
        // against the database Service.
        let job = docs
            .iter()
            .find(|(_, doc)| kind(doc) == "Job")
            .map(|(_, doc)| doc)
            .expect("a migrations Job");
        assert!(
            name(job).starts_with("migrate-"),
            "{profile}: {}",
            name(job)
        );
        let container = &job["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(container["args"], json!(["migrate"]), "{profile}");
        let env = container["env"].to_string();
        assert!(
            env.contains("\"EDGE_HOST_PG_HOST\",\"value\":\"postgres\""),
            "{profile}: the database Service by its compose name: {env}"
        );
        let files = docs
            .iter()
            .find(|(_, doc)| kind(doc) == "ConfigMap" && name(doc) == "migrate-files")
            .map(|(_, doc)| doc)
            .expect("the migrations ConfigMap");
        assert!(
            files["data"]["V1__items.sql"]
                .as_str()
                .is_some_and(|sql| sql.contains("CREATE TABLE IF NOT EXISTS items")),
            "{profile}: V1 ships"
        );
        // Data services run the pinned upstream images, never the offline stand-ins.
        for (service, image_key) in [("redis", "REDIS_IMAGE"), ("postgres", "POSTGRES_IMAGE")] {
            let set = docs
                .iter()
                .find(|(_, doc)| kind(doc) == "StatefulSet" && name(doc) == service)
                .map(|(_, doc)| doc)
                .unwrap_or_else(|| panic!("{profile}: StatefulSet {service}"));
            let image = &set["spec"]["template"]["spec"]["containers"][0]["image"];
            assert_eq!(
                image.as_str(),
                Some(common_env(image_key).as_str()),
                "{profile} {service}"
            );
        }
    }
}

#[test]
fn prod_limits_and_hardening_come_from_the_compose_model() {
    let docs = documents(support::prod_export());
    let spin_app = docs
        .iter()
        .find(|(_, doc)| kind(doc) == "SpinApp")
        .map(|(_, doc)| doc)
        .expect("SpinApp");
    // prod/compose.yaml: app limits cpus 0.5, memory 192M.
    assert_eq!(
        spin_app["spec"]["resources"]["limits"],
        json!({"cpu": "500m", "memory": "192Mi"})
    );
    // compose.yaml's users: redis 999:1000, postgres 70:70, nginx 101:101.
    for (workload, uid, gid) in [
        ("redis", 999, 1000),
        ("postgres", 70, 70),
        ("nginx", 101, 101),
    ] {
        let doc = docs
            .iter()
            .find(|(_, doc)| {
                matches!(kind(doc), "StatefulSet" | "Deployment") && name(doc) == workload
            })
            .map(|(_, doc)| doc)
            .unwrap_or_else(|| panic!("workload {workload}"));
        let pod = &doc["spec"]["template"]["spec"];
        let container = &pod["containers"][0]["securityContext"];
        assert_eq!(container["runAsUser"], json!(uid), "{workload}");
        assert_eq!(container["runAsGroup"], json!(gid), "{workload}");
        assert_eq!(
            container["readOnlyRootFilesystem"],
            json!(true),
            "{workload}"
        );
        assert_eq!(
            container["allowPrivilegeEscalation"],
            json!(false),
            "{workload}"
        );
        assert_eq!(
            container["capabilities"]["drop"],
            json!(["ALL"]),
            "{workload}"
        );
        assert_eq!(
            pod["securityContext"]["seccompProfile"]["type"],
            json!("RuntimeDefault")
        );
        let writable: Vec<&Value> = pod["volumes"]
            .as_array()
            .expect("volumes")
            .iter()
            .filter(|volume| volume.get("emptyDir").is_some())
            .collect();
        assert!(
            !writable.is_empty(),
            "{workload} has emptyDirs for its tmpfs paths"
        );
    }
}

#[test]
fn the_checks_reject_what_a_cluster_would() {
    let validator = jsonschema::validator_for(&spinapp_schema()).expect("the CRD schema compiles");
    let docs = documents(support::prod_export());
    let spin_app = docs
        .iter()
        .find(|(_, doc)| kind(doc) == "SpinApp")
        .map(|(_, doc)| doc.clone())
        .expect("SpinApp");
    let mut unknown = spin_app.clone();
    unknown["spec"]["replica"] = json!(3);
    let mut wrong_type = spin_app.clone();
    wrong_type["spec"]["replicas"] = json!("three");
    let mut missing = spin_app.clone();
    missing["spec"]
        .as_object_mut()
        .expect("spec")
        .remove("executor");
    for (what, broken) in [
        ("unknown field", unknown),
        ("wrong type", wrong_type),
        ("no executor", missing),
    ] {
        assert!(
            !crd_errors(&validator, &broken).is_empty(),
            "the CRD check accepts a SpinApp with {what}"
        );
    }
    let deployment = docs
        .iter()
        .find(|(_, doc)| kind(doc) == "Deployment")
        .map(|(_, doc)| doc.clone())
        .expect("Deployment");
    let mut unknown = deployment;
    unknown["spec"]["template"]["spec"]["containers"][0]["securityContex"] = json!({});
    assert!(
        check_core(&unknown).is_err(),
        "the round trip accepts an unknown field"
    );
}
