#!/usr/bin/python
"""Ansible module: Integrate a private network (业务专网) into the extranet's public zone, verified, with rollback.

A thin adapter over ``extranet.rollout.moves.integrate``, the rollout engine's move.
"""

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: extranet_integrate
short_description: Integrate a private network (业务专网) into the extranet's public zone, verified, with rollback
description:
  - Configures the hand-off port the inventory's integration names and routes the network's prefixes to its
    router over it (into OSPF); checks that every prefix is routed and no route was lost, then confirms or rolls
    back.
  - Run it through C(extranet run integrate_private_network.yml --item ...), which opens the run in extranet's
    database.
options:
  device: {description: The inventory device name (the play's host)., type: str, required: true}
  item: {description: The private network id., type: str, required: true}
  run_id: {description: The run opened by extranet run., type: int, required: true}
  workspace: {description: The workspace directory., type: path, required: true}
  inventory: {description: The extranet inventory directory., type: path, default: inventory}
  lock: {description: The allocation lock., type: path, default: netplan/allocations.yml}
  templates: {description: The templates directory., type: path, default: playbooks/templates}
  lab: {description: Work on the namespace lab., type: bool, default: false}
  lab_dir: {description: The lab directory., type: path, default: var/lab}
  dry_run: {description: Read and diff only., type: bool, default: false}
  ticket: {description: Change ticket., type: str}
  confirm_timer: {description: Seconds a device-side commit waits., type: int, default: 300}
  converge_timeout: {description: Seconds to wait for the change to show., type: float, default: 30}
  trust_new_hosts: {description: Record unknown SSH host keys., type: bool, default: false}
"""

ARGS = dict(
    device=dict(type="str", required=True),
    item=dict(type="str", required=True),
    run_id=dict(type="int", required=True),
    workspace=dict(type="path", required=True),
    inventory=dict(type="path", default="inventory"),
    lock=dict(type="path", default="netplan/allocations.yml"),
    templates=dict(type="path", default="playbooks/templates"),
    lab=dict(type="bool", default=False),
    lab_dir=dict(type="path", default="var/lab"),
    dry_run=dict(type="bool", default=False),
    ticket=dict(type="str", default=None),
    confirm_timer=dict(type="int", default=300),
    converge_timeout=dict(type="float", default=30.0),
    trust_new_hosts=dict(type="bool", default=False),
)


def main():
    module = AnsibleModule(argument_spec=ARGS, supports_check_mode=True)
    try:
        from extranet.rollout.moves import integrate
    except ImportError as exc:
        module.fail_json(msg=f"extranet is not importable ({exc}): run through `extranet run` (the project's venv)")
    try:
        outcome = integrate(module.params, check_mode=module.check_mode)
    except Exception as exc:  # bad input, no lab, no credentials: the host fails with the reason
        module.fail_json(msg=f"{type(exc).__name__}: {exc}")
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
