//! Fault drills against a running profile: a steady client load through nginx, a fault from the
//! catalogue (`stack_core::drill`), the heal, and a report of what the clients saw. The heal
//! runs on every way out (error, ctrl-c, panic through [`fault::HealGuard`]).

pub mod aof;
pub mod drift;
pub mod fault;
pub mod flip;
mod inject;
pub mod load;
pub mod lock;
pub mod network;
pub mod nginx_workers;
pub mod psql;
pub mod readback;
pub mod second_client;
pub mod target;

pub use target::Stack;

use anyhow::{Context, bail};
use fault::{HealGuard, Victim};
use load::{Load, LoadPlan, Recorded};
use stack_core::drill::{
    AttackFigures, Drill, DrillReport, Fault, Marks, Observed, RefusalSeen, Round, Workload,
    evaluate, figures, passed,
};
use std::time::{Duration, Instant};
use tokio::signal::unix::{Signal, SignalKind, signal};

/// How long the load runs before the fault, for reads (writes wait for a third of their count).
const BASELINE: Duration = Duration::from_secs(2);
/// A killed container must run again within this, or the drill starts it itself.
const RESTART_DEADLINE: Duration = Duration::from_secs(30);
/// After the heal, the target must be healthy again within this, or the drill says so loudly.
const HEALTHY_DEADLINE: Duration = Duration::from_secs(90);
/// A read load never runs longer than this.
const READ_LOAD_CAP: Duration = Duration::from_secs(180);
/// How often the runner looks at the load while waiting.
const WATCH: Duration = Duration::from_millis(100);

/// The knobs of `drill run`.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Requests per second asked for (kept under nginx's per-client rate).
    pub rate: u32,
    /// Writes per round of the durability drill.
    pub writes: u64,
    /// Rounds of the durability drill.
    pub rounds: u32,
}

/// ctrl-c and SIGTERM, caught for the whole run so that a drill heals before the process ends.
pub struct Interrupts {
    interrupt: Signal,
    terminate: Signal,
    pub seen: bool,
}

impl Interrupts {
    pub fn catch() -> anyhow::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt()).context("cannot catch SIGINT")?,
            terminate: signal(SignalKind::terminate()).context("cannot catch SIGTERM")?,
            seen: false,
        })
    }

    async fn wait(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

/// The rate the load runs at: what was asked, at most four fifths of nginx's per-client rate
/// (every host client shares one address behind Docker's port publishing; over it nginx answers
/// 429, which would read as failures the fault did not cause).
pub fn effective_rate(asked: u32, rate_limit: u32) -> u32 {
    asked.min(rate_limit.saturating_mul(4) / 5).max(1)
}

/// Runs `drill` (all its rounds) on `stack`. Never returns with the fault still in: a failure to
/// heal is in the report's `heal_failure`, with the command that recovers.
pub async fn run(
    stack: &Stack,
    drill: &'static Drill,
    options: &Options,
    interrupts: &mut Interrupts,
) -> DrillReport {
    let rate = effective_rate(options.rate, stack.site.rate_limit);
    let mut report = DrillReport::new(drill, &stack.profile.name, &stack.profile.project, rate);
    let rounds = if drill.workload == Workload::WriteItems {
        options.rounds.max(1)
    } else {
        1
    };
    for number in 1..=rounds {
        if rounds > 1 {
            eprintln!("{}: round {number} of {rounds}", drill.name);
        }
        let mut runner = Runner {
            stack,
            drill,
            options,
            rate,
            interrupts: &mut *interrupts,
            heal_failure: None,
        };
        let outcome = runner.round(number, &mut report).await;
        if let Some(failure) = runner.heal_failure.take() {
            eprintln!("{}: !!! HEAL FAILED: {failure}", drill.name);
            report.heal_failure = Some(failure);
        }
        match outcome {
            Ok(round) => report.rounds.push(round),
            Err(error) => {
                report.error = Some(format!("{error:#}"));
                break;
            }
        }
        if report.heal_failure.is_some() || interrupts.seen {
            break;
        }
    }
    report.settle();
    report
}

struct Runner<'a> {
    stack: &'a Stack,
    drill: &'static Drill,
    options: &'a Options,
    rate: u32,
    interrupts: &'a mut Interrupts,
    heal_failure: Option<String>,
}

/// What the fault phase learnt before the heal.
struct Injected {
    fault_at: Duration,
    heal_at: Duration,
    restarted: Option<Duration>,
    /// What the edge drills' second client saw.
    attack: Option<AttackFigures>,
    not_ready: Option<String>,
    refusal: Option<RefusalSeen>,
}

