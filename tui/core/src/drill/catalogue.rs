//! The fault drills, as one table: what each breaks, how it heals, what load runs beside it and
//! what a passing run looks like. `stack-tui drill list`, the runner, the reports and DRILLS.md
//! all read this table.

use super::attack::{Attack, AttackExpectation};
use serde::Serialize;
use std::time::Duration;

/// How a drill breaks its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// SIGKILL to the container's main process, sent from the host (the PID the engine reports
    /// as `State.Pid`). The container exits on its own, so its restart policy applies, unlike
    /// `docker kill`, which the engine counts as a deliberate stop.
    KillMainProcess,
    /// `docker pause`: every process of the container frozen; connections stay open and hang.
    Pause,
    /// `docker network disconnect` from the stack's backend network: the container keeps
    /// running and serving nginx, but cannot reach Redis or Postgres.
    DisconnectBackend,
    /// An `ACCESS EXCLUSIVE` lock on `items`, taken and held by a psql session inside the
    /// Postgres container: every statement on the table waits behind it.
    LockItems,
    /// A second client, from its own address on the stack's frontend network, misbehaving
    /// towards nginx (or straight towards an app replica) for the hold time.
    Attack(Attack),
    /// The app role's password in Postgres set to a random one and the app's sessions ended:
    /// the secret the app logs in with no longer opens the database.
    AppRoleDrift,
    /// `stack-tui up` asked to start the other image source over the profile's data volumes.
    FlipImageSource,
    /// nginx's configuration asks for more workers than its container's pids limit allows, and
    /// nginx is reloaded as hot reload does it.
    NginxWorkersPastPids,
}

/// How a drill undoes its fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Heal {
    /// Nothing to do but wait: the restart policy brings the container back (`docker start`
    /// only if it has not within the drill's restart deadline).
    RestartPolicy,
    /// `docker unpause` after the hold time.
    Unpause,
    /// `docker network connect` back to the backend network, with the same aliases.
    Reconnect,
    /// The lock's session ended with `pg_terminate_backend` after the hold time.
    ReleaseLock,
    /// The second client stops at the end of the hold time and its container is removed.
    StopClient,
    /// The role's password set back from the secret, as the init script first set it.
    Rekey,
    /// `env/images.env` written back as it was (the refused `up` had recorded the other source).
    RestoreImagesEnv,
    /// nginx's generated worker count put back, and nginx reloaded with it.
    RestoreWorkers,
}

impl Fault {
    /// How this fault is undone.
    pub fn heal(self) -> Heal {
        match self {
            Self::KillMainProcess => Heal::RestartPolicy,
            Self::Pause => Heal::Unpause,
            Self::DisconnectBackend => Heal::Reconnect,
            Self::LockItems => Heal::ReleaseLock,
            Self::Attack(_) => Heal::StopClient,
            Self::AppRoleDrift => Heal::Rekey,
            Self::FlipImageSource => Heal::RestoreImagesEnv,
            Self::NginxWorkersPastPids => Heal::RestoreWorkers,
        }
    }
}

/// The client traffic a drill runs during the fault, through nginx.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Workload {
    /// `GET /`: 200 with the visit count; `"cache":"unavailable"` counts as degraded, not failed.
    Home,
    /// `GET /api/items?per_page=5`: a read that always reaches Postgres (reads by id may be
    /// answered from the Redis cache).
    ItemList,
    /// `POST /api/items` with a unique name each; a 201 is an acknowledged write.
    WriteItems,
}

impl Workload {
    /// The request line the reports show.
    pub fn request(self) -> &'static str {
        match self {
            Self::Home => "GET /",
            Self::ItemList => "GET /api/items?per_page=5",
            Self::WriteItems => "POST /api/items",
        }
    }
}

