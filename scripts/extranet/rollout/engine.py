"""The rollout engine: waves, pre-checks, backup, push, post-checks, confirm or roll back — and record it.

One engine behind two front doors (``extranet push`` and the Ansible modules). Results are data per device
(Nornir's AggregatedResult idea): a failure ends that device, never the run; the failure budget stops later
waves. Every device's state is in the database as it changes, so an interrupted rollout resumes.
"""

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..devices.base import DeviceError, Driver, DriverFactory, Target
from ..devices.cli import CliDriver
from ..devices.diff import change, differences, restore
from ..history import ConfigHistory, scrub
from ..inventory import Inventory
from ..platforms.results import AddressState, Neighbor, Route, canonical_address
from ..processes import pid_alive
from ..render import DeviceContext, Renderer
from ..store import Store, operator_name
from .waves import batches, check_timers, core_device, core_outwards, neighbours

KIND = "push dual-stack"
DONE = ("ok", "unchanged")
Event = Callable[[str, "Outcome"], None]  # (phase, outcome): the front door shows progress from these
WaveHook = Callable[[int, int], object]  # (run id, wave number): after each wave (compliance with intent)


@dataclass
class Outcome:
    device: str
    wave: int
    status: str = "pending"  # ok, unchanged, would-change, failed, rolled-back, skipped, done-before
    lines: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    commits: list[str] = field(default_factory=list)
    platform: str = ""  # whose scrub rules keep secrets (SNMP keys in a planned line) out of what is shown and stored

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "rolled-back")

    def shown(self) -> list[str]:
        """The change's lines as they may be printed or stored: secrets replaced by <scrubbed>."""
        return scrub("\n".join(self.lines), self.platform).splitlines() if self.platform and self.lines else self.lines

    def summary(self) -> dict[str, Any]:
        error = scrub(self.error, self.platform) if self.platform else self.error
        return {"lines": self.shown(), "checks": self.checks, "error": error, "seconds": round(self.seconds, 2),
                "commits": self.commits}  # fmt: skip


@dataclass
class Options:
    sizes: list[str]
    budget: int
    forks: int = 10
    dry_run: bool = False
    ticket: str | None = None
    confirm_seconds: int = 300
    converge_timeout: float = 30.0
    digest: str | None = None  # the inventory's SHA-256, recorded with the run

    def __post_init__(self) -> None:  # every front door (the CLI, the Ansible module) gets the same refusal
        check_timers(self.confirm_seconds, self.converge_timeout)


@dataclass
class Session:
    """One device during the rollout: its connection, context, backup and baseline."""

    target: Target
    context: DeviceContext
    outcome: Outcome
    driver: Driver | None = None
    backup: str = ""
    routes: frozenset[Route] = frozenset()
    ospf: frozenset[tuple[str, str]] = frozenset()  # OSPF adjacencies in Full state: (router id, interface)
    started: float = 0.0


class ResumeError(RuntimeError):
    """Another rollout is still running (its process is alive)."""


