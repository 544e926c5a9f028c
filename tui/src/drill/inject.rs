//! Putting a drill's fault in: what each kind does to the stack for the hold time and what it
//! observes on the way, and the remedy the runner arms before (so the heal runs on every way
//! out). The runner (`super`) keeps the load, the timing and the verdict.

use super::fault::{self, HealGuard, Remedy, Victim};
use super::{
    RESTART_DEADLINE, Stack, drift, flip, lock, network, nginx_workers, psql, second_client,
};
use crate::docker::nginx;
use anyhow::Context;
use stack_core::drill::{Attack, AttackFigures, Drill, Fault, RefusalSeen};
use std::time::{Duration, Instant};

/// What the fault phase itself returns.
#[derive(Default)]
pub(super) struct Phase {
    pub restarted: Option<Duration>,
    pub attack: Option<AttackFigures>,
    /// A heal inside the phase that failed (the overload drills' lock on `items`).
    pub heal_failure: Option<String>,
    /// The app's first reason for not being ready (the secret-drift drill).
    pub not_ready: Option<String>,
    /// What a refusal drill attempted and what came of it.
    pub refusal: Option<RefusalSeen>,
}

/// Puts `drill`'s fault in on `victim` and keeps it for the hold time (a kill: until the
/// restart policy ran the container again).
pub(super) async fn put_in(
    stack: &Stack,
    drill: &'static Drill,
    victim: &Victim,
) -> anyhow::Result<Phase> {
    let docker = &stack.docker;
    let killed_at = Instant::now();
    match drill.fault {
        Fault::Pause => {
            fault::pause(docker, victim).await?;
            hold(drill, &format!("paused {}", victim.name)).await;
            Ok(Phase::default())
        }
        Fault::DisconnectBackend => {
            let network = network::backend_network(&stack.profile.project);
            network::disconnect(docker, victim, &network).await?;
            hold(
                drill,
                &format!("disconnected {} from {network}", victim.name),
            )
            .await;
            Ok(Phase::default())
        }
        Fault::LockItems => {
            let psql = psql::Psql::new(docker, &victim.id).await?;
            lock::take(&psql).await?;
            hold(drill, &format!("locked items in {}", victim.name)).await;
            Ok(Phase::default())
        }
        Fault::AppRoleDrift => {
            let (role, _) = drift::app_login()?;
            let psql = psql::Psql::new(docker, &victim.id).await?;
            drift::drift(&psql, role).await?;
            eprintln!(
                "{}: role {role} in {} no longer opens with the secret for {} s",
                drill.name,
                victim.name,
                drill.hold.as_secs()
            );
            let replicas: Vec<(String, String)> = stack
                .service("app")
                .await?
                .into_iter()
                .map(|c| (c.id, c.name))
                .collect();
            let until = Instant::now() + drill.hold;
            let not_ready = drift::watch_readiness(docker, &replicas, until).await;
            Ok(Phase {
                not_ready,
                ..Phase::default()
            })
        }
        Fault::FlipImageSource => flip_source(stack, drill).await,
        Fault::NginxWorkersPastPids => nginx_workers_past_pids(stack, drill, victim).await,
        Fault::Attack(attack) => second_client_attack(stack, drill, attack, victim).await,
        Fault::KillMainProcess => {
            let before = fault::kill_main_process(docker, victim).await?;
            eprintln!(
                "{}: killed {} (pid {}) with SIGKILL",
                drill.name, victim.name, before.pid
            );
            let restarted =
                fault::wait_restarted(docker, victim, &before, killed_at, RESTART_DEADLINE).await?;
            if restarted.is_none() {
                eprintln!(
                    "{}: {} was not restarted by its policy within {} s; starting it",
                    drill.name,
                    victim.name,
                    RESTART_DEADLINE.as_secs()
                );
            }
            Ok(Phase {
                restarted,
                ..Phase::default()
            })
        }
    }
}

/// `up` with the other image source over the profile's data, and `env/images.env` put back.
async fn flip_source(stack: &Stack, drill: &Drill) -> anyhow::Result<Phase> {
    let saved = flip::SavedImagesEnv::save(stack)?;
    let source = saved.source().with_context(|| {
        format!(
            "{} names no image source; run `{} up` once first",
            stack_core::image_source::IMAGES_ENV,
            stack.profile.name
        )
    })?;
    let other = source.other();
    let before = flip::fingerprint(stack).await?;
    eprintln!(
        "{}: up with STACK_IMAGE_SOURCE={other} over data made by {source}",
        drill.name,
        other = other.as_str(),
        source = source.as_str()
    );
    let attempt = flip::attempt(stack, source, other).await;
    let heal_failure = saved.restore().err();
    let attempt = attempt?;
    let after = flip::fingerprint(stack).await?;
    let exit = attempt
        .exit
        .map_or("ended by a signal".to_string(), |code| {
            format!("exit {code}")
        });
    Ok(Phase {
        refusal: Some(RefusalSeen {
            attempted: format!("up with {} over {}'s data", other.as_str(), source.as_str()),
            refused: attempt.exit.is_some_and(|code| code != 0) && attempt.refusal.is_some(),
            message: format!(
                "{exit}: {}",
                attempt.refusal.as_deref().unwrap_or("no refusal printed")
            ),
            names_fix: attempt.names_fix,
            kept: "every container's id and start time".to_string(),
            unchanged: before == after,
        }),
        heal_failure,
        ..Phase::default()
    })
}

