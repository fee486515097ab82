"""Fake devices per platform over real SSH (see device.py); ``DIALECTS`` has one for every registered platform."""

from .cisco_ios import CiscoIos
from .device import Dialect
from .frr import Frr
from .hp_comware import Comware
from .huawei import Vrp5, Vrp8
from .juniper_junos import Junos
from .ruijie_os import Ruijie

DIALECTS: dict[str, Dialect] = {
    d.platform: d for d in (CiscoIos(), Vrp5(), Vrp8(), Comware(), Ruijie(), Junos(), Frr())
}
