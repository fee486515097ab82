"""`extranet track` (issue 13, first part): every item the inventory holds, with the disposition a policy rule
gives it, the facts behind it, deadlines and what is overdue — through the real CLI."""

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from extranet.inventory import load_inventory
from extranet.track import RULES, items

from ..conftest import REPO

EXTRANET = str(Path(sys.executable).parent / "extranet")
TODAY = "2026-11-27"
ZOMBIES = ("system:cg-bianmin", "system:czj-cgk-ledger", "system:czj-gkk-query", "system:nyj-price", "system:oa-2009",
           "system:rsj-jyk-ledger", "system:zjj-dust", "system:zrzyj-chk-placename")  # fmt: skip


def track(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")}
    return subprocess.run([EXTRANET, "track", *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=env)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "inventory", tmp_path / "inventory")
    return tmp_path


def status(workspace: Path, *args: str) -> dict[str, dict[str, object]]:
    proc = track(workspace, "status", "--json", "--on", TODAY, *args)
    assert proc.returncode == 0, proc.stderr
    return {row["item"]: row for row in json.loads(proc.stdout)["items"]}


@pytest.mark.parametrize(
    ("item", "disposition", "rule", "state"),
    [
        ("network:gaj-video", "internal", "classified-internal", "planned"),  # classified: the internal network
        ("network:rsj-sibao", "extranet-vpn", "private-network-integrate", "planned"),
        ("network:nyj-nongye", "extranet-public", "private-network-integrate", "planned"),
        ("network:swj-tax", "exempt", "exemption", "exempted"),  # approved, not yet expired
        ("system:budget", "cloud", "cloud-first", "planned"),  # unclassified, in the data centre
        ("system:oa", "keep", "in-place", "closed"),  # already on the cloud
        ("system:czj-gkk-query", "retire", "zombie-retire", "planned"),  # replaced by budget
        ("system:zjj-dust", "retire", "zombie-retire", "planned"),  # maintenance stopped
        ("system:gaj-video-analysis", "internal", "classified-internal", "planned"),
        ("system:xwb-jiyao", "keep", "classified-internal", "closed"),  # classified, on the internal network
        ("exit:swj", "withdraw", "unified-exit", "planned"),  # class E: its own exit
        ("exit:jyj", "withdraw", "unified-exit", "planned"),  # class C
        ("connection:rmt", "connect", "connect-all", "planned"),  # no uplink yet
        ("connection:xwb", "keep", "in-place", "cut-over"),  # connected: the probe verifies it
    ],
)
def test_every_item_gets_the_disposition_its_rule_gives(
    workspace: Path, item: str, disposition: str, rule: str, state: str
) -> None:
    row = status(workspace)[item]
    assert (row["disposition"], row["rule"], row["state"]) == (disposition, rule, state)
    assert row["reasons"]  # the facts behind the verdict are always said


def test_status_json_has_the_fields_the_issue_names_and_one_item_per_object(workspace: Path) -> None:
    rows = status(workspace)
    inv = load_inventory(workspace / "inventory")
    assert set(next(iter(rows.values()))) >= {"item", "kind", "id", "owner", "disposition", "rule", "state", "wave",
                                               "deadline", "overdue_days", "reasons"}  # fmt: skip
    kinds = {kind: sum(1 for r in rows.values() if r["kind"] == kind) for kind in ("network", "system", "connection")}
    assert kinds == {"network": len(inv.private_networks), "system": len(inv.systems),
                     "connection": len(inv.departments)}  # fmt: skip
    assert {r["id"] for r in rows.values() if r["kind"] == "exit"} == {
        d.id for d in inv.departments.values() if d.effective_exit and d.effective_exit.value == "own"
    }


def test_an_exemption_lapses_by_itself(workspace: Path) -> None:
    before = status(workspace)["network:swj-tax"]
    after = status(workspace, "--on", "2027-09-15")["network:swj-tax"]  # the day after it expires
    assert before["disposition"] == "exempt" and "云政数函〔2025〕23号" in before["reasons"][0]
    assert after["disposition"] == "extranet-vpn" and after["state"] == "planned"
    assert after["reasons"][0] == "the exemption 云政数函〔2025〕23号 lapsed on 2027-09-14"


@pytest.mark.parametrize(
    ("missing", "said"),
    [
        ("      document: 云政数函〔2025〕23号\n", "exemption.document: required field is missing"),
        ("      expires: 2027-09-14\n", "exemption.expires: required field is missing"),
    ],
)
def test_an_exemption_without_its_document_or_expiry_is_refused(workspace: Path, missing: str, said: str) -> None:
    path = workspace / "inventory" / "private_networks.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(missing, ""), encoding="utf-8")
    proc = track(workspace, "status")
    assert proc.returncode == 2
    assert "inventory/private_networks.yml:65: private_networks[5]." in proc.stderr and said in proc.stderr


def test_an_exemption_that_expires_before_it_was_approved_is_refused(workspace: Path) -> None:
    path = workspace / "inventory" / "private_networks.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("expires: 2027-09-14", "expires: 2025-09-15"), "utf-8")
    proc = track(workspace, "status")
    assert proc.returncode == 2
    assert "private_networks[5].exemption.expires: expires 2025-09-15 is not after approved_on 2025-09-15" in (
        " ".join(proc.stderr.split())
    )


def test_overdue_items_and_violations_make_check_exit_1(workspace: Path) -> None:
    proc = track(workspace, "check", "--on", "2027-07-01", "--json")
    assert proc.returncode == 1
    found = json.loads(proc.stdout)
    assert [v["item"] for v in found["violations"]] == ["system:gaj-video-analysis"]
    assert found["violations"][0]["clause"] == RULES["classified-internal"].clause
    late = {row["item"]: row["overdue_days"] for row in found["overdue"]}
    dated = {item: days for item, days in late.items() if item not in ZOMBIES}
    assert dated == {"network:gaj-video": 1, "network:rsj-sibao": 92, "network:ybj-yibao": 1, "connection:rmt": 92,
                     "connection:vil-dm-jwh": 1, "system:gaj-video-analysis": 1}  # fmt: skip
    # the zombies have no date in the inventory: the clause's own (东丰 二、(二): 2018年5月底前) applies
    assert {item: late.get(item) for item in ZOMBIES} == {item: 3318 for item in ZOMBIES}
    only = status(workspace, "--on", "2027-07-01", "--overdue", "--dept", "rsj")
    assert list(only) == ["network:rsj-sibao", "system:rsj-jyk-ledger"]


def give_deadline(workspace: Path, systems: list[str], deadline: str) -> None:
    """Write ``deadline:`` into each system's census entry (the region's own plan, later than the policy's)."""
    path = workspace / "inventory" / "systems.yml"
    text = path.read_text(encoding="utf-8")
    for system in systems:
        text = text.replace(f"  - id: {system}\n", f"  - id: {system}\n    deadline: {deadline}\n", 1)
    path.write_text(text, encoding="utf-8")


def test_check_is_clean_when_nothing_is_broken_or_late(workspace: Path) -> None:
    path = workspace / "inventory" / "systems.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: gaj-video-analysis")
    end = text.find("\n  - id:", start + 1)
    path.write_text(text[:start] + (text[end + 1 :] if end != -1 else ""), encoding="utf-8")
    give_deadline(workspace, [z.removeprefix("system:") for z in ZOMBIES], "2027-06-30")
    proc = track(workspace, "check", "--on", "2026-11-27")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no violations and nothing overdue on 2026-11-27" in proc.stdout


