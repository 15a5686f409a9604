"""Concurrent writers on one log (issue 8 §9): each reads the clock under the log's lock, so
the times recorded never go backwards in index order and nobody is refused for it."""

from __future__ import annotations

import datetime as dt
import threading
import time

from handover import actions
from handover.clock import now_jst
from handover.model.journal import Journal


def test_concurrent_writers_record_times_in_index_order(world):
    base = world.j
    errors: list[BaseException] = []

    def slow_clock():
        # Reading the time, then being held up, is what a writer waiting for the lock does;
        # the pause widens that window so a clock read outside the lock shows every time.
        moment = now_jst()
        time.sleep(0.005)
        return moment

    def writer(n: int) -> None:
        j = Journal(base.engine, base.log, base.key_path, clock=slow_clock, host=base.host,
                    os_user=base.os_user, signers=base.signers)
        try:
            for i in range(8):
                actions.record_remark(j, world.taro, f"writer {n} remark {i}")
        except BaseException as e:   # collected, then asserted in the main thread
            errors.append(e)

    before = world.size()
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    fresh = [e for e in world.entries() if e.index >= before]
    assert len(fresh) == 32
    times = [dt.datetime.fromisoformat(e.time) for e in fresh]
    assert times == sorted(times), "a recorded time went backwards"
