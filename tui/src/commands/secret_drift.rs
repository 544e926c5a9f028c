//! Secret drift, checked through the running stores: does each secret in `env/secrets/` still
//! open the store that keeps a copy of it? `doctor` reports it; `up` repairs it (see
//! `stack_core::secrets` for which secret opens what and why only Postgres can drift for good).
//! Secret values travel only from their file into the store's container on the exec's stdin.

use super::doctor::Verdict;
use crate::compose::{Compose, Output};
use crate::docker::exec_input::{InputExecOutput, exec_with_input};
use crate::docker::project_snapshots;
use bollard::Docker;
use bollard::query_parameters::InspectContainerOptions;
use stack_core::model::ComposeModel;
use stack_core::model::container::ContainerSnapshot;
use stack_core::secrets::{
    Login, Outcome, Remedy, SECRET_CHECKS, SECRETS_DIR, SecretCheck, Store, manual_rekey_command,
    psql_login_outcome, redis_login_outcome, rekey_script, usable_secret,
};
use std::time::Duration;

/// Bound on one check or repair inside a container; the clients get a shorter one of their own.
const EXEC_LIMIT: Duration = Duration::from_secs(8);
/// libpq's connect timeout for the login check, in seconds.
const PG_CONNECT_TIMEOUT: &str = "PGCONNECT_TIMEOUT=5";

/// Logs in as `$2` to database `$3` at address `$1` over TCP, the password read from stdin into
/// libpq's environment (never an argument). Over the container's network address, not loopback,
/// which the upstream image trusts without a password.
const PSQL_LOGIN: &str = "IFS= read -r PGPASSWORD && export PGPASSWORD && \
     exec psql -X -w -h \"$1\" -p 5432 -U \"$2\" -d \"$3\" -tAc 'SELECT 1'";
/// `redis-cli ping` with the password read from stdin into `REDISCLI_AUTH`, as the healthcheck.
const REDIS_LOGIN: &str = "IFS= read -r REDISCLI_AUTH && export REDISCLI_AUTH && \
     exec redis-cli -h 127.0.0.1 -p 6379 ping";

/// One secret checked against its store's running container.
pub(super) struct Checked {
    pub check: SecretCheck,
    pub service: String,
    pub outcome: Outcome,
    /// The store's container and settings, when one is running.
    store: Option<StoreContainer>,
}

#[derive(Clone)]
struct StoreContainer {
    id: String,
    name: String,
    address: Option<String>,
    /// `POSTGRES_USER` and `POSTGRES_DB` from its environment (Postgres only).
    superuser: String,
    database: String,
}

/// How to invoke stack-tui for this profile, for the fixes we print.
pub(super) fn cli(compose: &Compose) -> String {
    compose.stack_tui_command()
}

/// The services holding the stores this project's secrets open (for `up` to start first).
pub(super) fn store_services(model: &ComposeModel) -> Vec<String> {
    let mut services: Vec<String> = SECRET_CHECKS
        .iter()
        .filter_map(|check| model.service_with_role(check.store.role()))
        .map(str::to_string)
        .collect();
    services.dedup();
    services
}

/// Checks every secret whose store is in the model.
pub(super) async fn check_all(
    docker: &Docker,
    compose: &Compose,
    model: &ComposeModel,
) -> Vec<Checked> {
    let project = &compose.profile().project;
    let snapshots = project_snapshots(docker, project).await.unwrap_or_default();
    let mut checked = Vec::new();
    for check in SECRET_CHECKS {
        let Some(service) = model.service_with_role(check.store.role()) else {
            continue;
        };
        let running = snapshots
            .iter()
            .find(|c| c.service == service && c.is_running());
        let store = match running {
            Some(snapshot) => Some(store_container(docker, snapshot).await),
            None => None,
        };
        let outcome = match &store {
            Some(store) => check_one(docker, compose, check, store).await,
            None => Outcome::Unknown(format!("no running {service} container in {project}")),
        };
        checked.push(Checked {
            check,
            service: service.to_string(),
            outcome,
            store,
        });
    }
    checked
}

async fn store_container(docker: &Docker, snapshot: &ContainerSnapshot) -> StoreContainer {
    let env = docker
        .inspect_container(&snapshot.id, None::<InspectContainerOptions>)
        .await
        .ok()
        .and_then(|inspect| inspect.config)
        .and_then(|config| config.env)
        .unwrap_or_default();
    let var = |name: &str| {
        env.iter()
            .find_map(|entry| entry.strip_prefix(&format!("{name}=")).map(str::to_string))
    };
    let superuser = var("POSTGRES_USER").unwrap_or_else(|| "postgres".into());
    StoreContainer {
        id: snapshot.id.clone(),
        name: snapshot.name.clone(),
        address: snapshot
            .networks
            .iter()
            .map(|attachment| attachment.address.clone())
            .find(|address| !address.is_empty()),
        database: var("POSTGRES_DB").unwrap_or_else(|| superuser.clone()),
        superuser,
    }
}

