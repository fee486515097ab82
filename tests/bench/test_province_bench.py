"""Benchmark (issue 16): every command a province runs, whole, at 1,000 / 10,000 / 100,000 departments.

Each command runs as a user runs it (a new ``extranet`` process in a workspace made by ``extranet inventory synth``)
``REPEAT`` times, on files a load found valid before (their memo in ``var/cache``, as after any command) and, for
the commands a user runs first after an edit, on files changed since (``…, files changed``: no memo). The table
gives the median wall time and the peak resident memory of the slowest run (the kernel's ``ru_maxrss`` of the
child, from ``os.wait4``), the growth from 10,000 to 100,000 (linear = 10×) and the target at 100,000 with ``ok``
or ``OVER``. Beside it, the floors a user's own script could not beat: parsing the
inventory's YAML with PyYAML's C loader, and the report's counts by one SQL query in the ``sqlite3`` shell.

    make bench                                         # all three sizes
    EXTRANET_BENCH_SIZES=1000,10000 make bench         # a quick look
    EXTRANET_BENCH_REPEAT=1                            # one run per command
    EXTRANET_BENCH_PG_SIZES=1000,10000                 # PostgreSQL at these sizes only

No timed assertions: the only assertions are that every command succeeded. The figures are written to
``var/bench/province.json`` too.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench.province import seed_audit_events, seed_probe_runs
from tests.postgres import postgres_server, unavailable

REPO = Path(__file__).resolve().parents[2]
EXTRANET = str(Path(sys.executable).parent / "extranet")
SIZES = tuple(int(n) for n in os.environ.get("EXTRANET_BENCH_SIZES", "1000,10000,100000").split(","))
REPEAT = int(os.environ.get("EXTRANET_BENCH_REPEAT", "3"))
# sizes measured on PostgreSQL too (its 30 runs are seeded by COPY beside SQLite's: minutes at 100,000)
PG_SIZES = tuple(int(n) for n in os.environ.get("EXTRANET_BENCH_PG_SIZES", ",".join(map(str, SIZES))).split(","))
PG_PORT = 54339
TIME = "/usr/bin/time"  # GNU time (Debian package time): the peak memory of the command itself
# seconds at 100,000 departments (issue 16); memory ≤ 1 GiB for each
TARGETS = {
    "inventory check": 5, "plan --apply (empty lock)": 15, "plan (nothing to change)": 5, "plan export -f csv": 10,
    "plan export -f netbox": 10, "plan dns": 10, "plan show --site S": 2, "plan show: first line": 2,
    "inventory ansible --list": 10, "report connections (SQLite, 30 runs)": 10,
    "report connections (PostgreSQL, 30 runs)": 10, "render every device for a push": 60,
    "audit verify (N events)": 3,
    # the same commands on files changed since the last load (no memo of them in var/cache: checked in full)
    "inventory check, files changed": 5, "plan (nothing to change), files changed": 5,
    "plan show --site S, files changed": 2,
}  # fmt: skip
COLD = ", files changed"
FLOORS = ("floor: PyYAML C loader over inventory/", "floor: sqlite3 GROUP BY of the last run")
MEMORY_TARGET_MIB = 1024


@dataclass
class Figure:
    seconds: list[float] = field(default_factory=list)
    peak_mib: float = 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def measure(args: list[str], cwd: Path, env: dict[str, str] | None = None,
            first_line: bool = False) -> tuple[float, float]:  # fmt: skip
    """One run of a command: (wall seconds, peak RSS MiB, as GNU time reads it from the kernel for that process
    alone). ``first_line``: the seconds until its first line of output; its output is then closed (the command
    ends at its next write, as under ``| head -1``)."""
    report = cwd / ".bench-time"
    started = time.perf_counter()
    proc = subprocess.Popen([TIME, "-f", "%e %M", "-o", str(report), *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    if first_line:
        line = proc.stdout.readline()
        seconds = time.perf_counter() - started
        proc.stdout.close()
        err = proc.stderr.read()
        proc.wait()
        assert line.strip(), f"{args}: no output; {err.decode()[-500:]}"
    else:
        out, err = proc.communicate()
        seconds = time.perf_counter() - started
        said = f"{err.decode()[-1500:]}{out.decode()[-500:]}"
        assert proc.returncode == 0, f"{' '.join(args)} (exit {proc.returncode}): {said}"
    kib = int(report.read_text().split()[-1])
    report.unlink()
    return seconds, kib / 1024


def run_python(code: str, cwd: Path) -> list[str]:
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(REPO)!r}); {code}"]


def province(root: Path, departments: int) -> Path:
    workspace = root / f"ws-{departments}"
    made = subprocess.run([EXTRANET, "inventory", "synth", "--departments", str(departments), "-o", str(workspace)],
                          capture_output=True, text=True)  # fmt: skip
    assert made.returncode == 0, made.stderr
    return workspace


def bench_size(workspace: Path, departments: int, pg_url: str | None) -> dict[str, Figure]:
    figures: dict[str, Figure] = {}
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")}
    lock = workspace / "netplan" / "allocations.yml"

    def timed(name: str, args: list[str], before: Callable[[], None] | None = None, first_line: bool = False,
              extra: dict[str, str] | None = None) -> None:  # fmt: skip
        figure = figures.setdefault(name, Figure())
        for _ in range(REPEAT):
            if before is not None:
                before()
            seconds, mib = measure(args, workspace, {**env, **(extra or {})}, first_line)
            figure.seconds.append(seconds)
            figure.peak_mib = max(figure.peak_mib, mib)

    memo = workspace / "var" / "cache" / "inventory.json"  # what the last load found (inventory/memo.py)

    def cold() -> None:
        memo.unlink(missing_ok=True)

    timed("inventory check" + COLD, [EXTRANET, "inventory", "check"], before=cold)
    timed("inventory check", [EXTRANET, "inventory", "check"])
    timed("plan --apply (empty lock)", [EXTRANET, "plan", "--apply"], before=lambda: lock.unlink(missing_ok=True))
    timed("plan (nothing to change)", [EXTRANET, "plan"])
    timed("plan (nothing to change)" + COLD, [EXTRANET, "plan"], before=cold)
    timed("plan export -f csv", [EXTRANET, "plan", "export", "-f", "csv"])
    timed("plan export -f netbox", [EXTRANET, "plan", "export", "-f", "netbox"])
    zones = workspace / "var" / "zones"
    timed("plan dns", [EXTRANET, "plan", "dns", "-o", str(zones)], before=lambda: shutil.rmtree(zones, True))
    site = _a_site(workspace)
    timed("plan show --site S", [EXTRANET, "plan", "show", "--site", site])
    timed("plan show --site S" + COLD, [EXTRANET, "plan", "show", "--site", site], before=cold)
    timed("plan show: first line", [EXTRANET, "plan", "show"], first_line=True)
    timed("inventory ansible --list", [EXTRANET, "inventory", "ansible", "--list"])
    seed_probe_runs(workspace, 30, also=(pg_url,) if pg_url is not None else ())  # the same rows in both
    timed("report connections (SQLite, 30 runs)", [EXTRANET, "report", "connections", "-f", "json"])
    if pg_url is not None:
        timed("report connections (PostgreSQL, 30 runs)", [EXTRANET, "report", "connections", "-f", "json"],
              extra={"EXTRANET_DB_URL": pg_url})  # fmt: skip
    timed("render every device for a push",
          run_python(f"from pathlib import Path; from tests.bench.province import render_all; "
                     f"print(render_all(Path({str(workspace)!r})))", workspace))  # fmt: skip
    seed_audit_events(workspace, departments)
    timed("audit verify (N events)", [EXTRANET, "audit", "verify"])
    timed(FLOORS[0], run_python("import glob, yaml; [yaml.load(open(f, encoding='utf-8'), Loader=yaml.CSafeLoader) "
                                "for f in glob.glob('inventory/*.yml')]", workspace))  # fmt: skip
    if shutil.which("sqlite3"):
        query = ("select status, count(*) from department_status where run_id = (select max(id) from runs where "
                 "kind = 'probe') group by status;")  # fmt: skip
        timed(FLOORS[1], ["sqlite3", str(workspace / "var" / "extranet.db"), query])
    return figures


def _a_site(workspace: Path) -> str:
    sys.path.insert(0, str(REPO))
    from extranet.inventory import load_inventory

    inv = load_inventory(workspace / "inventory")
    counts: dict[str, int] = {}
    for dept in inv.departments.values():
        counts[dept.site] = counts.get(dept.site, 0) + 1
    return max(counts, key=lambda site: (counts[site], site))  # the busiest site: the worst case


def table(results: dict[int, dict[str, Figure]]) -> list[str]:
    sizes = sorted(results)
    names = [n for n in (*TARGETS, *FLOORS) if any(n in results[s] for s in sizes)]
    head = ["command", *(f"{s:,}" for s in sizes), "peak MiB", "growth 10k→100k", "target (100,000)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in names:
        cells = [f"{results[s][name].median:.2f} s" if name in results[s] else "—" for s in sizes]
        top = sizes[-1]
        peak = f"{results[top][name].peak_mib:.0f}" if name in results[top] else "—"
        growth = "—"
        if 10_000 in results and 100_000 in results and name in results[10_000] and name in results[100_000]:
            ratio = results[100_000][name].median / max(results[10_000][name].median, 1e-9)
            growth = f"{ratio:.1f}× ({'linear or better' if ratio <= 10 else 'WORSE THAN LINEAR'})"
        target = "—"
        if name in TARGETS and 100_000 in results and name in results[100_000]:
            took = results[100_000][name]
            ok = took.median <= TARGETS[name] and took.peak_mib <= MEMORY_TARGET_MIB
            target = f"≤ {TARGETS[name]} s, ≤ 1 GiB: {'ok' if ok else 'OVER'}"
        elif name in TARGETS:
            target = f"≤ {TARGETS[name]} s, ≤ 1 GiB (at 100,000)"
        lines.append("| " + " | ".join([name, *cells, peak, growth, target]) + " |")
    return lines


def test_province_commands_at_three_sizes(tmp_path: Path) -> None:
    results: dict[int, dict[str, Figure]] = {}
    reason = unavailable()
    with postgres_server(PG_PORT) if not reason else nullcontext() as pg_url:
        for departments in SIZES:
            workspace = province(tmp_path, departments)
            size_url = pg_url if departments in PG_SIZES else None
            if size_url is not None:  # a fresh database per size
                subprocess.run([EXTRANET, "db", "upgrade"], cwd=workspace, check=True, capture_output=True,
                               env={**os.environ, "EXTRANET_DB_URL": pg_url})  # fmt: skip
                _empty_postgres(pg_url)
            results[departments] = bench_size(workspace, departments, size_url)
            shutil.rmtree(workspace, ignore_errors=True)
    lines = table(results)
    print(f"\nprovince benchmark: medians of {REPEAT} whole commands, 2-core machine"
          + ("" if not reason else f"; PostgreSQL not measured: {reason}"))  # fmt: skip
    print("\n".join(lines))
    out = REPO / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    document = {str(s): {n: {"seconds": f.seconds, "median": f.median, "peak_mib": f.peak_mib} for n, f in r.items()}
                for s, r in results.items()}  # fmt: skip
    (out / "province.json").write_text(json.dumps(document, indent=2) + "\n")
    assert results


def _empty_postgres(url: str) -> None:
    """The previous size's rows out (the schema stays)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        names = [row[0] for row in conn.execute(text("select tablename from pg_tables where schemaname = 'public' "
                                                     "and tablename <> 'alembic_version'"))]  # fmt: skip
        if names:
            conn.execute(text(f"truncate {', '.join(names)} restart identity cascade"))
    engine.dispose()
