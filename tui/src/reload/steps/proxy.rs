//! The proxy: commands run inside the profile's running nginx container.

use super::{StepContext, last_line};

impl StepContext {
    /// Runs `command` in nginx; a non-zero exit is a failure carrying nginx's own message.
    pub(super) async fn nginx(&self, command: &[&str]) -> Result<String, String> {
        let output = self.exec_in("nginx", command).await?;
        Ok(last_line(&output).unwrap_or("ok").to_string())
    }
}
