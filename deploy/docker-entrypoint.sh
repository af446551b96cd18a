#!/bin/sh
# The container's entry point: bring the schema up to date, then become the server.
# `exec` replaces this shell, so the SIGTERM of `docker stop` reaches uvicorn itself,
# which stops accepting, finishes in-flight requests and closes the database pool.
# Replicas starting together are safe: `inkwell db upgrade` holds a PostgreSQL
# advisory lock while it migrates.
set -eu
inkwell db upgrade
exec "$@"
