#!/usr/bin/env bash
# Prints the podman settings (containers.conf) this machine needs; `make image` and
# `make image-test` write them to .image/containers.conf and point CONTAINERS_CONF there.
#
# - Limits: podman gives containers 1048576 open files and 4194304 processes, more than a
#   sandboxed machine's hard limits, which a process without CAP_SYS_RESOURCE cannot raise
#   ("error setting rlimit type 7: operation not permitted"). The container gets this
#   shell's hard limits instead; processes are also capped at the kernel's pid_max, which
#   podman applies to itself, so its children cannot exceed it.
# - runc rather than crun, which refuses hybrid cgroup v1/v2 hierarchies, and cgroupfs,
#   since no systemd runs here.
set -euo pipefail

files=$(ulimit -Hn)
processes=$(ulimit -Hu)
pid_max=$(cat /proc/sys/kernel/pid_max)
if [ "$files" = unlimited ]; then files=1048576; fi
if [ "$processes" = unlimited ] || [ "$processes" -gt "$pid_max" ]; then processes=$pid_max; fi

cat <<CONF
# Written by deploy/image/containers-conf.sh for this machine; not for editing.
[containers]
default_ulimits = ["nofile=$files:$files", "nproc=$processes:$processes"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
CONF
