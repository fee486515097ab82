"""Probe building blocks: sockets in a namespace, ICMP, TCP, DNS and SNMP, each returning failures as data.

Every primitive is asyncio and returns a result dataclass whose `error` holds one of the words in `errors`;
the orchestration (which targets per department, classification, storage) builds on them.
"""
