#!/usr/bin/python
"""Ansible module: dual-stack one device with extranet's rollout engine (push, verify, confirm or roll back).

A thin adapter: the work is ``extranet.rollout.ansible.dual_stack``, the same engine as `extranet push`.
"""

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: extranet_dual_stack
short_description: Make one backbone device IPv4/IPv6 dual stack, verified, with rollback
description:
  - Renders the device's dual-stack fragment from the inventory and the address plan, pushes the minimal
    difference, checks OSPFv3, IPv6 reachability and that IPv4 is unchanged, then confirms or rolls back.
  - Run it through C(extranet run dual_stack.yml), which opens the run in extranet's database.
options:
  device: {description: The inventory device name., type: str, required: true}
  run_id: {description: The run opened by extranet run., type: int, required: true}
  play_hosts: {description: Every host of the play in order (ansible_play_hosts_all)., type: list, required: true}
  serial: {description: The play's batch sizes., type: list, required: true}
  workspace: {description: The workspace directory., type: path, required: true}
  inventory: {description: The extranet inventory directory., type: path, default: inventory}
  lock: {description: The allocation lock., type: path, default: netplan/allocations.yml}
  templates: {description: The templates directory., type: path, default: playbooks/templates}
  lab: {description: Push to the namespace lab., type: bool, default: false}
  dry_run: {description: Read and diff only., type: bool, default: false}
  ticket: {description: Change ticket., type: str}
  confirm_timer: {description: Seconds a device-side commit waits., type: int, default: 300}
  converge_timeout: {description: Seconds to wait for OSPFv3 Full., type: float, default: 30}
  trust_new_hosts: {description: Record unknown SSH host keys., type: bool, default: false}
  done: {description: Devices the interrupted run already finished., type: list, default: []}
  resumed_from: {description: The interrupted run., type: int}
"""

ARGS = dict(
    device=dict(type="str", required=True),
    run_id=dict(type="int", required=True),
    play_hosts=dict(type="list", elements="str", required=True),
    serial=dict(type="list", elements="raw", required=True),
    workspace=dict(type="path", required=True),
    inventory=dict(type="path", default="inventory"),
    lock=dict(type="path", default="netplan/allocations.yml"),
    templates=dict(type="path", default="playbooks/templates"),
    lab=dict(type="bool", default=False),
    dry_run=dict(type="bool", default=False),
    ticket=dict(type="str", default=None),
    confirm_timer=dict(type="int", default=300),
    converge_timeout=dict(type="float", default=30.0),
    trust_new_hosts=dict(type="bool", default=False),
    done=dict(type="list", elements="str", default=[]),
    resumed_from=dict(type="int", default=None),
)


def main():
    module = AnsibleModule(argument_spec=ARGS, supports_check_mode=True)
    try:
        from extranet.rollout.ansible import dual_stack
    except ImportError as exc:
        module.fail_json(msg=f"extranet is not importable ({exc}): run through `extranet run` (the project's venv)")
    try:
        outcome = dual_stack(module.params, check_mode=module.check_mode)
    except Exception as exc:  # bad input, no lab, no credentials: the host fails with the reason
        module.fail_json(msg=f"{type(exc).__name__}: {exc}")
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
