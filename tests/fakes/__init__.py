"""Fake devices per platform over real SSH (see device.py); ``DIALECTS`` has one for every registered platform."""

from .cisco_ios import CiscoIos
from .device import Dialect

DIALECTS: dict[str, Dialect] = {d.platform: d for d in (CiscoIos(),)}
