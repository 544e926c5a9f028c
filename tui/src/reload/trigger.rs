//! `stack-tui reload PART` from another shell (like `tilt trigger`): the running loop (the
//! dashboard's or `stack-tui watch`'s) listens on a Unix socket for its project and streams the
//! requested reload's timeline back, ending with whether it succeeded.
//!
//! One JSON object per line each way: a [`TriggerRequest`], then [`TriggerReply`]s.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use stack_core::protocol::reload::{ReloadEvent, SessionEvent, describe};
use stack_core::reload::ChangeKind;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;

/// A request line longer than this is not ours.
const MAX_REQUEST_BYTES: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerRequest {
    /// `app`, `proxy`, `db` or `stack`.
    pub part: String,
    /// Reload only if the loop is on this profile; `None`: whichever it shows.
    pub profile: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TriggerReply {
    /// One line of the reload timeline, as `stack-tui watch` prints it.
    Line { text: String },
    /// The reload ran (or was skipped, `ok: false`); nothing follows.
    Done { ok: bool },
    /// The loop did not run the reload, and why.
    Refused { reason: String },
}

/// A remote request as the session loop receives it: replies go back through `replies`.
#[derive(Debug)]
pub struct RemoteRequest {
    pub kind: ChangeKind,
    pub profile: Option<String>,
    pub replies: mpsc::UnboundedSender<SessionEvent>,
}

/// The socket of the loop for this project root and compose project prefix, under stack-tui's
/// state directory (per user). Keyed by both, so test projects never answer for the real one.
pub fn socket_path(root: &Path, prefix: &str) -> PathBuf {
    let mut hasher = Sha256::new();
    hasher.update(root.as_os_str().as_encoded_bytes());
    hasher.update([0]);
    hasher.update(prefix.as_bytes());
    let digest = hasher.finalize();
    let id: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    crate::paths::state_dir().join(format!("reload-{id}.sock"))
}

pub fn parse_part(part: &str) -> Option<ChangeKind> {
    ChangeKind::from_label(part)
}

/// The replies a session event gives; `None` for events a remote caller does not need.
pub fn reply_for(event: &SessionEvent) -> Vec<TriggerReply> {
    match event {
        SessionEvent::Reload(event) => {
            let line = TriggerReply::Line {
                text: describe(event),
            };
            match event {
                ReloadEvent::Finished { ok, .. } => vec![line, TriggerReply::Done { ok: *ok }],
                ReloadEvent::Skipped { .. } | ReloadEvent::Superseded { .. } => {
                    vec![line, TriggerReply::Done { ok: false }]
                }
                _ => vec![line],
            }
        }
        SessionEvent::ProfileUnusable(reason) => vec![TriggerReply::Refused {
            reason: reason.clone(),
        }],
        _ => Vec::new(),
    }
}

/// Listens on the project's socket until dropped (the file is removed then).
pub struct TriggerServer {
    path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TriggerServer {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Binds the socket and serves it, sending each request to `requests`. `Ok(None)` when another
/// live loop already serves this project (it keeps answering; this one runs without a socket).
pub async fn serve(
    path: PathBuf,
    requests: mpsc::UnboundedSender<RemoteRequest>,
) -> std::io::Result<Option<TriggerServer>> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    if path.exists() {
        if UnixStream::connect(&path).await.is_ok() {
            return Ok(None);
        }
        // Left behind by a loop that was killed.
        std::fs::remove_file(&path)?;
    }
    let listener = UnixListener::bind(&path)?;
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let requests = requests.clone();
            tokio::spawn(async move {
                if let Err(err) = answer(stream, requests).await {
                    tracing::debug!(%err, "reload trigger connection ended");
                }
            });
        }
    });
    Ok(Some(TriggerServer { path, task }))
}

async fn answer(
    stream: UnixStream,
    requests: mpsc::UnboundedSender<RemoteRequest>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    BufReader::new(read)
        .take(MAX_REQUEST_BYTES as u64)
        .read_line(&mut line)
        .await?;
    let parsed = serde_json::from_str::<TriggerRequest>(&line)
        .map_err(|err| format!("not a reload request: {err}"))
        .and_then(|request| match parse_part(&request.part) {
            Some(kind) => Ok((kind, request.profile)),
            None => Err(format!(
                "unknown part {:?}: {}",
                request.part,
                ChangeKind::labels_listed()
            )),
        });
    let (kind, profile) = match parsed {
        Ok(found) => found,
        Err(reason) => return send(&mut write, &TriggerReply::Refused { reason }).await,
    };
    let (replies, mut events) = mpsc::unbounded_channel();
    let request = RemoteRequest {
        kind,
        profile,
        replies,
    };
    if requests.send(request).is_err() {
        let reason = "the reload loop has stopped".to_string();
        return send(&mut write, &TriggerReply::Refused { reason }).await;
    }
    while let Some(event) = events.recv().await {
        for reply in reply_for(&event) {
            send(&mut write, &reply).await?;
        }
    }
    Ok(())
}

