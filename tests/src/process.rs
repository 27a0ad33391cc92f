//! Child processes that are killed when the guard drops, and bounded waits.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running child process, killed (and reaped) on drop.
pub struct Child {
    pub name: String,
    inner: std::process::Child,
}

impl Child {
    pub fn id(&self) -> u32 {
        self.inner.id()
    }

    /// Waits up to `limit` for the process to exit on its own; its exit code if it did.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.inner.try_wait() {
                return Some(status.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.inner.try_wait(), Ok(None))
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.inner.kill();
        let _ = self.inner.wait();
    }
}

/// Spawns `cmd`, returning the guard and the first stdout line that satisfies `ready` (within
/// `limit`); stdout keeps being drained in the background so the child never blocks on it.
pub fn spawn_until_line(
    name: &str,
    cmd: Command,
    ready: impl Fn(&str) -> bool + Send + 'static,
    limit: Duration,
) -> (Child, String) {
    try_spawn_until_line(name, cmd, ready, limit)
        .unwrap_or_else(|| panic!("{name} did not become ready within {limit:?}"))
}

/// [`spawn_until_line`], or `None` if the child exits or stays silent first.
pub fn try_spawn_until_line(
    name: &str,
    mut cmd: Command,
    ready: impl Fn(&str) -> bool + Send + 'static,
    limit: Duration,
) -> Option<(Child, String)> {
    cmd.stdout(Stdio::piped()).stdin(Stdio::null());
    let mut inner = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    let stdout = inner.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if !sent && ready(&line) {
                let _ = tx.send(line);
                sent = true;
            }
        }
    });
    let child = Child {
        name: name.to_string(),
        inner,
    };
    rx.recv_timeout(limit).ok().map(|line| (child, line))
}

/// Spawns `cmd` with stdout and stderr appended to `log`.
pub fn spawn_logged(name: &str, mut cmd: Command, log: &Path) -> Child {
    let out = std::fs::File::create(log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    let err = out.try_clone().unwrap();
    cmd.stdout(out).stderr(err).stdin(Stdio::null());
    let inner = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    Child {
        name: name.to_string(),
        inner,
    }
}

/// Polls `probe` every 50 ms until it returns `Some`, for at most `limit`.
pub fn wait_for<T>(what: &str, limit: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
