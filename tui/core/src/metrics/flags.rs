//! Health flags per container: OOM-killed, restarted by its policy, crash loop (3 restarts in
//! 10 minutes) and unhealthy for longer than a few probes. Each one is raised once and cleared
//! once the container has recovered (running, and healthy when it has a healthcheck), so that
//! Activity gets one entry each way, not one per update.

use crate::model::container::{ContainerSnapshot, Health, RunState};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Restarts within [`CRASH_LOOP_WINDOW`] that make a crash loop.
pub const CRASH_LOOP_RESTARTS: usize = 3;
pub const CRASH_LOOP_WINDOW: Duration = Duration::minutes(10);
/// Failed healthcheck runs in a row, beyond which an unhealthy container is flagged (Docker
/// calls it unhealthy after its own `retries`; this is how long it has stayed so). The config
/// file's `unhealthy_probes` changes it.
pub const UNHEALTHY_PROBES: i64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FlagKind {
    OomKilled,
    CrashLoop,
    Restarted,
    Unhealthy,
}

impl FlagKind {
    pub const ALL: [FlagKind; 4] = [
        FlagKind::OomKilled,
        FlagKind::CrashLoop,
        FlagKind::Restarted,
        FlagKind::Unhealthy,
    ];

    /// The panel's short word for it.
    pub fn label(self) -> &'static str {
        match self {
            Self::OomKilled => "OOM-killed",
            Self::CrashLoop => "crash loop",
            Self::Restarted => "restarted",
            Self::Unhealthy => "unhealthy",
        }
    }
}

/// A flag going up or down, for Activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagChange {
    pub container: String,
    pub kind: FlagKind,
    pub raised: bool,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
struct Watch {
    restart_count: i64,
    oom_killed: bool,
    /// Policy restarts seen in the last [`CRASH_LOOP_WINDOW`].
    restarts: VecDeque<DateTime<Utc>>,
    oom_at: Option<DateTime<Utc>>,
    restarted_now: bool,
    active: BTreeMap<FlagKind, DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Flags {
    watches: HashMap<String, Watch>,
    unhealthy_probes: i64,
}

impl Default for Flags {
    fn default() -> Self {
        Self::with_unhealthy_probes(UNHEALTHY_PROBES)
    }
}

/// Back in service: running, and healthy if it has a healthcheck.
fn recovered(container: &ContainerSnapshot) -> bool {
    container.state == RunState::Running
        && matches!(container.health, Health::Healthy | Health::None)
}

impl Flags {
    /// Flags that call a container unhealthy after more than `probes` failed runs in a row.
    pub fn with_unhealthy_probes(probes: i64) -> Self {
        Self {
            watches: HashMap::new(),
            unhealthy_probes: probes,
        }
    }

    /// The `oom` event of container `id` (the kernel killed a process in it).
    pub fn oom(&mut self, id: &str, now: DateTime<Utc>) {
        if let Some(watch) = self.watches.get_mut(id) {
            watch.oom_at = Some(now);
        }
    }

    /// Takes the containers as they are now; returns the flags raised and cleared since the
    /// last call. Called on every container update and once a second (restarts age out).
    pub fn evaluate(
        &mut self,
        containers: &BTreeMap<String, ContainerSnapshot>,
        now: DateTime<Utc>,
    ) -> Vec<FlagChange> {
        self.watches.retain(|id, _| containers.contains_key(id));
        let mut changes = Vec::new();
        for (id, container) in containers {
            if container.one_shot {
                continue;
            }
            let first_sight = !self.watches.contains_key(id);
            let watch = self.watches.entry(id.clone()).or_default();
            if first_sight {
                // Restarts before the dashboard opened have no times: only new ones count. An
                // OOM kill is news while its container is still down.
                watch.restart_count = container.restart_count;
                if container.oom_killed && !recovered(container) {
                    watch.oom_at = Some(now);
                }
            } else {
                let new = container.restart_count - watch.restart_count;
                if new > 0 {
                    for _ in 0..new.min(CRASH_LOOP_RESTARTS as i64) {
                        watch.restarts.push_back(now);
                    }
                    watch.restarted_now = true;
                }
                watch.restart_count = container.restart_count;
                if container.oom_killed && !watch.oom_killed {
                    watch.oom_at = Some(now);
                }
            }
            watch.oom_killed = container.oom_killed;
            while watch
                .restarts
                .front()
                .is_some_and(|at| now - *at > CRASH_LOOP_WINDOW)
            {
                watch.restarts.pop_front();
            }
            let up = recovered(container);
            for kind in FlagKind::ALL {
                let condition = match kind {
                    // Raised once per kill, even when the policy restarted it before this
                    // update; then held until it runs again, started after the kill.
                    FlagKind::OomKilled => watch.oom_at.is_some_and(|at| {
                        let restarted = container
                            .started_at
                            .is_none_or(|started| started >= at - Duration::seconds(1));
                        !(watch.active.contains_key(&kind) && up && restarted)
                    }),
                    FlagKind::CrashLoop => watch.restarts.len() >= CRASH_LOOP_RESTARTS,
                    FlagKind::Restarted => watch.restarted_now,
                    FlagKind::Unhealthy => {
                        container.state == RunState::Running
                            && container.health == Health::Unhealthy
                            && container.failing_streak > self.unhealthy_probes
                    }
                };
                let active = watch.active.contains_key(&kind);
                let now_active = condition || (active && !up);
                if now_active && !active {
                    watch.active.insert(kind, now);
                    changes.push(FlagChange {
                        container: container.name.clone(),
                        kind,
                        raised: true,
                        text: raised_text(kind, container, watch.restarts.len()),
                    });
                } else if !now_active && active {
                    watch.active.remove(&kind);
                    if kind == FlagKind::OomKilled {
                        watch.oom_at = None;
                    }
                    changes.push(FlagChange {
                        container: container.name.clone(),
                        kind,
                        raised: false,
                        text: cleared_text(kind, &container.name),
                    });
                }
            }
            watch.restarted_now = false;
        }
        changes
    }

