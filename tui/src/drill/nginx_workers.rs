//! The nginx-workers drill: nginx's configuration is made to ask for more worker processes than
//! its container's `pids` limit allows (the generated `workers.conf` on its tmpfs, which
//! `nginx.conf` includes), then nginx is reloaded the way hot reload does it. The reload must be
//! refused before nginx is signalled; the heal puts the file back.

/// The worker count goes past the limit by this much.
const PAST_THE_LIMIT: u64 = 8;
/// Where bin/start-nginx writes the worker count, and the drill's copy of the original.
const WORKERS_CONF: &str = "/tmp/nginx-runtime/workers.conf";

/// Saves the worker count's file and writes one asking for the pids limit plus
/// `PAST_THE_LIMIT` workers; prints that number. Fails (exit 3) without a pids limit.
pub fn inflate_script() -> String {
    format!(
        r#"d=/sys/fs/cgroup; [ -r $d/pids.max ] || d=/sys/fs/cgroup/pids
max=$(cat $d/pids.max 2>/dev/null || echo max)
[ "$max" = max ] && {{ echo "nginx's container has no pids limit" >&2; exit 3; }}
n=$((max + {PAST_THE_LIMIT}))
cp {WORKERS_CONF} {WORKERS_CONF}.drill && echo "worker_processes $n;" > {WORKERS_CONF} && echo "$n""#
    )
}

/// Puts the saved file back (when there is one).
pub fn restore_script() -> String {
    format!("if [ -f {WORKERS_CONF}.drill ]; then mv -f {WORKERS_CONF}.drill {WORKERS_CONF}; fi")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scripts_keep_and_restore_the_same_file() {
        let inflate = inflate_script();
        assert!(
            inflate.contains(
                "cp /tmp/nginx-runtime/workers.conf /tmp/nginx-runtime/workers.conf.drill"
            )
        );
        assert!(inflate.contains("n=$((max + 8))"), "{inflate}");
        assert!(restore_script().contains(
            "mv -f /tmp/nginx-runtime/workers.conf.drill /tmp/nginx-runtime/workers.conf"
        ));
    }
}
