//! CPU time and memory of a process, from /proc.

use std::process::Command;

/// utime + stime in clock ticks (fields 14 and 15 of /proc/PID/stat).
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .unwrap_or_else(|err| panic!("read /proc/{pid}/stat: {err}"));
    // The command name in parentheses may hold spaces; fields are counted after it (state is 3).
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |number: usize| -> u64 {
        fields
            .get(number - 3)
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("field {number} of /proc/{pid}/stat: {stat}"))
    };
    field(14) + field(15)
}

/// A `kB` line of /proc/PID/status (`VmRSS`, `VmHWM`), in KiB.
pub fn status_kib(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|err| panic!("read /proc/{pid}/status: {err}"));
    status
        .lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/status"))
}

pub fn rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmRSS")
}

pub fn hwm_kib(pid: u32) -> u64 {
    status_kib(pid, "VmHWM")
}

/// Clock ticks per second (`getconf CLK_TCK`).
pub fn ticks_per_second() -> u64 {
    let output = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .expect("run getconf CLK_TCK");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("getconf CLK_TCK prints a number")
}
