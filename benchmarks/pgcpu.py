"""CPU time spent by a PostgreSQL cluster, read from ``/proc`` (Linux), for benchmarks.

On a shared machine wall time measures the load as much as the code: a
benchmark charges each side the CPU its own process used *and* the CPU the
cluster's processes used while it ran (``cluster_cpu`` before and after), and
compares client + server CPU. Shared by ``bench_import.py`` and ``bench_reads.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cluster_cpu", "cluster_cpu_precise", "postmaster"]


def _cpu_ticks(stat: str, with_children: bool) -> int:
    """utime + stime (and the reaped children's, if asked) from a ``/proc/PID/stat`` line."""
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    ticks = int(fields[11]) + int(fields[12])
    return ticks + (int(fields[13]) + int(fields[14]) if with_children else 0)


def cluster_cpu(postmaster: int) -> float:
    """CPU seconds spent so far by a PostgreSQL cluster: the postmaster, its live
    processes (backends, WAL writer, checkpointer…) and those that ended (which the
    postmaster reaped, so they are in its children's times)."""
    ticks = _cpu_ticks(Path(f"/proc/{postmaster}/stat").read_text(), with_children=True)
    for _, stat in _children(postmaster):
        ticks += _cpu_ticks(stat, with_children=False)
    return ticks / os.sysconf("SC_CLK_TCK")


def _children(parent: int) -> list[tuple[int, str]]:
    """``(pid, /proc/PID/stat line)`` of every live process whose parent is ``parent``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append((int(entry.name), stat))
    return found


def cluster_cpu_precise(postmaster: int) -> float:
    """:func:`cluster_cpu` to the nanosecond for the live processes (their
    ``/proc/PID/schedstat``, where ``stat`` counts clock ticks of 10 ms), for
    measures of a few milliseconds: a read's server work. Processes that ended
    are still counted in ticks (the postmaster's children's times)."""
    stat = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
    seconds = (int(stat[13]) + int(stat[14])) / os.sysconf("SC_CLK_TCK")
    nanos = 0
    for pid in [postmaster, *(pid for pid, _ in _children(postmaster))]:
        try:
            nanos += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
        except (OSError, ValueError):
            continue  # ended meanwhile: counted in the postmaster's children's times later
    return seconds + nanos / 1e9


def postmaster(url: str) -> int:
    """The process id of the cluster's postmaster (first line of ``postmaster.pid``);
    the cluster must run on this machine."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SHOW data_directory").fetchone()
    assert row is not None
    return int((Path(row[0]) / "postmaster.pid").read_text().split()[0])
