#!/bin/bash
# make demo: pair an HC-05-like virtual device and send a line over RFCOMM,
# on screen, in a VM with the real kernel's Bluetooth stack.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/setup.sh" || exit 1
echo "Booting the test kernel under qemu (software emulation, ~15 s)..."
VM_CONSOLE=1 "$here/run.sh" "$here/demo/hc05.sh"
