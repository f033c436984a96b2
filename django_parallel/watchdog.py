"""Makes SIGINT and SIGTERM effective while the main thread waits inside a
database driver's C code.

Python runs a signal handler only between bytecodes of the main thread. A
driver call that blocks in C and retries the system calls a signal
interrupts (mysqlclient waiting on a server that does not answer, or on a
lock) would keep the run's handlers from ever running. A watchdog thread,
woken by each signal (``signal.set_wakeup_fd``), waits a moment for the
run's handler to have run; if it has not, it shuts down the process's
sockets to the configured database servers, so the driver call fails and
the handler runs. Only those sockets: the run's pipes to its workers and
any other connection are left alone.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# How long the run's handler gets before its database sockets are shut down.
GRACE_SECONDS = 3.0


_forks_reset = False


def _reset_in_child() -> None:
    # A forked worker must not wake its parent's watchdog with its own
    # signals through the inherited pipe.
    try:
        signal.set_wakeup_fd(-1)
    except (ValueError, OSError):
        pass


class SignalWatchdog:
    def __init__(self, interrupts) -> None:
        self.interrupts = interrupts
        # Set to end the thread: for good (stop) or for a fork (paused).
        self._stop = threading.Event()
        self._closing = False
        self._write: int | None = None
        self._read: int | None = None
        self._thread: threading.Thread | None = None
        self._previous_fd = -1

    def start(self) -> None:
        read, write = os.pipe()
        os.set_blocking(write, False)
        try:
            self._previous_fd = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
        except (ValueError, OSError):
            os.close(read)
            os.close(write)
            return
        self._write = write
        global _forks_reset
        if not _forks_reset:
            os.register_at_fork(after_in_child=_reset_in_child)
            _forks_reset = True
        self._read = read
        self._start_thread()

    def _start_thread(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._watch,
            args=(self._read,),
            daemon=True,
            name="django_parallel-signals",
        )
        self._thread.start()

    def _wake(self) -> None:
        try:
            os.write(self._write, b"\0")
        except OSError:
            pass  # The watchdog has ended already.

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No watchdog thread for the block: a process that forks must have
        no other thread. A signal meanwhile stays in the pipe, for the
        thread started again after the block."""
        if self._write is None or self._thread is None:
            yield
            return
        self._stop.set()
        self._wake()
        self._thread.join()
        self._thread = None
        try:
            yield
        finally:
            if self._write is not None:
                self._start_thread()

    def stop(self) -> None:
        """Put the previous wake-up fd back and end the watchdog. The
        watchdog closes the read end, this the write end: neither closes a
        number the other may still use."""
        if self._write is None:
            return
        signal.set_wakeup_fd(self._previous_fd)
        self._closing = True
        self._stop.set()
        self._wake()
        os.close(self._write)
        self._write = None
        if self._thread is None:
            # Paused: no thread is left to close the read end.
            os.close(self._read)

    def _watch(self, read: int) -> None:
        # Handler calls seen at the last check: a signal is handled when a
        # call comes after it (signals that come together run it once).
        baseline = self.interrupts.calls
        try:
            while not self._stop.is_set():
                received = os.read(read, 64)
                if self._stop.is_set() or not received:
                    return
                signals = {signal.SIGINT, signal.SIGTERM}.intersection(received)
                if not signals:
                    continue
                if self._stop.wait(GRACE_SECONDS):
                    return
                # Signals that came during the wait are covered by this check.
                while select.select([read], [], [], 0)[0]:
                    more = os.read(read, 64)
                    if not more:
                        return
                    signals.update({signal.SIGINT, signal.SIGTERM}.intersection(more))
                stuck = self.interrupts.calls == baseline
                baseline = self.interrupts.calls
                if stuck and any(self._ours_installed(s) for s in signals):
                    shut_down_database_sockets()
        except OSError:
            return
        finally:
            if self._closing:
                os.close(read)

    def _ours_installed(self, signum: int) -> bool:
        # unittest's Ctrl-C handler (while tests run) lets the running test
        # finish by design: nothing to unblock for SIGINT then.
        if signum == signal.SIGTERM:
            return signal.getsignal(signal.SIGTERM) == self.interrupts.terminate
        return signal.getsignal(signal.SIGINT) is self.interrupts


def _database_endpoints() -> tuple[set[int], set[str]]:
    """TCP ports and Unix socket paths of the configured databases."""
    from django.conf import settings

    ports: set[int] = set()
    paths: set[str] = set()
    defaults = {"postgresql": 5432, "mysql": 3306}
    for database in getattr(settings, "DATABASES", {}).values():
        engine = str(database.get("ENGINE", ""))
        host = str(database.get("HOST") or "")
        port = database.get("PORT")
        try:
            ports.add(int(port))
        except (TypeError, ValueError):
            for vendor, number in defaults.items():
                if vendor in engine:
                    ports.add(number)
        if host.startswith("/"):
            paths.add(host)
        unix_socket = (database.get("OPTIONS") or {}).get("unix_socket")
        if unix_socket:
            paths.add(str(unix_socket))
    return ports, paths


def shut_down_database_sockets() -> None:
    """Shut down this process's connections to the configured database
    servers (a blocked read on one then fails)."""
    ports, paths = _database_endpoints()
    try:
        descriptors = [int(fd) for fd in os.listdir("/proc/self/fd")]
    except OSError:
        descriptors = list(range(3, 1024))
    for fd in descriptors:
        try:
            sock = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        try:
            if sock.type != socket.SOCK_STREAM:
                continue
            peer = sock.getpeername()
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                wanted = peer[1] in ports
            elif sock.family == socket.AF_UNIX:
                path = peer.decode() if isinstance(peer, bytes) else peer
                wanted = bool(path) and any(path.startswith(p) for p in paths)
            else:
                wanted = False
            if wanted:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        finally:
            # Closes the duplicate only; the shutdown reached the socket.
            sock.close()
