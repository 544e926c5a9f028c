//! stack-tui entry point: parse flags, run one command, report errors at this one boundary.

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};
use stack_tui::cli::{Cli, DrillAction, ExportTarget, ListFormat, Sub};
use stack_tui::commands;
use stack_tui::runtime::audit::Scope;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    // `reload` targets the dashboard's own profile unless one was asked for.
    let profile_given = !matches!(
        matches.value_source("profile"),
        None | Some(ValueSource::DefaultValue)
    );
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    let layout = commands::layout(cli.root.clone(), &cli.project_prefix);
    let profile = cli.profile.as_str();
    let options = commands::DashboardOptions {
        watch: !cli.no_watch,
        allow_prod: cli.allow_prod,
        readonly: cli.readonly,
    };
    if cli.readonly
        && let Some(what) = cli.command.as_ref().and_then(changes_containers)
    {
        eprintln!(
            "stack-tui: --readonly: `{what}` changes containers, so it does not run in read-only mode"
        );
        return ExitCode::FAILURE;
    }
    let result = match cli.command {
        None => commands::dashboard(&layout, profile, options).await,
        Some(Sub::Up { detach, with }) => match commands::up(&layout, profile, detach, &with).await
        {
            Ok(()) if !detach => commands::dashboard(&layout, profile, options).await,
            other => other,
        },
        Some(Sub::Down { volumes, yes }) => {
            let confirmation = if yes {
                commands::Confirmation::Given
            } else {
                commands::Confirmation::Ask
            };
            commands::down(&layout, profile, volumes, confirmation).await
        }
        Some(Sub::Status { format, json }) => {
            let format = if json { ListFormat::Json } else { format };
            match commands::status(&layout, profile, format).await {
                Ok(code) => return ExitCode::from(code),
                Err(error) => Err(error),
            }
        }
        Some(Sub::Reload { part }) => {
            let asked = profile_given.then_some(profile);
            match commands::reload(&layout, part, asked).await {
                Ok(true) => return ExitCode::SUCCESS,
                Ok(false) => return ExitCode::FAILURE,
                Err(error) => Err(error),
            }
        }
        Some(Sub::Compose { args }) => {
            match commands::compose(&layout, profile, &args, cli.readonly).await {
                // Compose's own status, clamped to what an exit code can carry.
                Ok(code) => return ExitCode::from(u8::try_from(code).unwrap_or(1)),
                Err(error) => Err(error),
            }
        }
        Some(Sub::Completions { shell }) => {
            commands::completions(shell);
            Ok(())
        }
        Some(Sub::Man { out }) => commands::man(out.as_deref()),
        Some(Sub::Logs(args)) => commands::logs(&layout, profile, &args).await,
        Some(Sub::Backup { out }) => commands::backup(&layout, profile, out).await,
        Some(Sub::Restore { folder, yes }) => {
            let confirmation = if yes {
                commands::Confirmation::Given
            } else {
                commands::Confirmation::Ask
            };
            commands::restore(&layout, profile, &folder, confirmation).await
        }
        Some(Sub::Profiles { format }) => commands::profiles(&layout, profile, format).await,
        Some(Sub::Doctor) => commands::doctor(&layout, profile).await,
        Some(Sub::Watch) => commands::watch(&layout, profile, cli.allow_prod).await,
        Some(Sub::Audit {
            static_only,
            runtime,
            format,
            rules,
        }) => {
            if rules {
                commands::audit_rules();
                return ExitCode::SUCCESS;
            }
            let scope = match (static_only, runtime) {
                (true, _) => Scope::Static,
                (_, true) => Scope::Runtime,
                _ => Scope::Both,
            };
            match commands::audit(&layout, profile, scope, format).await {
                Ok(code) => return ExitCode::from(code),
                Err(error) => Err(error),
            }
        }
        Some(Sub::Drill { action }) => match action {
            DrillAction::List => {
                commands::drill_list(profile);
                Ok(())
            }
            DrillAction::Run {
                names,
                all,
                json,
                rate,
                writes,
                rounds,
            } => {
                let request = commands::DrillRun {
                    names,
                    all,
                    json,
                    allow_prod: cli.allow_prod,
                    options: stack_tui::drill::Options {
                        rate,
                        writes,
                        rounds,
                    },
                };
                match commands::drill_run(&layout, profile, request).await {
                    Ok(code) => return ExitCode::from(code),
                    Err(error) => Err(error),
                }
            }
        },
        Some(Sub::Export { target }) => match target {
            ExportTarget::Kube {
                out,
                image,
                include_secrets,
                migrate_image,
            } => {
                let options = commands::KubeOptions {
                    image,
                    include_secrets,
                    migrate_image,
                };
                commands::export_kube(&layout, profile, out, &options).await
            }
            ExportTarget::Image { out, push } => {
                commands::export_image(&layout, out, push.as_deref()).await
            }
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("stack-tui: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The subcommands refused under `--readonly`, by name (`compose` checks its own arguments).
fn changes_containers(command: &Sub) -> Option<&'static str> {
    match command {
        Sub::Up { .. } => Some("up"),
        Sub::Down { .. } => Some("down"),
        Sub::Reload { .. } => Some("reload"),
        Sub::Restore { .. } => Some("restore"),
        Sub::Watch => Some("watch"),
        Sub::Drill {
            action: DrillAction::Run { .. },
        } => Some("drill run"),
        _ => None,
    }
}
