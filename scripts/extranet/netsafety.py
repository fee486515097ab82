"""Addresses that exist only in labs and documents: never sent to from this host's own network namespace.

The example and synthetic inventories number everything from the documentation and benchmarking ranges
(RFC 5737, RFC 3849, RFC 2544). A command aimed at the real network (no ``--lab``) refuses them: packets to
them would leave this machine for nowhere.
"""

from ipaddress import ip_address, ip_network

LAB_ONLY = tuple(ip_network(n) for n in ("198.18.0.0/15", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
                                          "2001:db8::/32"))  # fmt: skip


def lab_only(address: str) -> bool:
    """In a documentation or benchmarking range.

    >>> lab_only("198.19.1.1"), lab_only("2001:db8::1"), lab_only("10.1.1.1")
    (True, True, False)
    """
    ip = ip_address(address)
    return any(ip.version == net.version and ip in net for net in LAB_ONLY)


def refuse_lab_only(addresses: list[str], what: str) -> str | None:
    """The error for a real-network run whose targets are lab-only addresses, or None."""
    found = [a for a in addresses if a and lab_only(a)]
    if not found:
        return None
    return (
        f"{what}: {len(found)} address(es) such as {found[0]} are documentation/benchmark addresses that exist only "
        "in the lab (extranet lab up): add --lab, or give the inventory the network's real addresses"
    )
