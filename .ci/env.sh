# Shared settings for the scripts in .ci/ (sourced, not run).
# Cargo's target directory lives outside the clone so that fresh clones (CI's, too) reuse earlier
# builds: wasmtime alone takes minutes to compile on a small machine.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stack-tui/target}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

step() { printf '==> %s\n' "$*"; }

# Builds the app component and installs it where spin.toml and the stack expect it
# (edge-app/dist/edge_app.wasm), replacing the file atomically so watchers see one change.
build_component() {
    step "building edge-app for wasm32-wasip2"
    cargo build -p edge-app --target wasm32-wasip2 --release
    mkdir -p edge-app/dist
    cp "$CARGO_TARGET_DIR/wasm32-wasip2/release/edge_app.wasm" edge-app/dist/.edge_app.wasm.tmp
    mv -f edge-app/dist/.edge_app.wasm.tmp edge-app/dist/edge_app.wasm
}
