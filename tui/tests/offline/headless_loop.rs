//! The real event loop, driven headless: Docker updates and keys in, frames out, `q` ends it.

use crate::common::*;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use stack_core::app::Action;
use stack_core::model::Layout;
use stack_core::model::container::{Health, RunState};
use stack_core::protocol::docker::{DockerUpdate, WorkerCommand};
use stack_tui::runtime::{self, ChannelInput, Context, DrillChild, HeadlessHost};
use std::time::Duration;
use tokio::sync::mpsc;

fn press(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

#[tokio::test]
async fn loop_draws_updates_and_quits_on_q() {
    let mut state = base_state();
    let mut host = HeadlessHost::new(100, 30);
    let mut screens = host.screens();
    let (keys_tx, keys) = mpsc::channel(8);
    let mut input = ChannelInput::new(keys);
    let (docker_tx, docker) = mpsc::channel(8);
    let (worker_tx, mut worker_rx) = mpsc::channel(8);
    let (actions_tx, actions) = mpsc::channel::<Action>(8);
    let context = Context {
        layout: Layout::new("/nonexistent", "stack"),
        worker: worker_tx,
        actions: actions_tx,
        reload_profile: None,
        reload_requests: None,
        drill: DrillChild::default(),
    };

    let driver = tokio::spawn(async move {
        let redis = container("redis", RunState::Running, Health::Unhealthy);
        docker_tx
            .send(DockerUpdate::Containers {
                project: "stack-local".into(),
                containers: vec![redis],
            })
            .await
            .expect("loop reads docker updates");
        // The loop has taken the update in once it asks for the stats of what it now shows,
        // and drawn it once a frame shows it.
        let mut asked_stats = false;
        while let Some(command) = worker_rx.recv().await {
            if matches!(command, WorkerCommand::Visible(ids) if ids == ["redis0000000000000000"]) {
                asked_stats = true;
                break;
            }
        }
        screens
            .wait_for(|screen| screen.contains("redis") && screen.contains("unhealthy"))
            .await
            .expect("the loop draws");
        keys_tx.send(press('q')).await.expect("loop reads keys");
        (docker_tx, keys_tx, asked_stats)
    });
    tokio::time::timeout(
        Duration::from_secs(10),
        runtime::run(&mut state, &mut host, &mut input, docker, actions, &context),
    )
    .await
    .expect("loop ends on q")
    .expect("loop runs without I/O errors");
    let (_docker_tx, _keys_tx, asked_stats) = driver.await.expect("driver task");

    assert!(state.quit);
    assert!(host.frames >= 1, "at least one frame drawn");
    let screen = host.screens().borrow().clone();
    assert!(
        screen.contains("redis") && screen.contains("unhealthy"),
        "redis shown unhealthy"
    );
    assert!(
        asked_stats,
        "stats requested for the visible running container"
    );
}
