//! The checks the stack tests run against a profile brought up by `test_support::stack::Stack`:
//! what the web answers, the hardening, the topology, the database and the resilience to faults.

pub mod checks;
