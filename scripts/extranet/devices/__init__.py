"""The device layer: one Driver protocol, the netmiko CLI driver over a platform's declared flow, the diff."""
