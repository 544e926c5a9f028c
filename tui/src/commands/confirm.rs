//! The confirmation destructive commands ask for on prod or a remote daemon: the profile's name
//! typed on stdin. No terminal (or EOF) cancels, so a script must say `--yes`.

/// Says `what` will happen, asks for `profile`'s name, and errors with `untouched` (what was
/// left as it was) unless it was typed.
pub fn type_profile_name(what: &str, profile: &str, untouched: &str) -> anyhow::Result<()> {
    eprint!("{what}. Type the profile name ({profile}) to go on: ");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|err| anyhow::anyhow!("cannot read the confirmation: {err}"))?;
    if answer.trim() == profile {
        return Ok(());
    }
    eprintln!();
    anyhow::bail!(
        "not confirmed: {untouched}. Fix: type {profile} at the prompt, or pass --yes in scripts"
    )
}
