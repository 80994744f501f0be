#!/usr/bin/env python3
"""Turn the BENCH lines of the benchmark guests' consoles into a Markdown
report.

  report.py --command CMD --load-before L [--notes FILE] LOG...

Each LOG holds the BENCH lines of one guest boot (bench/bench.py prints
them). Every ratio is taken between figures of the same boot.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys


# The throughput rows after rctest's; the data-path goal applies to the
# ones btpair copies itself.
TPUT_TOOLS = ("btpair connect (stdio)", "btpair connect --pty",
              "btpair connect --exec")
GOAL_TOOLS = ("btpair connect (stdio)", "btpair connect --pty")
# The floor under `connect --pty` upward, with no btpair (bench/ptycopy):
# the pty's side alone, and the pty passed on to RFCOMM.
PTY_FLOOR = "pty read alone (no btpair)"
PTY_COPY = "pty to RFCOMM (no btpair)"
PTY_COPY_DOWN = "RFCOMM to pty (no btpair)"
GOAL_RATE = 0.95
GOAL_CPU = 1.2
# A median within this fraction of the other's is not called slower.
NOISE = 0.03


def partial_runs(out, rows, group):
    """Runs where some pairings failed: how many got through."""
    for r in rows:
        if r.get("group") == group and "failed" in r and "ok" in r:
            out.append("- %s: a run with %d of %d pairings done; the rest "
                       "timed out or failed." % (r["tool"], r["ok"],
                                                   r["n"]))


def load(path):
    rows = []
    with open(path, errors="replace") as f:
        for line in f:
            # The first line after boot follows the console's terminal
            # resets on the same line.
            at = line.find("BENCH {")
            if at >= 0:
                try:
                    rows.append(json.loads(line[at + 6:].strip()))
                except ValueError:
                    pass
    return rows


def values(rows, group, tool, key="value", **match):
    return [r[key] for r in rows
            if r.get("group") == group and r.get("tool") == tool
            and "failed" not in r and key in r
            and all(r.get(k) == v for k, v in match.items())]


def failures(rows, group, tool):
    return sum(1 for r in rows if r.get("group") == group
               and r.get("tool") == tool and "failed" in r)


def stats(xs):
    if not xs:
        return None
    return min(xs), statistics.median(xs), max(xs)


def secs(x):
    if x is None:
        return "–"
    return "%.3f s" % x if x < 10 else "%.1f s" % x


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return "%.2f×" % (a / b)


def host_info():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024
    try:
        qemu = subprocess.run(["qemu-system-x86_64", "--version"],
                              capture_output=True, text=True).stdout
        qemu = qemu.splitlines()[0]
    except (OSError, IndexError):
        qemu = "?"
    return model, os.cpu_count(), mem, qemu


def timing_table(out, rows, group, pairs, unit_fn=secs):
    """pairs: (btpair tool, BlueZ tool). One line per tool with min,
    median, max; then btpair's figures as ratios of the BlueZ tool's."""
    out.append("| tool | runs (failed) | min | median | max |")
    out.append("|---|---|---|---|---|")
    seen = []
    for pair in pairs:
        for tool in pair:
            if tool in seen:
                continue
            seen.append(tool)
            st = stats(values(rows, group, tool))
            n = len(values(rows, group, tool))
            if st:
                out.append("| %s | %d (%d) | %s | %s | %s |" % (
                    tool, n, failures(rows, group, tool),
                    *(unit_fn(x) for x in st)))
            else:
                out.append("| %s | 0 (%d) | – | – | – |" % (
                    tool, failures(rows, group, tool)))
    out.append("")
    out.append("| ratio | min | median | max |")
    out.append("|---|---|---|---|")
    slower = []
    for mine, theirs in pairs:
        a = stats(values(rows, group, mine))
        b = stats(values(rows, group, theirs))
        if not a or not b:
            out.append("| %s ÷ %s | – | – | – |" % (mine, theirs))
            continue
        out.append("| %s ÷ %s | %s | %s | %s |" % (
            mine, theirs, *(ratio(x, y) for x, y in zip(a, b))))
        if a[1] > b[1] * (1 + NOISE):
            slower.append((mine, theirs))
    out.append("")
    return slower


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--command", required=True)
    ap.add_argument("--load-before", default="?")
    ap.add_argument("--load-after", default="?")
    ap.add_argument("--started", default="?")
    ap.add_argument("--notes")
    # The boots (scenarios) that failed: the report says at its top that
    # it is no result.
    ap.add_argument("--failed")
    ap.add_argument("logs", nargs="+")
    args = ap.parse_args()

    boots = [load(p) for p in args.logs]
    if not any(boots):
        print("report.py: no BENCH lines in %s" % " ".join(args.logs),
              file=sys.stderr)
        return 1
    rows = [r for b in boots for r in b]
    env = next((r for r in rows if r.get("group") == "env"), {})
    model, cpus, mem, qemu = host_info()
    today = datetime.datetime.now(datetime.timezone.utc)
    out = []
    w = out.append
    w("# btpair against BlueZ's own tools")
    w("")
    if args.failed:
        w("**FAILED RUN: the %s boot(s) failed. These are the figures "
          "collected before and despite the failure, for finding out why; "
          "they are not a result.**" % args.failed)
        w("")
    w("Produced by `%s` (started %s, report written %s)." % (
        args.command, args.started, today.strftime("%Y-%m-%d %H:%M UTC")))
    w("")
    w("- Host: %s, %d cores, %d MiB; %s; host kernel %s." % (
        model, cpus, mem, qemu, platform.release()))
    w("- Host load average (1, 5, 15 min) before: %s; after: %s. Other "
      "qemu guests shared the machine, so every absolute figure carries "
      "their noise; each ratio compares figures from the same guest "
      "boot, measured alternately." % (args.load_before, args.load_after))
    w("- Guest: Debian kernel %s under qemu TCG (software emulation, one "
      "vCPU, 768 MiB), controllers emulated by btvirt in the same guest; "
      "%s; BlueZ %s; Python %s." % (
          env.get("kernel", "?"), env.get("btpair", "?"),
          env.get("bluez", "?"), env.get("python", "?")))
    w("")
    w("**TCG inflation.** Every time, rate and CPU figure below is "
      "inflated by software emulation of the CPU, and the controllers "
      "are emulated by a process (btvirt) that competes for the same "
      "single vCPU: absolute numbers say little about a Raspberry Pi "
      "with a real HC-05. Process start-up (exec, dynamic linking, "
      "Python and D-Bus start-up) is inflated most, so the ratios of "
      "the cold-process rows overstate the gap a little; the kernel's "
      "share and the throughput rows are dominated by the emulated "
      "controller. Sizes and resident memory are not inflated.")
    w("")
    w("Ratios are btpair ÷ the BlueZ tool: below 1.00× btpair is faster "
      "or smaller.")
    w("")
    slower = []

    w("## 1. Pairing latency, cold process")
    w("")
    w("From process start to \"paired\" on a freshly unpaired device "
      "(legacy PIN, both sides unpaired between runs): `btpair pair "
      "ADDR --pin 1234` (until it exits 0), `btmgmt` at its prompt "
      "(`pair -c 3 ADDR`, the PIN typed at its PIN prompt through a pty, "
      "until \"Paired with\"), and `bluetoothctl` with its agent against "
      "bluetoothd on a private system bus (`pair ADDR`, the PIN typed at "
      "its prompt, until \"Pairing successful\"; the scan bluetoothd "
      "needs first is not counted). The device side is answered by the "
      "same responder in every run. btpair and btmgmt alternate; the "
      "bluetoothd runs sit between two halves of them.")
    w("")
    slower += timing_table(out, rows, "pair", [
        ("btpair pair", "btmgmt pair"),
        ("btpair pair", "bluetoothctl pair")])
    w("The kernel's own share, from `btmon` timestamps: MGMT Pair Device "
      "sent to its Command Complete, for the same runs. It contains the "
      "initiator's own PIN Code Reply, so it is the floor for a tool that "
      "answers at once; the rest of the run is the tool's alone.")
    w("")
    w("| tool | runs | kernel median | whole run median | outside the "
      "kernel (median) |")
    w("|---|---|---|---|---|")
    for tool in ("btpair pair", "btmgmt pair", "bluetoothctl pair"):
        k = values(rows, "kernel", tool)
        t = values(rows, "pair", tool)
        if k and t:
            w("| %s | %d | %s | %s | %s |" % (
                tool, len(k), secs(statistics.median(k)),
                secs(statistics.median(t)),
                secs(statistics.median(t) - statistics.median(k))))
    w("")

    w("TCG-inflated: all of it, process start-up most.")
    w("")
    w("## 2. Pairing plus the first RFCOMM byte")
    w("")
    w("From process start until the device (an RFCOMM server on channel "
      "1 that demands an authenticated link, as an HC-05 does) receives "
      "the first byte: `btpair connect ADDR --channel 1 --pin 1234 "
      "--exec printf x` against `bluetoothctl` (pair, as above) followed "
      "by `rctest -s -P 1 -N 1`.")
    w("")
    slower += timing_table(out, rows, "pair+rfcomm", [
        ("btpair connect --pin", "bluetoothctl pair + rctest")])

    w("TCG-inflated: all of it.")
    w("")
    w("## 3. Footprint")
    w("")
    load_rows = [r for r in rows if r.get("group") == "load"]
    w("Peak resident memory (VmHWM from /proc) idle and after the "
      "pairings below; \"mapped\" is the total size of the distinct "
      "files the process maps (binary and shared libraries); binary "
      "size is the executable alone; CPU is the process's user+system "
      "time since it started. bluetoothctl's idle figure is from one "
      "process and its after figure from the one that drove the load.")
    w("")
    for r in load_rows:
        w("- %s: %d of %d pairings succeeded in %.1f s." % (
            "btpair agent answering, `btpair -i hci1 pair` initiating"
            if r["tool"] == "btpair agent" else
            "bluetoothd, `bluetoothctl` pairing from hci0 (scan, pair, "
            "remove each time)", r["value"], r["n"], r["seconds"]))
    w("")
    w("| process | VmHWM idle | VmHWM after | mapped files | CPU at the "
      "last sample |")
    w("|---|---|---|---|---|")
    rss = [r for r in rows if r.get("group") == "rss"]
    tools = []
    for r in rss:
        if r["tool"] not in tools:
            tools.append(r["tool"])
    hwm = {}
    spoilt = []
    for tool in tools:
        idle = [r for r in rss if r["tool"] == tool and r["phase"] == "idle"]
        # A sample after a load in which a pairing failed is not the
        # figure of the load the table names: left out, and said so.
        after = [r for r in rss if r["tool"] == tool
                 and r["phase"] == "after" and "failed" not in r]
        if any(r["tool"] == tool and r["phase"] == "after" and "failed" in r
               for r in rss) and not after:
            spoilt.append(tool)
        i = idle[0] if idle else None
        a = after[0] if after else None
        hwm[tool] = (i["value"] if i else None, a["value"] if a else None)
        any_row = a or i
        if not any_row:
            continue
        w("| %s | %s | %s | %.1f MiB (%d files) | %s |" % (
            tool, "%d KiB" % i["value"] if i else "–",
            "%d KiB" % a["value"] if a else
            "– (load failed)" if tool in spoilt else "–",
            any_row["mapped"] / 1048576, any_row["files"],
            "%.2f s" % any_row["cpu"]))
    if spoilt:
        w("")
        w("No figure after the load for %s: a pairing of its load failed, "
          "so its memory is not that of the load above." % ", ".join(spoilt))
    stack = [t for t in ("bluetoothd", "dbus-daemon") if t in hwm]
    if "btpair agent" in hwm and stack:
        def total(k):
            xs = [hwm[t][k] for t in stack]
            return None if None in xs else sum(xs)
        mine = hwm["btpair agent"]
        w("")
        w("| ratio | idle | after |")
        w("|---|---|---|")
        w("| btpair agent ÷ (%s) | %s | %s |" % (
            " + ".join(stack), ratio(mine[0], total(0)),
            ratio(mine[1], total(1))))
        for t in ("bluetoothctl", "simple-agent (python3)"):
            if t in hwm and hwm[t][0]:
                w("| btpair agent ÷ (%s + %s) idle | %s | |" % (
                    " + ".join(stack), t,
                    ratio(mine[0], total(0) + hwm[t][0])))
    w("")
    w("| binary | size | btpair (stripped) ÷ this |")
    w("|---|---|---|")
    sizes = {r["tool"]: r["value"] for r in rows if r.get("group") == "size"}
    # Debian's binaries are stripped; btpair is built with -g. The same
    # file, stripped, is the fair size.
    here = os.path.dirname(os.path.abspath(__file__))
    binary = os.path.join(here, "..", "build", "btpair")
    if "btpair" in sizes and os.path.exists(binary):
        tmp = os.path.join(here, ".btpair-stripped")
        if subprocess.run(["strip", "-o", tmp, binary]).returncode == 0:
            sizes["btpair (as built, with -g)"] = sizes.pop("btpair")
            sizes["btpair, stripped"] = os.path.getsize(tmp)
            os.unlink(tmp)
    mine = sizes.get("btpair, stripped", sizes.get("btpair"))
    for tool, size in sizes.items():
        w("| %s | %d KiB | %s |" % (tool, size // 1024, ratio(mine, size)))
    w("")

    w("Not TCG-inflated: sizes and memory. Inflated: the CPU seconds and "
      "the load's duration.")
    w("")
    w("## 4. Throughput")
    w("")
    w("One paired link, an RFCOMM peer on the device side; each run "
      "moves the same number of bytes in one direction only (both at "
      "once stall on credits on the emulated controllers). Up: the "
      "client sends a file (`btpair connect` with the file on stdin; "
      "`--exec dd if=FILE bs=4096`; `rctest -s -b 4096`; `connect "
      "--pty PATH` with `dd if=FILE of=PATH bs=64k` writing to the "
      "pty); the peer times its first to its last byte. Down: the peer "
      "sends after the client's first byte (`--exec sh -c 'printf x; "
      "head -c SIZE >FILE'` for --exec, rctest -u, "
      "`head -c SIZE PATH >FILE` reading the pty), timed from its first send to its close "
      "returning (it lingers until the data is out). CPU is the client "
      "process's own user + system time (for --exec including the "
      "command's; for --pty btpair's alone, not the pty's reader or "
      "writer), per MiB.")
    w("")
    w("Goal for the stdio bridge and the pty, both directions: rate at "
      "least %.2f× rctest's and CPU per MiB at most %.2f× rctest's "
      "(medians). `--exec` hands the socket to the command: nothing of "
      "btpair's is on its data path." % (GOAL_RATE, GOAL_CPU))
    w("")
    goals = []
    for direction in ("up", "down"):
        group = "tput-" + direction
        w("**%s** (%s)" % (direction, "client to device" if direction == "up"
                           else "device to client"))
        w("")
        w("| tool | runs (failed) | min | median | max | CPU s/MiB "
          "(median) |")
        w("|---|---|---|---|---|---|")
        floors = tuple(t for t in (PTY_COPY, PTY_COPY_DOWN, PTY_FLOOR)
                       if values(rows, group, t) or failures(rows, group, t))
        for tool in ("rctest",) + TPUT_TOOLS + floors:
            st = stats(values(rows, group, tool))
            cpu = values(rows, group, tool, key="cpu_per_mib")
            if st:
                w("| %s | %d (%d) | %s | %s | %s | %.3f |" % (
                    tool, len(values(rows, group, tool)),
                    failures(rows, group, tool),
                    *("%.1f KiB/s" % (x / 1024) for x in st),
                    statistics.median(cpu)))
            else:
                w("| %s | 0 (%d) | – | – | – | – |" % (
                    tool, failures(rows, group, tool)))
        w("")
        w("| ratio (rate; above 1.00× btpair is faster) | min | median | "
          "max | CPU/MiB median |")
        w("|---|---|---|---|---|")
        base = stats(values(rows, group, "rctest"))
        base_cpu = values(rows, group, "rctest", key="cpu_per_mib")
        for tool in TPUT_TOOLS + tuple(t for t in floors if t != PTY_FLOOR):
            st = stats(values(rows, group, tool))
            cpu = values(rows, group, tool, key="cpu_per_mib")
            if st and base:
                w("| %s ÷ rctest | %s | %s | %s | %s |" % (
                    tool, *(ratio(x, y) for x, y in zip(st, base)),
                    ratio(statistics.median(cpu),
                          statistics.median(base_cpu))))
                if st[1] < base[1] * (1 - NOISE) and tool in TPUT_TOOLS:
                    slower.append((tool + " " + direction, "rctest"))
                if tool in GOAL_TOOLS:
                    r = st[1] / base[1]
                    c = statistics.median(cpu) / statistics.median(base_cpu)
                    goals.append("%s %s: rate %.2f× (goal ≥ %.2f×, %s), "
                                 "CPU/MiB %.2f× (goal ≤ %.2f×, %s)" % (
                                     tool, direction, r, GOAL_RATE,
                                     "met" if r >= GOAL_RATE else "not met",
                                     c, GOAL_CPU,
                                     "met" if c <= GOAL_CPU else "not met"))
            elif tool in GOAL_TOOLS:
                goals.append("%s %s: no complete run" % (tool, direction))
        w("")
        if values(rows, group, PTY_COPY_DOWN):
            w("\"%s\" is `bench/ptycopy -d`: the same pty and head with no "
              "btpair, in blocking receives of 64 KiB, each written whole "
              "to the pty's master." % PTY_COPY_DOWN)
            w("")
        floor = values(rows, group, PTY_FLOOR, key="cpu_per_mib")
        if floor and base_cpu:
            reads = [r["reads"] / r["mib"] for r in rows
                     if r.get("group") == group
                     and r.get("tool") == PTY_FLOOR and "reads" in r
                     and r.get("mib")]
            largest = values(rows, group, PTY_FLOOR, key="largest")
            w("The floor under the pty upward, with no btpair: "
              "`bench/ptycopy` makes a pty as `connect --pty` does and "
              "reads it in blocking reads of 64 KiB with no poll while the "
              "same dd writes; \"%s\" passes each read on in blocking "
              "sends as rctest's, \"%s\" sends nothing. Reading alone "
              "costs %s rctest's whole run's CPU per MiB (medians), in %d "
              "reads per MiB (median), the largest %d bytes." % (
                  PTY_COPY, PTY_FLOOR,
                  ratio(statistics.median(floor),
                        statistics.median(base_cpu)),
                  round(statistics.median(reads)),
                  max(largest)))
            w("")
    if goals:
        w("Against the goal (medians):")
        w("")
        for g in goals:
            w("- " + g)
        w("")

    w("TCG-inflated: all of it; the rate is bound by the emulated "
      "controller (btvirt) on the same vCPU, not by the tools.")
    w("")
    w("## 5. Scale")
    w("")
    w("A guest with 9 controllers. **At once**: one agent on hci0 and "
      "8 peers (hci1..hci8) each running `btpair -i hciN pair` to it at "
      "the same moment; the agent is `btpair agent --allow-any` or "
      "`btmgmt` at its prompt with the PIN typed at every PIN prompt "
      "(BlueZ's mgmt-level tool; bluetoothd would also own the 8 "
      "initiating controllers of this guest, see section 3). \"1 peer\" "
      "is the same with hci1 alone, so growth = 8 peers ÷ 1 peer. "
      "**In sequence**: one provisioning run from hci0 pairs the 8 "
      "devices one after another, one cold process per device (`btpair "
      "pair` or `btmgmt` as in section 1).")
    w("")
    slower += timing_table(out, rows, "scale-concurrent", [
        ("btpair agent", "btmgmt agent")])
    partial_runs(out, rows, "scale-concurrent")
    w("")
    w("| agent | 1 peer median | 8 peers median | per device (8 peers) | "
      "growth 8 ÷ 1 | slowest initiator (median) |")
    w("|---|---|---|---|---|---|")
    for tool in ("btpair agent", "btmgmt agent"):
        one = values(rows, "scale-single", tool)
        many = values(rows, "scale-concurrent", tool)
        slow = values(rows, "scale-concurrent", tool, key="slowest")
        if one and many:
            m1, m8 = statistics.median(one), statistics.median(many)
            w("| %s | %s | %s | %s | %s | %s |" % (
                tool, secs(m1), secs(m8), secs(m8 / 8), ratio(m8, m1),
                secs(statistics.median(slow))))
    w("")
    slower += timing_table(out, rows, "scale-sequential", [
        ("btpair pair", "btmgmt pair")])
    partial_runs(out, rows, "scale-sequential")
    w("")
    w("| tool | per device median | first device median | last device "
      "median | growth last ÷ first |")
    w("|---|---|---|---|---|")
    for tool in ("btpair pair", "btmgmt pair"):
        runs = values(rows, "scale-sequential", tool, key="times")
        runs = [t for t in runs if t]
        if runs:
            flat = [x for t in runs for x in t]
            first = statistics.median(t[0] for t in runs)
            last = statistics.median(t[-1] for t in runs)
            w("| %s | %s | %s | %s | %s |" % (
                tool, secs(statistics.median(flat)), secs(first),
                secs(last), ratio(last, first)))
    w("")

    w("TCG-inflated: all of it; 9 emulated controllers share one vCPU.")
    w("")
    w("## 6. Controller ready at boot")
    w("")
    w("A guest booted with systemd as PID 1 (Debian 12, "
      "`tests/vm/sysroot.sh`), the project's .deb installed and 8 link keys "
      "stored. The controllers appear after boot, as a late UART "
      "controller does; btmon times each round from hci0's New Index to "
      "the stored keys loaded (Load Link Keys answered) and hci0 powered "
      "and bondable. `btpair-keys.service` as README sets it up, against "
      "bluetoothd started before the controller, with AutoEnable "
      "(Debian's default) and AlwaysPairable (so that it makes hci0 "
      "bondable with no agent, as the unit does). The two take turns, "
      "one round of each first not counted (the boot's first controller "
      "wakes udev's rules and the programs' pages).")
    w("")
    w("\"btpair, no unit\" runs the unit's two commands (`keys load`, "
      "`setup`) by hand the moment the kernel registers hci0: what udev, "
      "systemd and the unit's sandbox add to them.")
    w("")
    slower += timing_table(out, rows, "boot", [
        ("btpair-keys.service", "bluetoothd"),
        ("btpair, no unit", "bluetoothd")])
    w("TCG-inflated, as above: one vCPU for the guest's systemd, udev, "
      "the emulator and the tool.")
    w("")
    w("## 7. A Pi's boot to a line through /dev/rfcomm0")
    w("")
    w("The faithful Pi of the VM suite: two guests on one virtual air "
      "(a `btvirt -s` on the host, each guest's controller attached by "
      "`btattach` over a virtio console), the HC-05 (legacy PIN, an "
      "RFCOMM line server that demands authentication, an SDP record) "
      "in the other guest. The Pi boots systemd with bluetoothd enabled; "
      "hci0 is its UART controller. Each round is a boot's Bluetooth "
      "part: everything stopped and hci0 detached, the units started as "
      "the boot starts them, then `hciuart.service` attaches hci0. A "
      "program waiting from before hci0 exists opens /dev/rfcomm0 and "
      "sends a line every 0.1 s until the HC-05's answer comes back; the "
      "time is from the kernel registering hci0 to that answer. "
      "btpair's route is README's Raspberry Pi section "
      "(`btpair-keys.service`, `btpair-serial.service`, serial.conf with "
      "a PIN file and no channel); BlueZ's is the one a Pi user writes "
      "today: bluetoothd and a unit running `rfcomm bind 0 ADDR 1` after "
      "it. \"paired\": the HC-05's key in the store. \"first boot\": the "
      "pairing forgotten on the Pi (key, remembered channel, bluetoothd's "
      "record); btpair pairs by itself, the BlueZ route needs a person, "
      "here bluetoothctl driven at machine speed from the start (scan, "
      "pair typing the PIN, trust), the program starting once it has "
      "paired: a floor for what a person does. The routes take turns, "
      "one round of each paired route first not counted.")
    w("")
    slower += timing_table(out, rows, "piboot", [
        ("btpair units, paired", "bluetoothd + rfcomm bind, paired"),
        ("btpair units, first boot",
         "bluetoothd + rfcomm bind + a person, first boot")])
    w("TCG-inflated, as above: one vCPU for the Pi guest's systemd, udev, "
      "bluetoothd and the tools; the air's emulator runs on the host.")
    w("")
    w("## Where btpair is slower, and why")
    w("")
    if slower:
        for mine, theirs in slower:
            w("- %s is slower than %s (median, by more than %d%%) in this "
              "run." % (mine, theirs, NOISE * 100))
    else:
        w("- In this run no btpair median is more than %d%% behind the "
          "BlueZ tool's." % (NOISE * 100))
    w("")
    if args.notes and os.path.exists(args.notes):
        with open(args.notes) as f:
            out.append(f.read().rstrip())
        w("")
    elapsed = [r for r in rows if r.get("group") == "elapsed"]
    w("Guest time per group: " + ", ".join(
        "%s %.0f s" % (r["tool"], r["value"]) for r in elapsed) + ".")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
