#!/usr/bin/python
"""Ansible module: withdraw a department's own Internet exit (its default route to the unified exit), verified,
with rollback.

A thin adapter over ``extranet.rollout.moves.withdraw_exit``, the rollout engine's move.
"""

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: extranet_withdraw_exit
short_description: Withdraw a department's own Internet exit, verified, with rollback
description:
  - Backs up the access router; on the lab moves the department router's default route from its own provider
    to the extranet hand-off, records it in the config history and traces from inside the department to the
    Internet test address, which must cross the unified exit (else the old default comes back). On real devices
    it refuses; the department's engineer changes their router.
  - Run it through C(extranet run withdraw_exit.yml --item ...), which opens the run in extranet's database.
options:
  device: {description: The inventory device name (the play's host)., type: str, required: true}
  item: {description: The department id., type: str, required: true}
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
        from extranet.rollout.moves import withdraw_exit
    except ImportError as exc:
        module.fail_json(msg=f"extranet is not importable ({exc}): run through `extranet run` (the project's venv)")
    try:
        outcome = withdraw_exit(module.params, check_mode=module.check_mode)
    except Exception as exc:  # bad input, no lab, no credentials: the host fails with the reason
        module.fail_json(msg=f"{type(exc).__name__}: {exc}")
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
