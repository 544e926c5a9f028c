//! What each watched file does when saved, per profile, and how the reload knows it took effect:
//! the one table the README shows (`markdown`, checked against README.md by a test) and the stack
//! test walks row by row (`id`, `example`).

use super::classify::ChangeKind;

/// One kind of saved file.
#[derive(Debug, Clone, Copy)]
pub struct ReloadRow {
    /// How tests name the row when they say they exercised it.
    pub id: &'static str,
    /// A file of this row, relative to the project root.
    pub example: &'static str,
    /// The part it reloads; `None` for files that start nothing.
    pub kind: Option<ChangeKind>,
    /// What the user changes (Markdown).
    pub change: &'static str,
    pub local: &'static str,
    /// dev, and prod when the watcher runs with `--allow-prod`.
    pub dev: &'static str,
    /// How the reload checks that the running stack changed before it says "applied".
    pub check: &'static str,
}

pub const RELOAD_TABLE: &[ReloadRow] = &[
    ReloadRow {
        id: "app-code",
        example: "edge-app/src/app/root.rs",
        kind: Some(ChangeKind::App),
        change: "an `edge-app/` file matching `spin.toml`'s `[component.*.build] watch` globs (the \
                 sources, `Cargo.toml`)",
        local: "run `spin.toml`'s build `command` (`cargo xtask build-app --precompile`: build, \
                precompile into the cache the app mounts, install by rename); edge-host swaps the \
                component in place, no request dropped",
        dev: "run the build `command`, rebuild the app image, replace the replicas one at a time, \
              each new one started as a copy of a current replica through the Engine API (by \
              compose when the configuration changed too); a new one that is not ready is removed \
              and the rollout rolled back (the image tag names the previous image again)",
        check: "local: edge-host's info document names the SHA-256 of the installed component. \
                dev: each new replica answers `/health/ready` and `GET /api/items?per_page=1` \
                inside its container (probed every 150 ms) before an old one stops",
    },
    ReloadRow {
        id: "app-manifest",
        example: "edge-app/spin.toml",
        kind: Some(ChangeKind::App),
        change: "`edge-app/spin.toml` (routes, variables, allowed hosts, the build itself)",
        local: "as above; edge-host reloads the manifest with the component, and a manifest it \
                refuses leaves the previous one serving, with edge-host's reason",
        dev: "as above: the image bakes the manifest in",
        check: "local: edge-host serves the manifest's SHA-256. dev: as above",
    },
    ReloadRow {
        id: "app-other",
        example: "edge-app/README.md",
        kind: None,
        change: "any other `edge-app/` file (a README, fixtures)",
        local: "nothing",
        dev: "nothing",
        check: "no reload starts",
    },
    ReloadRow {
        id: "proxy",
        example: "proxy-config/snippets/security-headers.conf",
        kind: Some(ChangeKind::Proxy),
        change: "`proxy-config/`",
        local: "`nginx -t` in the running nginx, a check that its `pids` limit has room for the \
                new workers, then `nginx -s reload`",
        dev: "same",
        check: "every nginx worker process is a new one (the old ones serve out their requests \
                and leave); nginx keeping its old workers fails the reload",
    },
    ReloadRow {
        id: "migration",
        example: "compose/db/migrations/V2__notes.sql",
        kind: Some(ChangeKind::Db),
        change: "a migration, `compose/db/migrations/V<n>__<name>.sql`",
        local: "`docker compose run --rm --no-deps -T migrate`: `edge-host migrate` applies the \
                new ones, each in a transaction; an edited applied migration, a missing one or \
                one numbered below the last applied is refused by name, a failing one rolled back \
                with Postgres's message; the app keeps serving either way",
        dev: "same; prod: \"restart needed\" (prod runs the migrations baked into its app image \
              at the next `up`)",
        check: "the runner's exit status and the migrations it reports applied",
    },
    ReloadRow {
        id: "init-script",
        example: "compose/db/000_app_role.sh",
        kind: Some(ChangeKind::Stack),
        change: "a Postgres init script (`compose/db/*.sh`, `*.sql` outside `migrations/`)",
        local: "refused with the reason: Postgres runs those only on an empty data volume",
        dev: "same",
        check: "the reload fails; nothing claims it applied",
    },
    ReloadRow {
        id: "mounted-config",
        example: "compose/redis/redis.conf",
        kind: Some(ChangeKind::Stack),
        change: "a file a service bind-mounts (`compose/redis/redis.conf`)",
        local: "`docker compose up -d`, then the service that mounts it is restarted so its \
                process reads the file again",
        dev: "same",
        check: "the restarted service passes its own healthcheck, run inside it at once and then \
                every 150 ms (Docker's first run would come a full interval later)",
    },
    ReloadRow {
        id: "env",
        example: "env/local.env",
        kind: Some(ChangeKind::Stack),
        change: "`env/*.env`",
        local: "`docker compose config`, then `docker compose up -d`; when only the app's settings \
                changed, its replicas are replaced one at a time (as above), so no request is \
                dropped",
        dev: "same",
        check: "the services whose configuration changed are recreated and listed (their \
                container ids changed); the app's new replicas pass the readiness probes",
    },
    ReloadRow {
        id: "compose",
        example: "local/compose.yaml",
        kind: Some(ChangeKind::Stack),
        change: "`compose/compose.yaml`, a profile's overlay (`local/`, `dev/`, `prod/`)",
        local: "as for `env/`",
        dev: "same",
        check: "as for `env/`; invalid files fail `docker compose config` and touch nothing",
    },
];

/// The table as Markdown, as README.md shows it.
pub fn markdown() -> String {
    let mut text = String::from(
        "| You change | local | dev (and prod with `--allow-prod`) | \"applied\" means |\n\
         |---|---|---|---|\n",
    );
    for row in RELOAD_TABLE {
        text.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            row.change, row.local, row.dev, row.check
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reload::ProjectLayout;
    use std::path::Path;

    #[test]
    fn each_row_example_is_classified_as_its_row_says() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let layout = ProjectLayout::new(&root);
        for row in RELOAD_TABLE {
            assert_eq!(
                layout.classify(&layout.root().join(row.example)),
                row.kind,
                "row {}: {}",
                row.id,
                row.example
            );
        }
    }

    /// README.md shows the table between two markers; `STACK_TUI_UPDATE_README=1` rewrites it.
    #[test]
    fn the_readme_shows_this_table() {
        const START: &str = "<!-- reload table: generated from tui/core/src/reload/table.rs -->\n";
        const END: &str = "<!-- end of reload table -->";
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
        let readme = std::fs::read_to_string(&path).expect("README.md is readable");
        let start = readme.find(START).expect("README.md has the start marker") + START.len();
        let end = readme[start..]
            .find(END)
            .expect("README.md has the end marker")
            + start;
        if std::env::var_os("STACK_TUI_UPDATE_README").is_some() {
            let updated = format!("{}{}{}", &readme[..start], markdown(), &readme[end..]);
            std::fs::write(&path, updated).expect("README.md is writable");
            return;
        }
        assert_eq!(
            &readme[start..end],
            markdown(),
            "README.md's reload table differs from table.rs; run \
             STACK_TUI_UPDATE_README=1 cargo test -p stack-core the_readme_shows_this_table"
        );
    }

    #[test]
    fn ids_are_unique_and_cells_hold_no_line_breaks_or_pipes() {
        let mut ids: Vec<&str> = RELOAD_TABLE.iter().map(|row| row.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RELOAD_TABLE.len());
        for line in markdown().lines().filter(|line| !line.starts_with("|---")) {
            assert_eq!(line.matches(" | ").count(), 3, "{line}");
        }
    }
}
