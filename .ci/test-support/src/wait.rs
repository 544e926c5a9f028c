use std::time::{Duration, Instant};

/// Polls `check` until it returns true or `timeout` passes; the last answer is returned.
pub fn wait_until(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    check()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_for_the_condition_and_gives_up_at_the_deadline() {
        let mut calls = 0;
        assert!(wait_until(Duration::from_secs(5), || {
            calls += 1;
            calls == 3
        }));
        assert_eq!(calls, 3);
        assert!(!wait_until(Duration::from_millis(120), || false));
    }
}
