//! The exports beyond one machine: `stack-tui export kube` (every profile validates offline
//! against SpinKube's CRD and k8s-openapi's types; NetworkPolicies select what they mean to; the
//! prod export is pinned by a golden snapshot) and `stack-tui export image` (a Spin OCI archive
//! with correct digests, pushed to a real local registry and read back). Needs Compose v2 for the
//! merged model, docker-registry and skopeo; no daemon containers.

mod cli;
mod golden;
mod image;
mod policies;
mod registry;
mod support;
mod validate;