class Rollout:
    kind = KIND  # the audit action of each device's result
    template = "dual_stack.j2"  # each platform's entry template for this change

    def __init__(self, inv: Inventory, targets: dict[str, Target], contexts: dict[str, DeviceContext],
                 renderer: Renderer, store: Store, history: ConfigHistory, options: Options,
                 on_event: Event | None = None, driver_factory: DriverFactory = CliDriver,
                 after_wave: WaveHook | None = None) -> None:  # fmt: skip
        self.inv, self.targets, self.contexts = inv, targets, contexts
        self.driver_factory = driver_factory
        self.renderer, self.store, self.history, self.options = renderer, store, history, options
        self.on_event = on_event or (lambda phase, outcome: None)
        self.after_wave = after_wave
        self.notes: list[str] = []  # what went wrong beside the devices (a judgement after a wave that failed)
        self.graph = neighbours(inv)
        self.core = core_device(inv)
        self.dual: set[str] = set()  # devices known to run dual-stack (done now or in the resumed run)
        self.failed: set[str] = set()
        self.run_id = 0
        self.resumed_from: int | None = None

    # ---- the run -------------------------------------------------------------------------------------------
    def run(self) -> list[Outcome]:
        # Only devices of this run count as dual-stack peers: a record of an earlier run may no longer be true
        # (a rebuilt lab, a device restored by hand), and a wrong expectation would roll a good device back.
        done = self.start()
        waves = batches(core_outwards(self.inv, list(self.targets)), self.options.sizes)
        outcomes: list[Outcome] = []
        for number, wave in enumerate(waves, 1):
            sessions = [self._session(name, number) for name in wave]
            for s in sessions:
                self._save(s.outcome)
            skip_done = [s for s in sessions if s.target.device in done]
            for s in skip_done:
                self._finish(s, "done-before", f"finished in the interrupted rollout #{self.resumed_from}")
                self.dual.add(s.target.device)
            todo = [s for s in sessions if s.target.device not in done]
            if len(self.failed) > self.options.budget:
                for s in todo:
                    self._finish(s, "skipped", f"failure budget spent ({len(self.failed)} failed)")
            else:
                self._wave(todo)
            outcomes += [s.outcome for s in sessions]
            if self.after_wave is not None and not self.options.dry_run and todo:
                try:
                    self.after_wave(self.run_id, number)
                except Exception as exc:  # judging records; it never stops or fails the rollout
                    self.notes.append(f"compliance after wave {number} not recorded: {_reason(exc)}")
        self.finish(outcomes)
        return outcomes

    def one(self, name: str, wave: int, run_id: int, dual: set[str], done_in: int | None = None) -> Outcome:
        """One device of a rollout run by another front door (the Ansible module): ``run_id`` was opened by
        `extranet run`, ``dual`` are the devices that are (or are being made) dual-stack in that run;
        ``done_in``: the interrupted run that already finished this device."""
        self.run_id, self.dual = run_id, set(dual) | {name}
        s = self._session(name, wave)
        if done_in is not None:
            self._finish(s, "done-before", f"finished in the interrupted rollout #{done_in}")
            return s.outcome
        self._save(s.outcome)
        self._push(s)
        try:
            if s.outcome.status == "pending" and not self.options.dry_run:
                self._verify(s)
                self._conclude(s)
        finally:
            if s.driver is not None:
                s.driver.close()
        return s.outcome

    def start(self) -> set[str]:
        """Open this rollout's run in the database; return the devices an interrupted run already finished."""
        self.run_id, done, self.resumed_from = open_run(self.store, self.options)
        return done

    def finish(self, outcomes: list[Outcome]) -> None:
        finish_run(self.store, self.run_id, outcomes, self.resumed_from, self.options.dry_run)

    def _wave(self, sessions: list[Session]) -> None:
        with ThreadPoolExecutor(max_workers=max(1, self.options.forks)) as pool:
            list(pool.map(self._push, sessions))
            live = [s for s in sessions if s.outcome.status == "pending"]
            if self.options.dry_run:
                return
            self.dual |= {s.target.device for s in live}
            list(pool.map(self._verify, live))
            list(pool.map(self._conclude, live))
        for s in sessions:
            if s.driver is not None:
                s.driver.close()

    def _session(self, name: str, wave: int) -> Session:
        target = self.targets[name]
        return Session(target, self.contexts[name], Outcome(name, wave, platform=target.platform))

    # ---- per device steps ----------------------------------------------------------------------------------
    def _push(self, s: Session) -> None:
        s.started = time.monotonic()
        try:
            s.driver = self.driver_factory(s.target)
            s.driver.open()  # pre-check: reachable, host key verified, logged in
            s.backup = s.driver.running_config()
            s.routes = frozenset(s.driver.ipv4_routes())
            s.ospf = _full(s.driver.ospf_neighbors())
            fragment = self.renderer.render(s.context, self.template)
            platform = s.driver.platform
            s.outcome.lines = change(platform, s.backup, fragment)
            timer = self.options.confirm_seconds if platform.flow.has_timer and s.outcome.lines else 0
            # what the confirm timer needs in place first (IOS: the archive its checkpoint goes to)
            prepare = change(platform, s.backup, "\n".join(platform.flow.timer_prepare)) if timer else []
            self.on_event("checked", s.outcome)
            if self.options.dry_run:
                s.outcome.lines = prepare + s.outcome.lines
                self._finish(s, "would-change" if s.outcome.lines else "unchanged", "dry run: nothing sent")
                return
            self._record(s, s.backup, "backup", "ok")
            if prepare:
                s.driver.load(prepare)
                s.outcome.checks.append(f"prepared for the confirm timer: {'; '.join(x.strip() for x in prepare)}")
                s.outcome.lines = prepare + s.outcome.lines
            if s.outcome.lines:
                s.driver.load(s.outcome.lines[len(prepare):], timer or None)
            self.on_event("pushed", s.outcome)
        except Exception as exc:  # whatever goes wrong with one device is that device's failure
            s.outcome.error = _reason(exc)
            if s.outcome.lines and s.backup and not self.options.dry_run:
                self._rollback(s)
            else:
                self._finish(s, "failed", s.outcome.error)

    def _verify(self, s: Session) -> None:
        assert s.driver is not None
        try:
            problems = self._post_checks(s)
        except Exception as exc:  # a check that could not run is a check that failed
            problems = [_reason(exc)]
        s.outcome.error = "; ".join(problems)

    def _conclude(self, s: Session) -> None:
        if s.outcome.error:
            self._rollback(s)
            return
        assert s.driver is not None
        try:
            if s.driver.armed:
                s.driver.confirm()
            if s.outcome.lines:
                s.driver.save()
                self._record(s, s.driver.running_config(), "change", "ok")
            self._finish(s, "ok" if s.outcome.lines else "unchanged")
        except Exception as exc:  # confirm/save failed: the change must not stay unverified
            s.outcome.error = _reason(exc)
            self._rollback(s)

    def _rollback(self, s: Session) -> None:
        """Back to the backup: the device's own timer where armed, else the remediation to the backup;
        then the running config must equal the backup, or the device is reported as not restored. A session
        that broke is opened again once (the device kept its config, and its timer if one was armed)."""
        self.failed.add(s.target.device)
        self.dual.discard(s.target.device)
        for attempt in range(2):
            try:
                self._restore(s)
                return
            except Exception as exc:  # a dropped session, a timeout: try once more on a new one
                if attempt:
                    self._finish(s, "failed", f"{s.outcome.error}; rollback failed: {_reason(exc)}")
                    return
                s.outcome.checks.append(f"rollback: {_reason(exc)}; reconnecting")
                driver = s.driver
                assert driver is not None
                armed = driver.armed
                driver.close()
                s.driver = self.driver_factory(s.target)
                s.driver.armed = armed
                s.driver.open()

    def _restore(self, s: Session) -> None:
        driver = s.driver
        assert driver is not None
        timer = driver.armed
        aborted = driver.abort() if timer else False
        remaining: list[str] = []
        for _ in range(3):
            current = driver.running_config()
            remaining = differences(driver.platform, current, s.backup)
            if not remaining:
                break
            try:
                driver.load(restore(driver.platform, current, s.backup))
            except DeviceError as exc:  # a negation the device refuses: the next pass re-reads and retries
                s.outcome.checks.append(f"rollback: {exc}")
        if remaining:
            self._finish(s, "failed", f"{s.outcome.error}; ROLLBACK INCOMPLETE, differs by: {remaining[:5]}")
            return
        if timer and not aborted:  # restored by the tool: confirm, so the timer rolls nothing newer back later
            driver.confirm()
        driver.save()
        self._record(s, driver.running_config(), "rollback", "rolled back")
        self._finish(s, "rolled-back", s.outcome.error)

    # ---- post-checks ---------------------------------------------------------------------------------------
    def _post_checks(self, s: Session) -> list[str]:
        """OSPFv3 Full to every planned neighbour already dual-stack, IPv6 ping to each and to the core's
        loopback, IPv4 routes and OSPF neighbours as before."""
        peers = {p.peer.device: p.peer.address for p in s.context.interfaces
                 if p.peer is not None and p.peer.device in self.dual}  # fmt: skip
        expected = {self._router_id(d): d for d in peers}
        problems = self._wait_full(s, expected)
        for device, address in sorted(peers.items()):
            problems += self._ping(s, address, f"neighbour {device}")
        if self.core in self._dual_component(s.target.device):
            core_loopback = self.contexts[self.core].loopback.ipv6.split("/")[0] if self.core in self.contexts else ""
            if core_loopback:
                problems += self._ping(s, core_loopback, f"core {self.core} loopback")
        problems += self._addresses(s)
        problems += self._ipv4_unchanged(s)
        return problems

    def _addresses(self, s: Session) -> list[str]:
        """Where the platform shows duplicate address detection: no planned address duplicate, none left
        tentative (waits while DAD runs, up to the convergence timeout)."""
        assert s.driver is not None
        if "ipv6-interfaces" not in s.driver.platform.parsers:
            return []
        planned = {canonical_address(p.ipv6.split("/")[0]) for p in s.context.ports() if p.ipv6}
        driver = s.driver

        def attempt(last: bool) -> list[str] | None:
            states = {a.address: a.state for i in driver.ipv6_interfaces() for a in i.addresses}
            duplicate = sorted(a for a in planned if states.get(a) == AddressState.DUPLICATE)
            if duplicate:
                return [f"duplicate address detected (DAD): {', '.join(duplicate)}"]
            tentative = sorted(a for a in planned if states.get(a) == AddressState.TENTATIVE)
            if not tentative:
                shown = len(planned & set(states))
                s.outcome.checks.append(f"IPv6 addresses: {shown} of {len(planned)} shown, none duplicate")
                return []
            if last:
                return [f"address still tentative (DAD) after {self.options.converge_timeout:.0f} s: "
                        f"{', '.join(tentative)}"]  # fmt: skip
            return None

        return self._until(attempt)

    def _wait_full(self, s: Session, expected: dict[str, str]) -> list[str]:
        def attempt(last: bool) -> list[str] | None:
            states = {n.router_id: n.state for n in s.driver.ospfv3_neighbors()} if s.driver else {}
            missing = {rid: dev for rid, dev in expected.items() if states.get(rid) != "full"}
            if not missing:
                s.outcome.checks.append(f"OSPFv3 Full with {len(expected)} neighbour(s)")
                return []
            if last:
                return [f"OSPFv3 not Full with {', '.join(sorted(missing.values()))} "
                        f"after {self.options.converge_timeout:.0f} s"]  # fmt: skip
            return None

        return self._until(attempt)

    def _until(self, attempt: Callable[[bool], list[str] | None]) -> list[str]:
        """Ask ``attempt`` every half second until it has a verdict (None: not yet); its last try is told so,
        once the convergence timeout has passed."""
        deadline = time.monotonic() + self.options.converge_timeout
        while True:
            verdict = attempt(time.monotonic() > deadline)
            if verdict is not None:
                return verdict
            time.sleep(0.5)

    def _ping(self, s: Session, address: str, what: str) -> list[str]:
        assert s.driver is not None
        source = s.context.loopback.ipv6.split("/")[0]
        for _ in range(3):
            if s.driver.ping(address, source, s.context.loopback.name).received:
                s.outcome.checks.append(f"ping6 {what} {address} ok")
                return []
            time.sleep(1)
        return [f"no IPv6 ping reply from {what} {address}"]

    def _ipv4_unchanged(self, s: Session) -> list[str]:
        deadline = time.monotonic() + self.options.converge_timeout
        while True:
            assert s.driver is not None
            routes = frozenset(s.driver.ipv4_routes())
            ospf = _full(s.driver.ospf_neighbors())
            if routes == s.routes and ospf == s.ospf:
                s.outcome.checks.append(f"IPv4 unchanged: {len(routes)} routes, {len(ospf)} OSPF neighbours")
                return []
            if time.monotonic() > deadline:
                lost = [_route(r) for r in sorted(s.routes - routes)]
                new = [_route(r) for r in sorted(routes - s.routes)]
                gone = sorted(s.ospf - ospf)
                return [f"IPv4 changed: routes lost {lost[:3]}, new {new[:3]}, OSPF adjacencies lost {gone[:3]}"]
            time.sleep(0.5)

    def _dual_component(self, start: str) -> set[str]:
        seen, stack = {start}, [start]
        while stack:
            for nxt in self.graph[stack.pop()]:
                if nxt in self.dual and nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    def _router_id(self, device: str) -> str:
        return self.contexts[device].router_id if device in self.contexts else _inventory_router_id(self.inv, device)

    # ---- records -------------------------------------------------------------------------------------------
    def _record(self, s: Session, config: str, action: str, result: str) -> None:
        sha = self.history.record(s.target.device, s.target.platform, config, operator=operator_name(),
                                  ticket=self.options.ticket, run_id=str(self.run_id), action=action,
                                  result=result)  # fmt: skip
        if sha:
            s.outcome.commits.append(sha[:12])

    def _save(self, outcome: Outcome, finished: bool = False) -> None:
        now = datetime.now(UTC)
        fields: dict[str, Any] = {"changed_lines": len(outcome.lines), "detail": outcome.summary()}
        fields["finished_at" if finished else "started_at"] = now
        self.store.save_device_result(self.run_id, outcome.device, outcome.wave, outcome.status, **fields)

    def _finish(self, s: Session, status: str, note: str = "") -> None:
        s.outcome.status = status
        if note and status not in ("ok", "unchanged"):
            s.outcome.error = note
        if s.started:
            s.outcome.seconds = time.monotonic() - s.started
        self._save(s.outcome, finished=True)
        if not self.options.dry_run and status not in ("done-before",):
            self.store.audit(self.kind, s.target.device, status, {"wave": s.outcome.wave, **s.outcome.summary()},
                             run_id=self.run_id, reason=self.options.ticket)  # fmt: skip
        if status in ("failed", "rolled-back"):
            self.failed.add(s.target.device)
        self.on_event("finished", s.outcome)