impl Runner<'_> {
    async fn round(&mut self, number: u32, report: &mut DrillReport) -> anyhow::Result<Round> {
        let drill = self.drill;
        self.stack.ensure_healthy().await?;
        let victim = self.victim().await?;
        report.container = victim.name.clone();
        let tag = format!(
            "drill-{}-{}-r{number}",
            chrono::Utc::now().timestamp(),
            std::process::id()
        );
        let load = Load::start(&self.stack.site, self.plan(&tag))?;
        eprintln!(
            "{}: {} at {} req/s against {}",
            drill.name,
            drill.workload.request(),
            self.rate,
            self.stack.site.origin
        );
        let injected = match self.baseline(&load).await {
            Ok(()) => self.inject_and_heal(&load, &victim).await,
            Err(error) => Err(error),
        };
        let injected = match injected {
            Ok(injected) => injected,
            Err(error) => {
                load.finish();
                self.ensure_healthy(&victim).await;
                return Err(error);
            }
        };
        let (recorded, back) = self.recover(load, &victim, &injected).await;
        self.ensure_healthy(&victim).await;
        let writes = if drill.workload == Workload::WriteItems {
            Some(self.read_back(&victim, &tag, &recorded).await?)
        } else {
            None
        };
        let counter = if drill.expect.counter_durable {
            self.counter(&victim, &recorded, injected.fault_at).await?
        } else {
            None
        };
        let marks = Marks {
            fault: injected.fault_at,
            heal: injected.heal_at,
            back,
        };
        let observed = Observed {
            figures: figures(&recorded.samples, marks),
            restarted: (drill.fault == Fault::KillMainProcess)
                .then_some(injected.restarted.is_some()),
            restart_ms: injected
                .restarted
                .map(|took| u64::try_from(took.as_millis()).unwrap_or(u64::MAX)),
            healthy_ms: back.map(|at| {
                u64::try_from(at.saturating_sub(injected.fault_at).as_millis()).unwrap_or(u64::MAX)
            }),
            writes,
            attack: injected.attack.clone(),
            not_ready: injected.not_ready.clone(),
            refusal: injected.refusal.clone(),
            counter,
        };
        let checks = evaluate(&drill.expect, &observed);
        if self.interrupts.seen {
            bail!("interrupted (the fault was healed)");
        }
        Ok(Round {
            round: number,
            passed: passed(&checks),
            observed,
            checks,
        })
    }

    /// The container the fault hits: the first running one of the drill's service (one app
    /// replica when there are several).
    async fn victim(&self) -> anyhow::Result<Victim> {
        let containers = self.stack.service(self.drill.service).await?;
        if containers.len() < self.drill.min_replicas {
            bail!(
                "{} runs {} {} container(s); {} needs {} so that the others keep serving",
                self.stack.profile.project,
                containers.len(),
                self.drill.service,
                self.drill.name,
                self.drill.min_replicas
            );
        }
        let first = &containers[0];
        Ok(Victim {
            id: first.id.clone(),
            name: first.name.clone(),
        })
    }

    fn plan(&self, tag: &str) -> LoadPlan {
        let rate = u64::from(self.rate);
        let (max_requests, max_duration) = match self.drill.workload {
            // Room for the writes that fail while Postgres restarts.
            Workload::WriteItems => {
                let writes = self.options.writes.max(1);
                let seconds = writes / rate + 1;
                (
                    writes * 2 + rate * 60,
                    Duration::from_secs(seconds * 2 + 120),
                )
            }
            _ => (rate * READ_LOAD_CAP.as_secs(), READ_LOAD_CAP),
        };
        LoadPlan {
            workload: self.drill.workload,
            rate: self.rate,
            max_requests,
            max_duration,
            tag: tag.to_string(),
        }
    }

    /// Lets the load run before the fault and refuses to go on if the stack does not serve: a
    /// failure then would be blamed on the fault. Writes run until a third of them is
    /// acknowledged, so the kill lands mid-write.
    async fn baseline(&mut self, load: &Load) -> anyhow::Result<()> {
        let writes = self.drill.workload == Workload::WriteItems;
        let wanted = self.options.writes.max(3) / 3;
        let deadline = Instant::now() + BASELINE * 10 + Duration::from_secs(wanted / 5);
        let started = Instant::now();
        loop {
            let enough = if writes {
                load.acknowledged() >= wanted
            } else {
                started.elapsed() >= BASELINE
            };
            if enough {
                break;
            }
            if Instant::now() >= deadline || load.is_done() {
                bail!("the load did not get going before the fault");
            }
            tokio::select! {
                _ = tokio::time::sleep(WATCH) => {}
                _ = self.interrupts.wait() => {
                    self.interrupts.seen = true;
                    bail!("interrupted before the fault");
                }
            }
        }
        let samples = load.samples();
        let failed = samples
            .iter()
            .filter(|s| s.outcome != stack_core::drill::Outcome::Ok)
            .count();
        if failed > 0 {
            bail!(
                "the stack was not serving before the fault: {failed} of {} requests failed; no \
                 fault was put in. Fix: `stack-tui --profile {} status`",
                samples.len(),
                self.stack.profile.name
            );
        }
        Ok(())
    }

    async fn inject_and_heal(&mut self, load: &Load, victim: &Victim) -> anyhow::Result<Injected> {
        let drill = self.drill;
        let docker = &self.stack.docker;
        let guard = inject::remedy(self.stack, drill, victim)
            .await?
            .map(|remedy| HealGuard::arm(remedy, victim.clone()));
        let fault_at = load.now();
        let phase = inject::put_in(self.stack, drill, victim);
        let outcome: anyhow::Result<inject::Phase> = tokio::select! {
            outcome = phase => outcome,
            _ = self.interrupts.wait() => {
                self.interrupts.seen = true;
                Err(anyhow::anyhow!("interrupted during the fault"))
            }
        };
        if let Some(guard) = guard
            && let Err(failure) = guard.heal(docker).await
        {
            self.heal_failure = Some(failure);
        }
        let heal_at = match drill.fault {
            // The restart policy heals from the moment of the kill.
            Fault::KillMainProcess => fault_at,
            Fault::Pause
            | Fault::DisconnectBackend
            | Fault::LockItems
            | Fault::Attack(_)
            | Fault::AppRoleDrift
            | Fault::FlipImageSource
            | Fault::NginxWorkersPastPids => load.now(),
        };
        eprintln!("{}: healed ({})", drill.name, drill.heal_text);
        let phase = outcome?;
        if let Some(failure) = phase.heal_failure {
            self.heal_failure.get_or_insert(failure);
        }
        Ok(Injected {
            fault_at,
            heal_at,
            restarted: phase.restarted,
            attack: phase.attack,
            not_ready: phase.not_ready,
            refusal: phase.refusal,
        })
    }

    /// Keeps the load on until requests succeed again, the target is healthy again (and, for
    /// writes, all were sent), within the drill's recovery time plus the health deadline; then
    /// stops it. Returns the record and when the target was healthy again.
    async fn recover(
        &mut self,
        load: Load,
        victim: &Victim,
        injected: &Injected,
    ) -> (Recorded, Option<Duration>) {
        let deadline = Instant::now() + self.drill.expect.recover_within + HEALTHY_DEADLINE;
        let writes = self.drill.workload == Workload::WriteItems;
        let mut back = None;
        loop {
            if back.is_none()
                && fault::state(&self.stack.docker, victim)
                    .await
                    .is_ok_and(|state| state.is_healthy())
            {
                back = Some(load.now());
            }
            let recovered =
                stack_core::drill::figures::time_to_recover(&load.samples(), injected.heal_at)
                    .is_some();
            let sent = !writes || load.attempted() >= self.options.writes;
            if (recovered && sent && back.is_some()) || load.is_done() || Instant::now() >= deadline
            {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(WATCH) => {}
                _ = self.interrupts.wait() => {
                    self.interrupts.seen = true;
                    break;
                }
            }
        }
        (load.finish(), back)
    }

    /// Waits for the target to be healthy again; if it is not, that is a heal failure.
    async fn ensure_healthy(&mut self, victim: &Victim) {
        match fault::wait_healthy(&self.stack.docker, victim, HEALTHY_DEADLINE).await {
            Ok(true) => {}
            Ok(false) => {
                self.heal_failure.get_or_insert_with(|| {
                    format!(
                        "{} is not healthy {} s after the drill. Recover with: docker restart {} \
                         (or `stack-tui --profile {} up`)",
                        victim.name,
                        HEALTHY_DEADLINE.as_secs(),
                        victim.name,
                        self.stack.profile.name
                    )
                });
            }
            Err(error) => {
                self.heal_failure.get_or_insert_with(|| {
                    format!(
                        "cannot tell whether {} is healthy again: {error:#}. Check with: \
                         stack-tui --profile {} status",
                        victim.name, self.stack.profile.name
                    )
                });
            }
        }
    }

    /// The visit counter's loss across the kill, with the settings of the restarted Redis.
    async fn counter(
        &self,
        redis: &Victim,
        recorded: &Recorded,
        kill: Duration,
    ) -> anyhow::Result<Option<stack_core::drill::CounterLoss>> {
        let Some(mut loss) = stack_core::drill::counter_loss(&recorded.samples, kill) else {
            return Ok(None);
        };
        (loss.appendonly, loss.appendfsync) = aof::settings(&self.stack.docker, redis).await?;
        Ok(Some(loss))
    }

    async fn read_back(
        &self,
        victim: &Victim,
        tag: &str,
        recorded: &Recorded,
    ) -> anyhow::Result<stack_core::drill::Writes> {
        let psql = psql::Psql::new(&self.stack.docker, &victim.id).await?;
        let writes = readback::read_back(&psql, tag, &recorded.writes).await?;
        if let Err(error) = readback::remove(&psql, tag).await {
            eprintln!(
                "{}: could not remove the drill's items named {tag}-*: {error:#}",
                self.drill.name
            );
        }
        Ok(writes)
    }
}

#[cfg(test)]
mod tests {
    use super::effective_rate;

    #[test]
    fn the_load_stays_under_nginx_rate() {
        assert_eq!(effective_rate(50, 20), 16);
        assert_eq!(effective_rate(10, 20), 10);
        assert_eq!(effective_rate(50, 1000), 50);
        assert_eq!(effective_rate(0, 20), 1);
        assert_eq!(effective_rate(50, 1), 1);
    }
}
