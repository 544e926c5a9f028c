//! `s`: an interactive shell in a container. Images without one (the app's is `scratch`) get a
//! debug container instead, sharing the target's process and network namespaces, as `docker
//! debug` does; the target's files are under `/proc/1/root` there.

use crate::docker::command as docker_cli;
use stack_core::model::Layout;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;

/// The probe must not hang the dashboard on a stuck engine.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
/// Used when neither `STACK_TUI_DEBUG_IMAGE` nor the project's base image is set or present.
const FALLBACK_DEBUG_IMAGE: &str = "busybox:stable";
/// Starts bash where there is one; the container's files are one `cd` away.
const OWN_SHELL: &str = "if command -v bash >/dev/null; then exec bash; else exec sh; fi";

/// How the shell will be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellPlan {
    /// `docker exec -it` into the container's own shell.
    Own,
    /// A throwaway container from `image` in the target's namespaces.
    Debug { image: String },
}

/// Whether `container` has `sh`: `docker exec` answers 126/127 (or says "executable file not
/// found") when it has none. Other failures (not running, engine gone) are errors to show.
pub async fn plan(layout: &Layout, container: &str) -> Result<ShellPlan, String> {
    let probe = docker_cli::docker()
        .args(["exec", container, "sh", "-c", "exit 0"])
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
        Ok(Ok(output)) => output,
        Ok(Err(err)) => return Err(format!("cannot run docker exec: {err}")),
        Err(_) => return Err("docker exec did not answer within 5 s".into()),
    };
    if output.status.success() {
        return Ok(ShellPlan::Own);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    if has_no_shell(output.status.code(), &stderr) {
        return Ok(ShellPlan::Debug {
            image: debug_image(layout).await,
        });
    }
    Err(format!("docker exec failed: {}", stderr.trim()))
}

fn has_no_shell(code: Option<i32>, stderr: &str) -> bool {
    matches!(code, Some(126 | 127)) || stderr.contains("executable file not found")
}

/// `STACK_TUI_DEBUG_IMAGE`, else the project's base image (env/common.env's STACK_BASE_IMAGE,
/// present wherever the stand-ins were built), else a small public image docker pulls.
async fn debug_image(layout: &Layout) -> String {
    if let Ok(image) = std::env::var("STACK_TUI_DEBUG_IMAGE")
        && !image.is_empty()
    {
        return image;
    }
    let base = dotenvy::from_path_iter(layout.root.join("env/common.env"))
        .ok()
        .and_then(|items| {
            items
                .flatten()
                .find(|(key, _)| key == "STACK_BASE_IMAGE")
                .map(|(_, value)| value)
        });
    if let Some(base) = base {
        let present = docker_cli::docker()
            .args(["image", "inspect", "--format", "{{.Id}}", &base])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await
            .is_ok_and(|status| status.success());
        if present {
            return base;
        }
    }
    FALLBACK_DEBUG_IMAGE.to_string()
}

/// The interactive command for `plan`, attached to the terminal.
pub fn command(plan: &ShellPlan, container: &str, name: &str) -> Command {
    let mut command = docker_cli::docker();
    match plan {
        ShellPlan::Own => {
            command.args(["exec", "-it", container, "sh", "-c", OWN_SHELL]);
        }
        ShellPlan::Debug { image } => {
            let banner = format!(
                "debug shell for {name}: its image has no shell, so this container ({image}) \
                 shares its processes and network. Its files: /proc/1/root. exit leaves."
            );
            let pid = format!("container:{container}");
            command
                .args(["run", "--rm", "-it", "--pid", pid.as_str()])
                .args(["--network", pid.as_str()])
                // Reading /proc/1/root of a process owned by another uid needs ptrace rights.
                .args([
                    "--cap-add",
                    "SYS_PTRACE",
                    "--entrypoint",
                    "sh",
                    image.as_str(),
                    "-c",
                ]);
            command.arg(format!("echo '{banner}'; {OWN_SHELL}"));
        }
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_shell_is_told_apart_from_other_failures() {
        assert!(has_no_shell(Some(127), ""));
        assert!(has_no_shell(
            Some(1),
            "OCI runtime exec failed: exec: \"sh\": executable file not found in $PATH"
        ));
        assert!(!has_no_shell(
            Some(1),
            "Error response from daemon: Container abc is not running"
        ));
    }

    #[test]
    fn the_debug_container_joins_the_target_namespaces() {
        let plan = ShellPlan::Debug {
            image: "stack-tui/base:bookworm".into(),
        };
        let command = command(&plan, "abc123", "stack-local-app-1");
        let args: Vec<String> = command
            .as_std()
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let joined = args.join(" ");
        assert!(joined.contains("--pid container:abc123"), "{joined}");
        assert!(joined.contains("--network container:abc123"), "{joined}");
        assert!(joined.contains("--rm -it"), "{joined}");
        assert!(joined.contains("stack-local-app-1"), "{joined}");
    }
}
