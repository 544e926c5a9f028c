//! The CLI's subcommands. Each returns an error that names the cause and the fix.

mod audit;
mod backup;
mod compose;
mod confirm;
mod dashboard;
mod docs;
mod doctor;
mod drill;
mod endpoint_check;
mod export;
mod lifecycle;
mod logs;
mod ports;
mod profiles;
mod reload;
mod secret_drift;
mod status;
mod watch;

pub use audit::{audit, rules as audit_rules};
pub use backup::{backup, restore};
pub use compose::compose;
pub use dashboard::{DashboardOptions, dashboard};
pub use docs::{completions, man};
pub use doctor::doctor;
pub use drill::{DrillRun, drill_list, drill_run};
pub use export::{KubeOptions, export_image, export_kube};
pub use lifecycle::{Confirmation, down, up};
pub use logs::logs;
pub use ports::{PortCheck, check_port};
pub use profiles::profiles;
pub use reload::reload;
pub use status::{StatusReport, status, status_report};
pub use watch::watch;

use stack_core::model::Layout;
use std::path::{Path, PathBuf};

/// `--root`, else the nearest directory upwards holding compose/compose.yaml, else the bundled stack.
/// Always absolute: file events arrive with absolute paths and are matched against it.
pub fn resolve_root(root: Option<PathBuf>) -> PathBuf {
    if let Some(root) = root {
        return std::path::absolute(&root).unwrap_or(root);
    }
    let is_project = |dir: &Path| dir.join(stack_core::model::profile::BASE_FILE).is_file();
    if let Ok(current) = std::env::current_dir()
        && let Some(found) = current.ancestors().find(|dir| is_project(dir))
    {
        return found.to_path_buf();
    }
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    bundled.canonicalize().unwrap_or(bundled)
}

pub fn layout(root: Option<PathBuf>, prefix: &str) -> Layout {
    Layout::new(resolve_root(root), prefix)
}
