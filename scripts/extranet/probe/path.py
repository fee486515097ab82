"""Which way traffic leaves: the hops toward an address, one TTL-limited echo per hop (what traceroute does).

Evidence for moves that change a path, not only reachability: a department's Internet traffic that used to
leave through its own provider must now enter the extranet and leave through the unified exit. Each hop is
asked with an ICMP echo whose TTL runs out there (iputils `ping -t TTL`: the router answers "Time to live
exceeded" from its own address); the address itself answers the echo. All TTLs are sent at once, so a trace
takes one timeout, not one per hop. Inside a lab namespace through `ip netns exec` (one process per hop;
traces are few: one per department being moved, never per department of the province).
"""

import asyncio
import re
from dataclasses import dataclass, field

MAX_HOPS = 8
EXCEEDED = re.compile(r"^From (?P<hop>[0-9a-fA-F:.]+)(?: \([^)]*\))?:? icmp_seq=\d+ Time to live exceeded", re.M)
REPLY = re.compile(r"^\d+ bytes from (?P<hop>[0-9a-fA-F:.]+)(?: \([^)]*\))?: icmp_seq=\d+", re.M)


@dataclass(frozen=True)
class Trace:
    address: str
    hops: list[str | None] = field(default_factory=list)  # hop n (from 1); None: no answer at that TTL
    reached: bool = False  # the address itself answered (its hop is the last)
    error: str | None = None  # the trace could not run (no namespace, no ping)

    def crosses(self, addresses: set[str]) -> str | None:
        """The first hop that is one of ``addresses`` (e.g. the unified exit router's), else None."""
        return next((hop for hop in self.hops if hop in addresses), None)

    def as_detail(self) -> dict[str, object]:
        return {"hops": self.hops, "reached": self.reached}


def hop_of(output: str) -> tuple[str | None, bool]:
    """(who answered, whether it was the address itself) from one `ping -c1 -t TTL` run's output."""
    exceeded = EXCEEDED.search(output)
    if exceeded:
        return exceeded["hop"], False
    reply = REPLY.search(output)
    return (reply["hop"], True) if reply else (None, False)


async def _ask(address: str, ttl: int, namespace: str | None, timeout: float) -> tuple[str | None, bool, str | None]:
    wait = max(1, round(timeout))
    command = ["ping", "-n", "-c", "1", "-W", str(wait), "-t", str(ttl), address]
    if namespace:
        command = ["ip", "netns", "exec", namespace, *command]
    try:
        proc = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.PIPE)  # fmt: skip
    except OSError as exc:
        return None, False, f"cannot run {command[0]}: {exc.strerror or exc}"
    out, err = await proc.communicate()
    hop, reached = hop_of(out.decode("utf-8", "replace"))
    problem = err.decode("utf-8", "replace").strip()
    if hop is None and "namespace" in problem.lower():
        return None, False, problem.splitlines()[-1]
    return hop, reached, None


async def trace(address: str, namespace: str | None = None, max_hops: int = MAX_HOPS, timeout: float = 1.0) -> Trace:
    """The hops from ``namespace`` (None: this host) toward ``address``, up to the first that is the address."""
    answers = await asyncio.gather(*(_ask(address, ttl, namespace, timeout) for ttl in range(1, max_hops + 1)))
    errors = [error for _, _, error in answers if error]
    if errors and all(hop is None for hop, _, _ in answers):
        return Trace(address, error=errors[0])
    hops: list[str | None] = []
    for hop, reached, _ in answers:
        hops.append(hop)
        if reached:
            return Trace(address, hops, True)
    return Trace(address, hops, False)
