"""Run the newsfeed command line and SIGKILL it at its Nth step (test helper, not a test).

    python killpoints.py KILL_AT LOG NOW_ISO newsfeed-arguments...

Steps are the moments a real kill can land between: each store transaction (after BEGIN,
before COMMIT, after COMMIT), each published file's rename (before, after), and each progress
report (inside gathering, topic extraction, the related index, publishing). KILL_AT 0 runs to
the end and writes the label of every step to LOG, one per line, so a test can choose.
The clock is fixed at NOW_ISO, so a killed run and its rerun see the same time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from datetime import datetime


def main() -> int:
    kill_at, log, now = int(sys.argv[1]), sys.argv[2], datetime.fromisoformat(sys.argv[3])
    labels: list[str] = []

    def step(label: str) -> None:
        labels.append(label)
        if len(labels) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    from newsfeed import cli
    from newsfeed.commands import common
    from newsfeed.deliver import files
    from newsfeed.store import store

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return now

    cli.datetime = Clock

    transaction = store.Store.transaction

    @contextlib.contextmanager
    def counted(self, *args, **kwargs):
        with transaction(self, *args, **kwargs) as conn:
            step("begin")
            yield conn
            step("before commit")
        step("after commit")

    store.Store.transaction = counted

    replace = os.replace

    class _Os:
        def __getattr__(self, name):
            return getattr(os, name)

        @staticmethod
        def replace(source, target):
            step("before rename")
            replace(source, target)
            step("after rename")

    files.os = _Os()

    report = common.ProgressBar.__call__

    def progress(self, phase, done, total):
        step(f"progress {phase}")
        return report(self, phase, done, total)

    common.ProgressBar.__call__ = progress
    try:
        code = cli.main(sys.argv[4:], standalone_mode=False) or 0
    finally:
        if kill_at == 0:
            with open(log, "w") as handle:
                handle.write("\n".join(labels) + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
