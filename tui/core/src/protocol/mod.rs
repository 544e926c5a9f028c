//! The messages that cross from the I/O side into the pure core: the Docker worker's and the
//! reload session's.

pub mod docker;
pub mod reload;
