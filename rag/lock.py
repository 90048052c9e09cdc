"""An exclusive lock on an index folder, so two writers never interleave."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rag.errors import IndexLockedError

LOCK_FILE = "index.lock"
POLL_SECONDS = 0.2

# Index folders held in this process: folder -> (holding thread, hold count). The holding
# thread may take the lock again (``rag index --rebuild`` drops the index and indexes under
# one hold); any other thread or process waits or is refused.
_held: dict[Path, tuple[int, int]] = {}
_held_guard = threading.Lock()


def _key(index_dir: Path) -> Path:
    return Path(index_dir).resolve()


def is_locked(index_dir: Path) -> bool:
    """Whether a writer (in this process or another) holds the index's lock right now."""
    if _key(index_dir) in _held:
        return True
    path = Path(index_dir) / LOCK_FILE
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also drops the shared lock if it was taken
    return False


@contextmanager
def index_lock(index_dir: Path, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the index's write lock; wait up to ``wait_s`` for another writer, then refuse.

    The OS drops the lock when its holder dies, so a killed ``rag index`` never leaves the
    index locked.
    """
    key = _key(index_dir)
    me = threading.get_ident()
    with _held_guard:
        holder = _held.get(key)
        reentered = holder is not None and holder[0] == me
        if reentered:
            _held[key] = (me, holder[1] + 1)
    if reentered:
        try:
            yield
        finally:
            with _held_guard:
                _held[key] = (me, _held[key][1] - 1)
        return

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
        with _held_guard:
            _held[key] = (me, 1)
        try:
            yield
        finally:
            with _held_guard:
                _held.pop(key, None)
    finally:
        os.close(fd)  # closing releases the flock
