//! `cargo xtask`: the one place that knows how the app component is built and where it goes.
//! `.ci/env.sh`, `compose/prepare`, `edge-app/spin.toml`'s build command and stack-tui's reload
//! steps all call it, so the build, the atomic install, the staging for the app image and the
//! precompile for edge-host are written once.

mod app;
mod ci;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "stack-tui's build tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Build edge-app for wasm32-wasip2 and install it as edge-app/dist/edge_app.wasm; with
    /// --precompile compile it for the staged edge-host first, with --stage copy it and the
    /// manifest into the app image's build context.
    BuildApp {
        /// Compile the component with the staged edge-host into edge-app/.component-cache before
        /// installing it, so the local app's swap skips compilation.
        #[arg(long)]
        precompile: bool,
        /// Copy the installed component and spin.toml into compose/images/app/stage/.
        #[arg(long)]
        stage: bool,
        /// Do not build: install and stage what the last build produced.
        #[arg(long)]
        skip_build: bool,
    },
    /// Run one phase of build-app alone (the dev reload stages the app image's files this way).
    App {
        #[arg(value_enum)]
        phase: app::Phase,
    },
    /// What CI runs: formatting, lints, docs, then the test suite (.ci/test).
    Ci {
        /// Stop after the checks that need no build of the tests.
        #[arg(long)]
        lint_only: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::BuildApp {
            precompile,
            stage,
            skip_build,
        } => {
            let mut phases = Vec::new();
            if !skip_build {
                phases.push(app::Phase::Build);
            }
            if precompile {
                phases.push(app::Phase::Precompile);
            }
            phases.push(app::Phase::Install);
            if stage {
                phases.push(app::Phase::Stage);
            }
            app::run(&phases)
        }
        Task::App { phase } => app::run(&[phase]),
        Task::Ci { lint_only } => ci::run(lint_only),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
