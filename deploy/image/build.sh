#!/usr/bin/env bash
# `make image`: builds deploy/Dockerfile's runtime target, tagged $IMAGE, with
# $CONTAINER_ENGINE (podman, or docker where a Docker daemon answers).
#
# The base is the Dockerfile's own (PYTHON_IMAGE, the official Python image) when the
# engine has it or can pull it; otherwise (no container registry, as on this project's
# machines) a stand-in built from Debian's packages by base.sh, made once and then reused.
#
# The build reaches the package index as this machine does: on the host's network, and
# with the index the machine's pip/uv are set to use, if not the default one
# (PIP_INDEX_URL / UV_DEFAULT_INDEX / UV_INDEX_URL, else pip's configured global.index-url),
# passed as build arguments of the build stage. Nothing is written into the repository.
set -euo pipefail
cd "$(dirname "$0")/../.."

engine=${CONTAINER_ENGINE:-podman}
image=${IMAGE:-inkwell:latest}
python_image=$(sed -n 's/^ARG PYTHON_IMAGE=//p' deploy/Dockerfile)
offline_base=${OFFLINE_BASE_IMAGE:-localhost/inkwell-python:3.11-bookworm}

has_image() { "$engine" image inspect "$1" >/dev/null 2>&1; }

if has_image "$python_image" || timeout 600 "$engine" pull -q "$python_image" >/dev/null 2>&1; then
  base=$python_image
else
  echo "== $python_image cannot be pulled: using the base made from Debian's packages"
  if ! has_image "$offline_base"; then
    CONTAINER_ENGINE=$engine deploy/image/base.sh "$offline_base"
  fi
  base=$offline_base
fi

index_url=${PIP_INDEX_URL:-$(pip config get global.index-url 2>/dev/null || true)}
uv_index=${UV_DEFAULT_INDEX:-${UV_INDEX_URL:-$index_url}}
# A local index (file://, a path) is not inside the build; the default index is used then.
case $index_url in http://* | https://*) ;; *) index_url= ;; esac
case $uv_index in http://* | https://*) ;; *) uv_index= ;; esac
args=(--build-arg "PYTHON_IMAGE=$base")
[ -n "$index_url" ] && args+=(--build-arg "PIP_INDEX_URL=$index_url")
[ -n "$uv_index" ] && args+=(--build-arg "UV_DEFAULT_INDEX=$uv_index")
# podman/buildah writes OCI images by default, which have no HEALTHCHECK.
[ "$engine" = podman ] && args+=(--format docker)

echo "== $engine build $image from $base"
previous=$("$engine" image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
"$engine" build "${args[@]}" --network host -f deploy/Dockerfile --target runtime -t "$image" .
# The image this build replaced would stay behind untagged, ~200 MB of its own each time.
current=$("$engine" image inspect --format '{{.Id}}' "$image")
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then
  "$engine" rmi "$previous" >/dev/null 2>&1 || true
fi
"$engine" image inspect --format '{{.Size}}' "$image" \
  | awk -v image="$image" '{ printf "== %s: %.0f MB\n", image, $1 / 1e6 }'
