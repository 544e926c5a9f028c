# Shared settings for the scripts in .ci/ (sourced, not run).
# Cargo's target directory lives outside the clone so that fresh clones (CI's, too) reuse earlier
# builds: wasmtime alone takes minutes to compile on a small machine.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stack-tui/target}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

step() { printf '==> %s\n' "$*"; }

# Builds the app component and installs it where spin.toml and the stack expect it
# (edge-app/dist/edge_app.wasm); see .ci/xtask.
build_component() {
    step "building edge-app for wasm32-wasip2 (cargo xtask build-app)"
    cargo xtask build-app
}
