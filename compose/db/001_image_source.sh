#!/bin/sh
# First-start init script (after 000_app_role.sh), run only when initdb has just made the
# cluster: records the image source that made it in $PGDATA/stack-tui-image-source. The cluster
# keeps the collation of that image's C library (upstream: musl, en_US.utf8; stand-in: glibc,
# C.UTF-8), so stack-tui's `up` refuses to start the other source's Postgres over it.
# Executed or sourced (see 000_app_role.sh): no `exit`, no shell options changed.

if [ -n "${STACK_IMAGE_SOURCE:-}" ]; then
    printf '%s\n' "$STACK_IMAGE_SOURCE" >"${PGDATA:-/var/lib/postgresql/data}/stack-tui-image-source" ||
        echo "001_image_source: cannot record the image source in PGDATA" >&2
fi
