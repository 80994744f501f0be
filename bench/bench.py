#!/usr/bin/python3
"""btpair measured against BlueZ's own tools, inside the VM guest.

  bench.py pairing      cold-process pairing, and pairing plus first RFCOMM
                        byte: btpair vs btmgmt vs bluetoothd + bluetoothctl
  bench.py footprint    peak RSS and mapped size: btpair agent vs bluetoothd
  bench.py throughput   bytes/s through btpair connect vs rctest
  bench.py scale        one agent and 8 peers at once; 8 devices in sequence
  bench.py profile      one cold btpair pair and connect --pin under strace
  bench.py peer MODE CHANNEL [BYTES]
                        the device side of an RFCOMM test (used by the above)
  bench.py tty-line DEV TEXT LIMIT [AFTER]
                        a program's first line through /dev/rfcommN, timed
                        from hci0 appearing (bench/scenarios/piboot.sh)
  bench.py bluez-person ADDR DONE LIMIT
                        a person pairing with bluetoothctl (the same)

Every figure is printed as one line "BENCH {json}" on stdout; the host reads
them from the guest's console and bench/report.py makes the table. Times are
CLOCK_MONOTONIC seconds, which every process in the guest shares. Debian's
python3 (not a venv's) has AF_BLUETOOTH.
"""
import datetime
import json
import os
import pty
import queue
import re
import resource
import select
import signal
import socket
import struct
import subprocess
import sys
import termios
import threading
import time

CHECKOUT = os.getcwd()
BTPAIR = os.environ.get("BTPAIR", CHECKOUT + "/build/btpair")
RESPONDER = os.environ.get("RESPONDER", CHECKOUT + "/build/tests/responder")
PTYCOPY = os.environ.get("PTYCOPY", CHECKOUT + "/build/bench/ptycopy")
BLUETOOTHD = "/usr/libexec/bluetooth/bluetoothd"
DBUS_CONF = CHECKOUT + "/bench/dbus-system.conf"
BLUETOOTHD_CONF = CHECKOUT + "/bench/bluetoothd.conf"
SIMPLE_AGENT = "/usr/share/doc/bluez-test-scripts/examples/simple-agent"
PIN = "1234"
REPS = int(os.environ.get("BENCH_REPS", "6"))
PAIRINGS = int(os.environ.get("BENCH_PAIRINGS", "100"))
# bluetoothctl must scan before each pairing: about 9 s each under TCG.
BLUEZ_PAIRINGS = int(os.environ.get("BENCH_BLUEZ_PAIRINGS", "25"))
MIB = int(os.environ.get("BENCH_MIB", "16"))
TPUT_REPS = int(os.environ.get("BENCH_TPUT_REPS", "2"))
WORK = os.environ.get("WORK", "/tmp")


def addr(i):
    """btvirt's fixed address of hciI."""
    return "00:AA:01:%02X:00:%02X" % (i, i)


A, B = addr(0), addr(1)
SOL_BLUETOOTH = 274
BT_SECURITY = 4
BT_SECURITY_MEDIUM = 2


def now():
    return time.monotonic()


def emit(**fields):
    print("BENCH " + json.dumps(fields, sort_keys=True), flush=True)


def note(text):
    print("bench: " + text, flush=True)


def run(argv, timeout=60, **kw):
    """Run argv; return (status, combined output); a hang is status -9."""
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout, **kw)
        return r.returncode, r.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        return -9, (e.stdout or b"").decode(errors="replace")


def btpair(*args, timeout=60):
    return run([BTPAIR] + list(args), timeout=timeout)


def btmgmt(*args):
    """Non-interactive btmgmt; its output is not needed."""
    return run(["btmgmt"] + list(args), timeout=20)


def connections(index):
    """The controller's open connections, as the kernel lists them in sysfs."""
    return [n for n in os.listdir("/sys/class/bluetooth")
            if n.startswith("hci%d:" % index)]


def wait_disconnected(indexes, limit=30.0):
    end = now() + limit
    while now() < end:
        if not any(connections(i) for i in indexes):
            return True
        time.sleep(0.05)
    return False


def unpair(i, j, limit=30.0):
    """Forget the pairing of hciI and hciJ on both sides, and wait for the
    link to go: the next Pair Device would otherwise find it busy."""
    btpair("-q", "-i", "hci%d" % i, "unpair", addr(j))
    btpair("-q", "-i", "hci%d" % j, "unpair", addr(i))
    if not wait_disconnected([i, j], limit):
        note("hci%d-hci%d link still up after unpair" % (i, j))


def settle(i=0, j=1):
    """Right after a controller powers up, the first page can fail: pair
    once (not timed) until it works, then undo it."""
    for _ in range(5):
        rc, out = btpair("-q", "-i", "hci%d" % i, "pair", addr(j), "--pin",
                         PIN, timeout=30)
        if rc == 0:
            break
        time.sleep(1)
    unpair(i, j)


def warm(pairs):
    """The emulated controllers sometimes miss the first page after a
    power-up or a burst of links (Connect Failed): reach each (i, j) once
    with an L2CAP ping before a timed run, then wait for the links to
    drop so the timed run starts from no link at all."""
    for i, j in pairs:
        for _ in range(5):
            rc, _ = run(["l2ping", "-i", "hci%d" % i, "-c", "1", "-t", "5",
                         addr(j)], timeout=20)
            if rc == 0:
                break
            time.sleep(0.5)
        else:
            note("hci%d cannot reach %s" % (i, addr(j)))
    used = sorted({k for pair in pairs for k in pair})
    if not wait_disconnected(used, 30):
        note("links still up after warming: %s" % used)


def reset(devices):
    """Power-cycle hci0 and the devices: a pairing that timed out leaves
    state behind on the emulated controllers that fails the next run's
    pages to those devices."""
    btpair("-q", "power", "off")
    btpair("-q", "setup")
    for i in devices:
        btpair("-q", "-i", "hci%d" % i, "power", "off")
        hc05_like(i)


