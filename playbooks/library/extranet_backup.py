#!/usr/bin/python
"""Ansible module: back one device's running config up into extranet's config history (scrubbed git repo).

A thin adapter over ``extranet.rollout.ansible.backup``.
"""

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: extranet_backup
short_description: Commit one device's running config to var/history (secrets scrubbed)
description:
  - Connects (SSH host key verified), reads the running config and commits it to the config history with
    operator, ticket and run in the commit trailers. Run it through C(extranet run backup.yml).
options:
  device: {description: The inventory device name., type: str, required: true}
  run_id: {description: The run opened by extranet run., type: int, required: true}
  workspace: {description: The workspace directory., type: path, required: true}
  inventory: {description: The extranet inventory directory., type: path, default: inventory}
  lab: {description: Read from the namespace lab., type: bool, default: false}
  lab_dir: {description: The lab directory., type: path, default: var/lab}
  ticket: {description: Change ticket., type: str}
  trust_new_hosts: {description: Record unknown SSH host keys., type: bool, default: false}
"""

ARGS = dict(
    device=dict(type="str", required=True),
    run_id=dict(type="int", required=True),
    workspace=dict(type="path", required=True),
    inventory=dict(type="path", default="inventory"),
    lab=dict(type="bool", default=False),
    lab_dir=dict(type="path", default="var/lab"),
    ticket=dict(type="str", default=None),
    trust_new_hosts=dict(type="bool", default=False),
)


def main():
    module = AnsibleModule(argument_spec=ARGS, supports_check_mode=False)
    try:
        from extranet.rollout.ansible import backup
    except ImportError as exc:
        module.fail_json(msg=f"extranet is not importable ({exc}): run through `extranet run` (the project's venv)")
    try:
        outcome = backup(module.params)
    except Exception as exc:
        module.fail_json(msg=f"{type(exc).__name__}: {exc}")
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
