#!/usr/bin/env bash
# Builds, without any container registry, the Python base image deploy/Dockerfile builds
# FROM, and tags it TAG: Debian bookworm from Debian's packages (mmdebstrap, through this
# machine's own apt sources), imported into the engine (podman or docker import).
#
#   deploy/image/base.sh localhost/inkwell-python:3.11-bookworm
#
# It stands in for the official python:3.11-slim-bookworm where that cannot be pulled, with
# the same layout the Dockerfile relies on: `python`, `python3` and `pip` first on PATH in
# /usr/local/bin, a pip that installs into /usr/local (a venv there over Debian's CPython
# 3.11, so no PEP 668 refusal), groupadd/useradd, and no compilers. It differs in being
# Debian's CPython (3.11.2, with Debian's security fixes) and in trusting this machine's CA
# bundle (SSL_CERT_FILE, PIP_CERT), so that pip and uv inside a build reach the package
# index through this machine's TLS-inspecting egress. Takes ~3 minutes, once per machine.
set -euo pipefail

tag=${1:?usage: base.sh TAG}
engine=${CONTAINER_ENGINE:-podman}
ca_bundle=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
in_image_ca=/etc/ssl/host-ca-certificates.crt

# The machine's own Debian sources: no mirror is named here.
sources=/etc/apt/sources.list.d/debian.sources
[ -f "$sources" ] || sources=/etc/apt/sources.list
for tool in mmdebstrap "$engine"; do
  command -v "$tool" >/dev/null || { echo "base.sh: $tool is not installed" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# minbase: Essential packages and apt, as debian:bookworm-slim. No Recommends, no docs,
# manuals or translations (copyright files stay). merged-usr without the usrmerge package,
# which would drag in perl.
mmdebstrap \
  --variant=minbase \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --aptopt='APT::Install-Recommends "false"' \
  --include=python3.11,python3-venv,ca-certificates,passwd \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook="cp '$ca_bundle' \"\$1$in_image_ca\"" \
  --customize-hook='chroot "$1" python3.11 -m venv /usr/local' \
  --customize-hook='rm -f "$1"/usr/local/bin/Activate.ps1 "$1"/usr/local/bin/activate*' \
  --customize-hook='find "$1"/usr/local -name __pycache__ -prune -exec rm -rf {} +' \
  bookworm "$work/base.tar" "$sources"

"$engine" import \
  --change "ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV LANG=C.UTF-8" \
  --change "ENV SSL_CERT_FILE=$in_image_ca" \
  --change "ENV PIP_CERT=$in_image_ca" \
  --change 'CMD ["python3"]' \
  "$work/base.tar" "$tag"
