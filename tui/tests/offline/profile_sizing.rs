//! Each profile's settings fit its containers' limits, read from the merged compose model
//! (`docker compose config`: the CLI merges the files, no daemon is asked), so an edit to either
//! side that breaks the fit fails here: edge-host's instances × memory per instance inside the
//! app's memory (the audit's `edge-host-instances-exceed-memory` rule), Postgres' connections covering every pool and its memory and pids, Redis'
//! maxmemory with room for its fork, nginx's workers inside its pids, and rotated logs for every
//! service, one-shots included.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use stack_core::audit::from_files;
use stack_core::audit::rules;
use stack_core::audit::subject::Context;
use test_support::repo_root;

const MIB: u64 = 1024 * 1024;
const PROFILES: [&str; 3] = ["local", "dev", "prod"];

/// Postgres' `superuser_reserved_connections` (its default), counted inside max_connections.
const PG_SUPERUSER_RESERVED: u64 = 3;
/// Connections beyond the pools: psql from a shell or a drill, a second migrate run.
const PG_SPARE_CONNECTIONS: u64 = 4;
/// A backend's own memory at rest (catalog caches, buffers), beside shared_buffers.
const PG_BACKEND_MIB: u64 = 2;
/// Postgres' processes beside its backends: checkpointer, writers, autovacuum, stats, the
/// healthcheck's pg_isready.
const PG_OTHER_PROCESSES: u64 = 16;
/// start-nginx keeps this many pids for the master, its shell, the healthcheck and a reload.
const NGINX_RESERVED_PIDS: u64 = 8;

/// The merged model of `profile`, as stack-tui renders it (upstream images; ports fixed).
fn merged(profile: &str) -> Value {
    let output = Command::new("docker")
        .current_dir(repo_root())
        .args(["compose", "--env-file", "env/common.env"])
        .args(["--env-file", &format!("env/{profile}.env")])
        .args(["-f", "compose/compose.yaml"])
        .args(["-f", &format!("{profile}/compose.yaml")])
        .args(["config", "--format", "json"])
        .env("STACK_IMAGE_SOURCE", "upstream")
        .env("STACK_HTTP_PORT", "18080")
        .env("STACK_HTTPS_PORT", "18443")
        .output()
        .expect("run docker compose config (the Compose v2 CLI; no daemon needed)");
    assert!(
        output.status.success(),
        "{profile}: compose config failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("compose config prints JSON")
}

/// A service of the merged model, read the way the checks need it.
struct Service<'a> {
    what: String,
    value: &'a Value,
}