    /// The flags up for container `id`, with when each went up.
    pub fn active(&self, id: &str) -> impl Iterator<Item = (FlagKind, DateTime<Utc>)> + '_ {
        self.watches
            .get(id)
            .into_iter()
            .flat_map(|watch| watch.active.iter().map(|(kind, at)| (*kind, *at)))
    }

    /// Policy restarts of container `id` in the last 10 minutes.
    pub fn recent_restarts(&self, id: &str) -> usize {
        self.watches.get(id).map_or(0, |watch| watch.restarts.len())
    }
}

fn raised_text(kind: FlagKind, container: &ContainerSnapshot, recent: usize) -> String {
    let name = &container.name;
    match kind {
        FlagKind::OomKilled => format!("{name} OOM-killed: it reached its memory limit"),
        FlagKind::CrashLoop => format!(
            "{name} crash loop: {recent} restarts in {} min",
            CRASH_LOOP_WINDOW.num_minutes()
        ),
        FlagKind::Restarted => format!(
            "{name} restarted by its restart policy ({} restarts)",
            container.restart_count
        ),
        FlagKind::Unhealthy => {
            let last = container
                .probes
                .last()
                .map(|probe| probe.output.trim())
                .filter(|output| !output.is_empty())
                .map(|output| format!(": {}", output.lines().next().unwrap_or(output)))
                .unwrap_or_default();
            format!(
                "{name} unhealthy for {} probes in a row{last}",
                container.failing_streak
            )
        }
    }
}

