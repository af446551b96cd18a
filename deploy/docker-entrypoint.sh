#!/bin/sh
# The container's entry point. Before the server starts (`inkwell serve`, the image's CMD),
# it brings the schema up to date; any other command (`inkwell db upgrade`, `inkwell --help`,
# a shell) runs as given, touching nothing. `exec` replaces this shell, so the SIGTERM of
# `docker stop` / `podman stop` reaches uvicorn itself, which stops accepting, finishes
# in-flight requests and closes the database pool.
# Replicas starting together are safe: `inkwell db upgrade` holds a PostgreSQL advisory
# lock while it migrates.
set -eu
if [ "${1:-}" = inkwell ] && [ "${2:-}" = serve ]; then
  inkwell db upgrade
fi
exec "$@"
