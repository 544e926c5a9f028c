//! Readiness of the app replicas: which ones the worker probes (every running one, while the
//! dashboard runs), their answers into the state, and an Activity entry when one turns not ready
//! or ready again.

use super::action::Effect;
use super::activity::{ActivityKind, log};
use super::state::{ReplicaReadiness, State};
use crate::model::readiness::{Readiness, ReadinessChange, readiness_change};
use crate::protocol::docker::WorkerCommand;

pub(super) fn probed(state: &mut State, id: String, readiness: Readiness) {
    // An answer that arrives after the replica stopped or went away is not news.
    let Some(container) = state.containers.get(&id).filter(|c| c.is_running_app()) else {
        return;
    };
    let name = container.name.clone();
    let previous = state.readiness.get(&id);
    let change = readiness_change(previous.map(|p| &p.readiness), &readiness);
    let since = previous
        .filter(|p| p.readiness.is_ready() == readiness.is_ready())
        .map_or(state.now, |p| p.since);
    state
        .readiness
        .insert(id, ReplicaReadiness { readiness, since });
    match change {
        Some(ReadinessChange::NotReady(reason)) => log(
            state,
            ActivityKind::Error,
            format!("{name} not ready: {reason}"),
            None,
        ),
        Some(ReadinessChange::ReadyAgain) => {
            log(
                state,
                ActivityKind::Health,
                format!("{name} ready again"),
                None,
            );
        }
        None => {}
    }
}

/// The worker probes exactly the running app replicas; answers of the others are dropped.
pub(super) fn sync(state: &mut State, effects: &mut Vec<Effect>) {
    let mut wanted: Vec<String> = state
        .containers
        .values()
        .filter(|c| c.is_running_app())
        .map(|c| c.id.clone())
        .collect();
    wanted.sort();
    state
        .readiness
        .retain(|id, _| wanted.binary_search(id).is_ok());
    if wanted != state.readiness_for {
        state.readiness_for = wanted.clone();
        effects.push(Effect::Worker(WorkerCommand::Readiness(wanted)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::activity::ActivityKind;
    use crate::app::services::{readiness_notes, service_rows};
    use crate::config::Config;
    use crate::model::container::{ContainerSnapshot, Health, RunState};
    use crate::model::readiness::ReadinessVerdict;
    use chrono::{TimeZone, Utc};

    fn replica(number: u32, role: &str) -> ContainerSnapshot {
        ContainerSnapshot {
            id: format!("{role}{number}"),
            name: format!("stack-dev-{role}-{number}"),
            service: role.into(),
            project: "stack-dev".into(),
            image: "stack-tui/app:dev".into(),
            role: Some(role.into()),
            one_shot: false,
            state: RunState::Running,
            health: Health::Healthy,
            exit_code: None,
            started_at: None,
            restart_count: 0,
            oom_killed: false,
            failing_streak: 0,
            ports: Vec::new(),
            probes: Vec::new(),
            networks: Vec::new(),
        }
    }

    fn dev_state() -> State {
        let now = Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).single();
        let mut state = State::new(Vec::new(), "dev", &Config::default(), now.expect("a time"));
        for c in [replica(1, "app"), replica(2, "app"), replica(1, "cache")] {
            state.containers.insert(c.id.clone(), c);
        }
        state
    }

    fn down() -> Readiness {
        Readiness::NotReady {
            reason: "postgres unavailable: connection refused".into(),
        }
    }

    fn texts(state: &State) -> Vec<(ActivityKind, String)> {
        state
            .activity
            .iter()
            .map(|e| (e.kind, e.text.clone()))
            .collect()
    }

    #[test]
    fn the_worker_probes_running_app_replicas_only_and_is_told_on_change() {
        let mut state = dev_state();
        let mut effects = Vec::new();
        sync(&mut state, &mut effects);
        let wanted = vec!["app1".to_string(), "app2".to_string()];
        assert_eq!(
            effects,
            vec![Effect::Worker(WorkerCommand::Readiness(wanted.clone()))]
        );
        effects.clear();
        sync(&mut state, &mut effects);
        assert!(effects.is_empty(), "nothing changed: {effects:?}");

        probed(&mut state, "app2".into(), down());
        if let Some(app2) = state.containers.get_mut("app2") {
            app2.state = RunState::Exited;
        }
        sync(&mut state, &mut effects);
        assert_eq!(
            effects,
            vec![Effect::Worker(WorkerCommand::Readiness(vec![
                "app1".into()
            ]))]
        );
        assert!(
            state.readiness.is_empty(),
            "the stopped replica's answer is dropped"
        );
        probed(&mut state, "app2".into(), Readiness::Ready);
        probed(&mut state, "cache1".into(), Readiness::Ready);
        assert!(
            state.readiness.is_empty(),
            "late or foreign answers are ignored"
        );
    }

    #[test]
    fn activity_says_not_ready_and_ready_again_once_each() {
        let mut state = dev_state();
        probed(&mut state, "app1".into(), Readiness::Ready);
        assert!(texts(&state).is_empty(), "a first ready answer is not news");
        let turned = state.now + chrono::Duration::seconds(9);
        state.now = turned;
        for _ in 0..3 {
            probed(&mut state, "app1".into(), down());
        }
        assert_eq!(state.readiness["app1"].since, turned);
        state.now = turned + chrono::Duration::seconds(3);
        probed(&mut state, "app1".into(), Readiness::Ready);
        probed(&mut state, "app1".into(), Readiness::Ready);
        assert_eq!(
            texts(&state),
            vec![
                (
                    ActivityKind::Error,
                    "stack-dev-app-1 not ready: postgres unavailable: connection refused".into()
                ),
                (ActivityKind::Health, "stack-dev-app-1 ready again".into()),
            ]
        );
    }

    #[test]
    fn the_app_row_sums_its_replicas_and_a_note_gives_the_reason() {
        let mut state = dev_state();
        let app = |state: &State| {
            service_rows(state)
                .into_iter()
                .find(|row| row.name == "app")
                .and_then(|row| row.readiness)
                .expect("the app row has readiness")
        };
        assert_eq!(app(&state).label(), "checking 0/2");
        probed(&mut state, "app1".into(), Readiness::Ready);
        probed(&mut state, "app2".into(), down());
        assert_eq!(app(&state).verdict(), ReadinessVerdict::NotReady);
        assert_eq!(
            readiness_notes(&service_rows(&state)),
            vec!["app not ready 1/2: postgres unavailable: connection refused".to_string()]
        );
        let cache = service_rows(&state)
            .into_iter()
            .find(|row| row.name == "cache")
            .expect("cache row");
        assert_eq!(cache.readiness, None, "only the app is probed");
        probed(&mut state, "app2".into(), Readiness::Ready);
        assert_eq!(app(&state).label(), "ready 2/2");
        assert!(readiness_notes(&service_rows(&state)).is_empty());
    }
}
