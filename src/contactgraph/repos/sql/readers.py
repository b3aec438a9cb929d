"""The idle read connections a SQL backend keeps checked out between reads.

A read costs little more than its queries: no pool checkout, reset or pre-ping
each time (PostgreSQL prepares repeated statements on them). An idle connection
the server said goodbye to meanwhile (a restart) is never handed to a read, and
connections held before a ``fork`` are left to the parent.
"""

from __future__ import annotations

import os
import select
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from contactgraph.repos.sql.errors import driver_errors

__all__ = ["IDLE_READERS", "Readers", "heard_from_server"]

IDLE_READERS = 4
"""How many read connections a backend keeps checked out between reads."""

_FORKS = [0]
"""How many times this process is a fork's child: read connections held before a
fork are the parent's (counted at fork time, not asked of the system at each read)."""
os.register_at_fork(after_in_child=lambda: _FORKS.__setitem__(0, _FORKS[0] + 1))

_ABANDONED: list[Connection] = []
"""Idle connections inherited through ``fork``: never used nor closed here (the
parent owns their sockets), and kept referenced so that collecting them does
not reset the parent's connections."""


def heard_from_server(conn: Connection, driver: Any = None) -> bool:
    """Whether the server sent something to an idle connection, which it never does but to close it.

    A PostgreSQL server that restarts or terminates a session writes a last
    message and closes the socket; reading the socket's state costs a system
    call, not a round trip, so an idle reader that went stale meanwhile is
    never handed to a read (which would fail although the server is back).
    ``driver``: the connection's driver connection, when known.
    """
    if driver is None:
        driver = conn.connection.driver_connection
    pgconn = getattr(driver, "pgconn", None)
    if pgconn is None:  # SQLite: no server
        return False
    gone: tuple[type[Exception], ...] = (OSError, ValueError, *driver_errors())
    try:
        readable, _, _ = select.select([pgconn.socket], [], [], 0)
    except gone:  # closed already: no socket
        return True
    return bool(readable)


class Readers:
    """The idle read connections of one engine, shared by its tenants' backends."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._idle: list[tuple[Connection, Any]] = []
        """Each idle connection with its driver connection (looked up once, not per read)."""
        self._closed = False
        self._forks = _FORKS[0]
        self._remote = engine.dialect.name != "sqlite"
        self._options: dict[str, Any] = (
            {}
            if engine.dialect.name == "sqlite"
            else {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )

    def take(self) -> Connection:
        """An idle read connection, else a new one from the pool."""
        return self.take_with_driver()[0]

    def take_with_driver(self) -> tuple[Connection, Any]:
        """:meth:`take`, and the connection's driver connection."""
        if _FORKS[0] != self._forks:  # forked: the idle ones share the parent's sockets
            _ABANDONED.extend(conn for conn, _ in self._idle)
            self._idle = []
            self._forks = _FORKS[0]
        while True:
            try:
                conn, driver = self._idle.pop()
            except IndexError:
                conn = self._engine.connect().execution_options(**self._options)
                return conn, conn.connection.driver_connection
            if not self._remote or not heard_from_server(conn, driver):
                return conn, driver
            conn.invalidate()  # it said goodbye while idle (a restart): a fresh one instead

    def give_back(self, conn: Connection, driver: Any = None) -> None:
        """Keep a read connection whose transaction ended well for the next read
        (``driver``: its driver connection, when known)."""
        if len(self._idle) < IDLE_READERS and not conn.invalidated and not self._closed:
            self._idle.append((conn, driver or conn.connection.driver_connection))
        else:
            conn.close()

    def on_error(self, context: sa.engine.ExceptionContext) -> None:
        """A connection of the engine lost the server: the idle ones surely did too."""
        if context.is_disconnect:
            self.drop_idle()

    def drop_idle(self) -> None:
        """Forget the idle read connections (the next read takes a fresh, pre-pinged one)."""
        while self._idle:
            try:
                conn, _ = self._idle.pop()
            except IndexError:  # taken meanwhile by another thread
                return
            conn.invalidate()

    def close(self) -> None:
        self._closed = True  # a read still running closes its connection when it ends
        while self._idle:
            self._idle.pop()[0].close()
