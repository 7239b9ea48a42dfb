//! Kiln's deployment kit: `Dockerfile`, `docker-compose.yml` and `deploy/kubernetes/` at the
//! workspace root. This package holds no code; `tests/manifests.rs` parses the manifests and
//! checks they agree with each other, the image, docs/operations.md and `runtime serve`.
