//! stack-tui entry point: parse flags, run one command, report errors at this one boundary.

use clap::Parser;
use stack_tui::cli::{Cli, ExportTarget, Sub};
use stack_tui::commands;
use stack_tui::runtime::audit::Scope;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let layout = commands::layout(cli.root.clone(), &cli.project_prefix);
    let profile = cli.profile.as_str();
    let reload = commands::HotReload {
        enabled: !cli.no_watch,
        allow_prod: cli.allow_prod,
    };
    let result = match cli.command {
        None => commands::dashboard(&layout, profile, reload).await,
        Some(Sub::Up { detach }) => match commands::up(&layout, profile, detach).await {
            Ok(()) if !detach => commands::dashboard(&layout, profile, reload).await,
            other => other,
        },
        Some(Sub::Down { volumes }) => commands::down(&layout, profile, volumes).await,
        Some(Sub::Status { json }) => match commands::status(&layout, profile, json).await {
            Ok(code) => return ExitCode::from(code),
            Err(error) => Err(error),
        },
        Some(Sub::Logs {
            services,
            follow,
            grep,
            since,
        }) => {
            commands::logs(
                &layout,
                profile,
                &services,
                follow,
                grep.as_deref(),
                since.as_deref(),
            )
            .await
        }
        Some(Sub::Profiles) => commands::profiles(&layout, profile).await,
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
        Some(Sub::Export { target }) => match target {
            ExportTarget::Kube {
                out,
                image,
                include_secrets,
            } => {
                let options = commands::KubeOptions {
                    image,
                    include_secrets,
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