impl<'a> Service<'a> {
    fn all(profile: &str, model: &'a Value) -> Vec<Service<'a>> {
        model["services"]
            .as_object()
            .expect("services")
            .iter()
            .map(|(name, value)| Service {
                what: format!("{profile}/{name}"),
                value,
            })
            .collect()
    }

    fn limit(&self, name: &str) -> u64 {
        let value = &self.value["deploy"]["resources"]["limits"][name];
        let number = match value {
            Value::String(text) => text.parse::<f64>().ok(),
            other => other.as_f64(),
        };
        let number = number.unwrap_or_else(|| panic!("{}: no {name} limit", self.what));
        number.ceil() as u64
    }

    fn memory_mib(&self) -> u64 {
        self.limit("memory") / MIB
    }

    fn replicas(&self) -> u64 {
        self.value["deploy"]["replicas"].as_u64().unwrap_or(1)
    }

    fn env(&self, name: &str) -> Option<u64> {
        let value = &self.value["environment"][name];
        value.as_str().map(|text| {
            text.parse()
                .unwrap_or_else(|_| panic!("{}: {name}={text} is not a number", self.what))
        })
    }

    fn one_shot(&self) -> bool {
        self.value["labels"]["stack-tui.one-shot"] == "true"
    }

    fn uses_postgres(&self) -> bool {
        self.value["depends_on"].get("postgres").is_some()
    }

    /// A long-running edge-host server: the app image's services that are not one-shots.
    fn serves_edge_host(&self) -> bool {
        !self.one_shot()
            && self.value["healthcheck"]["test"]
                .to_string()
                .contains("edge-host")
    }

    /// `-c name=value` from the command, as the server would read it.
    fn server_option(&self, name: &str) -> Option<String> {
        let args: Vec<&str> = self.value["command"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        args.windows(2).find_map(|pair| match pair {
            ["-c", setting] => setting
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('='))
                .map(str::to_owned),
            _ => None,
        })
    }
}

fn service<'a>(services: &'a [Service<'a>], name: &str) -> &'a Service<'a> {
    services
        .iter()
        .find(|s| s.what.ends_with(&format!("/{name}")))
        .unwrap_or_else(|| panic!("no service {name}"))
}

/// `64MB`, `1GB`, `8192kB` (Postgres' units; Redis' `64mb` is the same) in MiB.
fn mib_of(size: &str) -> u64 {
    let split = size
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(size.len());
    let (number, unit) = size.split_at(split);
    let number: u64 = number.parse().unwrap_or_else(|_| panic!("size {size}"));
    match unit.to_ascii_lowercase().as_str() {
        "kb" => number / 1024,
        "mb" => number,
        "gb" => number * 1024,
        _ => panic!("size {size}: unknown unit"),
    }
}

/// The audit's rule is the arithmetic (users get it from `stack-tui audit`); here it must pass
/// for every profile, and each edge-host server must name its sizing rather than lean on
/// edge-host's defaults.
#[test]
fn edge_host_instances_times_their_memory_fit_the_container() {
    let rule = rules::find("edge-host-instances-exceed-memory").expect("the audit rule");
    for profile in PROFILES {
        let model = merged(profile);
        let services = Service::all(profile, &model);
        let servers: Vec<_> = services.iter().filter(|s| s.serves_edge_host()).collect();
        assert!(!servers.is_empty(), "{profile}: no edge-host server found");
        for server in servers {
            for name in ["EDGE_HOST_MAX_INSTANCES", "EDGE_HOST_MEMORY_LIMIT_MB"] {
                assert!(server.env(name).is_some(), "{}: {name} unset", server.what);
            }
        }
        let files = from_files::parse(&model.to_string()).expect("the audit reads the model");
        for subject in &files.subjects {
            let seen = (rule.check)(subject, &Context::default());
            assert_eq!(seen, None, "{profile}/{}", subject.service);
        }
    }
}

#[test]
fn postgres_connections_cover_every_pool_and_fit_its_memory_and_pids() {
    let cli = fs::read_to_string(repo_root().join("edge-host/src/cli.rs")).expect("edge-host CLI");
    assert!(
        cli.contains("\"EDGE_HOST_PG_POOL_SIZE\""),
        "edge-host reads EDGE_HOST_PG_POOL_SIZE, or the pools below are not what runs"
    );
    for profile in PROFILES {
        let model = merged(profile);
        let services = Service::all(profile, &model);
        let postgres = service(&services, "postgres");
        let option = |name: &str| {
            postgres
                .server_option(name)
                .unwrap_or_else(|| panic!("{}: no `-c {name}=…` in its command", postgres.what))
        };
        let max_connections: u64 = option("max_connections").parse().expect("a number");
        let shared_buffers = mib_of(&option("shared_buffers"));

        let mut needed = PG_SUPERUSER_RESERVED + PG_SPARE_CONNECTIONS;
        let mut sum = Vec::new();
        for client in services.iter().filter(|s| s.uses_postgres()) {
            let each = if client.one_shot() {
                1
            } else {
                client
                    .env("EDGE_HOST_PG_POOL_SIZE")
                    .unwrap_or_else(|| panic!("{}: EDGE_HOST_PG_POOL_SIZE unset", client.what))
            };
            needed += client.replicas() * each;
            sum.push(format!("{} {}×{each}", client.what, client.replicas()));
        }
        assert!(
            max_connections >= needed,
            "{}: max_connections {max_connections} < {needed} ({} + {PG_SUPERUSER_RESERVED} \
             reserved + {PG_SPARE_CONNECTIONS} spare)",
            postgres.what,
            sum.join(" + ")
        );

        let memory = postgres.memory_mib();
        assert!(
            shared_buffers * 4 <= memory,
            "{}: shared_buffers {shared_buffers} MiB is more than a quarter of {memory} MiB",
            postgres.what
        );
        let at_rest = shared_buffers + max_connections * PG_BACKEND_MIB;
        assert!(
            at_rest * 4 <= memory * 3,
            "{}: shared_buffers + {max_connections} backends × {PG_BACKEND_MIB} MiB = \
             {at_rest} MiB leaves under a quarter of {memory} MiB for queries",
            postgres.what
        );
        let pids = postgres.limit("pids");
        assert!(
            max_connections + PG_OTHER_PROCESSES <= pids,
            "{}: {max_connections} backends + {PG_OTHER_PROCESSES} other processes > pids {pids}",
            postgres.what
        );
    }
}

#[test]
fn redis_maxmemory_leaves_half_its_container_and_names_a_policy() {
    for profile in PROFILES {
        let model = merged(profile);
        let services = Service::all(profile, &model);
        let redis = service(&services, "redis");
        let config_dir = redis.value["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|v| v["target"] == "/usr/local/etc/redis")
            .and_then(|v| v["source"].as_str())
            .map(PathBuf::from)
            .expect("redis mounts its config directory");
        let config = fs::read_to_string(config_dir.join("redis.conf")).expect("redis.conf");
        let setting = |name: &str| {
            config.lines().find_map(|line| {
                let mut words = line.split_whitespace();
                (words.next() == Some(name)).then(|| words.next().unwrap_or_default().to_owned())
            })
        };
        let maxmemory = setting("maxmemory").expect("redis.conf sets maxmemory");
        let maxmemory = mib_of(&maxmemory);
        let memory = redis.memory_mib();
        // An AOF rewrite forks: pages written meanwhile are copied, buffers come on top.
        assert!(
            maxmemory * 2 <= memory,
            "{}: maxmemory {maxmemory} MiB is more than half of the container's {memory} MiB",
            redis.what
        );
        let policy = setting("maxmemory-policy").expect("redis.conf sets maxmemory-policy");
        assert_ne!(policy, "", "{}: maxmemory-policy", redis.what);
    }
}

#[test]
fn nginx_workers_fit_its_pids() {
    for profile in PROFILES {
        let model = merged(profile);
        let services = Service::all(profile, &model);
        let nginx = service(&services, "nginx");
        // start-nginx runs one worker per CPU of the limit (never nginx's `auto`).
        let workers = nginx.limit("cpus");
        let pids = nginx.limit("pids");
        assert!(
            workers + NGINX_RESERVED_PIDS <= pids,
            "{}: {workers} workers + {NGINX_RESERVED_PIDS} > pids {pids}",
            nginx.what
        );
    }
    let config = fs::read_to_string(repo_root().join("proxy-config/nginx.conf")).expect("nginx");
    assert!(
        !config.contains("worker_processes auto"),
        "worker_processes auto counts the host's CPUs"
    );
}

#[test]
fn every_service_of_every_profile_rotates_its_logs() {
    for profile in PROFILES {
        let model = merged(profile);
        for service in Service::all(profile, &model) {
            let logging = &service.value["logging"];
            let options = &logging["options"];
            match logging["driver"].as_str() {
                // The local driver rotates by itself.
                Some("local") => {}
                Some("json-file") => {
                    assert!(
                        options["max-size"].is_string() && options["max-file"].is_string(),
                        "{}: json-file without max-size and max-file: {logging}",
                        service.what
                    );
                }
                other => panic!("{}: log driver {other:?} does not rotate", service.what),
            }
        }
    }
}
