"""The device-access libraries the rest of extranet uses, against every router of the lab.

netmiko (CLI over SSH, the `cisco_ios` dialect against vtysh) and pysnmp (SNMPv3 authPriv), as the device
layer and the probes will use them, on every router, concurrently.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from netmiko import ConnectHandler
from pysnmp.hlapi.v3arch.asyncio import (
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    get_cmd,
    usmAesCfb128Protocol,
    usmHMACSHAAuthProtocol,
)

from extranet.lab.files import Credentials
from extranet.lab.state import LabState

SYS_NAME = "1.3.6.1.2.1.1.5.0"


def _credentials(lab_state: LabState) -> Credentials:
    return Credentials.load(Path(lab_state.dir) / "credentials.json")


def test_netmiko_reaches_the_cli_of_every_router(lab_state: LabState) -> None:
    creds = _credentials(lab_state)

    def show(router: str) -> tuple[str, str, str]:
        device = {
            "device_type": "cisco_ios",
            "host": lab_state.mgmt[router],
            "username": creds.user,
            "password": creds.password,
            "fast_cli": True,
            "conn_timeout": 20,
        }
        with ConnectHandler(**device) as connection:
            running = connection.send_command("show running-config")
            routes = connection.send_command("show ip route ospf")
        return router, running, routes

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(show, sorted(lab_state.namespaces)))
    assert len(results) == len(lab_state.namespaces) >= 13
    for router, running, routes in results:
        assert "router ospf" in running, router
        other = next(lb for name, lb in lab_state.loopbacks.items() if name != router)
        assert other.split("/")[0] in routes, f"{router}: no OSPF route to {other}"


def test_pysnmp_v3_authpriv_answers_on_every_router(lab_state: LabState) -> None:
    creds = _credentials(lab_state)

    async def sys_names() -> dict[str, str]:
        engine = SnmpEngine()
        user = UsmUserData(
            creds.snmp_user,
            creds.snmp_auth,
            creds.snmp_priv,
            authProtocol=usmHMACSHAAuthProtocol,
            privProtocol=usmAesCfb128Protocol,
        )

        async def one(router: str) -> tuple[str, str]:
            target = await UdpTransportTarget.create((lab_state.mgmt[router], 161), timeout=2, retries=2)
            error, status, _, binds = await get_cmd(
                engine, user, target, ContextData(), ObjectType(ObjectIdentity(SYS_NAME))
            )
            assert error is None and not status, f"{router}: {error or status.prettyPrint()}"
            return router, str(binds[0][1])

        try:
            return dict(await asyncio.gather(*(one(r) for r in sorted(lab_state.namespaces))))
        finally:
            engine.close_dispatcher()

    names = asyncio.run(sys_names())
    assert names == {router: router for router in lab_state.namespaces}
