//! `completions` and `man`: generated from the clap definition, so they never drift from the
//! flags the binary accepts.

use crate::cli::Cli;
use clap::CommandFactory;
use std::path::Path;

pub fn completions(shell: clap_complete::Shell) {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "stack-tui", &mut std::io::stdout());
}

/// The top page on stdout, or every page (`stack-tui.1`, `stack-tui-up.1`, …) into `out`.
pub fn man(out: Option<&Path>) -> anyhow::Result<()> {
    let command = Cli::command();
    match out {
        None => clap_mangen::Man::new(command)
            .render(&mut std::io::stdout())
            .map_err(|err| anyhow::anyhow!("cannot write the man page: {err}")),
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|err| anyhow::anyhow!("cannot create {}: {err}", dir.display()))?;
            clap_mangen::generate_to(command, dir).map_err(|err| {
                anyhow::anyhow!("cannot write the man pages into {}: {err}", dir.display())
            })
        }
    }
}
