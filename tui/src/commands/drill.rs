//! `drill list` and `drill run NAME… | --all`: fault drills against the running profile, with a
//! report per drill (text, or one JSON document with `--json`). Exit status: 0 every drill
//! passed, 3 some drill failed its expectation or could not finish, 1 nothing ran.

use crate::drill::{Interrupts, Options, Stack, run};
use anyhow::bail;
use stack_core::drill::{DRILLS, Drill, RunReport, catalogue, render_list, render_text};
use stack_core::model::{Layout, is_protected};

/// A drill failed its expectation, could not finish, or could not heal.
pub const EXIT_DRILL_FAILED: u8 = 3;

/// What `drill run` was asked for.
#[derive(Debug, Clone)]
pub struct DrillRun {
    pub names: Vec<String>,
    pub all: bool,
    pub json: bool,
    pub allow_prod: bool,
    pub options: Options,
}

pub fn drill_list(profile: &str) {
    print!("{}", render_list(profile));
}

/// The drills to run, in the catalogue's order for `--all`, else as named.
fn select(request: &DrillRun, profile: &str) -> anyhow::Result<Vec<&'static Drill>> {
    if request.all {
        return Ok(DRILLS.iter().filter(|d| d.applies_to(profile)).collect());
    }
    if request.names.is_empty() {
        bail!(
            "name the drills to run ({}), or pass --all",
            catalogue::names().join(", ")
        );
    }
    request
        .names
        .iter()
        .map(|name| {
            let drill = catalogue::find(name).ok_or_else(|| {
                anyhow::anyhow!(
                    "no drill named {name}; the drills are {} (`stack-tui drill list`)",
                    catalogue::names().join(", ")
                )
            })?;
            if !drill.applies_to(profile) {
                bail!(
                    "drill {name} does not apply to profile {profile} (it runs on {})",
                    drill.profiles.join(", ")
                );
            }
            Ok(drill)
        })
        .collect()
}

pub async fn drill_run(layout: &Layout, profile: &str, request: DrillRun) -> anyhow::Result<u8> {
    let profile = layout.profile(profile)?;
    if is_protected(&profile.name) && !request.allow_prod {
        bail!(
            "drills break {} for seconds while they run; pass --allow-prod to run them on {}",
            profile.project,
            profile.name
        );
    }
    let drills = select(&request, &profile.name)?;
    if request.options.writes == 0 || request.options.rate == 0 {
        bail!("--writes and --rate must be at least 1");
    }
    // Caught before anything breaks, so ctrl-c heals instead of ending the process.
    let mut interrupts = Interrupts::catch()?;
    let stack = Stack::find(profile).await?;
    let mut reports = Vec::new();
    for drill in drills {
        let report = run(&stack, drill, &request.options, &mut interrupts).await;
        if !request.json {
            println!("{}", render_text(&report));
        }
        let stop = report.heal_failure.is_some() || interrupts.seen;
        reports.push(report);
        if stop {
            break;
        }
    }
    let run_report = RunReport::new(reports);
    if request.json {
        println!("{}", serde_json::to_string_pretty(&run_report)?);
    } else if run_report.drills.len() > 1 {
        let passed = run_report.drills.iter().filter(|d| d.passed).count();
        println!("{passed} of {} drills passed", run_report.drills.len());
    }
    Ok(if run_report.passed {
        0
    } else {
        EXIT_DRILL_FAILED
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(names: &[&str], all: bool) -> DrillRun {
        DrillRun {
            names: names.iter().map(|n| n.to_string()).collect(),
            all,
            json: false,
            allow_prod: false,
            options: Options {
                rate: 15,
                writes: 10,
                rounds: 1,
            },
        }
    }

    #[test]
    fn selection_names_the_problem() {
        let all: Vec<&str> = select(&request(&[], true), "local")
            .expect("all")
            .iter()
            .map(|d| d.name)
            .collect();
        assert!(!all.contains(&"app-replica-kill"), "{all:?}");
        assert!(all.contains(&"redis-kill"));
        let none = select(&request(&[], false), "local").expect_err("nothing named");
        assert!(none.to_string().contains("--all"));
        let unknown = select(&request(&["nope"], false), "local").expect_err("unknown");
        assert!(unknown.to_string().contains("no drill named nope"));
        let elsewhere =
            select(&request(&["app-replica-kill"], false), "local").expect_err("not local");
        assert!(elsewhere.to_string().contains("runs on dev, prod"));
    }
}
