//! The proxy: commands run inside the profile's running nginx container. The reload itself (the
//! room check, the signal, the wait for a new generation of workers) is `docker::nginx::reload`,
//! which the nginx drill runs too.

use super::{StepContext, last_line};
use crate::docker::nginx;

impl StepContext {
    /// Runs `command` in nginx; a non-zero exit is a failure carrying nginx's own message.
    pub(super) async fn nginx(&self, command: &[&str]) -> Result<String, String> {
        let output = self.exec_in("nginx", command).await?;
        Ok(last_line(&output).unwrap_or("ok").to_string())
    }

    /// `nginx -s reload` once nginx's container has room for the new workers, then waits until
    /// every worker taking requests is a new one.
    pub(super) async fn reload_nginx(&self) -> Result<String, String> {
        let (id, name) = self.running("nginx").await?;
        nginx::reload(&self.docker, &id, &name).await
    }
}
