//! `fermyon:spin/variables@2.0.0`: the component's own variables, resolved at load time.

use super::HostState;
use super::fermyon::spin::variables::{Error, Host};
use crate::manifest::variables::is_valid_name;

impl Host for HostState {
    async fn get(&mut self, name: String) -> wasmtime::Result<Result<String, Error>> {
        if !is_valid_name(&name) {
            return Ok(Err(Error::InvalidName(name)));
        }
        Ok(match self.policy.variables.get(&name) {
            Some(value) => Ok(value.clone()),
            None => Err(Error::Undefined(name)),
        })
    }
}
