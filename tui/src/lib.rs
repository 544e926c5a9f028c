//! stack-tui: a terminal dashboard and hot-reload loop for a containerized web stack.
