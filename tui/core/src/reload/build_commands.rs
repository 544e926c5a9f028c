//! What `spin build` would run for the app: each component's `[component.<id>.build] command`
//! (one string, or a list run in order), in the build's `workdir` relative to the manifest's
//! folder. The app reload runs exactly these, so the manifest drives the build here as it does
//! under Spin.

use std::path::PathBuf;

/// One command of one component's build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildCommand {
    pub component: String,
    /// Relative to the manifest's folder; empty for the folder itself.
    pub workdir: PathBuf,
    /// Run with `sh -c`, as `spin build` does.
    pub command: String,
}

/// The build commands of every component, in manifest order. A manifest that cannot be read, or
/// whose components declare no build, is an error naming the problem: without a command there
/// is nothing the reload could run.
pub fn build_commands(manifest: &str) -> Result<Vec<BuildCommand>, String> {
    let manifest: toml::Table =
        toml::from_str(manifest).map_err(|e| format!("spin.toml: {}", e.message()))?;
    let components = manifest
        .get("component")
        .and_then(toml::Value::as_table)
        .ok_or("spin.toml declares no [component.<id>] table")?;
    let mut commands = Vec::new();
    for (id, component) in components {
        let Some(build) = component.get("build").and_then(toml::Value::as_table) else {
            continue;
        };
        let workdir = match build.get("workdir") {
            None => PathBuf::new(),
            Some(value) => relative_workdir(id, value)?,
        };
        for command in command_list(id, build.get("command"))? {
            commands.push(BuildCommand {
                component: id.clone(),
                workdir: workdir.clone(),
                command,
            });
        }
    }
    if commands.is_empty() {
        return Err(
            "spin.toml: no component has a [component.<id>.build] command, so there is nothing \
             to build"
                .into(),
        );
    }
    Ok(commands)
}

fn command_list(id: &str, value: Option<&toml::Value>) -> Result<Vec<String>, String> {
    let not_text = || format!("component {id}: build `command` must be a string or a list of them");
    match value {
        None => Err(format!("component {id}: a build table without a `command`")),
        Some(toml::Value::String(command)) => Ok(vec![command.clone()]),
        Some(toml::Value::Array(list)) => list
            .iter()
            .map(|item| item.as_str().map(str::to_string).ok_or_else(not_text))
            .collect(),
        Some(_) => Err(not_text()),
    }
}

/// Spin refuses an absolute `workdir` or one that leaves the manifest's folder; so does this.
fn relative_workdir(id: &str, value: &toml::Value) -> Result<PathBuf, String> {
    let text = value
        .as_str()
        .ok_or_else(|| format!("component {id}: build `workdir` must be a string"))?;
    let path = PathBuf::from(text);
    let escapes = path.components().any(|part| {
        matches!(
            part,
            std::path::Component::ParentDir
                | std::path::Component::RootDir
                | std::path::Component::Prefix(_)
        )
    });
    if escapes {
        return Err(format!(
            "component {id}: build `workdir` {text:?} must be a folder inside the manifest's"
        ));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_command_per_component_in_its_workdir() {
        let manifest = r#"
[component.web]
source = "web.wasm"
[component.web.build]
command = "cargo xtask build-app"
[component.worker]
source = "worker.wasm"
[component.worker.build]
workdir = "worker"
command = ["cargo build", "cp a b"]
[component.static]
source = "static.wasm"
"#;
        let commands = build_commands(manifest).expect("valid");
        let seen: Vec<(&str, &str, &str)> = commands
            .iter()
            .map(|c| {
                (
                    c.component.as_str(),
                    c.workdir.to_str().unwrap_or("?"),
                    c.command.as_str(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("web", "", "cargo xtask build-app"),
                ("worker", "worker", "cargo build"),
                ("worker", "worker", "cp a b"),
            ]
        );
    }

    #[test]
    fn problems_are_named() {
        for (manifest, says) in [
            ("not toml [", "spin.toml"),
            ("[application]\nname = \"a\"\n", "no [component"),
            ("[component.web]\nsource = \"w\"\n", "nothing to build"),
            ("[component.web.build]\nwatch = []\n", "without a `command`"),
            ("[component.web.build]\ncommand = 3\n", "string or a list"),
            (
                "[component.web.build]\ncommand = \"x\"\nworkdir = \"../up\"\n",
                "inside the manifest's",
            ),
        ] {
            let err = build_commands(manifest).expect_err(manifest);
            assert!(err.contains(says), "{manifest:?}: {err}");
        }
    }

    #[test]
    fn the_project_manifest_builds_through_the_build_task() {
        let manifest = include_str!("../../../../edge-app/spin.toml");
        let commands = build_commands(manifest).expect("edge-app/spin.toml is valid");
        assert_eq!(commands.len(), 1);
        assert!(
            commands[0].command.starts_with("cargo xtask build-app"),
            "{commands:?}"
        );
    }
}
