//! Opt-in overlays (`compose/<name>/compose.yaml`, such as `monitoring`): `up --with NAME` turns
//! one on for the profile's project and records it, so every later command on the project (the
//! dashboard, hot reload's compose step, `status`, `audit`) runs with it; `down` forgets it.

use stack_core::model::Layout;

/// Records `names` as on for `profile`'s project (keeping those already on); Err naming the
/// overlays the project has when a name is not one of them.
pub fn turn_on(layout: &Layout, profile: &str, names: &[String]) -> anyhow::Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    let known = layout.overlay_names();
    if let Some(unknown) = names.iter().find(|name| !known.contains(name)) {
        anyhow::bail!(
            "no overlay {unknown:?} in {}: the overlays are {}. Fix: `--with {}`",
            layout.root.join("compose").display(),
            if known.is_empty() {
                "none (compose/<name>/compose.yaml)".to_string()
            } else {
                known.join(", ")
            },
            known.first().map_or("NAME", String::as_str)
        );
    }
    let mut on = layout.profile(profile)?.overlays;
    for name in names {
        if !on.contains(name) {
            on.push(name.clone());
        }
    }
    let record = layout.overlays_record(&layout.profile(profile)?.project);
    let folder = record
        .parent()
        .ok_or_else(|| anyhow::anyhow!("{} has no folder", record.display()))?;
    std::fs::create_dir_all(folder)
        .map_err(|err| anyhow::anyhow!("cannot create {}: {err}", folder.display()))?;
    // Write then rename: a reader never sees half a record.
    let temporary = folder.join(format!(".{}.tmp", std::process::id()));
    let mut text = on.join("\n");
    text.push('\n');
    std::fs::write(&temporary, text)
        .and_then(|()| std::fs::rename(&temporary, &record))
        .map_err(|err| anyhow::anyhow!("cannot record the overlays in {}: {err}", record.display()))
}

/// Forgets the overlays of `profile`'s project (after its `down`); a missing record is fine.
pub fn forget(layout: &Layout, profile: &str) -> anyhow::Result<()> {
    let record = layout.overlays_record(&layout.profile(profile)?.project);
    match std::fs::remove_file(&record) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(anyhow::anyhow!(
            "cannot remove {}: {err}. Fix: delete it, or the next `up` brings the overlays back",
            record.display()
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> tempfile::TempDir {
        let root = tempfile::tempdir().expect("temp dir");
        for (path, text) in [
            ("compose/compose.yaml", "services: {}\n"),
            ("compose/monitoring/compose.yaml", "{}\n"),
            ("local/compose.yaml", "{}\n"),
            ("env/common.env", ""),
        ] {
            let path = root.path().join(path);
            std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        root
    }

    #[test]
    fn turned_on_until_forgotten() {
        let root = project();
        let layout = Layout::new(root.path(), "stack");
        turn_on(&layout, "local", &["monitoring".into()]).expect("known overlay");
        turn_on(&layout, "local", &[]).expect("nothing asked keeps the record");
        assert_eq!(
            layout.profile("local").expect("profile").overlays,
            ["monitoring"]
        );
        forget(&layout, "local").expect("forgotten");
        forget(&layout, "local").expect("twice is fine");
        assert!(
            layout
                .profile("local")
                .expect("profile")
                .overlays
                .is_empty()
        );
    }

    #[test]
    fn an_unknown_overlay_is_refused_naming_the_known_ones() {
        let root = project();
        let layout = Layout::new(root.path(), "stack");
        let err = turn_on(&layout, "local", &["grafana".into()])
            .expect_err("no such overlay")
            .to_string();
        assert!(
            err.contains("\"grafana\"") && err.contains("monitoring"),
            "{err}"
        );
        assert!(
            layout
                .profile("local")
                .expect("profile")
                .overlays
                .is_empty()
        );
    }
}