async fn send(
    write: &mut (impl AsyncWriteExt + Unpin),
    reply: &TriggerReply,
) -> std::io::Result<()> {
    let mut line = serde_json::to_string(reply).map_err(std::io::Error::other)?;
    line.push('\n');
    write.write_all(line.as_bytes()).await
}

/// Client side: asks the loop at `path`, printing each timeline line through `print`. Returns
/// whether the reload succeeded.
pub async fn request(
    path: &Path,
    request: &TriggerRequest,
    mut print: impl FnMut(&str),
) -> anyhow::Result<bool> {
    let stream = UnixStream::connect(path).await.map_err(|err| {
        anyhow::anyhow!(
            "no dashboard or `stack-tui watch` is running for this project ({}: {err}). Fix: \
             start one (`stack-tui`, or `stack-tui watch` in another shell) with the same --root \
             and --project-prefix, without --no-watch or --readonly",
            path.display()
        )
    })?;
    let (read, mut write) = stream.into_split();
    let mut line = serde_json::to_string(request)?;
    line.push('\n');
    write.write_all(line.as_bytes()).await?;
    let mut lines = BufReader::new(read).lines();
    while let Some(line) = lines.next_line().await? {
        match serde_json::from_str::<TriggerReply>(&line) {
            Ok(TriggerReply::Line { text }) => print(&text),
            Ok(TriggerReply::Done { ok }) => return Ok(ok),
            Ok(TriggerReply::Refused { reason }) => anyhow::bail!("reload refused: {reason}"),
            Err(err) => anyhow::bail!("unexpected answer from the reload loop: {err}: {line}"),
        }
    }
    anyhow::bail!("the reload loop closed the connection before the reload finished")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn socket_names_differ_by_root_and_prefix() {
        let a = socket_path(Path::new("/p/one"), "stack");
        assert_eq!(a, socket_path(Path::new("/p/one"), "stack"));
        assert_ne!(a, socket_path(Path::new("/p/two"), "stack"));
        assert_ne!(a, socket_path(Path::new("/p/one"), "stack-test"));
        // Unix socket paths are limited to 108 bytes; the name itself stays short.
        let name = a.file_name().map(|n| n.len()).unwrap_or(0);
        assert!(name < 40, "{a:?}");
    }

    #[test]
    fn a_finished_reload_ends_the_reply_and_a_skip_counts_as_failure() {
        let finished = SessionEvent::Reload(ReloadEvent::Finished {
            kind: ChangeKind::Proxy,
            ok: true,
            total: Duration::from_millis(40),
        });
        let replies = reply_for(&finished);
        assert_eq!(replies.last(), Some(&TriggerReply::Done { ok: true }));
        let skipped = SessionEvent::Reload(ReloadEvent::Skipped {
            kind: ChangeKind::App,
            reason: "prod is not reloaded".into(),
        });
        assert_eq!(
            reply_for(&skipped).last(),
            Some(&TriggerReply::Done { ok: false })
        );
    }

    #[tokio::test]
    async fn a_request_reaches_the_loop_and_its_timeline_comes_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("reload.sock");
        let (tx, mut rx) = mpsc::unbounded_channel::<RemoteRequest>();
        let _server = serve(path.clone(), tx)
            .await
            .expect("bind")
            .expect("first server");
        // A second loop for the same project leaves the first one answering.
        let (other, _unused) = mpsc::unbounded_channel();
        assert!(serve(path.clone(), other).await.expect("probe").is_none());
        let fake_loop = tokio::spawn(async move {
            let request = rx.recv().await.expect("request");
            assert_eq!(request.kind, ChangeKind::Proxy);
            assert_eq!(request.profile.as_deref(), Some("dev"));
            let _ = request
                .replies
                .send(SessionEvent::Reload(ReloadEvent::Finished {
                    kind: ChangeKind::Proxy,
                    ok: false,
                    total: Duration::from_millis(5),
                }));
        });
        let mut printed = Vec::new();
        let ok = request(
            &path,
            &TriggerRequest {
                part: "proxy".into(),
                profile: Some("dev".into()),
            },
            |line| printed.push(line.to_string()),
        )
        .await
        .expect("answer");
        fake_loop.await.expect("loop");
        assert!(!ok);
        assert_eq!(printed.len(), 1, "{printed:?}");
        let refused = request(
            &path,
            &TriggerRequest {
                part: "database".into(),
                profile: None,
            },
            |_| {},
        )
        .await
        .expect_err("unknown part");
        assert!(refused.to_string().contains("unknown part"), "{refused}");
    }
}
