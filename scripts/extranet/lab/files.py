"""What the lab writes into each router's directory: FRR, sshd and snmpd configs, the vtysh login shell.

Lab plumbing, not device configuration: the configs a migration pushes come from playbooks/templates/.
"""

import json
import secrets
from dataclasses import asdict, dataclass
from ipaddress import IPv4Network
from pathlib import Path

from .topology import EXTRANET, Port, Router

OSPF_FAST = (
    " ip ospf network point-to-point",
    " ip ospf hello-interval 1",
    " ip ospf dead-interval 4",
    " ip ospf retransmit-interval 1",
)
OSPF_TIMERS = (" timers throttle spf 0 50 1000", " timers throttle lsa all 0", " timers lsa min-arrival 0")
LOGIN_USER = "xlab"


@dataclass(frozen=True)
class Credentials:
    """Generated per lab, kept in var/lab/credentials.json (mode 0600), never in git or logs."""

    user: str
    password: str
    snmp_user: str
    snmp_auth: str
    snmp_priv: str
    community: str

    @classmethod
    def generate(cls) -> "Credentials":
        def token() -> str:
            return secrets.token_hex(12)

        return cls(LOGIN_USER, token(), "labv3", token(), token(), "lab" + secrets.token_hex(6))

    def save(self, path: Path) -> None:
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "Credentials":
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def port_lines(port: Port) -> list[str]:
    lines = [f"interface {port.linux}", f" description {port.vendor}"]
    if port.ipv4 is not None and port.lan:
        lines += [f" ip address {port.ipv4}", " ip ospf area 0", " ip ospf passive"]
    elif port.ipv4 is not None:
        lines += [f" ip address {port.ipv4}", *OSPF_FAST, " ip ospf area 0"]
    if port.shutdown:
        lines.append(" shutdown")
    return [*lines, "!"]


def frr_conf(router: Router) -> str:
    """The legacy state: IPv4 only, OSPFv2 area 0 on every link and the loopback (router-id first)."""
    lines = ["frr defaults traditional", f"hostname {router.name}", "service integrated-vtysh-config", "!"]
    redistribute = [" redistribute static"] if router.statics else []
    if router.default_via is not None:  # the unified exit: every router's way to the Internet
        redistribute.append(" default-information originate")
    lines += ["router ospf", f" ospf router-id {router.router_id}", *OSPF_TIMERS, *redistribute, "!"]
    statics = [*router.statics, *([(IPv4Network("0.0.0.0/0"), router.default_via)] if router.default_via else [])]
    if statics:  # departments with their own exit: their LANs (or NAT prefixes) via their edge; the Internet
        lines += [f"ip route {prefix} {via}" for prefix, via in statics]
        if router.default_via is not None:  # what of the extranet's space nobody routes ends here, no loop
            lines.append(f"ip route {EXTRANET} reject")
        lines.append("!")
    if router.bgp_as is not None:
        lines += [f"router bgp {router.bgp_as}", f" bgp router-id {router.router_id}", "!"]
    if router.loopback is not None:
        lines += ["interface lo", f" ip address {router.loopback}/32", " ip ospf area 0", "!"]
    for port in router.ports:
        lines += port_lines(port)
    return "\n".join(lines) + "\n"


def vtysh_conf(router: Router) -> str:
    return f"service integrated-vtysh-config\nhostname {router.name}\n"


def sshd_config(router: Router, router_dir: Path, lab_dir: Path, user: str) -> str:
    ssh = lab_dir / "ssh"
    return f"""\
ListenAddress {router.mgmt.ip}
HostKey {ssh / "host_ed25519"}
UsePAM no
PidFile none
SetEnv LAB_DIR={router_dir}
MaxStartups 100:30:200
AllowUsers {user}
PermitRootLogin no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile {ssh / "authorized_keys"}
StrictModes no
X11Forwarding no
AllowTcpForwarding no
PrintMotd no
"""


def snmpd_conf(router: Router, mgmt_net: IPv4Network, creds: Credentials) -> str:
    return f"""\
agentAddress udp:{router.mgmt.ip}:161
rocommunity {creds.community} {mgmt_net}
createUser {creds.snmp_user} SHA "{creds.snmp_auth}" AES "{creds.snmp_priv}"
rouser {creds.snmp_user} priv
sysName {router.name}
"""


SESSIONS_LOG = "log/sessions.log"  # in a router's directory: its logins, the lab's stand-in for a command log
VTYSH_SHELL = """\
#!/bin/sh
# The lab login shell: the router's own vtysh (LAB_DIR comes from sshd's SetEnv). Every login is recorded first in
# the router's log/sessions.log (when, who, from where), as a device's log records a configuration session.
printf '%s %s vtysh[%s]: user=%s client=%s command=""\\n' "$(date -u +%Y-%m-%dT%H:%M:%S+00:00)" "$(hostname)" \\
  "$$" "$(id -un)" "${SSH_CLIENT%% *}" >> "$LAB_DIR/log/sessions.log" 2>/dev/null
exec /usr/bin/vtysh --vty_socket "$LAB_DIR/run" --config_dir "$LAB_DIR/etc" "$@"
"""