def test_a_section_named_system_still_in_use_is_merged_into_its_departments_system(workspace: Path) -> None:
    path = workspace / "inventory" / "systems.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: czj-gkk-query")
    end = text.index("\n  - id:", start + 1)
    entry = text[start:end].replace("    replaced_by: budget\n", "")  # still used, nothing covers it yet
    path.write_text(text[:start] + entry + text[end:], encoding="utf-8")
    row = status(workspace)["system:czj-gkk-query"]
    assert (row["disposition"], row["rule"]) == ("merge", "section-merge")
    assert "merge into budget" in row["reasons"][0]


def test_zombie_verdicts_list_the_facts_behind_them() -> None:
    found = {i.item: i for i in items(load_inventory(REPO / "inventory"), date(2026, 11, 27))}
    assert found["system:czj-gkk-query"].reasons == ("its function is covered by budget (maintained, used daily)",)
    assert "maintenance has stopped" in found["system:zjj-dust"].reasons


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["status", "--kind", "printer"], "--kind 'printer': one of network, system, exit, connection"),
        (["status", "--dept", "atlantis"], "--dept 'atlantis': no such department"),
        (["check", "--on", "2027-13-01"], "--on '2027-13-01': give a date such as 2027-07-01"),
    ],
)
def test_bad_input_exits_2_and_says_what_is_allowed(workspace: Path, args: list[str], said: str) -> None:
    proc = track(workspace, *args)
    assert proc.returncode == 2 and said in proc.stderr and "Traceback" not in proc.stderr


