#!/usr/bin/python3
"""How long each rebalance of the jobs topic took, from worker logs.

Usage: rebalances.py [--until EPOCH_MS] TOPIC PARTITIONS WORKER.log...

Reads the "assigned TOPIC/N" and "revoked TOPIC/N" lines (JSON, with their
"time") of every log, in time order, and follows which worker owns each
partition. A rebalance starts with the first revocation while all
PARTITIONS partitions are owned, and ends when all are owned again; the
first assignment of all is reported too. Prints one line per rebalance:

  rebalance N: D ms (revoked at T0, all P partitions assigned at T1, to a b c)

and exits 1 when a rebalance never ended (partitions left unowned).
Lines from EPOCH_MS on (the final shutdown) are left out.
"""
import datetime
import json
import os
import re
import sys


def events(topic, paths):
    pat = re.compile(r"^(assigned|revoked) " + re.escape(topic) + r"/(\d+)$")
    out = []
    for path in paths:
        name = os.path.basename(path)
        name = re.sub(r"^worker-(.*)\.log$", r"\1", name)
        with open(path, errors="replace") as f:
            for line in f:
                if not line.startswith("{"):
                    continue
                try:
                    o = json.loads(line)
                except ValueError:
                    continue
                m = pat.match(o.get("msg", ""))
                if not m:
                    continue
                t = datetime.datetime.strptime(
                    o["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                        tzinfo=datetime.timezone.utc)
                out.append((t, name, m.group(1), int(m.group(2))))
    out.sort(key=lambda e: e[0])
    return out


def main():
    args = sys.argv[1:]
    until = None
    if args[:1] == ["--until"]:
        until = datetime.datetime.fromtimestamp(int(args[1]) / 1000,
                                                datetime.timezone.utc)
        args = args[2:]
    topic, parts, paths = args[0], int(args[1]), args[2:]
    owner = {}
    start = None
    first = None
    n = 0
    unfinished = False
    for t, who, kind, p in events(topic, paths):
        if until is not None and t >= until:
            break
        if kind == "revoked":
            if len(owner) == parts and start is None:
                start = t
            if owner.get(p) == who:
                del owner[p]
        else:
            owner[p] = who
            if len(owner) == parts:
                if first is None and start is None:
                    first = t
                    print("first assignment: all %d partitions at %s, to %s"
                          % (parts, t.strftime("%H:%M:%S.%f")[:-3],
                             " ".join(sorted(set(owner.values())))))
                elif start is not None:
                    n += 1
                    ms = (t - start).total_seconds() * 1000
                    print("rebalance %d: %.0f ms (revoked at %s, all %d "
                          "partitions assigned at %s, to %s)"
                          % (n, ms, start.strftime("%H:%M:%S.%f")[:-3], parts,
                             t.strftime("%H:%M:%S.%f")[:-3],
                             " ".join(sorted(set(owner.values())))))
                    start = None
    if start is not None:
        print("rebalance %d: never ended (%d of %d partitions owned)"
              % (n + 1, len(owner), parts))
        unfinished = True
    print("rebalances: %d" % n)
    return 1 if unfinished else 0


if __name__ == "__main__":
    sys.exit(main())