def open_run(store: Store, options: Options) -> tuple[int, set[str], int | None]:
    """Open a rollout run: (its id, devices an interrupted rollout finished, that rollout's id).

    A rollout whose status is still ``running`` and whose process is gone was interrupted: it is closed as
    ``interrupted`` and the devices it finished are skipped by this one. A live one is refused (ResumeError).
    A dry run touches neither.
    """
    done: set[str] = set()
    resumed_from: int | None = None
    last = store.last_run(KIND)
    if last is not None and last.status == "running" and not options.dry_run:
        pid = int(last.summary.get("pid", 0) or 0)
        if pid and pid_alive(pid):
            raise ResumeError(f"rollout #{last.id} is still running (pid {pid}): wait for it or stop it first")
        if not last.summary.get("dry_run"):
            resumed_from = last.id
            store.finish_run(last.id, "interrupted", {**last.summary, "resumed_by": "next run"})
            done = {r.device for r in store.device_results(last.id) if r.status in DONE}
    summary = {"pid": os.getpid(), "resumes": resumed_from, "dry_run": options.dry_run}
    # a dry run is kept apart, so it neither resumes nor hides an interrupted rollout from the next real one
    kind = f"{KIND} (dry run)" if options.dry_run else KIND
    return store.start_run(kind, options.ticket, options.digest, summary), done, resumed_from


def finish_run(store: Store, run_id: int, outcomes: list["Outcome"], resumed_from: int | None, dry_run: bool) -> None:
    status = "problems" if any(o.failed or o.status == "skipped" for o in outcomes) else "ok"
    store.finish_run(run_id, status, {"devices": len(outcomes), "resumes": resumed_from, "dry_run": dry_run,
                                      "by_status": _count(outcomes)})  # fmt: skip


def _count(outcomes: list[Outcome]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    return counts


def _full(neighbors: list[Neighbor]) -> frozenset[tuple[str, str]]:
    """Full adjacencies as (router id, interface): two links to one neighbour are two adjacencies."""
    return frozenset((n.router_id, n.interface) for n in neighbors if n.state == "full")


def _route(route: Route) -> str:
    return f"{route.prefix} {route.protocol} via {','.join(route.next_hops) or '-'}"


def _reason(exc: BaseException) -> str:
    """What went wrong, for the operator: the device's own words, or the exception's kind and message."""
    if isinstance(exc, DeviceError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _inventory_router_id(inv: Inventory, device: str) -> str:
    dev = inv.devices[device]
    return str(dev.routing.router_id if dev.routing and dev.routing.router_id else dev.loopback)
