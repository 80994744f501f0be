#!/bin/bash
# make demo: pair an HC-05-like virtual device and send a line over RFCOMM,
# on screen, in a VM with the real kernel's Bluetooth stack. One kernel:
# Debian 12's default 6.1, or KERNEL=6.12.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kernel=${KERNEL:-6.1}
[ "$kernel" = all ] && kernel=6.1
export KERNEL=$kernel
"$here/setup.sh" || exit 1
echo "Booting the test kernel ($kernel) under qemu (software emulation, ~15 s)..."
VM_CONSOLE=1 "$here/run.sh" "$here/demo/hc05.sh"