/// What a passing run must show. Checks that do not apply are `None`/`false`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Expectation {
    /// Largest share of all requests that may fail (anything but the workload's success or
    /// degraded answer), from 0.0 (none) to 1.0 (any).
    pub max_failed_share: f64,
    /// The only statuses a failed request may carry (e.g. 503, not 502/504/no answer).
    pub failure_statuses: Option<&'static [u16]>,
    /// The 99th percentile of latency while the fault lasts must stay under this.
    pub max_fault_p99: Option<Duration>,
    /// Requests succeed again within this much of the heal.
    pub recover_within: Duration,
    /// The target's restart policy brought it back (its start time changed).
    pub restarted: bool,
    /// GET / said the cache was unavailable while the fault lasted.
    pub degraded_seen: bool,
    /// Every acknowledged write can be read back afterwards.
    pub durable: bool,
    /// What the edge drills' second client must have seen.
    pub attack: Option<AttackExpectation>,
    /// The app's readiness probe said not ready while the fault lasted.
    pub not_ready_seen: bool,
    /// The drill's action was refused, naming the fix, and what it had to keep is unchanged.
    pub refused: bool,
    /// Redis' visit counter lost no acknowledged increment older than its append-only window.
    pub counter_durable: bool,
}

/// One drill of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Drill {
    pub name: &'static str,
    /// The compose service the fault hits.
    pub service: &'static str,
    /// Profiles the drill runs on (app-replica-kill needs a second replica to fail over to).
    pub profiles: &'static [&'static str],
    /// Running containers of `service` the drill needs (one is hit, the rest keep serving).
    pub min_replicas: usize,
    pub fault: Fault,
    pub fault_text: &'static str,
    pub heal: Heal,
    pub heal_text: &'static str,
    pub workload: Workload,
    /// How long a paused target stays paused.
    pub hold: Duration,
    pub expected: &'static str,
    pub check_text: &'static str,
    pub expect: Expectation,
}

impl Drill {
    pub fn applies_to(&self, profile: &str) -> bool {
        self.profiles.contains(&profile)
    }
}

const EVERY_PROFILE: &[&str] = &["local", "dev", "prod"];

const NONE_EXPECTED: Expectation = Expectation {
    max_failed_share: 0.0,
    failure_statuses: None,
    max_fault_p99: None,
    recover_within: Duration::from_secs(15),
    restarted: false,
    degraded_seen: false,
    durable: false,
    attack: None,
    not_ready_seen: false,
    refused: false,
    counter_durable: false,
};

/// Profiles with nginx's plain-HTTP site, where the second client speaks to the same server
/// the polite load does (prod's port 8080 only redirects to HTTPS).
const PLAIN_HTTP_PROFILES: &[&str] = &["local", "dev"];

