"""The IPv6 address plan: policy, sparse allocation keyed by stable ids, the lock, exports."""