def test_every_rule_cites_the_order_it_comes_from() -> None:
    for rule in RULES.values():
        assert rule.severity in ("violation", "overdue", "advice")
        if rule.id != "in-place":  # "already where it belongs" is ours, no order needed
            assert rule.document and rule.clause and rule.quote, rule.id


def test_rules_are_listed(workspace: Path) -> None:
    proc = track(workspace, "rules", "--json")
    assert proc.returncode == 0
    assert {r["id"] for r in json.loads(proc.stdout)} == set(RULES)


def as_operator(workspace: Path, operator: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")}
    return subprocess.run([EXTRANET, "track", *args], capture_output=True, text=True, timeout=120, cwd=workspace,
                          env={**env, "EXTRANET_OPERATOR": operator})  # fmt: skip


def test_an_override_does_nothing_until_a_second_operator_approves_it(workspace: Path) -> None:
    asked = as_operator(workspace, "alice", "override", "system:budget", "cut-over", "--reason", "probe blocked")
    assert asked.returncode == 0 and "is pending" in asked.stdout
    assert status(workspace)["system:budget"]["state"] == "planned"  # not yet
    same = as_operator(workspace, "alice", "approve", "system:budget")
    assert same.returncode == 2 and "another operator must approve it" in same.stderr
    assert status(workspace)["system:budget"]["state"] == "planned"
    ok = as_operator(workspace, "bob", "approve", "system:budget")
    assert ok.returncode == 0 and "asked by alice, approved by bob" in ok.stdout
    assert status(workspace)["system:budget"]["state"] == "cut-over"
    shown = json.loads(track(workspace, "show", "system:budget", "--json").stdout)
    assert [(h["action"], h["status"], h["operator"], h["state"]) for h in shown["history"]] == [
        ("override", "pending", "alice", "cut-over"), ("approve", "applied", "bob", "cut-over")]  # fmt: skip
    assert shown["history"][1]["approves"] == shown["history"][0]["id"]
    audit = subprocess.run([EXTRANET, "audit", "log", "--json"], capture_output=True, text=True, cwd=workspace)
    events = [(e["action"], e["outcome"], e["operator"]) for e in json.loads(audit.stdout)]
    assert events == [("track.override", "pending", "alice"), ("track.approve", "ok", "bob")]
    assert subprocess.run([EXTRANET, "audit", "verify"], cwd=workspace, capture_output=True).returncode == 0
    again = as_operator(workspace, "carol", "approve", "system:budget")
    assert again.returncode == 2 and "no override is pending" in again.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["override", "system:oa", "retired"], "Missing option '--reason'"),
        (["override", "system:oa", "retired", "--reason", "  "], "--reason: is 0 characters long"),
        (["override", "system:oa", "gone", "--reason", "by hand"], "state 'gone': one of planned, scheduled"),
        (["override", "system:atlantis", "retired", "--reason", "by hand"], "'system:atlantis': no such item"),
        (["override", "oa", "retired", "--reason", "by hand"], "'oa': name an item as KIND:ID"),
        (["override", "system:oa", "closed", "--reason", "by hand"], "system:oa is already closed"),
        (["approve", "system:oa"], "system:oa: no override is pending"),
        (["show", "exit:xwb"], "'exit:xwb': no such item; exit items are e.g. exit:jyj"),
    ],
)
def test_bad_tracking_input_exits_2_and_writes_nothing(workspace: Path, args: list[str], said: str) -> None:
    proc = as_operator(workspace, "alice", *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert said in " ".join(proc.stderr.replace("│", " ").split()) and "Traceback" not in proc.stderr
    assert not (workspace / "var").exists()  # no database, no history: nothing was recorded


def seed_probe_runs(workspace: Path, classified: list[dict[str, str]]) -> list[int]:
    """Full probe runs (`extranet probe`'s kind), one per mapping of department → classification."""
    from datetime import UTC, datetime

    from extranet import store
    from extranet.store.schema import DepartmentStatus

    (workspace / "var").mkdir(exist_ok=True)
    db = store.open_store(f"sqlite:///{workspace / 'var' / 'extranet.db'}")
    ids = []
    for statuses in classified:
        run = db.start_run("probe")
        db.save_probe(run, [], [DepartmentStatus(department=d, at=datetime.now(UTC), status=s, ipv4="ok",
                                                 ipv6="ok" if s == "dual-stack" else "down",
                                                 reasons=[] if s == "dual-stack" else ["IPv6: gateway lost 100 %"])
                                for d, s in statuses.items()])  # fmt: skip
        db.finish_run(run, "ok", {})
        ids.append(run)
    return ids


def test_advance_verifies_a_connection_only_on_the_probes_evidence(workspace: Path) -> None:
    runs = seed_probe_runs(workspace, [{"xwb": "dual-stack", "zfb": "dual-stack"},
                                       {"xwb": "dual-stack", "zfb": "dual-stack"},
                                       {"xwb": "dual-stack", "zfb": "ipv4-only"}])  # fmt: skip
    proc = as_operator(workspace, "alice", "advance", "connection:xwb", "connection:zfb", "connection:rmt",
                       "system:oa", "network:rsj-sibao", "--json")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["moved"] == [{"item": "connection:xwb", "from": "cut-over", "to": "verified",
                                "why": "dual-stack in the last 3 full probe runs",
                                "evidence": {"probe_runs": runs, "rule": "in-place", "verdict": "dual-stack"}}]
    held = {h["item"]: h["why"] for h in result["held"]}  # fmt: skip
    assert held["connection:zfb"] == f"probe run #{runs[2]} classified it ipv4-only: IPv6: gateway lost 100 %"
    assert held["connection:rmt"] == "not connected: the inventory gives it no uplink yet"
    assert held["system:oa"] == "already closed"
    assert held["network:rsj-sibao"].startswith("no integration planned (private_networks.yml `integration`")
    assert status(workspace)["connection:xwb"]["state"] == "verified"
    shown = json.loads(track(workspace, "show", "connection:xwb", "--json").stdout)
    assert shown["history"][0]["evidence"]["probe_runs"] == runs and shown["history"][0]["action"] == "advance"
    again = json.loads(as_operator(workspace, "alice", "advance", "connection:xwb", "--json").stdout)
    assert again == {"moved": [], "held": [{"item": "connection:xwb", "state": "verified", "why": "already verified"}]}


def test_advance_needs_enough_probe_runs(workspace: Path) -> None:
    seed_probe_runs(workspace, [{"xwb": "dual-stack"}, {"xwb": "dual-stack"}])
    proc = as_operator(workspace, "alice", "advance", "connection:xwb", "--json")
    [held] = json.loads(proc.stdout)["held"]
    assert held["why"] == "2 of the 3 full probe runs needed have been made (extranet probe)"
    assert status(workspace)["connection:xwb"]["state"] == "cut-over"
