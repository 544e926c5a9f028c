//! What brings a store back in line with the current secret, and the same by hand.

/// The repair for a store that refused the current secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remedy {
    /// `ALTER ROLE … PASSWORD` from the current secret, as the superuser over the local socket.
    ReKey { role: String },
    /// Start the service again from the current files (it reads the secret at start).
    Recreate { service: String },
}

/// The psql script (fed on stdin, never as an argument) that sets `role`'s password to
/// `secret`. It keeps the statement out of the server's log and psql's error output even if it
/// fails, and ends with `\q`, so it needs no end of input. `secret` must have passed
/// [`super::usable_secret`]; `role` must be a plain identifier.
pub fn rekey_script(role: &str, secret: &str) -> Result<String, String> {
    if role.is_empty() || !role.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "role name {role:?} is not a plain identifier; re-key it by hand"
        ));
    }
    super::usable_secret(secret).map_err(|why| format!("the secret {why}"))?;
    Ok(format!(
        "\\set VERBOSITY terse\n\
         SET log_statement = 'none';\n\
         SET log_min_error_statement = 'panic';\n\
         \\set rekey_role '{role}'\n\
         \\set rekey_secret '{secret}'\n\
         ALTER ROLE :\"rekey_role\" PASSWORD :'rekey_secret';\n\
         \\q\n"
    ))
}

/// The command that re-keys `role` by hand from the secret file, as the superuser: the value
/// goes from the file through a shell builtin into psql's input, never onto a command line or
/// the screen. `cli` is how stack-tui is invoked for this project and profile.
pub fn manual_rekey_command(
    root: &str,
    secret: &str,
    cli: &str,
    service: &str,
    superuser: &str,
    database: &str,
    role: &str,
) -> String {
    format!(
        "cd {root} && printf \"ALTER ROLE {role} PASSWORD '%s';\\n\" \"$(cat {dir}/{secret})\" | \
         {cli} compose -- exec -T {service} psql -U {superuser} -d {database} -v ON_ERROR_STOP=1",
        root = shell_quote(root),
        dir = super::SECRETS_DIR,
    )
}

/// Quotes `text` for a POSIX shell when it needs it.
fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:=@,".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rekey_script_sets_the_password_through_psql_variables_and_quits() {
        let script = rekey_script("app", "c0ffee").expect("a script");
        assert!(script.contains("\\set rekey_secret 'c0ffee'\n"), "{script}");
        assert!(
            script.contains("ALTER ROLE :\"rekey_role\" PASSWORD :'rekey_secret';"),
            "{script}"
        );
        assert!(
            script.contains("log_min_error_statement = 'panic'"),
            "{script}"
        );
        assert!(script.starts_with("\\set VERBOSITY terse\n"), "{script}");
        assert!(script.ends_with("\\q\n"), "{script}");
    }

    #[test]
    fn the_rekey_script_refuses_what_it_cannot_quote() {
        assert!(rekey_script("app\"; DROP", "c0ffee").is_err());
        assert!(rekey_script("", "c0ffee").is_err());
        let Err(error) = rekey_script("app", "it's") else {
            panic!("a quote is refused");
        };
        assert!(!error.contains("it's"), "the value is not shown: {error}");
    }

    #[test]
    fn the_manual_command_reads_the_file_and_never_holds_the_value() {
        let command = manual_rekey_command(
            "/home/me/my stack",
            "db_password",
            "stack-tui --profile local",
            "postgres",
            "postgres",
            "app",
            "app",
        );
        assert_eq!(
            command,
            "cd '/home/me/my stack' && printf \"ALTER ROLE app PASSWORD '%s';\\n\" \
             \"$(cat env/secrets/db_password)\" | stack-tui --profile local compose -- exec -T \
             postgres psql -U postgres -d app -v ON_ERROR_STOP=1"
        );
    }
}
