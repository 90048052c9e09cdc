"""An exclusive lock on an index folder, so two writers never interleave."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rag.errors import IndexLockedError

LOCK_FILE = "index.lock"
POLL_SECONDS = 0.2


@contextmanager
def index_lock(index_dir: Path, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the index's write lock; wait up to ``wait_s`` for another writer, then refuse.

    The OS drops the lock when its holder dies, so a killed ``rag index`` never leaves the
    index locked.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_s
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another"
                    raise IndexLockedError(
                        f"the index at {index_dir} is being written by process {holder}: wait "
                        "for it to finish (or pass --wait SECONDS), then run the command again"
                    ) from None
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the flock
