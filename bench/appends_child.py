"""The plain durable append of another checkout, driven block by block from
bench_ledger.py `appends --baseline TREE` so that both run in the same minutes.

    python3 bench/appends_child.py TREE URL      (then, on stdin: a count per line)

Imports `ledger` from TREE (e.g. `git archive bd12f38 | tar -x -C /tmp/base`), makes a fresh
log in URL, and for each count read appends that many entries, one durable transaction each,
exactly as TREE's own benchmark did, and prints the seconds spent (the pipe not included).
"""

import sys
import time
from pathlib import Path

tree, url = sys.argv[1], sys.argv[2]
sys.path.insert(0, str(Path(tree).resolve()))

import ledger  # noqa: E402  (TREE's ledger, not this checkout's)

T0 = "2026-11-22T10:00:00+09:00"
PAYLOAD = {"case": "C-XXXX-XXXX-XXXX-X", "medium": "M-JN5K-PT2Y-WJP9-8", "records": 68000,
           "method": "hand", "to": "U-ABCD-EFGH-JKMN-P"}

engine = ledger.create_engine(url)
ledger.create_schema(engine)
i = 0
for line in sys.stdin:
    t = time.perf_counter()
    for _ in range(int(line)):
        with ledger.writer(engine, "baseline") as lg:
            ledger.append(lg, "MediumProvided", PAYLOAD | {"i": i}, "U-STAFF", T0)
        i += 1
    print(time.perf_counter() - t, flush=True)
engine.dispose()
