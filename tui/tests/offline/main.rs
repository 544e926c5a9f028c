//! The tests that need no Docker daemon, in one binary: the pure update and the screen drawn from
//! it, the config file, the event loop driven headless, the host setup script, the proxy's start
//! script and its configuration under the real nginx, each profile's sizing against its limits
//! (as Compose merges the files, without a daemon), and the crates' layering.

#[path = "../common/mod.rs"]
mod common;

mod app_reload;
mod app_update;
mod architecture;
mod config_files;
mod drills_panel;
mod headless_loop;
mod log_viewer;
mod metrics_panel;
mod nginx_proxy;
mod overlay_command;
mod profile_sizing;
mod setup_host;
mod start_nginx;
mod topology_picture;
mod ui_snapshots;
