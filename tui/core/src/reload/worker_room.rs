//! Whether nginx's container has room for the workers a reload would start. On a reload the
//! master starts every new worker before the old ones leave, each one a process under the
//! container's `pids` limit; a worker count past the room makes forks fail, leaves nginx short of
//! workers and its healthcheck (a shell and wget) unable to start. The proxy step refuses such a
//! reload before signalling nginx.

/// Processes kept free beside the new workers: the healthcheck's shell and wget, `nginx -t` and
/// the exec that runs it, and a margin.
const SPARE_PIDS: u64 = 6;

/// What the probe inside the nginx container reported (see [`PROBE`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerRoom {
    /// The container's pids limit; `None` when it has none.
    pub pids_max: Option<u64>,
    /// Processes in the container now (the old workers among them).
    pub pids_current: u64,
    /// Workers the configuration asks for.
    pub workers: u64,
}

/// The shell probe run inside nginx: the pids limit and use (cgroup v2, else v1), the
/// configuration's `worker_processes` as `nginx -T` resolves it (1 when unset, the CPUs nginx
/// sees for `auto`).
pub const PROBE: &str = r#"d=/sys/fs/cgroup; [ -r $d/pids.max ] || d=/sys/fs/cgroup/pids
echo "pids.max=$(cat $d/pids.max 2>/dev/null || echo max)"
echo "pids.current=$(cat $d/pids.current 2>/dev/null || echo 0)"
w=$(nginx -T 2>/dev/null | awk '$1 == "worker_processes" { v = $2 } END { sub(";", "", v); print v }')
[ "$w" = auto ] && w=$(nproc 2>/dev/null || echo 1)
echo "workers=${w:-1}""#;

impl WorkerRoom {
    /// Reads the probe's output; the error names the line that is missing or wrong.
    pub fn parse(output: &str) -> Result<Self, String> {
        let value = |key: &str| {
            output
                .lines()
                .find_map(|line| line.trim().strip_prefix(key)?.strip_prefix('='))
                .map(str::trim)
                .ok_or_else(|| format!("the nginx probe printed no {key}"))
        };
        let number = |key: &str| {
            let text = value(key)?;
            text.parse::<u64>()
                .map_err(|_| format!("the nginx probe's {key} is not a number: {text:?}"))
        };
        let pids_max = match value("pids.max")? {
            "max" => None,
            _ => Some(number("pids.max")?),
        };
        Ok(Self {
            pids_max,
            pids_current: number("pids.current")?,
            workers: number("workers")?,
        })
    }

    /// Err with what to do when the new workers would not fit beside the processes running now.
    pub fn check(&self) -> Result<(), String> {
        let Some(max) = self.pids_max else {
            return Ok(());
        };
        let room = max.saturating_sub(self.pids_current + SPARE_PIDS);
        if self.workers <= room {
            return Ok(());
        }
        Err(format!(
            "the configuration asks for {} worker processes, but nginx's container may run {max} \
             processes and {} run now: a reload starts the new workers before the old ones leave, \
             so it has room for {room} (keeping {SPARE_PIDS} for the healthcheck and exec). Not \
             reloaded; the running workers keep serving. Fix: lower worker_processes (or leave it \
             to bin/start-nginx, which sizes it to the container), or raise nginx's `pids` limit \
             in the profile's compose file",
            self.workers, self.pids_current
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_probe() {
        let room = WorkerRoom::parse("pids.max=64\npids.current=9\nworkers=2\n").expect("parsed");
        assert_eq!(
            room,
            WorkerRoom {
                pids_max: Some(64),
                pids_current: 9,
                workers: 2
            }
        );
        let unlimited = WorkerRoom::parse("pids.max=max\npids.current=3\nworkers=1").expect("ok");
        assert_eq!(unlimited.pids_max, None);
        assert!(unlimited.check().is_ok());
        let missing = WorkerRoom::parse("pids.max=64\nworkers=1").expect_err("no current");
        assert!(missing.contains("pids.current"), "{missing}");
        let wrong = WorkerRoom::parse("pids.max=64\npids.current=3\nworkers=lots").expect_err("");
        assert!(wrong.contains("lots"), "{wrong}");
    }

    #[test]
    fn refuses_workers_past_the_room() {
        let room = |workers| WorkerRoom {
            pids_max: Some(64),
            pids_current: 10,
            workers,
        };
        assert!(room(1).check().is_ok());
        assert!(room(48).check().is_ok());
        let refused = room(49).check().expect_err("past the room");
        assert!(refused.contains("49 worker processes"), "{refused}");
        assert!(refused.contains("room for 48"), "{refused}");
        assert!(refused.contains("pids"), "{refused}");
    }
}
