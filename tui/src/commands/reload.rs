//! `stack-tui reload PART`: ask the running loop for this project to reload a part now.

use crate::cli::ReloadPart;
use crate::reload::trigger::{self, TriggerRequest};
use stack_core::model::Layout;

/// Prints the reload's timeline; `Ok(false)` when the reload failed or was skipped.
/// `profile` is `None` unless the user named one (then the loop's own profile is used).
pub async fn reload(
    layout: &Layout,
    part: ReloadPart,
    profile: Option<&str>,
) -> anyhow::Result<bool> {
    if let Some(profile) = profile {
        layout.profile(profile)?;
    }
    let part = match part {
        ReloadPart::App => "app",
        ReloadPart::Proxy => "proxy",
        ReloadPart::Stack => "stack",
        ReloadPart::Db => "db",
    };
    let request = TriggerRequest {
        part: part.into(),
        profile: profile.map(String::from),
    };
    let path = trigger::socket_path(&layout.root, &layout.prefix);
    trigger::request(&path, &request, |line| println!("{line}")).await
}
