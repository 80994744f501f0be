#!/usr/bin/python3
"""Check btpair's JSON lines against tests/json-schema.json.

    tests/json-check.py [--schema FILE] [FILE...]   each line of each FILE
                                                    (or stdin, or -)
    tests/json-check.py --doc doc/json.md --man doc/btpair.1
                                                    the documents list the
                                                    schema's events and keys

Every line must be valid UTF-8 and one JSON object with no duplicate key
and no NaN, whose "event" is a documented type and whose keys are exactly
that type's, each of its type. A failure names the file and line, shows
the line, and the exit status is 1. Standard library only.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ADDR = re.compile(r"^[0-9A-F]{2}(:[0-9A-F]{2}){5}$")
# How doc/json.md spells each type.
DOC_TYPES = {
    "int": "integer",
    "str": "string",
    "bool": "boolean",
    "addr": "address",
    "strs": "array of strings",
}


class Bad(Exception):
    pass


def load_schema(path):
    with open(path, encoding="utf-8") as f:
        events = json.load(f)["events"]
    for name, keys in events.items():
        if not keys or not all(isinstance(t, (str, list)) for t in keys.values()):
            raise SystemExit(f"{path}: event {name}: bad key types")
    return events


def type_ok(spec, value):
    if isinstance(spec, list):
        return isinstance(value, str) and value in spec
    if spec.endswith("?"):
        if value is None:
            return True
        spec = spec[:-1]
    if spec == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if spec == "str":
        return isinstance(value, str)
    if spec == "bool":
        return isinstance(value, bool)
    if spec == "addr":
        return isinstance(value, str) and ADDR.match(value) is not None
    if spec == "strs":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    raise SystemExit(f"unknown type {spec!r} in the schema")


def no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise Bad(f"duplicate key {k!r}")
        obj[k] = v
    return obj


def no_constant(name):
    raise Bad(f"{name} is not JSON")


def check_line(events, raw):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Bad(f"not valid UTF-8 ({e.reason} at byte {e.start})")
    if not text.strip():
        raise Bad("an empty line")
    try:
        obj = json.loads(text, object_pairs_hook=no_duplicates,
                         parse_constant=no_constant)
    except ValueError as e:
        raise Bad(f"not JSON: {e}")
    if not isinstance(obj, dict):
        raise Bad("not a JSON object")
    event = obj.get("event")
    if not isinstance(event, str):
        raise Bad('no "event" string')
    if event not in events:
        raise Bad(f"undocumented event type {event!r}")
    want = events[event]
    have = set(obj) - {"event"}
    missing = sorted(set(want) - have)
    extra = sorted(have - set(want))
    if missing:
        raise Bad(f"{event}: missing key(s) {', '.join(missing)}")
    if extra:
        raise Bad(f"{event}: undocumented key(s) {', '.join(extra)}")
    for k, spec in want.items():
        if not type_ok(spec, obj[k]):
            raise Bad(f"{event}: {k} is {json.dumps(obj[k])}, not {spec}")
    return event


def check_files(events, paths):
    bad = lines = 0
    seen = set()
    for path in paths or ["-"]:
        f = sys.stdin.buffer if path == "-" else open(path, "rb")
        with f:
            data = f.read()
        chunks = data.split(b"\n")
        if chunks and chunks[-1] == b"":
            chunks.pop()
        for n, raw in enumerate(chunks, 1):
            lines += 1
            try:
                seen.add(check_line(events, raw))
            except Bad as e:
                bad += 1
                shown = raw.decode("utf-8", "backslashreplace")
                print(f"{path}:{n}: {e}\n    {shown}", file=sys.stderr)
    print(f"json: {lines} line(s), {len(seen)} event type(s), {bad} bad")
    return 1 if bad else 0


def doc_type(spec):
    if isinstance(spec, list):
        return "string"
    base = DOC_TYPES[spec.rstrip("?")]
    return base + " or null" if spec.endswith("?") else base


def check_doc(events, path):
    """doc/json.md: a '### `event`' heading per event, then a table of
    '| `key` | type | meaning |' rows."""
    found = {}
    current = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^### `([a-z-]+)`", line)
            if m:
                current = found.setdefault(m.group(1), {})
                continue
            if line.startswith("## "):
                current = None
            m = re.match(r"^\| `([a-z_]+)` \| ([a-z ]+?) \|", line)
            if m and current is not None:
                current[m.group(1)] = m.group(2)
    problems = []
    for name, keys in events.items():
        if name not in found:
            problems.append(f"{path}: no section for event {name}")
            continue
        want = {k: doc_type(t) for k, t in keys.items()}
        if found[name] != want:
            problems.append(f"{path}: {name}: documents {found[name]}, "
                            f"the schema says {want}")
    for name in found:
        if name not in events:
            problems.append(f"{path}: event {name} is not in the schema")
    return problems


def check_man(events, path):
    """The man page's JSON EVENTS: '.TP', '.B event', then 'key, key'."""
    with open(path, encoding="utf-8") as f:
        src = f.read().replace("\\-", "-")
    section = re.search(r"^\.SS JSON EVENTS\n(.*?)(?=^\.S[HS] )", src,
                        re.M | re.S)
    if not section:
        return [f"{path}: no JSON EVENTS subsection"]
    found = {}
    for m in re.finditer(r"^\.TP\n\.B ([a-z-]+)\n(.*)$", section.group(1),
                         re.M):
        found[m.group(1)] = [k.strip() for k in m.group(2).split(",")]
    problems = []
    for name, keys in events.items():
        if found.get(name) != list(keys):
            problems.append(f"{path}: {name}: lists {found.get(name)}, "
                            f"the schema says {list(keys)}")
    for name in found:
        if name not in events:
            problems.append(f"{path}: event {name} is not in the schema")
    return problems


def main(argv):
    schema = os.path.join(HERE, "json-schema.json")
    doc = man = None
    files = []
    args = iter(argv)
    for a in args:
        if a == "--schema":
            schema = next(args)
        elif a == "--doc":
            doc = next(args)
        elif a == "--man":
            man = next(args)
        elif a.startswith("--"):
            print(f"usage: {__doc__}", file=sys.stderr)
            return 2
        else:
            files.append(a)
    events = load_schema(schema)
    if doc or man:
        problems = (check_doc(events, doc) if doc else []) + \
            (check_man(events, man) if man else [])
        for p in problems:
            print(p, file=sys.stderr)
        print(f"json docs: {len(events)} event types, "
              f"{len(problems)} problem(s)")
        if problems or not files:
            return 1 if problems else 0
    return check_files(events, files)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