def fresh_controllers():
    """Remove btvirt's controllers and make them anew, as a reboot of every
    machine would: the emulator keeps the state of a pairing that timed out
    (a PIN one side already gave) through a power cycle, and completes the
    next pairing between the same two controllers with it, reporting
    Authentication Complete to the old initiator only (bench/notes.md)."""
    count = int(os.environ.get("BTVIRT_COUNT", "2"))
    subprocess.run(["pkill", "-x", "btvirt"])
    for _ in range(100):
        if not os.path.exists("/sys/class/bluetooth/hci0"):
            break
        time.sleep(0.1)
    subprocess.Popen(["btvirt", "-l%d" % count],
                     stdout=open(WORK + "/btvirt.log", "w"),
                     stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(100):
        if os.path.exists("/sys/class/bluetooth/hci%d" % (count - 1)):
            break
        time.sleep(0.1)
    # The controllers need a moment after they appear before mgmt commands.
    time.sleep(1)


def state(why):
    """On a failure: the controllers' settings and links, to tell why."""
    note("state after %s:" % why)
    for i in range(int(os.environ.get("BTVIRT_COUNT", "2"))):
        rc, out = run(["script", "-qec", "btmgmt --index %d info" % i,
                       "/dev/null"], timeout=20)
        for line in out.splitlines():
            if "current settings" in line:
                note("  hci%d %s links %s" % (i, line.strip(),
                                              connections(i)))


def hc05_like(i):
    """SSP off (legacy PIN pairing), powered, connectable, bondable."""
    rc, out = btpair("-q", "-i", "hci%d" % i, "setup", "--ssp", "off")
    if rc != 0:
        note("setup hci%d failed: %s" % (i, out.strip()))


def vm_status(pid):
    """VmHWM and VmRSS of a process, in KiB."""
    got = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmRSS"):
                got[k] = int(v.split()[0])
    return got


def cpu_seconds(pid):
    """User plus system CPU time of a live process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mapped_bytes(pid):
    """Size of the distinct files a process has mapped: its binary, its
    shared libraries and any other mapped file."""
    files = set()
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) == 6 and parts[5].startswith("/"):
                files.add(parts[5].strip())
    total = 0
    for p in files:
        try:
            total += os.stat(p).st_size
        except OSError:
            pass
    return total, len(files)


ANSI = re.compile(rb"\x1b\[[0-9;?]*[a-zA-Z]|\x1b[()][AB012]|[\x01\x02\r]")


class Pty:
    """A program on a pseudo-terminal, driven as a person would: btmgmt and
    bluetoothctl answer PIN prompts only interactively."""

    def __init__(self, argv):
        self.t0 = now()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ["TERM"] = "dumb"
            try:
                os.execvp(argv[0], argv)
            finally:
                os._exit(127)
        self.raw = b""
        self.answered = 0

    def text(self):
        return ANSI.sub(b"", self.raw).decode(errors="replace")

    def send(self, line):
        os.write(self.fd, (line + "\n").encode())

    def pump(self, wait):
        r, _, _ = select.select([self.fd], [], [], wait)
        if r:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                data = b""
            if not data:
                return False
            self.raw += data
        return True

    def expect(self, done, limit, fail=None, prompt=None, answer=None,
               since=0):
        """Read until regex done shows (in the output from offset since
        on); answer each new match of prompt with answer on the way.
        Returns the time done showed, or None on fail, end of output or
        after limit seconds."""
        end = now() + limit
        while now() < end:
            alive = self.pump(0.02)
            full = self.text()
            text = full[since:]
            if prompt:
                n = len(re.findall(prompt, full))
                while self.answered < n:
                    self.send(answer)
                    self.answered += 1
            if re.search(done, text):
                return now()
            if fail and re.search(fail, text):
                return None
            if not alive:
                return None
        return None

    def close(self):
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        end = now() + 3
        while now() < end:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                break
            self.pump(0.05)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


class Background:
    """A long-running helper whose output lines are collected as they come."""

    def __init__(self, argv, log=None, stdin=subprocess.DEVNULL):
        self.lines = queue.Queue()
        self.all = []
        self.proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.log = open(log, "w") if log else None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            self.all.append(line)
            if self.log:
                self.log.write(line + "\n")
                self.log.flush()
            self.lines.put(line)

    def wait_line(self, regex, limit):
        end = now() + limit
        while now() < end:
            try:
                line = self.lines.get(timeout=max(0.01, end - now()))
            except queue.Empty:
                return None
            m = re.search(regex, line)
            if m:
                return m
        return None

    def drain(self):
        while not self.lines.empty():
            self.lines.get_nowait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# The BlueZ daemon route ---------------------------------------------------

class Bluez:
    """dbus-daemon on a private system bus of the guest, and bluetoothd.

    bluetoothd switches SSP on for every controller it finds, and the
    emulated controller, like a real one, cannot switch it off again short
    of a reset: the device side would then be no HC-05 any more. So the
    devices are powered off while it starts (with AutoEnable off it leaves
    them so), SSP is switched off again before they power up, and only the
    host side keeps the settings bluetoothd gave it."""

    def __init__(self, devices):
        for i in devices:
            btpair("-q", "-i", "hci%d" % i, "power", "off")
        os.makedirs("/run/dbus", exist_ok=True)
        self.dbus = subprocess.Popen(
            ["dbus-daemon", "--config-file=" + DBUS_CONF, "--nofork",
             "--nopidfile", "--print-address"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.dbus.stdout.readline()
        self.bluetoothd = Background([BLUETOOTHD, "-n", "-f", BLUETOOTHD_CONF],
                                     log=WORK + "/bluetoothd.log")
        if not self.bluetoothd.wait_line("management interface", 30):
            raise RuntimeError("bluetoothd did not start")
        time.sleep(1)
        btpair("-q", "setup")
        for i in devices:
            hc05_like(i)
            btmgmt("--index", str(i), "discov", "yes")

    def discover(self, target, limit=60):
        """bluetoothctl pairs only with a device bluetoothd has found: scan
        (not timed) until the target shows."""
        p = Pty(["bluetoothctl"])
        try:
            p.expect(r"Agent registered", 20)
            return scan_for(p, target, limit)
        finally:
            p.close()

    def stop(self):
        self.bluetoothd.stop()
        self.dbus.terminate()
        self.dbus.wait()


def scan_for(ctl, target, limit=60):
    """In a running bluetoothctl: scan until the target shows, then stop
    scanning. Only what comes after discovery started counts: devices
    bluetoothd already knows are listed when it starts."""
    mark = len(ctl.text())
    ctl.send("scan on")
    found = None
    if ctl.expect(r"Discovering: yes", 20, since=mark) is not None:
        mark = len(ctl.text())
        found = ctl.expect(r"\[(NEW|CHG)\] Device " + target, limit,
                           since=mark)
    mark = len(ctl.text())
    ctl.send("scan off")
    ctl.expect(r"Discovering: no", 10, since=mark)
    return found is not None


def bluetoothctl_pair(target, limit=60):
    """From process start to "Pairing successful": bluetoothctl run as a
    person runs it, its agent answering every PIN prompt."""
    t0 = now()
    p = Pty(["bluetoothctl"])
    try:
        if p.expect(r"Agent registered", 20) is None:
            return None, t0, p.text()
        p.send("pair " + target)
        t1 = p.expect(r"Pairing successful", limit,
                      fail=r"Failed to pair|not available",
                      prompt=r"Enter PIN code", answer=PIN)
        if t1 is not None and not p.answered:
            note("bluetoothctl paired without a PIN prompt: not legacy")
            t1 = None
        return t1, t0, p.text()
    finally:
        p.close()


def btmgmt_pair(index, target, limit=60):
    """From process start to "Paired with": btmgmt at its prompt, the PIN
    typed at its PIN prompt."""
    t0 = now()
    p = Pty(["btmgmt", "--index", str(index)])
    try:
        if p.expect(r"\[hci%d\]" % index, 20) is None:
            return None, t0, p.text()
        p.send("pair -c 3 " + target)
        t1 = p.expect(r"Paired with " + target, limit,
                      fail=r"Pairing with .* failed",
                      prompt=r"PIN Request", answer=PIN)
        if t1 is not None and not p.answered:
            note("btmgmt paired without a PIN prompt: not legacy")
            t1 = None
        return t1, t0, p.text()
    finally:
        p.close()


def btpair_pair(index, target, limit=60):
    t0 = now()
    rc, out = btpair("-i", "hci%d" % index, "pair", target, "--pin", PIN,
                     timeout=limit)
    t1 = now()
    return (t1 if rc == 0 else None), t0, out


# btmon: the kernel's own share ---------------------------------------------

# A pairing in a sequence that takes longer than this is a stall: its trace
# is printed.
STALL = 3.0
WALL = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)$")


SOCKET = re.compile(r"\{0x[0-9a-f]{4}\} ")


def stall_trace(why, w0, w1, most=300):
    """Print the header lines btmon recorded from wall time w0 to w1 (each
    event, command and mgmt message, one line each), at most `most`. An
    mgmt event the kernel copied to every open mgmt socket is shown once."""
    note(why + "; btmon from its start to its end:")
    shown = 0
    last = None
    with open(WORK + "/btmon.txt", errors="replace") as f:
        for line in f:
            m = WALL.search(line.rstrip())
            if not m or line[:1] not in "<>@=":
                continue
            t = datetime.datetime.strptime(
                m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
            if not w0 <= t <= w1 + 0.2:
                continue
            same = SOCKET.sub("", line.rstrip())
            if line.startswith("@ MGMT Event") and same == last:
                continue
            last = same
            note("  | " + line.rstrip())
            shown += 1
            if shown >= most:
                note("  | (cut at %d lines)" % most)
                break

def btmon_start():
    return subprocess.Popen(["btmon", "-T"], stdout=open(WORK + "/btmon.txt",
                                                        "w"),
                            stderr=subprocess.STDOUT,
                            env=dict(os.environ, COLUMNS="200"))


STAMP = re.compile(r"\[hci(\d+)\] (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)")


def btmon_pair_device():
    """(wall time sent, wall time replied, status) of every Pair Device on
    any controller, from btmon's decoded trace."""
    out = []
    sent = {}
    with open(WORK + "/btmon.txt", errors="replace") as f:
        lines = f.read().splitlines()
    for k, line in enumerate(lines):
        m = STAMP.search(line)
        if not m or not line.startswith("@ MGMT"):
            continue
        t = datetime.datetime.strptime(m.group(2),
                                       "%Y-%m-%d %H:%M:%S.%f").timestamp()
        index = int(m.group(1))
        if "MGMT Command" in line and "(0x0019)" in line:
            sent[index] = t
        elif ("MGMT Event" in line and "(0x0001)" in line
              and k + 2 < len(lines) and "(0x0019)" in lines[k + 1]
              and index in sent):
            st = re.search(r"\((0x[0-9a-f]+)\)", lines[k + 2])
            out.append((sent.pop(index), t, st.group(1) if st else "?"))
    return out


# 1 and 2: pairing latency ---------------------------------------------------

class Peer:
    """The device side of RFCOMM tests: bench.py peer, on hci1."""

    def __init__(self, mode, channel, nbytes=0):
        self.bg = Background([sys.executable, __file__, "peer", mode,
                              str(channel), str(nbytes)],
                             log=WORK + "/peer-%d.log" % channel)
        if not self.bg.wait_line("listening", 20):
            raise RuntimeError("RFCOMM peer did not start: %s" % self.bg.all)

    def event(self, limit):
        m = self.bg.wait_line(r"^event (.*)", limit)
        return json.loads(m.group(1)) if m else None

    def stop(self):
        self.bg.stop()


def first_byte_btpair(peer):
    t0 = now()
    rc, out = btpair("connect", B, "--channel", "1", "--pin", PIN, "--exec",
                     "printf", "x", timeout=60)
    ev = peer.event(10 if rc == 0 else 1)
    if rc != 0 or not ev:
        return None, out
    return ev["first"] - t0, out


def first_byte_bluez(peer):
    t1, t0, text = bluetoothctl_pair(B)
    if t1 is None:
        return None, text
    rc, out = run(["rctest", "-s", "-i", "hci0", "-P", "1", "-N", "1",
                   "-b", "32", B], timeout=30)
    ev = peer.event(10)
    if not ev:
        return None, out
    return ev["first"] - t0, out


def pairing():
    hc05_like(1)
    btpair("-q", "setup")
    responder = Background([RESPONDER, "1", "--pin", PIN, "--timeout",
                            "100000"], log=WORK + "/responder.log")
    responder.wait_line("ready", 20)
    peer = Peer("first", 1)
    settle()
    mon = btmon_start()
    time.sleep(1)
    runs = []  # (tool, wall start, wall end)

    def measure(group, tool, fn):
        w0 = time.time()
        if group == "pair":
            t1, t0, out = fn()
            value = (t1 - t0) if t1 is not None else None
        else:
            value, out = fn()
        w1 = time.time()
        if value is None:
            note("%s %s failed:\n%s" % (group, tool, out[-2000:]))
            state(tool)
            emit(group=group, tool=tool, failed=1)
        else:
            emit(group=group, tool=tool, value=value, unit="s")
            runs.append((group, tool, w0, w1))

    def direct_round():
        measure("pair", "btpair pair", lambda: btpair_pair(0, B))
        unpair(0, 1)
        measure("pair", "btmgmt pair", lambda: btmgmt_pair(0, B))
        unpair(0, 1)
        measure("pair+rfcomm", "btpair connect --pin",
                lambda: first_byte_btpair(peer))
        unpair(0, 1)

    half = max(1, REPS // 2)
    for _ in range(half):
        direct_round()

    bz = Bluez([1])
    for _ in range(REPS):
        if not bz.discover(B):
            note("bluetoothctl did not find %s" % B)
        measure("pair", "bluetoothctl pair", lambda: bluetoothctl_pair(B))
        run(["bluetoothctl", "remove", B], timeout=20)
        unpair(0, 1)
        bz.discover(B)
        measure("pair+rfcomm", "bluetoothctl pair + rctest",
                lambda: first_byte_bluez(peer))
        run(["bluetoothctl", "remove", B], timeout=20)
        unpair(0, 1)
    bz.stop()
    # bluetoothd powers the controllers off as it exits.
    hc05_like(1)
    btpair("-q", "setup")
    settle()
    for _ in range(REPS - half):
        direct_round()

    time.sleep(0.5)
    mon.terminate()
    mon.wait()
    for sent, replied, status in btmon_pair_device():
        for group, tool, w0, w1 in runs:
            if group == "pair" and w0 <= sent <= w1:
                emit(group="kernel", tool=tool, value=replied - sent,
                     unit="s", status=status)
    peer.stop()
    responder.stop()


# 3: footprint ---------------------------------------------------------------

def sizes():
    for tool, path in (("btpair", BTPAIR), ("bluetoothd", BLUETOOTHD),
                       ("dbus-daemon", "/usr/bin/dbus-daemon"),
                       ("bluetoothctl", "/usr/bin/bluetoothctl"),
                       ("btmgmt", "/usr/bin/btmgmt")):
        emit(group="size", tool=tool, value=os.stat(path).st_size, unit="B")


def footprint_sample(phase, tool, pid, failed=False):
    """failed: the load before this sample had a pairing fail, so the
    figure is not the one of the load it names; it is marked failed, and
    the report leaves it out."""
    st = vm_status(pid)
    mapped, nfiles = mapped_bytes(pid)
    extra = {"failed": 1} if failed else {}
    emit(group="rss", phase=phase, tool=tool, value=st["VmHWM"], unit="KiB",
         rss=st["VmRSS"], mapped=mapped, files=nfiles,
         cpu=cpu_seconds(pid), **extra)


def pair_many(n, label):
    """hci1 starts n pairings with hci0, where an agent answers; each is
    undone on both sides before the next."""
    ok = failed = 0
    t0 = now()
    for _ in range(n):
        rc, out = btpair("-q", "-i", "hci1", "pair", A, "--pin", PIN,
                         timeout=30)
        if rc == 0:
            ok += 1
        else:
            note("%s: pairing failed (exit %d): %s" % (label, rc,
                                                    out.strip()))
            if ok == 0 and not failed:
                state(label)
            failed += 1
        unpair(1, 0)
    emit(group="load", tool=label, value=ok, unit="pairings", n=n,
         seconds=now() - t0)
    return ok


def footprint():
    sizes()
    hc05_like(1)
    btpair("-q", "setup")
    agent = Background([BTPAIR, "-i", "hci0", "agent", "--pin", PIN,
                        "--allow", B],
                       log=WORK + "/agent.log")
    if not agent.wait_line("serving hci0", 20):
        raise RuntimeError("agent did not start: %s" % agent.all)
    time.sleep(1)
    footprint_sample("idle", "btpair agent", agent.proc.pid)
    done = pair_many(PAIRINGS, "btpair agent")
    if done < PAIRINGS:
        note("agent log:\n" + "\n".join(agent.all[-20:]))
    footprint_sample("after", "btpair agent", agent.proc.pid,
                     failed=done < PAIRINGS)
    agent.stop()

    bz = Bluez([1])
    ctl = Pty(["bluetoothctl"])
    ctl.expect(r"Agent registered", 20)
    time.sleep(1)
    procs = [("bluetoothd", bz.bluetoothd.proc.pid),
             ("dbus-daemon", bz.dbus.pid)]
    for tool, pid in procs:
        footprint_sample("idle", tool, pid)
    footprint_sample("idle", "bluetoothctl", ctl.pid)
    ctl.close()
    # Under load, bluetoothctl pairs from hci0 as a person would (scan,
    # pair, remove): bluetoothd cannot be the answering side here, because
    # it manages the initiating controller of this guest too and asks its
    # agent for that side's PIN as well; an agent takes one request at a
    # time, so hci0's request is refused as busy.
    ctl = Pty(["bluetoothctl"])
    ctl.expect(r"Agent registered", 20)
    ok = 0
    t0 = now()
    for _ in range(BLUEZ_PAIRINGS):
        if not scan_for(ctl, B):
            note("bluetoothctl: %s not found" % B)
        mark = len(ctl.text())
        ctl.send("pair " + B)
        if ctl.expect(r"Pairing successful", 60, since=mark,
                      fail=r"Failed to pair|not available",
                      prompt=r"Enter PIN code", answer=PIN) is None:
            note("bluetoothctl pair failed: %s" % ctl.text()[mark:][-500:])
        else:
            ok += 1
        mark = len(ctl.text())
        ctl.send("remove " + B)
        ctl.expect(r"Device has been removed|not available", 20, since=mark)
        unpair(0, 1)
    emit(group="load", tool="bluetoothd", value=ok, unit="pairings",
         n=BLUEZ_PAIRINGS, seconds=now() - t0)
    procs.append(("bluetoothctl", ctl.pid))
    for tool, pid in procs:
        footprint_sample("after", tool, pid, failed=ok < BLUEZ_PAIRINGS)
    ctl.close()
    if os.path.exists(SIMPLE_AGENT):
        sa = Background(["/usr/bin/python3", "-u", SIMPLE_AGENT],
                        log=WORK + "/simple-agent.log")
        if sa.wait_line("Agent registered", 30):
            time.sleep(1)
            footprint_sample("idle", "simple-agent (python3)", sa.proc.pid)
        else:
            note("simple-agent did not register: %s" % sa.all)
        sa.stop()
    else:
        note("no %s (bluez-test-scripts)" % SIMPLE_AGENT)
    bz.stop()


# 4: throughput --------------------------------------------------------------

def exited(proc):
    """Whether proc has ended, without reaping it (reap needs it)."""
    return os.waitid(os.P_PID, proc.pid,
                     os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def event_or_exit(peer, proc, limit):
    """The peer's report of this connection, or None once the client has
    ended without the peer reporting anything within a few seconds."""
    end = now() + limit
    gone = None
    while now() < end:
        ev = peer.event(0.5)
        if ev:
            return ev
        if gone is None and exited(proc):
            gone = now()
        if gone is not None and now() - gone > 5:
            return None
    return None


def cpu_children():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def reap(proc, cpu_before):
    """Wait for proc; return (status, CPU seconds it and its children used
    since cpu_before = cpu_children() was taken before it started). No
    other child of this process ends meanwhile."""
    rc = proc.wait()
    return rc, cpu_children() - cpu_before


def wait_path(path, proc, limit=60):
    """Whether path appeared before proc ended or the limit."""
    end = now() + limit
    while now() < end:
        if os.path.lexists(path):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.01)
    return False


def wait_cpu(proc):
    """Wait for proc (not by another wait); its exit status and its own
    user + system seconds, without any other child's."""
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, ru.ru_utime + ru.ru_stime


PTY_FLOOR = "pty read alone (no btpair)"
PTY_COPY = "pty to RFCOMM (no btpair)"
PTY_COPY_DOWN = "RFCOMM to pty (no btpair)"

# How a client that the run stops itself (SIGTERM once the peer has every
# byte; ev["stopped"]) ends: btpair as interrupted, 130; a program with no
# handler of its own killed by the signal.
STOPPED = (130, -signal.SIGTERM)


def tput_counts(ev, rc, nbytes):
    """Whether a throughput run gives a rate: every byte arrived, and the
    client's exit status says it succeeded. A client that failed fails the
    run whatever the peer got: its rate is not that of the job it was
    given."""
    # A client that closes at once resets the link under a reader that
    # already has every byte: not a failure.
    if not (ev and ev["bytes"] == nbytes
            and ev.get("received", nbytes) == nbytes):
        return False
    return rc == 0 or bool(ev.get("stopped") and rc in STOPPED)


def throughput():
    nbytes = MIB << 20
    blob = WORK + "/blob"
    with open(blob, "wb") as f:
        chunk = bytes(range(256)) * 4096
        for _ in range(nbytes // len(chunk)):
            f.write(chunk)
    hc05_like(1)
    btpair("-q", "setup")
    responder = Background([RESPONDER, "1", "--pin", PIN, "--timeout",
                            "100000"], log=WORK + "/responder.log")
    responder.wait_line("ready", 20)
    for _ in range(3):
        rc, out = btpair("pair", B, "--pin", PIN)
        if rc == 0:
            break
        state("pairing for the throughput test: " + out)
        time.sleep(2)
    if rc != 0:
        raise RuntimeError("pairing for the throughput test: " + out)
    sink = Peer("sink", 2)
    source = Peer("source", 3, nbytes)
    # For --pty, which stays connected: the sink reports on the last byte.
    counted = Peer("sink", 4, nbytes)
    got = WORK + "/got"
    tty = WORK + "/bench-pty"
    frames = nbytes // 4096

    def pty_writer(argv, stdout=subprocess.DEVNULL):
        # Start argv, which makes the pty at tty, then a writer on the
        # pty's far side (dd, not counted). None if the pty never came.
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout)
        if not wait_path(tty, p):
            p.kill()
            wait_cpu(p)
            return None, None
        w = subprocess.Popen(["dd", "if=" + blob, "of=" + tty, "bs=65536",
                              "status=none"], stdin=subprocess.DEVNULL)
        return p, w

    def pty_written(p, w, peer, stop=False):
        # The peer's event; then p's exit status and CPU, the writer gone.
        ev = event_or_exit(peer, p, 900)
        if stop:
            p.terminate()
            if ev:
                ev["stopped"] = True
        rc, cpu = wait_cpu(p)
        w.kill()
        w.wait()
        return ev, rc, cpu

    def up_pty():
        # btpair reads the master and sends; stopped with SIGTERM once
        # the peer has every byte.
        p, w = pty_writer([BTPAIR, "connect", B, "--channel", "4", "--pty",
                           tty])
        if not p:
            return None, -1, 0
        return pty_written(p, w, counted, stop=True)

    def down_pty(argv=(BTPAIR, "connect", B, "--channel", "3", "--pty",
                       tty)):
        # A reader on the pty's far side (head, not counted) takes what
        # btpair (or bench/ptycopy -d) writes to the master; it ends when
        # the peer closes.
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        if not wait_path(tty, p):
            p.kill()
            wait_cpu(p)
            return None, -1, 0
        out = open(got, "wb")
        r = subprocess.Popen(["head", "-c", str(nbytes), tty], stdout=out,
                             stdin=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        ev = event_or_exit(source, p, 900)
        rc, cpu = wait_cpu(p)
        err = p.stderr.read().decode(errors="replace").strip()
        try:
            r.wait(10)
        except subprocess.TimeoutExpired:
            r.kill()
            r.wait()
        out.close()
        if ev:
            ev["received"] = os.path.getsize(got)
            if err:
                ev["stderr"] = err[-300:]
        os.unlink(got)
        return ev, rc, cpu

    def pty_floor():
        # The pty's side alone, no Bluetooth: bench/ptycopy takes what the
        # same dd writes, in blocking reads with no poll.
        t0 = now()
        p, w = pty_writer([PTYCOPY, tty, str(nbytes)], stdout=subprocess.PIPE)
        if not p:
            return None
        out = p.stdout.read().decode(errors="replace").split()
        rc, cpu = wait_cpu(p)
        secs = now() - t0
        w.kill()
        w.wait()
        if rc != 0 or len(out) != 6:
            note("pty floor: exit %s, %s" % (rc, out))
            return None
        return dict(value=nbytes / secs, unit="B/s", seconds=secs,
                    cpu_per_mib=cpu / MIB, mib=MIB, reads=int(out[1]),
                    largest=int(out[5]), status=rc)

    def up_pty_copy():
        # The same pty and dd, passed on to RFCOMM by bench/ptycopy: no
        # poll, blocking sends as rctest's; it closes when all is sent.
        p, w = pty_writer([PTYCOPY, tty, str(nbytes), B, "2"])
        if not p:
            return None, -1, 0
        return pty_written(p, w, sink)

    def up(tool):
        if tool == "btpair connect --pty":
            return up_pty()
        if tool == PTY_COPY:
            return up_pty_copy()
        cpu0 = cpu_children()
        if tool == "btpair connect (stdio)":
            p = subprocess.Popen([BTPAIR, "connect", B, "--channel", "2"],
                                 stdin=open(blob, "rb"),
                                 stdout=subprocess.DEVNULL)
        elif tool == "btpair connect --exec":
            # In 4 KiB writes, as the bridge and rctest write: cat's
            # 128 KiB writes stalled the link for good on this kernel
            # (the writer asleep in sock_alloc_send_pskb, the reader
            # getting nothing).
            p = subprocess.Popen([BTPAIR, "connect", B, "--channel", "2",
                                  "--exec", "dd", "if=" + blob, "bs=4096",
                                  "status=none"],
                                 stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL)
        else:
            p = subprocess.Popen(["rctest", "-s", "-i", "hci0", "-P", "2",
                                  "-b", "4096", "-N", str(frames), "-L", "60",
                                  B], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        ev = event_or_exit(sink, p, 900)
        rc, cpu = reap(p, cpu0)
        return ev, rc, cpu

    def down(tool):
        if tool == "btpair connect --pty":
            return down_pty()
        if tool == PTY_COPY_DOWN:
            # The same with no btpair: blocking receives and writes.
            return down_pty((PTYCOPY, "-d", tty, str(nbytes), B, "3"))
        cpu0 = cpu_children()
        out = open(got, "wb")
        if tool == "btpair connect (stdio)":
            p = subprocess.Popen([BTPAIR, "connect", B, "--channel", "3"],
                                 stdin=subprocess.PIPE, stdout=out)
            p.stdin.write(b"x")
            p.stdin.close()
        elif tool == "btpair connect --exec":
            # The command reads the bytes it expects and ends, as a program
            # that knows its transfer does: after the last byte the device
            # closes the link, and the kernel gives a reader that is still
            # reading ECONNRESET (cat exits 1 on it), where the stdio
            # bridge and rctest end the link.
            p = subprocess.Popen([BTPAIR, "connect", B, "--channel", "3",
                                  "--exec", "sh", "-c",
                                  "printf x; exec head -c %d >%s"
                                  % (nbytes, got)],
                                 stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL)
        else:
            p = subprocess.Popen(["rctest", "-u", "-i", "hci0", "-P", "3",
                                  "-b", "4096", B], stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=subprocess.DEVNULL)
        ev = event_or_exit(source, p, 900)
        if tool.startswith("rctest"):
            # rctest -u reads until killed.
            time.sleep(1)
            p.terminate()
            if ev:
                ev["stopped"] = True
        rc, cpu = reap(p, cpu0)
        out.close()
        received = os.path.getsize(got)
        if tool.startswith("rctest"):
            received = ev["bytes"] if ev else 0
        os.unlink(got)
        if ev:
            ev["received"] = received
        return ev, rc, cpu

    tools = ("rctest", "btpair connect (stdio)", "btpair connect --pty",
             "btpair connect --exec")
    for rep in range(TPUT_REPS):
        for direction, fn in (("up", up), ("down", down)):
            order = tools + (PTY_COPY if direction == "up" else
                             PTY_COPY_DOWN,)
            if rep % 2:
                order = order[::-1]
            for tool in order:
                ev, rc, cpu = fn(tool)
                if not tput_counts(ev, rc, nbytes):
                    note("%s %s: exit %s, %s" % (direction, tool, rc, ev))
                    emit(group="tput-" + direction, tool=tool, failed=1,
                         status=rc, detail=ev)
                else:
                    secs = ev["last"] - ev["first"]
                    emit(group="tput-" + direction, tool=tool,
                         value=nbytes / secs, unit="B/s", seconds=secs,
                         cpu_per_mib=cpu / MIB, status=rc)
                time.sleep(0.5)
        floor = pty_floor()
        if floor:
            emit(group="tput-up", tool=PTY_FLOOR, **floor)
        else:
            emit(group="tput-up", tool=PTY_FLOOR, failed=1)
    sink.stop()
    source.stop()
    counted.stop()
    responder.stop()


# 5: scale ---------------------------------------------------------------------

def scale():
    peers = list(range(1, int(os.environ.get("BTVIRT_COUNT", "9"))))
    for i in peers:
        hc05_like(i)
    btpair("-q", "setup")

    def concurrent(tool, group, initiators):
        """Every initiator starts pairing with hci0 at the same moment;
        hci0's agent answers them all."""
        if tool == "btpair agent":
            agent = Background([BTPAIR, "-i", "hci0", "agent", "--pin", PIN,
                                "--allow-any"],
                               log=WORK + "/agent.log")
            agent.wait_line("serving hci0", 20)
            stop_agent = agent.stop
        else:
            ctl = Pty(["btmgmt", "--index", "0"])
            ctl.expect(r"\[hci0\]", 20)
            done = threading.Event()

            def answer():
                while not done.is_set():
                    ctl.expect(r"(?!)", 0.1, prompt=r"PIN Request",
                               answer=PIN)
            th = threading.Thread(target=answer, daemon=True)
            th.start()

            def stop_agent():
                done.set()
                th.join()
                ctl.close()
        reset(initiators)
        warm([(i, 0) for i in initiators])
        t0 = now()
        procs = [(i, subprocess.Popen(
            [BTPAIR, "-q", "-i", "hci%d" % i, "pair", A, "--pin", PIN,
             "--timeout", "30"], stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)) for i in initiators]
        ends = []
        ok = 0
        for i, p in procs:
            err = p.stderr.read().decode(errors="replace")
            rc = p.wait()
            ends.append(now() - t0)
            if rc == 0:
                ok += 1
            else:
                note("%s: hci%d exit %d: %s" % (tool, i, rc, err.strip()))
        total = now() - t0
        stop_agent()
        for i in initiators:
            unpair(0, i)
        if ok == len(initiators):
            emit(group=group, tool=tool, value=total, unit="s",
                 n=len(initiators), slowest=max(ends), fastest=min(ends))
        else:
            emit(group=group, tool=tool, failed=1, ok=ok,
                 n=len(initiators))

    def sequential(tool):
        """One provisioning run: hci0 pairs every peer in turn, each
        answering its own PIN request as an HC-05 does."""
        times = []
        reset(peers)
        warm([(0, i) for i in peers])
        # btmon records the run, so that a device that stalls it is shown
        # with its trace (stall_trace), not only counted.
        mon = btmon_start()
        time.sleep(1)
        walls = []
        t0 = now()
        ok = 0
        for i in peers:
            fn = btpair_pair if tool == "btpair pair" else btmgmt_pair
            w0 = time.time()
            t1, s0, out = fn(0, addr(i))
            walls.append((i, w0, time.time()))
            if t1 is None:
                note("sequential %s hci%d failed: %s" % (tool, i, out[-500:]))
            else:
                ok += 1
                times.append(t1 - s0)
        total = now() - t0
        time.sleep(0.5)
        mon.terminate()
        mon.wait()
        for i, w0, w1 in walls:
            if w1 - w0 > STALL:
                stall_trace("sequential %s hci%d took %.1f s" %
                            (tool, i, w1 - w0), w0, w1)
        for i in peers:
            unpair(0, i)
        if ok == len(peers):
            emit(group="scale-sequential", tool=tool, value=total,
                 unit="s", n=len(peers), times=times)
        else:
            emit(group="scale-sequential", tool=tool, failed=1, ok=ok,
                 n=len(peers))

    agents = ("btpair agent", "btmgmt agent")
    for rep in range(REPS // 2):
        for tool in (agents if rep % 2 == 0 else agents[::-1]):
            concurrent(tool, "scale-single", peers[:1])
            concurrent(tool, "scale-concurrent", peers)
    # The concurrent runs with btmgmt as the agent leave timed-out
    # pairings behind (btmgmt misses PIN prompts); the sequence is a fresh
    # provisioning run, so it starts on fresh controllers.
    fresh_controllers()
    for i in peers:
        hc05_like(i)
    btpair("-q", "setup")
    responders = [Background([RESPONDER, str(i), "--pin", PIN, "--timeout",
                              "100000"]) for i in peers]
    for r in responders:
        r.wait_line("ready", 20)
    seq_tools = ("btpair pair", "btmgmt pair")
    for rep in range(REPS // 2):
        for tool in (seq_tools if rep % 2 == 0 else seq_tools[::-1]):
            sequential(tool)
    for r in responders:
        r.stop()


# The device side of RFCOMM tests ---------------------------------------------

def peer(mode, channel, nbytes):
    """first: note when the first byte arrives, then read to the end.
    sink: count every byte, noting the first and the last.
    source: after the client's first byte (or half a second), send nbytes
    and close, lingering until they are out.
    One line "event {json}" per connection."""
    srv = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_STREAM,
                        socket.BTPROTO_RFCOMM)
    if mode == "first":
        # As an HC-05 does: no data without an authenticated link.
        srv.setsockopt(SOL_BLUETOOTH, BT_SECURITY,
                       struct.pack("BB", BT_SECURITY_MEDIUM, 0))
    srv.bind((B, channel))
    srv.listen(1)
    print("listening", flush=True)
    block = bytes(range(256)) * 16
    while True:
        conn, _ = srv.accept()
        ev = {"bytes": 0}
        try:
            if mode in ("first", "sink"):
                while True:
                    data = conn.recv(65536)
                    t = now()
                    if not data:
                        break
                    if not ev["bytes"]:
                        ev["first"] = t
                    ev["bytes"] += len(data)
                    ev["last"] = t
                    if mode == "first":
                        break
                    if nbytes and ev["bytes"] >= nbytes:
                        # A client that stays connected (--pty): report
                        # now, drain the rest unreported.
                        print("event " + json.dumps(ev), flush=True)
                        ev = None
                        while conn.recv(65536):
                            pass
                        break
            else:
                conn.settimeout(0.5)
                try:
                    conn.recv(16)
                except socket.timeout:
                    pass
                conn.settimeout(None)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 120))
                ev["first"] = now()
                left = nbytes
                while left > 0:
                    n = conn.send(block[:min(left, len(block))])
                    left -= n
                    ev["bytes"] += n
                conn.close()
                ev["last"] = now()
        except OSError as e:
            if ev is not None:
                ev["error"] = str(e)
        finally:
            conn.close()
        if ev is not None:
            print("event " + json.dumps(ev), flush=True)


# A Pi's boot, from its controller appearing to a line through the node ------

class Late(Exception):
    pass


def _late(signum, frame):
    raise Late()


def tty_line(dev, text, limit, after=None):
    """The program a Pi user runs on /dev/rfcommN, timed from the moment
    the kernel registers hci0 (polled every 5 ms; started before it
    exists): open the node, send TEXT, read the device's answer
    ("ok: TEXT"), again every 0.1 s while any step fails, as a program that
    wants its line through does. With AFTER, the attempts begin only once
    that file exists (a person has paired); the time still counts from
    hci0. Each attempt has at most 10 s: an open can wait on a link for
    good. Prints "line S ATTEMPTS" (S: seconds from hci0), or says how
    the last attempt failed and exits 1 after LIMIT seconds."""
    end = now() + limit
    print("watching for hci0", flush=True)
    while not os.path.exists("/sys/class/bluetooth/hci0"):
        if now() >= end:
            note("tty-line: hci0 never appeared")
            return 1
        time.sleep(0.005)
    t0 = now()
    print("hci0 %.6f" % t0, flush=True)
    while after and not os.path.exists(after):
        if now() >= end:
            note("tty-line: %s never came" % after)
            return 1
        time.sleep(0.05)
    signal.signal(signal.SIGALRM, _late)
    attempts, last = 0, "no attempt"
    want = ("ok: " + text).encode()
    while now() < end:
        attempts += 1
        fd = None
        try:
            signal.alarm(10)
            fd = os.open(dev, os.O_RDWR | os.O_NOCTTY)
            signal.alarm(0)
            attrs = termios.tcgetattr(fd)
            attrs[3] &= ~(termios.ECHO | termios.ICANON | termios.ISIG)
            attrs[0] &= ~(termios.ICRNL | termios.IXON)
            attrs[1] &= ~termios.OPOST
            termios.tcsetattr(fd, termios.TCSANOW, attrs)
            os.write(fd, (text + "\n").encode())
            got = b""
            stop = min(end, now() + 10)
            while b"\n" not in got and now() < stop:
                r, _, _ = select.select([fd], [], [], stop - now())
                if not r:
                    break
                chunk = os.read(fd, 256)
                if not chunk:
                    break
                got += chunk
            if got.startswith(want):
                print("line %.6f %d" % (now() - t0, attempts), flush=True)
                return 0
            last = "answer %r" % got[:40]
        except Late:
            last = "open still waiting after 10 s"
        except OSError as e:
            last = e.strerror or str(e)
        finally:
            signal.alarm(0)
            if fd is not None:
                os.close(fd)
        time.sleep(0.1)
    note("tty-line: no line through %s in %d s, %d attempts; the last: %s"
         % (dev, limit, attempts, last))
    return 1


def bluez_person(target, done, limit):
    """What a person does on a Pi's first boot with BlueZ, at machine
    speed: bluetoothctl (its agent registered), wait for the controller to
    be powered, scan until the device shows, pair typing the PIN, trust
    it. Writes the file DONE when paired; exits 1 if that did not come
    within LIMIT seconds."""
    end = now() + limit
    p = Pty(["bluetoothctl"])
    try:
        if p.expect(r"Agent registered", 20) is None:
            note("person: bluetoothctl registered no agent")
            return 1
        while True:
            mark = len(p.text())
            p.send("show")
            if p.expect(r"Powered: yes", 1, since=mark) is not None:
                break
            if now() >= end:
                note("person: the controller was never powered")
                return 1
            time.sleep(0.2)
        if not scan_for(p, target, max(1, end - now())):
            note("person: %s never showed in a scan" % target)
            return 1
        mark = len(p.text())
        p.send("pair " + target)
        t1 = p.expect(r"Pairing successful", max(1, end - now()),
                      fail=r"Failed to pair|not available",
                      prompt=r"Enter PIN code", answer=PIN, since=mark)
        if t1 is None or not p.answered:
            note("person: the pairing failed: %s"
                 % p.text()[mark:][-300:].replace("\n", " | "))
            return 1
        mark = len(p.text())
        p.send("trust " + target)
        p.expect(r"trust succeeded", 10, since=mark)
        with open(done, "w") as f:
            f.write("%.6f\n" % t1)
        note("person: paired and trusted")
        return 0
    finally:
        p.close()


# Where the time goes --------------------------------------------------------

def profile():
    """One cold `btpair pair` under strace -r, for the notes: its slowest
    steps, and the time from exec to Pair Device sent and from the reply
    to exit."""
    hc05_like(1)
    btpair("-q", "setup")
    responder = Background([RESPONDER, "1", "--pin", PIN, "--timeout",
                            "100000"], log=WORK + "/responder.log")
    responder.wait_line("ready", 20)
    settle()
    peer = Peer("first", 1)
    trace = WORK + "/strace.txt"
    for label, argv in (
            ("btpair pair", [BTPAIR, "pair", B, "--pin", PIN]),
            ("btpair connect --pin", [BTPAIR, "connect", B, "--channel",
                                      "1", "--pin", PIN, "--exec", "true"])):
        t0 = now()
        # -s 0: no buffer contents, so the PIN in PIN Code Reply never
        # reaches the trace or the console.
        rc, out = run(["strace", "-f", "-r", "-s", "0", "-o", trace] + argv,
                      timeout=60)
        emit(group="profile", tool=label, value=now() - t0, unit="s",
             status=rc)
        with open(trace, errors="replace") as f:
            lines = f.read().splitlines()
        steps = []
        for k, line in enumerate(lines):
            parts = line.split(None, 2)
            if len(parts) == 3:
                try:
                    steps.append((float(parts[1]), k))
                except ValueError:
                    pass
        note("profile %s: %d syscalls, exit %d" % (label, len(steps), rc))
        for gap, k in sorted(steps, reverse=True)[:8]:
            # strace -r: the time since the previous call began, so the
            # slow call is the previous line.
            note("  %.4f s before: %s" % (gap, lines[k][:150]))
            if k:
                note("       after: %s" % lines[k - 1][:150])
        unpair(0, 1)
    peer.stop()
    responder.stop()


def environment():
    """What the figures were measured on, as the guest sees it."""
    def first_line(argv):
        rc, out = run(argv, timeout=20)
        return out.strip().splitlines()[0] if out.strip() else "?"
    emit(group="env", kernel=os.uname().release,
         btpair=first_line([BTPAIR, "--version"]),
         bluez=first_line([BLUETOOTHD, "--version"]),
         python=sys.version.split()[0],
         controllers=int(os.environ.get("BTVIRT_COUNT", "2")),
         cpus=os.cpu_count())


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "peer":
        peer(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return 0
    if len(sys.argv) in (5, 6) and sys.argv[1] == "tty-line":
        return tty_line(sys.argv[2], sys.argv[3], float(sys.argv[4]),
                        sys.argv[5] if len(sys.argv) == 6 else None)
    if len(sys.argv) == 5 and sys.argv[1] == "bluez-person":
        return bluez_person(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    groups = {"pairing": pairing, "footprint": footprint,
              "throughput": throughput, "scale": scale, "profile": profile}
    for name in sys.argv[1:]:
        if name not in groups:
            print("bench.py: unknown group %s" % name, file=sys.stderr)
            return 2
    environment()
    for name in sys.argv[1:]:
        t0 = now()
        note("%s: start" % name)
        groups[name]()
        note("%s: done in %.1f s" % (name, now() - t0))
        emit(group="elapsed", tool=name, value=now() - t0, unit="s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
