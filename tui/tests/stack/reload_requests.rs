//! The watch loop on a real (minimal) project folder: a path that keeps changing is paused by the
//! loop guard, the user's resume request watches it again, and a requested reload runs without any
//! file change; and `stack-tui watch` under a relative `--root` still recognises changes. The
//! profile is prod without `--allow-prod`, so every reload stops at its plan and nothing needs a
//! running stack.

use bollard::Docker;
use stack_core::model::Layout;
use stack_core::protocol::reload::{ReloadEvent, SessionEvent, SessionRequest};
use stack_core::reload::ChangeKind;
use stack_tui::reload::watch_session;
use std::path::Path;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

struct Loop {
    events: mpsc::UnboundedReceiver<SessionEvent>,
    requests: mpsc::UnboundedSender<SessionRequest>,
    _profile: watch::Sender<String>,
}

impl Loop {
    fn start(root: &Path) -> Self {
        let docker = Docker::connect_with_local_defaults().expect("docker client");
        let (profile_tx, profile) = watch::channel("prod".to_string());
        let (requests, requests_rx) = mpsc::unbounded_channel();
        let (events_tx, events) = mpsc::unbounded_channel();
        let layout = Layout::new(root, "stack-test-requests");
        tokio::spawn(async move {
            let report = move |event| {
                let _ = events_tx.send(event);
            };
            let _ = watch_session(layout, docker, profile, requests_rx, false, report).await;
        });
        Self {
            events,
            requests,
            _profile: profile_tx,
        }
    }

    async fn next(&mut self) -> SessionEvent {
        tokio::time::timeout(Duration::from_secs(10), self.events.recv())
            .await
            .expect("the loop reports within 10 s")
            .expect("the loop is running")
    }

    /// The reason of the next event, which must be a skipped reload.
    async fn skipped(&mut self) -> (ChangeKind, String) {
        match self.next().await {
            SessionEvent::Reload(ReloadEvent::Skipped { kind, reason }) => (kind, reason),
            other => panic!("expected a skipped reload, got {other:?}"),
        }
    }
}

fn minimal_project() -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("scratch project");
    for dir in ["compose", "prod", "env"] {
        std::fs::create_dir(root.path().join(dir)).expect("create folder");
    }
    for file in ["compose/compose.yaml", "prod/compose.yaml"] {
        std::fs::write(root.path().join(file), "services: {}\n").expect("write compose file");
    }
    std::fs::write(root.path().join("env/prod.env"), "A=0\n").expect("write env file");
    root
}

#[tokio::test]
async fn a_paused_path_is_resumed_on_request_and_reloads_can_be_requested() {
    // Starts containers: one such test at a time in this binary.
    let _turn = test_support::stack::exclusive();
    let project = minimal_project();
    let mut session = Loop::start(project.path());
    assert!(
        matches!(session.next().await, SessionEvent::Watching { profile, .. } if profile == "prod")
    );

    // A reload asked for by the user, without any change.
    session
        .requests
        .send(SessionRequest::Reload(ChangeKind::Proxy))
        .expect("send request");
    let (kind, reason) = session.skipped().await;
    assert_eq!(kind, ChangeKind::Proxy);
    assert!(reason.contains("--allow-prod"), "{reason}");

    // Ten saves in a minute are allowed; the eleventh pauses the path.
    let env_file = project.path().join("env/prod.env");
    for save in 1..=11 {
        std::fs::write(&env_file, format!("A={save}\n")).expect("save env file");
        let (kind, reason) = session.skipped().await;
        assert_eq!(kind, ChangeKind::Stack, "save {save}");
        if save <= 10 {
            assert!(reason.contains("--allow-prod"), "save {save}: {reason}");
        } else {
            assert!(
                reason.contains("env/prod.env") && reason.contains("reload loop"),
                "save {save}: {reason}"
            );
        }
    }

    session
        .requests
        .send(SessionRequest::ResumePaused)
        .expect("send request");
    assert_eq!(
        session.next().await,
        SessionEvent::Resumed {
            paths: vec!["env/prod.env".into()]
        }
    );
    // Watched again: the next save reaches its plan instead of the pause.
    std::fs::write(&env_file, "A=resumed\n").expect("save env file");
    let (_, reason) = session.skipped().await;
    assert!(reason.contains("--allow-prod"), "{reason}");

    session
        .requests
        .send(SessionRequest::ResumePaused)
        .expect("send request");
    assert_eq!(
        session.next().await,
        SessionEvent::Resumed { paths: vec![] }
    );
}

/// `--root .` (what `.ci/up` passes) or any relative root: file events carry absolute paths and
/// must still be recognised as changes of the project.
#[test]
fn stack_tui_watch_with_a_relative_root_sees_changes() {
    // Starts containers: one such test at a time in this binary.
    let _turn = test_support::stack::exclusive();
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let project = minimal_project();
    let parent = project.path().parent().expect("temp dir parent");
    let name = project.path().file_name().expect("project dir name");
    let mut child = Command::new(env!("CARGO_BIN_EXE_stack-tui"))
        .current_dir(parent)
        .arg("--root")
        .arg(name)
        .args(["--profile", "prod", "watch"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start stack-tui watch");
    let stdout = child.stdout.take().expect("stdout");
    let (lines_tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |needle: &str| {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return true,
                Ok(_) => continue,
                Err(_) => return false,
            }
        }
    };
    let watching = wait_for("watching");
    std::fs::write(project.path().join("env/prod.env"), "A=changed\n").expect("save env file");
    let seen = watching && wait_for("stack change not reloaded");
    let _ = child.kill();
    let _ = child.wait();
    assert!(watching, "stack-tui watch started");
    assert!(seen, "the change under a relative --root was recognised");
}