/// nginx asked for more workers than its pids limit allows, then reloaded as hot reload does.
async fn nginx_workers_past_pids(
    stack: &Stack,
    drill: &Drill,
    victim: &Victim,
) -> anyhow::Result<Phase> {
    let docker = &stack.docker;
    let asked = crate::docker::exec::output(
        docker,
        &victim.id,
        &victim.name,
        &["sh", "-c", &nginx_workers::inflate_script()],
    )
    .await?;
    let asked = asked.trim();
    let workers = |found: Result<_, String>| found.map_err(anyhow::Error::msg);
    let before = workers(nginx::workers(docker, &victim.id, &victim.name).await)?;
    eprintln!(
        "{}: {} asks for {asked} workers; reloading as hot reload does",
        drill.name, victim.name
    );
    let reloaded = nginx::reload(docker, &victim.id, &victim.name).await;
    let after = workers(nginx::workers(docker, &victim.id, &victim.name).await)?;
    let (refused, message) = match reloaded {
        Err(refusal) => (refusal.contains("pids"), refusal),
        Ok(done) => (false, format!("reloaded: {done}")),
    };
    Ok(Phase {
        refusal: Some(RefusalSeen {
            attempted: format!("nginx reload with {asked} workers"),
            refused,
            names_fix: message.contains("Fix:"),
            message,
            kept: "the workers taking requests".to_string(),
            unchanged: !before.is_empty() && before == after,
        }),
        ..Phase::default()
    })
}

/// The second client's attack for the hold time, with `items` locked when it needs to be.
async fn second_client_attack(
    stack: &Stack,
    drill: &'static Drill,
    attack: Attack,
    victim: &Victim,
) -> anyhow::Result<Phase> {
    let docker = &stack.docker;
    eprintln!(
        "{}: a second client on the frontend network attacks {} for {} s",
        drill.name,
        victim.name,
        drill.hold.as_secs()
    );
    let lock = if attack.locks_items() {
        Some(lock_items(stack, drill).await?)
    } else {
        None
    };
    let seen = second_client::attack(stack, attack, drill.hold, victim).await;
    let heal_failure = match lock {
        Some(lock) => lock.heal(docker).await.err(),
        None => None,
    };
    let seen = seen?;
    eprintln!(
        "{}: {}",
        drill.name,
        stack_core::drill::attack::describe(&seen)
    );
    Ok(Phase {
        attack: Some(seen),
        heal_failure,
        ..Phase::default()
    })
}

/// What undoes this drill's fault on `victim`, worked out before the fault goes in. The
/// second-client drills and the image-source drill leave the victim alone and heal themselves
/// (the client's container is removed, env/images.env written back).
pub(super) async fn remedy(
    stack: &Stack,
    drill: &Drill,
    victim: &Victim,
) -> anyhow::Result<Option<Remedy>> {
    let docker = &stack.docker;
    Ok(Some(match drill.fault {
        Fault::Pause => Remedy::Unpause,
        Fault::KillMainProcess => Remedy::EnsureRunning,
        Fault::DisconnectBackend => {
            let network = network::backend_network(&stack.profile.project);
            let aliases = network::aliases_on(docker, victim, &network).await?;
            Remedy::Reconnect { network, aliases }
        }
        Fault::LockItems => {
            let psql = psql::Psql::new(docker, &victim.id).await?;
            Remedy::Exec {
                command: psql.command(&lock::release_sql()),
            }
        }
        Fault::AppRoleDrift => {
            let (role, check) = drift::app_login()?;
            let psql = psql::Psql::new(docker, &victim.id).await?;
            Remedy::Exec {
                command: psql.script_command(&drift::rekey_script(role, check.secret)),
            }
        }
        Fault::NginxWorkersPastPids => Remedy::Exec {
            command: vec![
                "sh".to_string(),
                "-c".to_string(),
                format!("{} && nginx -s reload", nginx_workers::restore_script()),
            ],
        },
        Fault::Attack(_) | Fault::FlipImageSource => return Ok(None),
    }))
}

/// Locks `items` from a psql session in Postgres, with the guard that ends the session.
async fn lock_items(stack: &Stack, drill: &Drill) -> anyhow::Result<HealGuard> {
    let docker = &stack.docker;
    let postgres = stack.first("postgres").await?;
    let psql = psql::Psql::new(docker, &postgres.id).await?;
    let guard = HealGuard::arm(
        Remedy::Exec {
            command: psql.command(&lock::release_sql()),
        },
        postgres.clone(),
    );
    lock::take(&psql).await?;
    eprintln!("{}: locked items in {}", drill.name, postgres.name);
    Ok(guard)
}

/// Keeps the fault in for the drill's hold time.
async fn hold(drill: &Drill, what: &str) {
    eprintln!("{}: {what} for {} s", drill.name, drill.hold.as_secs());
    tokio::time::sleep(drill.hold).await;
}