/// The current secret from `env/secrets/`, or why it cannot be used.
async fn read_secret(compose: &Compose, check: SecretCheck) -> Result<String, String> {
    let path = compose.profile().root.join(SECRETS_DIR).join(check.secret);
    let shown = format!("{SECRETS_DIR}/{}", check.secret);
    let text = tokio::fs::read_to_string(&path)
        .await
        .map_err(|err| format!("cannot read {shown}: {err}"))?;
    usable_secret(&text)
        .map(str::to_string)
        .map_err(|why| format!("{shown} {why}"))
}

async fn check_one(
    docker: &Docker,
    compose: &Compose,
    check: SecretCheck,
    store: &StoreContainer,
) -> Outcome {
    let secret = match read_secret(compose, check).await {
        Ok(secret) => secret,
        Err(why) => return Outcome::Unknown(why),
    };
    let input = format!("{secret}\n");
    let user = check.user(&store.superuser);
    let ran = match check.store {
        Store::Postgres => {
            let Some(address) = &store.address else {
                return Outcome::Unknown(format!("{} has no network address", store.name));
            };
            let command = ["sh", "-c", PSQL_LOGIN, "sh", address, user, &store.database];
            exec_with_input(
                docker,
                &store.id,
                &command,
                &[PG_CONNECT_TIMEOUT],
                input.as_bytes(),
                EXEC_LIMIT,
            )
            .await
        }
        Store::Redis => {
            exec_with_input(
                docker,
                &store.id,
                &["sh", "-c", REDIS_LOGIN],
                &[],
                input.as_bytes(),
                EXEC_LIMIT,
            )
            .await
        }
    };
    match ran {
        Ok(InputExecOutput {
            exit_code,
            stdout,
            stderr,
        }) => match check.store {
            Store::Postgres => psql_login_outcome(exit_code, &stdout, &stderr),
            Store::Redis => redis_login_outcome(exit_code, &stdout, &stderr),
        },
        Err(why) => Outcome::Unknown(why),
    }
}

impl Checked {
    /// Who the check logged in as, for messages.
    fn login(&self) -> String {
        match (self.check.login, &self.store) {
            (Login::Redis, _) => self.service.clone(),
            (_, Some(store)) => {
                format!(
                    "{} role {}",
                    self.service,
                    self.check.user(&store.superuser)
                )
            }
            (_, None) => self.service.clone(),
        }
    }

    /// The by-hand fix for a refused Postgres secret.
    fn manual_fix(&self, compose: &Compose) -> Option<String> {
        let store = self.store.as_ref()?;
        (self.check.store == Store::Postgres).then(|| {
            manual_rekey_command(
                &compose.profile().root.display().to_string(),
                self.check.secret,
                &cli(compose),
                &self.service,
                &store.superuser,
                &store.database,
                self.check.user(&store.superuser),
            )
        })
    }

    /// doctor's line: ok when the secret opens its store, a failure on drift, a warning when the
    /// check could not tell.
    pub(super) fn report(&self, compose: &Compose) -> (Verdict, String) {
        let secret = self.check.secret;
        match &self.outcome {
            Outcome::Opens => (
                Verdict::Ok,
                format!("secret {secret} opens {} (password login)", self.login()),
            ),
            Outcome::Refused(reason) if self.check.kept_by_store() => {
                let by_hand = self
                    .manual_fix(compose)
                    .map(|command| format!(", or by hand: `{command}`"))
                    .unwrap_or_default();
                (
                    Verdict::Fail,
                    format!(
                        "secret {secret} no longer opens {}: {reason} (the data volume kept the \
                         password of an earlier env/secrets/). Fix: `{} up` re-keys the role from \
                         the current secret{by_hand}",
                        self.login(),
                        cli(compose)
                    ),
                )
            }
            Outcome::Refused(reason) => (
                Verdict::Fail,
                format!(
                    "secret {secret} does not open the running {}: {reason} (it started before \
                     the secret changed; it reads the secret at each start). Fix: `{} up` \
                     recreates it",
                    self.service,
                    cli(compose)
                ),
            ),
            Outcome::Unknown(why) => (
                Verdict::Warn,
                format!(
                    "secret {secret}: not checked against {}: {why} (`{} up` checks it)",
                    self.service,
                    cli(compose)
                ),
            ),
        }
    }
}

