"""One vocabulary for probe failures, so classification and reports compare words, not errno numbers.

The words follow Linux's own messages where there is one ("No route to host" is EHOSTUNREACH, and the kernel
turns a neighbour that never answered ARP/ND into both EHOSTUNREACH for TCP and an ICMP host unreachable for
ping), so a TCP probe and a ping that failed for the same reason say the same thing.
"""

import errno

TIMEOUT = "timeout"
REFUSED = "refused"
NO_ROUTE = "no route"
NETWORK_UNREACHABLE = "network unreachable"
PROHIBITED = "prohibited"
UNREACHABLE = "unreachable"
TTL_EXCEEDED = "ttl exceeded"
PERMISSION_DENIED = "permission denied"

_BY_ERRNO = {
    errno.ETIMEDOUT: TIMEOUT,
    errno.ECONNREFUSED: REFUSED,
    errno.EHOSTUNREACH: NO_ROUTE,
    errno.ENETUNREACH: NETWORK_UNREACHABLE,
    errno.EACCES: PERMISSION_DENIED,
    errno.EPERM: PERMISSION_DENIED,
    errno.ECONNRESET: "reset",
    errno.EADDRNOTAVAIL: "address not available",
    errno.ENOBUFS: "no buffer space",
    errno.EMFILE: "too many open files",
    errno.ENFILE: "too many open files",
}


def describe(exc: OSError) -> str:
    """The probe word for an OS error; unknown ones keep the kernel's message, lower-cased.

    >>> describe(OSError(errno.EHOSTUNREACH, "No route to host"))
    'no route'
    >>> describe(OSError(errno.EPROTO, "Protocol error"))
    'protocol error'
    """
    if exc.errno in _BY_ERRNO:
        return _BY_ERRNO[exc.errno]
    if isinstance(exc, TimeoutError):
        return TIMEOUT
    return (exc.strerror or str(exc) or type(exc).__name__).lower()