/// Every drill, in the order `drill run --all` runs them (the ones that only slow the stack
/// first, then those that kill).
pub const DRILLS: &[Drill] = &[
    Drill {
        name: "redis-pause",
        service: "redis",
        profiles: EVERY_PROFILE,
        min_replicas: 1,
        fault: Fault::Pause,
        fault_text: "docker pause redis for the hold time",
        heal: Heal::Unpause,
        heal_text: "docker unpause redis",
        workload: Workload::Home,
        hold: Duration::from_secs(5),
        expected: "GET / keeps answering 200, each within about a second, with the cache shown \
                   unavailable while Redis is frozen; the count is back within 15 s of the unpause",
        check_text: "no failed request; p99 during the pause under 2.5 s; cache unavailable seen; \
                     recovered within 15 s",
        expect: Expectation {
            max_fault_p99: Some(Duration::from_millis(2500)),
            degraded_seen: true,
            ..NONE_EXPECTED
        },
    },
    Drill {
        name: "postgres-pause",
        service: "postgres",
        profiles: EVERY_PROFILE,
        min_replicas: 1,
        fault: Fault::Pause,
        fault_text: "docker pause postgres for the hold time, with the app's pool warm",
        heal: Heal::Unpause,
        heal_text: "docker unpause postgres",
        workload: Workload::ItemList,
        hold: Duration::from_secs(5),
        expected: "item reads answer 503 within about a second each (the app's 1 s statement \
                   timeout), never a 30 s hang or nginx's 504; they answer 200 again within 15 s \
                   of the unpause",
        check_text: "failures are 503 only; p99 during the pause under 2.5 s; recovered within 15 s",
        expect: Expectation {
            max_failed_share: 1.0,
            failure_statuses: Some(&[503]),
            max_fault_p99: Some(Duration::from_millis(2500)),
            ..NONE_EXPECTED
        },
    },
    Drill {
        name: "postgres-lock",
        service: "postgres",
        profiles: EVERY_PROFILE,
        min_replicas: 1,
        fault: Fault::LockItems,
        fault_text: "LOCK TABLE items IN ACCESS EXCLUSIVE MODE, held by a psql session inside \
                     postgres for the hold time",
        heal: Heal::ReleaseLock,
        heal_text: "pg_terminate_backend of the session that holds the lock",
        workload: Workload::ItemList,
        hold: Duration::from_secs(5),
        expected: "item reads queue behind the lock and answer 503 within about a second each \
                   (the app's 1 s statement timeout), never 504 or a hang; 200 again within \
                   15 s of the release",
        check_text: "failures are 503 only; p99 during the lock under 2.5 s; recovered within 15 s",
        expect: Expectation {
            max_failed_share: 1.0,
            failure_statuses: Some(&[503]),
            max_fault_p99: Some(Duration::from_millis(2500)),
            ..NONE_EXPECTED
        },
    },
    Drill {
        name: "postgres-secret-drift",
        service: "postgres",
        profiles: EVERY_PROFILE,
        min_replicas: 1,
        fault: Fault::AppRoleDrift,
        fault_text: "the app role's password in Postgres set to a random one and its sessions \
                     ended, so the secret in env/secrets/db_password no longer opens the \
                     database (a second checkout or a deleted env/secrets/ over the volume)",
        heal: Heal::Rekey,
        heal_text: "the role's password set back from the secret (psql reads \
                    /run/secrets/db_password itself, as the init script did)",
        workload: Workload::ItemList,
        hold: Duration::from_secs(6),
        expected: "item reads answer 503 naming Postgres' refusal within about a second, never \
                   a hang; the dashboard's readiness (and `status`) shows the app not ready \
                   while Docker still calls every container healthy; 200 again within 15 s of \
                   the re-key, with no stale pooled connection failing afterwards",
        check_text: "failures are 503 only; p99 during the drift under 2.5 s; the app shown not \
                     ready; recovered within 15 s",
        expect: Expectation {
            max_failed_share: 1.0,
            failure_statuses: Some(&[503]),
            max_fault_p99: Some(Duration::from_millis(2500)),
            not_ready_seen: true,
            ..NONE_EXPECTED
        },
    },
    Drill {
        name: "app-backend-disconnect",
        service: "app",
        profiles: EVERY_PROFILE,
        min_replicas: 1,
        fault: Fault::DisconnectBackend,
        fault_text: "docker network disconnect of one app replica from the backend network for \
                     the hold time (nginx still reaches it)",
        heal: Heal::Reconnect,
        heal_text: "docker network connect to the backend network with the same aliases",
        workload: Workload::ItemList,
        hold: Duration::from_secs(5),
        expected: "the cut-off replica answers 503 within about a second per request (its \
                   dependency bound), never 502/504 or a hang, while other replicas keep \
                   answering 200; 200 from every replica within 15 s of the reconnect, with \
                   no stale pooled connection failing a request after that",
        check_text: "failures are 503 only; p99 during the cut under 2.5 s; recovered within 15 s",
        expect: Expectation {
            max_failed_share: 1.0,
            failure_statuses: Some(&[503]),
            max_fault_p99: Some(Duration::from_millis(2500)),
            ..NONE_EXPECTED
        },
    },
    Drill {
        name: "app-replica-pause",
        service: "app",
        profiles: &["dev", "prod"],
        min_replicas: 2,
        fault: Fault::Pause,
        fault_text: "docker pause of one app replica for the hold time",
        heal: Heal::Unpause,
        heal_text: "docker unpause of the replica",
        workload: Workload::Home,
        hold: Duration::from_secs(5),
        expected: "nobody gets an error: nginx cannot tell a frozen replica from a slow one \
                   (its kernel still accepts connections), so the requests it sends there wait \
                   until the unpause and are answered then, the rest at once; the wait is the \
                   pause, not nginx's 30 s read timeout",
        check_text: "no failed request; p99 during the pause under the hold time plus 2.5 s; \
                     recovered within 15 s",
        expect: Expectation {
            max_fault_p99: Some(Duration::from_millis(7500)),
            ..NONE_EXPECTED
        },
    },
    Drill {
        name: "nginx-slow-headers",
        service: "nginx",
        profiles: PLAIN_HTTP_PROFILES,
        min_replicas: 1,
        fault: Fault::Attack(Attack::SlowHeaders),
        fault_text: "slowloris from a second client on the frontend network: 128 connections, \
                     each sending one more header line every 2 s and never ending its request",
        heal: Heal::StopClient,
        heal_text: "the second client stops and its container is removed",
        workload: Workload::Home,
        hold: Duration::from_secs(14),
        expected: "the polite client on the host keeps getting 200 throughout; nginx closes the \
                   slow connections itself when client_header_timeout (10 s) runs out, so they \
                   cannot pile up",
        check_text: "no failed request; p99 under 2.5 s; ≥ 90 % of the slow connections closed \
                     by nginx within 13 s",
        expect: Expectation {
            max_fault_p99: Some(Duration::from_millis(2500)),
            attack: Some(AttackExpectation::CutOffWithin(Duration::from_secs(13))),
            ..NONE_EXPECTED
        },
    },
    Drill {
        name: "nginx-slow-body",
        service: "nginx",
        profiles: PLAIN_HTTP_PROFILES,
        min_replicas: 1,
        fault: Fault::Attack(Attack::SlowBody),
        fault_text: "slow POST from a second client on the frontend network: 64 requests to \
                     /api/items announcing a 4 KiB body, then sending it a byte every 2 s",
        heal: Heal::StopClient,
        heal_text: "the second client stops and its container is removed",
        workload: Workload::Home,
        hold: Duration::from_secs(8),
        expected: "the polite client keeps getting 200; nginx buffers request bodies before the \
                   app sees them, and lets the slow client hold only its requests-in-progress \
                   limit (STACK_CONN_LIMIT, 32), answering the rest 429 at once",
        check_text: "no failed request; p99 under 2.5 s; every slow request beyond the \
                     connection limit answered 429",
        expect: Expectation {
            max_fault_p99: Some(Duration::from_millis(2500)),
            attack: Some(AttackExpectation::HeldAtMostConnLimit),
            ..NONE_EXPECTED
        },
    },
    Drill {
        name: "nginx-slow-read",
        service: "nginx",
        profiles: PLAIN_HTTP_PROFILES,
        min_replicas: 1,
        fault: Fault::Attack(Attack::SlowRead),
        fault_text: "slow read from a second client on the frontend network: 64 connections, \
                     each with 20 item-list requests pipelined and a 2 KiB receive window, \
                     reading nothing past the first status line",
        heal: Heal::StopClient,
        heal_text: "the second client stops and its container is removed",
        workload: Workload::Home,
        hold: Duration::from_secs(8),
        expected: "the polite client keeps getting 200: nginx reads the app's answers into its \
                   own buffers (the app's instances are free again at once), and what it cannot \
                   hand to the slow reader waits in nginx, bounded by send_timeout (30 s) and \
                   the per-client limits",
        check_text: "no failed request; p99 under 2.5 s",
        expect: Expectation {
            max_fault_p99: Some(Duration::from_millis(2500)),
            attack: Some(AttackExpectation::PoliteOnly),
            ..NONE_EXPECTED
        },
    },
    Drill {
        name: "nginx-flood",
        service: "nginx",
        profiles: PLAIN_HTTP_PROFILES,
        min_replicas: 1,
        fault: Fault::Attack(Attack::Flood),
        fault_text: "a second client on the frontend network floods GET / from 16 keep-alive \
                     connections, as fast as nginx answers (at most 30,000 requests)",
        heal: Heal::StopClient,
        heal_text: "the second client stops and its container is removed",
        workload: Workload::Home,
        hold: Duration::from_secs(8),
        expected: "the polite client keeps getting 200: the flood has its own per-client bucket \
                   (STACK_RATE_LIMIT per second, bursts of 40) and nearly all of it is answered \
                   429 by nginx without reaching the app",
        check_text: "no failed request; p99 under 2.5 s; ≥ 90 % of the flood answered 429",
        expect: Expectation {
            max_fault_p99: Some(Duration::from_millis(2500)),
            attack: Some(AttackExpectation::RateLimited { min_share: 0.9 }),
            ..NONE_EXPECTED
        },
    },
    Drill {
        name: "app-instance-pool",
        service: "app",
        profiles: EVERY_PROFILE,
        min_replicas: 1,
        fault: Fault::Attack(Attack::InstancePool),
        fault_text: "items locked, and a second client on the frontend network sends item \
                     reads straight to one app replica on 128 connections, more than its \
                     instances (48; prod 16), each backing off 100 ms after a 503",
        heal: Heal::StopClient,
        heal_text: "the second client stops and its container is removed; the lock's session \
                    is ended",
        workload: Workload::ItemList,
        hold: Duration::from_secs(6),
        expected: "the replica answers what it has no instance for at once with 503 ('too many \
                   requests in flight') instead of queueing it; every other request answers 503 \
                   within about a second (statement timeout or pool wait), never 500/504 or a \
                   hang; 200 again within 15 s",
        check_text: "the polite client's failures are 503 only, p99 under 2.5 s; the second \
                     client got only 200/503, each within 2.5 s, some of them 'too many requests \
                     in flight'; recovered within 15 s",
        expect: Expectation {
            max_failed_share: 1.0,
            failure_statuses: Some(&[503]),
            max_fault_p99: Some(Duration::from_millis(2500)),
            attack: Some(AttackExpectation::InstancesRefused {
                within: Duration::from_millis(2500),
            }),
            ..NONE_EXPECTED
        },
    },
    Drill {
        name: "postgres-pool-exhaust",
        service: "app",
        profiles: EVERY_PROFILE,
        min_replicas: 1,
        fault: Fault::Attack(Attack::PostgresPool),
        fault_text: "items locked, and a second client on the frontend network sends item \
                     reads straight to one app replica on 40 connections, more than its \
                     Postgres pool (16; prod 8) and fewer than its instances",
        heal: Heal::StopClient,
        heal_text: "the second client stops and its container is removed; the lock's session \
                    is ended",
        workload: Workload::ItemList,
        hold: Duration::from_secs(6),
        expected: "requests that find every pooled connection busy wait at most 500 ms for one \
                   and answer 503 as an overloaded dependency (with Retry-After), not as an \
                   outage; those holding a connection answer 503 at the 1 s statement timeout; \
                   never 500/504 or a hang; 200 again within 15 s",
        check_text: "the polite client's failures are 503 only, p99 under 2.5 s; the second \
                     client got only 200/503, each within 2.5 s, some of them overloaded; \
                     recovered within 15 s",
        expect: Expectation {
            max_failed_share: 1.0,
            failure_statuses: Some(&[503]),
            max_fault_p99: Some(Duration::from_millis(2500)),
            attack: Some(AttackExpectation::PoolOverloaded {
                within: Duration::from_millis(2500),
            }),
            ..NONE_EXPECTED
        },
    },
    Drill {
        name: "image-source-flip",
        service: "postgres",
        profiles: EVERY_PROFILE,
        min_replicas: 1,
        fault: Fault::FlipImageSource,
        fault_text: "`STACK_IMAGE_SOURCE=<the other one> stack-tui up --detach` over the \
                     running profile's data (upstream ↔ stand-in: another Redis version and \
                     another C library under Postgres)",
        heal: Heal::RestoreImagesEnv,
        heal_text: "env/images.env written back as it was",
        workload: Workload::Home,
        hold: Duration::from_secs(1),
        expected: "up refuses before anything starts, naming the volumes, why their data would \
                   break and the way back; every container keeps running untouched and the \
                   clients notice nothing",
        check_text: "no failed request; up exits non-zero with the refusal and the way back; \
                     no container recreated or restarted",
        expect: Expectation {
            refused: true,
            ..NONE_EXPECTED
        },
    },
    Drill {
        name: "nginx-workers-past-pids",
        service: "nginx",
        profiles: EVERY_PROFILE,
        min_replicas: 1,
        fault: Fault::NginxWorkersPastPids,
        fault_text: "nginx's configuration made to ask for its container's pids limit plus 8 \
                     worker processes (the generated workers.conf), then nginx reloaded as hot \
                     reload does it",
        heal: Heal::RestoreWorkers,
        heal_text: "the generated workers.conf put back and nginx reloaded with it",
        workload: Workload::Home,
        hold: Duration::from_secs(1),
        expected: "the reload is refused before nginx is signalled, naming the pids limit and \
                   the fix (a reload starts every new worker before the old ones leave, so \
                   forks would fail and the healthcheck could not start); the running workers \
                   keep serving and nobody notices",
        check_text: "no failed request; the reload refused naming the fix; the workers taking \
                     requests unchanged",
        expect: Expectation {
            refused: true,
            ..NONE_EXPECTED
        },
    },
    Drill {
        name: "app-guest-cpu-loop",
        service: "app",
        profiles: PLAIN_HTTP_PROFILES,
        min_replicas: 1,
        fault: Fault::Attack(Attack::GuestCpuLoop),
        fault_text: "a second client on the frontend network sends 4 requests straight to one \
                     app replica for GET /api/debug/busy, the app's route that computes without \
                     end (local and dev only): more runaway guests than edge-host has runtime \
                     threads",
        heal: Heal::StopClient,
        heal_text: "edge-host stops each runaway guest at its request timeout; the second \
                    client's container is removed",
        workload: Workload::Home,
        hold: Duration::from_secs(40),
        expected: "the polite client keeps being answered by the same replica, each request \
                   within the load's 5 s bound (slower while the runaway guests share its CPUs): \
                   a guest that computes yields to edge-host's runtime at every epoch tick, so \
                   it cannot hold a thread; each runaway request is stopped at the request \
                   timeout (30 s) and answered 504",
        check_text: "no failed request (none over the load's 5 s bound); every runaway request \
                     answered 504",
        expect: Expectation {
            attack: Some(AttackExpectation::StoppedAtDeadline),
            ..NONE_EXPECTED
        },
    },
    Drill {
        name: "app-admin-listener",
        service: "app",
        profiles: EVERY_PROFILE,
        min_replicas: 1,
        fault: Fault::Attack(Attack::AdminListener),
        fault_text: "a second client on the frontend network sends GET /metrics and POST \
                     /admin/reload to edge-host's admin port (9090) on one app replica's \
                     address, as nginx or any other container could",
        heal: Heal::StopClient,
        heal_text: "the second client's container is removed",
        workload: Workload::Home,
        hold: Duration::from_secs(2),
        expected: "nothing answers: the admin listener (no authentication) is bound to the \
                   replica's loopback address, so both connections are refused and no reload \
                   happens; the clients notice nothing",
        check_text: "no failed request; every connection to the admin port refused",
        expect: Expectation {
            attack: Some(AttackExpectation::Unreachable),
            ..NONE_EXPECTED
        },
    },
    Drill {
        name: "redis-kill",
        service: "redis",
        profiles: EVERY_PROFILE,
        min_replicas: 1,
        fault: Fault::KillMainProcess,
        fault_text: "kill -9 of redis-server from the host (State.Pid)",
        heal: Heal::RestartPolicy,
        heal_text: "restart policy (unless-stopped) restarts redis",
        workload: Workload::Home,
        hold: Duration::ZERO,
        expected: "GET / keeps answering 200 (cache shown unavailable, then back); Redis is \
                   restarted by its policy; the count is back within 15 s and continues from \
                   what the append-only file kept: with appendfsync everysec at most the \
                   increments of the last one or two seconds before the kill are lost",
        check_text: "no failed request; redis restarted; recovered within 15 s; increments lost \
                     ≤ those acknowledged in the 2 s before the kill, with appendonly yes and \
                     appendfsync everysec read from the running server",
        expect: Expectation {
            restarted: true,
            counter_durable: true,
            ..NONE_EXPECTED
        },
    },
    Drill {
        name: "app-replica-kill",
        service: "app",
        profiles: &["dev", "prod"],
        min_replicas: 2,
        fault: Fault::KillMainProcess,
        fault_text: "kill -9 of one app replica's edge-host from the host (State.Pid)",
        heal: Heal::RestartPolicy,
        heal_text: "restart policy (unless-stopped) restarts the replica",
        workload: Workload::Home,
        hold: Duration::ZERO,
        expected: "nginx keeps serving from the other replica: no or very few failed requests \
                   (at most 5 %); the killed replica is restarted by its policy",
        check_text: "failed ≤ 5 % of requests; replica restarted; recovered within 30 s",
        expect: Expectation {
            max_failed_share: 0.05,
            recover_within: Duration::from_secs(30),
            restarted: true,
            ..NONE_EXPECTED
        },
    },
    Drill {
        name: "postgres-kill-durability",
        service: "postgres",
        profiles: EVERY_PROFILE,
        min_replicas: 1,
        fault: Fault::KillMainProcess,
        fault_text: "kill -9 of the postmaster from the host (State.Pid) a third of the way \
                     through the writes",
        heal: Heal::RestartPolicy,
        heal_text: "restart policy (unless-stopped) restarts postgres; WAL recovery",
        workload: Workload::WriteItems,
        hold: Duration::ZERO,
        expected: "writes fail (503) while Postgres restarts and succeed again within 60 s; every \
                   acknowledged write (201) is read back afterwards: 0 lost",
        check_text: "acknowledged > 0; lost = 0; postgres restarted; recovered within 60 s",
        expect: Expectation {
            max_failed_share: 1.0,
            recover_within: Duration::from_secs(60),
            restarted: true,
            durable: true,
            ..NONE_EXPECTED
        },
    },
];

/// The drill with this name.
pub fn find(name: &str) -> Option<&'static Drill> {
    DRILLS.iter().find(|drill| drill.name == name)
}

/// Every drill's name, for error messages.
pub fn names() -> Vec<&'static str> {
    DRILLS.iter().map(|drill| drill.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        for drill in DRILLS {
            assert_eq!(find(drill.name).map(|d| d.name), Some(drill.name));
        }
        let mut names = names();
        names.dedup();
        assert_eq!(names.len(), DRILLS.len());
        assert!(find("no-such-drill").is_none());
    }

    #[test]
    fn held_faults_hold_and_kills_do_not() {
        for drill in DRILLS {
            assert_eq!(drill.heal, drill.fault.heal(), "{}", drill.name);
            match drill.heal {
                Heal::RestartPolicy => assert_eq!(drill.hold, Duration::ZERO, "{}", drill.name),
                _ => assert!(drill.hold > Duration::ZERO, "{}", drill.name),
            }
        }
    }

    #[test]
    fn replica_kill_needs_a_second_replica() {
        let drill = find("app-replica-kill").expect("in the table");
        assert!(!drill.applies_to("local"));
        assert!(drill.applies_to("dev"));
    }
}
