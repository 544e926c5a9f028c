//! The append-only settings of the running Redis, for the redis-kill drill's durability check:
//! redis-cli inside its container, with the password read there from its secret file into
//! redis-cli's environment (as the healthcheck does), never onto a command line.

use super::fault::Victim;
use bollard::Docker;

const CONFIG_GET: &str = r#"REDISCLI_AUTH="$(cat /run/secrets/redis_password)" redis-cli -h 127.0.0.1 CONFIG GET 'append*'"#;

/// `appendonly` and `appendfsync` as the running server reports them.
pub async fn settings(docker: &Docker, redis: &Victim) -> anyhow::Result<(String, String)> {
    let output =
        crate::docker::exec::output(docker, &redis.id, &redis.name, &["sh", "-c", CONFIG_GET])
            .await?;
    Ok(read_pairs(&output))
}

/// `CONFIG GET` answers name and value on alternate lines.
fn read_pairs(output: &str) -> (String, String) {
    let lines: Vec<&str> = output.lines().map(str::trim).collect();
    let value = |name: &str| {
        lines
            .iter()
            .position(|line| *line == name)
            .and_then(|at| lines.get(at + 1))
            .map_or_else(|| "unknown".to_string(), |value| value.to_string())
    };
    (value("appendonly"), value("appendfsync"))
}

#[cfg(test)]
mod tests {
    use super::read_pairs;

    #[test]
    fn reads_the_settings_from_config_get() {
        let output = "appendonly\nyes\nappendfilename\nappendonly.aof\nappendfsync\neverysec\n";
        assert_eq!(
            read_pairs(output),
            ("yes".to_string(), "everysec".to_string())
        );
        assert_eq!(
            read_pairs("NOAUTH Authentication required."),
            ("unknown".to_string(), "unknown".to_string())
        );
    }
}
