"""The device layer: one Driver protocol, the netmiko CLI driver, platform quirks as data, diff and checks."""
