#!/bin/bash
# Install what `make bench` needs beyond the test suite's own dependencies
# (run as root): D-Bus for a private system bus in the guest, BlueZ's
# simple-agent with its Python D-Bus bindings, strace for the profile.
# Quiet and quick when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
tests/deps.sh dbus-daemon python3-dbus python3-gi bluez-test-scripts strace \
	debootstrap