/// `up`'s part: the stores first, each secret checked, a refused one repaired and checked
/// again. Returns whether anything was repaired (then every service must be recreated so that
/// each reads the current secrets); `Err` names what could not be repaired and the fix.
pub(super) async fn settle(compose: &Compose, model: &ComposeModel) -> anyhow::Result<bool> {
    let services = store_services(model);
    if services.is_empty() {
        return Ok(false);
    }
    let docker = crate::docker::connect().await?;
    let names: Vec<&str> = services.iter().map(String::as_str).collect();
    compose
        .up_services(&names, false, Output::Terminal)
        .await
        .map_err(|err| anyhow::anyhow!("{err}. Fix: read compose's message above"))?;
    let mut repaired = false;
    for checked in check_all(&docker, compose, model).await {
        let secret = checked.check.secret;
        match &checked.outcome {
            Outcome::Opens => eprintln!("secrets: {secret} opens {}", checked.login()),
            Outcome::Unknown(why) => eprintln!(
                "secrets: warning: {secret} not checked against {}: {why}",
                checked.service
            ),
            Outcome::Refused(reason) => {
                eprintln!(
                    "secrets: {secret} no longer opens {}: {reason}",
                    checked.login()
                );
                repair(&docker, compose, model, &checked).await?;
                repaired = true;
            }
        }
    }
    Ok(repaired)
}

/// Repairs one refused secret and checks it again.
async fn repair(
    docker: &Docker,
    compose: &Compose,
    model: &ComposeModel,
    checked: &Checked,
) -> anyhow::Result<()> {
    let secret = checked.check.secret;
    let Some(store) = &checked.store else {
        anyhow::bail!("secret {secret}: {} is not running", checked.service);
    };
    let remedy = checked.check.remedy(&store.superuser, &checked.service);
    let done = match &remedy {
        Remedy::ReKey { role } => rekey(docker, compose, checked.check, store, role)
            .await
            .map(|()| {
                format!(
                    "re-keyed role {role} in {} from {SECRETS_DIR}/{secret} (ALTER ROLE as the \
                     superuser over the local socket)",
                    checked.service
                )
            }),
        Remedy::Recreate { service } => compose
            .up_services(&[service], true, Output::Terminal)
            .await
            .map(|()| format!("recreated {service}, which reads {SECRETS_DIR}/{secret} at start"))
            .map_err(|err| err.to_string()),
    };
    let cannot = |why: String| {
        let by_hand = checked
            .manual_fix(compose)
            .map(|command| {
                format!(
                    "as the Postgres superuser, set the role's password from the current \
                     secret: `{command}`; or put back the env/secrets/ this data volume was \
                     created with; or start empty with `{} down --volumes` (deletes the data)",
                    cli(compose)
                )
            })
            .unwrap_or_else(|| format!("`{} up` once {} runs", cli(compose), checked.service));
        anyhow::anyhow!(
            "secret {secret} no longer opens {} and up could not repair it: {why}. Fix: {by_hand}",
            checked.service
        )
    };
    let done = done.map_err(cannot)?;
    eprintln!("secrets: {done}");
    let again = check_all(docker, compose, model)
        .await
        .into_iter()
        .find(|c| c.check == checked.check)
        .map_or(
            Outcome::Unknown("the check did not run again".into()),
            |c| c.outcome,
        );
    match again {
        Outcome::Opens => {
            eprintln!("secrets: {secret} opens {} now", checked.login());
            Ok(())
        }
        Outcome::Refused(reason) | Outcome::Unknown(reason) => {
            Err(cannot(format!("after the repair the check says: {reason}")))
        }
    }
}

/// `ALTER ROLE role PASSWORD …` from the current secret, run by psql inside the store's
/// container as its superuser over the local socket; the script comes on stdin.
async fn rekey(
    docker: &Docker,
    compose: &Compose,
    check: SecretCheck,
    store: &StoreContainer,
    role: &str,
) -> Result<(), String> {
    let secret = read_secret(compose, check).await?;
    let script = rekey_script(role, &secret)?;
    let command = [
        "psql",
        "-X",
        "-q",
        "-w",
        "-v",
        "ON_ERROR_STOP=1",
        "-U",
        &store.superuser,
        "-d",
        &store.database,
    ];
    let ran = exec_with_input(
        docker,
        &store.id,
        &command,
        &[],
        script.as_bytes(),
        EXEC_LIMIT,
    )
    .await?;
    if ran.exit_code == Some(0) {
        return Ok(());
    }
    let said = ran
        .stderr
        .lines()
        .map(str::trim)
        .rfind(|line| !line.is_empty())
        .unwrap_or("no message")
        // psql has no reason to echo the statement (terse errors), but never pass it on.
        .replace(&secret, "<secret>");
    let code = ran
        .exit_code
        .map_or_else(|| "unknown".to_string(), |code| code.to_string());
    Err(format!(
        "psql as {} over the local socket in {} failed (exit {code}): {said}",
        store.superuser, store.name
    ))
}
