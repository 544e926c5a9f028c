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

# The shared target directory only grows: every clone path and every edit leaves test binaries and
# incremental state behind, tens of GB after a few weeks. A full disk fails a build half way, in the
# linker, with nothing that names the cause, so free space before building instead: first the
# incremental caches, then the whole debug profile (rebuilt in a few minutes; release, which holds
# the slow wasmtime build stack-tui up uses, stays). STACK_TUI_MIN_FREE_GB tunes the floor.
ensure_build_space() {
    local floor=${STACK_TUI_MIN_FREE_GB:-25} target=$CARGO_TARGET_DIR dir
    mkdir -p "$target"
    for dir in "$target/debug/incremental" "$target/tmp" "$target/debug"; do
        [ "$(free_gb "$target")" -ge "$floor" ] && return 0
        [ -e "$dir" ] || continue
        step "less than $floor GB free under $target: removing $dir ($(du -sh "$dir" | cut -f1))"
        rm -rf "$dir"
    done
    local free
    free=$(free_gb "$target")
    [ "$free" -ge "$floor" ] ||
        step "warning: only $free GB free under $target after clean-up; the build may run out of disk"
}

# Free space in whole GB on the filesystem that holds $1.
free_gb() { df --output=avail -BG "$1" | tail -1 | tr -dc '0-9'; }