fn cleared_text(kind: FlagKind, name: &str) -> String {
    match kind {
        FlagKind::OomKilled => format!("{name} running again after its OOM kill"),
        FlagKind::CrashLoop => format!("{name} out of its crash loop"),
        FlagKind::Restarted => format!("{name} up again after its restart"),
        FlagKind::Unhealthy => format!("{name} healthy again"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::container::Probe;
    use chrono::TimeZone;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0)
            .single()
            .expect("a time")
    }

    fn app(health: Health) -> ContainerSnapshot {
        ContainerSnapshot {
            id: "app1".into(),
            name: "stack-dev-app-1".into(),
            service: "app".into(),
            project: "stack-dev".into(),
            image: "app".into(),
            role: Some("app".into()),
            one_shot: false,
            state: RunState::Running,
            health,
            exit_code: None,
            started_at: Some(start()),
            restart_count: 0,
            oom_killed: false,
            failing_streak: 0,
            ports: Vec::new(),
            probes: Vec::new(),
            networks: Vec::new(),
        }
    }

    fn one(container: &ContainerSnapshot) -> BTreeMap<String, ContainerSnapshot> {
        BTreeMap::from([(container.id.clone(), container.clone())])
    }

    fn summary(changes: &[FlagChange]) -> Vec<(FlagKind, bool)> {
        changes.iter().map(|c| (c.kind, c.raised)).collect()
    }

    #[test]
    fn an_oom_kill_is_raised_once_and_cleared_when_it_runs_again() {
        let mut flags = Flags::default();
        let mut container = app(Health::Healthy);
        assert!(flags.evaluate(&one(&container), start()).is_empty());
        let killed_at = start() + Duration::seconds(30);
        container = container.exited(Some(137));
        container.oom_killed = true;
        let changes = flags.evaluate(&one(&container), killed_at);
        assert_eq!(summary(&changes), vec![(FlagKind::OomKilled, true)]);
        assert_eq!(
            changes[0].text,
            "stack-dev-app-1 OOM-killed: it reached its memory limit"
        );
        assert!(
            flags.evaluate(&one(&container), killed_at).is_empty(),
            "once"
        );
        assert_eq!(flags.active("app1").count(), 1);
        // Restarted by its policy: running, starting, then healthy.
        container.state = RunState::Running;
        container.health = Health::Starting;
        container.started_at = Some(killed_at + Duration::seconds(2));
        container.restart_count = 1;
        let changes = flags.evaluate(&one(&container), killed_at + Duration::seconds(2));
        assert_eq!(summary(&changes), vec![(FlagKind::Restarted, true)]);
        container.health = Health::Healthy;
        let changes = flags.evaluate(&one(&container), killed_at + Duration::seconds(9));
        assert_eq!(
            summary(&changes),
            vec![(FlagKind::OomKilled, false), (FlagKind::Restarted, false)]
        );
        assert_eq!(flags.active("app1").count(), 0);
    }

    #[test]
    fn the_oom_event_flags_a_kill_the_policy_already_undid() {
        let mut flags = Flags::default();
        let mut container = app(Health::None);
        flags.evaluate(&one(&container), start());
        let at = start() + Duration::seconds(5);
        flags.oom("app1", at);
        container.started_at = Some(at + Duration::seconds(1));
        let raised = flags.evaluate(&one(&container), at + Duration::seconds(1));
        assert_eq!(summary(&raised), vec![(FlagKind::OomKilled, true)]);
        let cleared = flags.evaluate(&one(&container), at + Duration::seconds(2));
        assert_eq!(summary(&cleared), vec![(FlagKind::OomKilled, false)]);
    }

    #[test]
    fn three_restarts_in_ten_minutes_are_a_crash_loop_until_they_age_out() {
        let mut flags = Flags::default();
        let mut container = app(Health::Healthy);
        flags.evaluate(&one(&container), start());
        let mut raised = Vec::new();
        for restart in 1..=3 {
            container.restart_count = restart;
            let at = start() + Duration::minutes(2 * restart);
            raised.extend(summary(&flags.evaluate(&one(&container), at)));
            flags.evaluate(&one(&container), at + Duration::seconds(1));
        }
        assert!(raised.contains(&(FlagKind::CrashLoop, true)), "{raised:?}");
        assert_eq!(flags.recent_restarts("app1"), 3);
        // Nine minutes after the last restart the first one is 13 minutes old.
        let later = start() + Duration::minutes(15);
        let changes = flags.evaluate(&one(&container), later);
        assert_eq!(summary(&changes), vec![(FlagKind::CrashLoop, false)]);
        assert_eq!(changes[0].text, "stack-dev-app-1 out of its crash loop");
    }

    #[test]
    fn restarts_before_the_dashboard_opened_do_not_count() {
        let mut flags = Flags::default();
        let mut container = app(Health::Healthy);
        container.restart_count = 7;
        assert!(flags.evaluate(&one(&container), start()).is_empty());
        assert_eq!(flags.recent_restarts("app1"), 0);
    }

    #[test]
    fn unhealthy_past_the_probes_is_flagged_with_the_last_output() {
        let mut flags = Flags::default();
        let mut container = app(Health::Unhealthy);
        container.failing_streak = UNHEALTHY_PROBES;
        assert!(
            flags.evaluate(&one(&container), start()).is_empty(),
            "not longer yet"
        );
        container.failing_streak = UNHEALTHY_PROBES + 1;
        container.probes = vec![Probe {
            start: String::new(),
            end: String::new(),
            exit_code: 1,
            output: "connection refused\nmore".into(),
        }];
        let changes = flags.evaluate(&one(&container), start());
        assert_eq!(
            changes[0].text,
            "stack-dev-app-1 unhealthy for 4 probes in a row: connection refused"
        );
        container.health = Health::Healthy;
        container.failing_streak = 0;
        let changes = flags.evaluate(&one(&container), start());
        assert_eq!(summary(&changes), vec![(FlagKind::Unhealthy, false)]);
        // A removed container's flags go with it.
        flags.evaluate(&BTreeMap::new(), start());
        assert_eq!(flags.active("app1").count(), 0);
        // A stricter setting flags it sooner.
        let mut strict = Flags::with_unhealthy_probes(1);
        container.health = Health::Unhealthy;
        container.failing_streak = 2;
        let changes = strict.evaluate(&one(&container), start());
        assert_eq!(summary(&changes), vec![(FlagKind::Unhealthy, true)]);
    }
}
