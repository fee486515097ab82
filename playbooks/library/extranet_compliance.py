#!/usr/bin/python
"""Ansible module: after a wave of a rollout, judge the rollout's devices against the intent and keep the judgement.

A thin adapter over ``extranet.rollout.ansible.compliance`` (what `extranet push` does after each wave).
"""

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: extranet_compliance
short_description: Judge every device of the play on its last recorded config against the plan's intent
description:
  - Per device and feature (interfaces, OSPFv3, BGP, statics, ACL, SNMP), the missing and the extra lines, kept in
    extranet's database under the rollout's run, for the reports' compliance over time and the run's evidence pack.
  - Runs once per batch (C(run_once)) after the batch's devices were changed. Never fails the play for drift.
options:
  run_id: {description: The run opened by extranet run., type: int, required: true}
  play_hosts: {description: Every host of the play in order (ansible_play_hosts_all)., type: list, required: true}
  batch: {description: The hosts of this batch (ansible_play_batch)., type: list, required: true}
  serial: {description: The play's batch sizes., type: list, required: true}
  workspace: {description: The workspace directory., type: path, required: true}
  inventory: {description: The extranet inventory directory., type: path, default: inventory}
  lock: {description: The allocation lock., type: path, default: netplan/allocations.yml}
  templates: {description: The templates directory., type: path, default: playbooks/templates}
  lab: {description: The devices are the namespace lab's., type: bool, default: false}
  lab_dir: {description: The lab directory., type: path, default: var/lab}
  ticket: {description: Change ticket., type: str}
"""

ARGS = dict(
    run_id=dict(type="int", required=True),
    play_hosts=dict(type="list", elements="str", required=True),
    batch=dict(type="list", elements="str", required=True),
    serial=dict(type="list", elements="raw", required=True),
    workspace=dict(type="path", required=True),
    inventory=dict(type="path", default="inventory"),
    lock=dict(type="path", default="netplan/allocations.yml"),
    templates=dict(type="path", default="playbooks/templates"),
    lab=dict(type="bool", default=False),
    lab_dir=dict(type="path", default="var/lab"),
    ticket=dict(type="str", default=None),
)


def main():
    module = AnsibleModule(argument_spec=ARGS, supports_check_mode=False)
    try:
        from extranet.rollout.ansible import compliance
    except ImportError as exc:
        module.fail_json(msg=f"extranet is not importable ({exc}): run through `extranet run` (the project's venv)")
    try:
        outcome = compliance(module.params)
    except Exception as exc:
        module.fail_json(msg=f"{type(exc).__name__}: {exc}")
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
