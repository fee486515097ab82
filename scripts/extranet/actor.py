"""Who is really acting, beside the operator declared in $EXTRANET_OPERATOR (recorded with every audit event and
history commit): the operating-system login and the SSH client's address."""

import getpass
import ipaddress
import os


def actor() -> tuple[str | None, str | None]:
    """Who is really at the keyboard, beside the declared operator: the operating-system login and the SSH
    client's address ($SSH_CLIENT / $SSH_CONNECTION, kept only when it is an IP address)."""
    try:
        login: str | None = getpass.getuser()
    except (KeyError, OSError):
        login = None
    if login is not None and (len(login) > 128 or any(ord(c) < 33 or ord(c) == 127 for c in login)):
        login = None
    client = (os.environ.get("SSH_CLIENT") or os.environ.get("SSH_CONNECTION") or "").split(" ", 1)[0]
    try:
        address: str | None = str(ipaddress.ip_address(client)) if client else None
    except ValueError:
        address = None
    return login, address
