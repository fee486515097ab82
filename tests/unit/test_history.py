"""The config history: secrets scrubbed per platform, one git commit per change with audit trailers."""

import os
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extranet.history import ConfigHistory, HistoryError, scrub
from extranet.platforms import PLATFORM_NAMES

# (platform, line with a secret, the line as stored). Every secret below contains "S3cr" or is a hash/cipher.
SECRET_LINES = [
    # Huawei VRP5 / VRP8
    (
        "huawei",
        "snmp-agent community read cipher %^%#S3cr!(x y)%^%# acl 2000",
        "snmp-agent community read cipher <scrubbed> acl 2000",
    ),
    ("huawei", "snmp-agent community write S3crPlain", "snmp-agent community write <scrubbed>"),
    (
        "huawei_vrpv8",
        "snmp-agent usm-user v3 nms authentication-mode sha cipher S3crAuth privacy-mode aes128 cipher S3crPriv",
        "snmp-agent usm-user v3 nms authentication-mode sha cipher <scrubbed> privacy-mode aes128 cipher <scrubbed>",
    ),
    (
        "huawei",
        ' local-user admin password irreversible-cipher $1c$S3cr"v}ZeT$1nH4$ab>d(N{-%0!,$',
        " local-user admin password irreversible-cipher <scrubbed>",
    ),
    ("huawei", " local-user ops password cipher S3crOps", " local-user ops password cipher <scrubbed>"),
    (
        "huawei_vrpv8",
        ' hwtacacs-server shared-key cipher %+%##!!!"S3cr\'[X=L"cpF!5Oz`1%+%#',
        " hwtacacs-server shared-key cipher <scrubbed>",
    ),
    ("huawei_vrpv8", " radius-server shared-key cipher S3crRadius", " radius-server shared-key cipher <scrubbed>"),
    ("huawei", " peer 198.51.100.2 password cipher S3crBgp", " peer 198.51.100.2 password cipher <scrubbed>"),
    ("huawei_vrpv8", " peer 198.51.100.2 password simple S3crBgp", " peer 198.51.100.2 password simple <scrubbed>"),
    (
        "huawei",
        " ospf authentication-mode md5 1 cipher S3crOspf",
        " ospf authentication-mode md5 1 cipher <scrubbed>",
    ),
    ("huawei", "  authentication-mode md5 1 plain S3crArea", "  authentication-mode md5 1 plain <scrubbed>"),
    (
        "huawei",
        " ospf authentication-mode simple cipher S3crSimple",
        " ospf authentication-mode simple cipher <scrubbed>",
    ),
    ("huawei", " set authentication password cipher S3crVty", " set authentication password cipher <scrubbed>"),
    ("huawei", "super password level 15 cipher S3crSuper", "super password level 15 cipher <scrubbed>"),
    ("huawei_vrpv8", " pre-shared-key cipher S3crIke", " pre-shared-key cipher <scrubbed>"),
    (
        "huawei_vrpv8",
        "ntp authentication-keyid 1 authentication-mode hmac-sha256 cipher S3crNtp",
        "ntp authentication-keyid 1 authentication-mode hmac-sha256 cipher <scrubbed>",
    ),
    # H3C Comware 7
    (
        "hp_comware",
        "snmp-agent community read simple S3crCom acl 2000",
        "snmp-agent community read simple <scrubbed> acl 2000",
    ),
    (
        "hp_comware",
        "snmp-agent usm-user v3 nms grp cipher authentication-mode sha $c$3$S3crA== privacy-mode aes128 $c$3$S3crP==",
        "snmp-agent usm-user v3 nms grp cipher authentication-mode sha <scrubbed> privacy-mode aes128 <scrubbed>",
    ),
    (
        "hp_comware",
        "snmp-agent usm-user v3 nms grp simple authentication-mode sha S3crA privacy-mode aes128 S3crP",
        "snmp-agent usm-user v3 nms grp simple authentication-mode sha <scrubbed> privacy-mode aes128 <scrubbed>",
    ),
    (
        "hp_comware",
        "snmp-agent target-host trap address udp-domain 198.51.100.9 params securityname S3crTrap v2c",
        "snmp-agent target-host trap address udp-domain 198.51.100.9 params securityname <scrubbed> v2c",
    ),
    ("hp_comware", " password hash $h$6$S3crHash==", " password hash <scrubbed>"),
    ("hp_comware", " password simple S3crLocal", " password simple <scrubbed>"),
    ("hp_comware", " key authentication cipher $c$3$S3crRad", " key authentication cipher <scrubbed>"),
    ("hp_comware", " key accounting simple S3crAcct", " key accounting simple <scrubbed>"),
    (
        "hp_comware",
        " primary authentication 198.51.100.7 key simple S3crPrimary",
        " primary authentication 198.51.100.7 key simple <scrubbed>",
    ),
    (
        "hp_comware",
        " pre-shared-key address 198.51.100.3 255.255.255.255 key simple S3crIke",
        " pre-shared-key address 198.51.100.3 255.255.255.255 key simple <scrubbed>",
    ),
    ("hp_comware", " set authentication password hash $h$6$S3crLine", " set authentication password hash <scrubbed>"),
    ("hp_comware", " peer 198.51.100.2 password cipher $c$3$S3crBgp", " peer 198.51.100.2 password cipher <scrubbed>"),
    # Cisco IOS / IOS-XE
    ("cisco_ios", "snmp-server community S3crPublic RO", "snmp-server community <scrubbed> RO"),
    (
        "cisco_ios",
        "snmp-server user nms NMS v3 auth sha S3crAuth priv aes 128 S3crPriv",
        "snmp-server user nms NMS v3 auth sha <scrubbed> priv aes 128 <scrubbed>",
    ),
    (
        "cisco_ios",
        "snmp-server host 198.51.100.9 version 2c S3crTrap",
        "snmp-server host 198.51.100.9 version 2c <scrubbed>",
    ),
    (
        "cisco_ios",
        "username admin privilege 15 secret 9 $9$S3crSalt$hashhashhash",
        "username admin privilege 15 secret 9 <scrubbed>",
    ),
    ("cisco_ios", "username ops password 7 S3cr0822455D0A16", "username ops password 7 <scrubbed>"),
    ("cisco_ios", "enable secret 5 $1$S3cr$abcdefgh", "enable secret 5 <scrubbed>"),
    ("cisco_ios", " neighbor 198.51.100.2 password S3crBgp", " neighbor 198.51.100.2 password <scrubbed>"),
    ("cisco_ios", "tacacs-server key 7 S3cr060506324F41", "tacacs-server key 7 <scrubbed>"),
    (
        "cisco_ios",
        "radius-server host 198.51.100.8 auth-port 1812 acct-port 1813 key S3cr radius key",
        "radius-server host 198.51.100.8 auth-port 1812 acct-port 1813 key <scrubbed>",
    ),
    (
        "cisco_ios",
        "radius server R1\n address ipv4 198.51.100.8 auth-port 1812\n key 7 S3crBlock",
        "radius server R1\n address ipv4 198.51.100.8 auth-port 1812\n key 7 <scrubbed>",
    ),
    ("cisco_ios", " password 7 S3crVty", " password 7 <scrubbed>"),
    ("cisco_ios", " ip ospf authentication-key 7 S3crOspf", " ip ospf authentication-key 7 <scrubbed>"),
    ("cisco_ios", " ip ospf message-digest-key 1 md5 S3crMd5", " ip ospf message-digest-key 1 md5 <scrubbed>"),
    ("cisco_ios", "ntp authentication-key 1 md5 S3crNtp 7", "ntp authentication-key 1 md5 <scrubbed> 7"),
    ("cisco_ios", "  key-string 7 S3crChain", "  key-string 7 <scrubbed>"),
    (
        "cisco_ios",
        "crypto isakmp key 6 S3crIsakmp address 198.51.100.4",
        "crypto isakmp key 6 <scrubbed> address 198.51.100.4",
    ),
    ("cisco_ios", " pre-shared-key local S3crIkev2", " pre-shared-key local <scrubbed>"),
    # Ruijie RGOS
    ("ruijie_os", "snmp-server community S3crRg ro", "snmp-server community <scrubbed> ro"),
    ("ruijie_os", "enable secret 5 $1$S3cr$abcdefgh", "enable secret 5 <scrubbed>"),
    ("ruijie_os", "username admin password 7 S3crRgUser", "username admin password 7 <scrubbed>"),
    ("ruijie_os", "tacacs-server key 7 S3crRgTac", "tacacs-server key 7 <scrubbed>"),
    # Junos, set style
    (
        "juniper_junos",
        'set system root-authentication encrypted-password "$6$S3cr$abcdefgh"',
        'set system root-authentication encrypted-password "<scrubbed>"',
    ),
    (
        "juniper_junos",
        'set system login user ops authentication encrypted-password "$6$S3cr$ops"',
        'set system login user ops authentication encrypted-password "<scrubbed>"',
    ),
    (
        "juniper_junos",
        "set snmp community S3crPublic authorization read-only",
        "set snmp community <scrubbed> authorization read-only",
    ),
    (
        "juniper_junos",
        'set protocols bgp group ext neighbor 198.51.100.2 authentication-key "$9$S3crBgp"',
        'set protocols bgp group ext neighbor 198.51.100.2 authentication-key "<scrubbed>"',
    ),
    (
        "juniper_junos",
        'set security ike policy p1 pre-shared-key ascii-text "$9$S3crIke"',
        'set security ike policy p1 pre-shared-key ascii-text "<scrubbed>"',
    ),
    (
        "juniper_junos",
        'set protocols ospf area 0.0.0.0 interface ge-0/0/0.0 authentication md5 1 key "$9$S3crOspf"',
        'set protocols ospf area 0.0.0.0 interface ge-0/0/0.0 authentication md5 1 key "<scrubbed>"',
    ),
    (
        "juniper_junos",
        'set system tacplus-server 198.51.100.5 secret "$9$S3crTac"',
        'set system tacplus-server 198.51.100.5 secret "<scrubbed>"',
    ),
    (
        "juniper_junos",
        'set snmp v3 usm local-engine user nms authentication-sha authentication-key "$9$S3crUsm"',
        'set snmp v3 usm local-engine user nms authentication-sha authentication-key "<scrubbed>"',
    ),
    (
        "juniper_junos",
        'set snmp v3 usm local-engine user nms privacy-aes128 privacy-key "$9$S3crPriv"',
        'set snmp v3 usm local-engine user nms privacy-aes128 privacy-key "<scrubbed>"',
    ),
    # Junos, curly-brace style
    (
        "juniper_junos",
        '        authentication-key "$9$S3crCurly"; ## SECRET-DATA',
        '        authentication-key "<scrubbed>"; ## SECRET-DATA',
    ),
    (
        "juniper_junos",
        '    pre-shared-key ascii-text "$9$S3crPsk"; ## SECRET-DATA',
        '    pre-shared-key ascii-text "<scrubbed>"; ## SECRET-DATA',
    ),
    (
        "juniper_junos",
        '    encrypted-password "$6$S3cr$x"; ## SECRET-DATA',
        '    encrypted-password "<scrubbed>"; ## SECRET-DATA',
    ),
    ("juniper_junos", "    community S3crCurly {", "    community <scrubbed> {"),
    (
        "juniper_junos",
        '    unknown-secret "S3crMarked"; ## SECRET-DATA',
        '    unknown-secret "<scrubbed>"; ## SECRET-DATA',
    ),
    # FRR (frr.conf) and the net-snmp snmpd.conf of the lab's routers
    ("frr", " neighbor 198.51.100.2 password S3crBgp", " neighbor 198.51.100.2 password <scrubbed>"),
    ("frr", "password S3crZebra", "password <scrubbed>"),
    ("frr", "enable password S3crEnable", "enable password <scrubbed>"),
    ("frr", " ip ospf authentication-key S3crOspf", " ip ospf authentication-key <scrubbed>"),
    ("frr", 'createUser u SHA "S3crAuth" AES "S3crPriv"', 'createUser u SHA "<scrubbed>" AES "<scrubbed>"'),
    ("frr", "createUser u2 SHA-256 S3crAuth AES S3crPriv", "createUser u2 SHA-256 <scrubbed> AES <scrubbed>"),
    ("frr", "rocommunity S3crXyz 198.18.0.0/24", "rocommunity <scrubbed> 198.18.0.0/24"),
    ("frr", "rwcommunity6 S3crRw 2001:db8::/32", "rwcommunity6 <scrubbed> 2001:db8::/32"),
    ("frr", "com2sec readonly 198.18.0.0/24 S3crCom2sec", "com2sec readonly 198.18.0.0/24 <scrubbed>"),
    ("frr", "trap2sink 198.18.0.10 S3crTrap", "trap2sink 198.18.0.10 <scrubbed>"),
]

# Lines that carry no secret, some deliberately close to a secret's syntax: stored exactly as given.
PLAIN_LINES = {
    "huawei": [
        "sysname core1",
        "snmp-agent community complexity-check disable",
        "snmp-agent sys-info version v2c v3",
        " local-user admin service-type ssh",
        " local-user admin privilege level 15",
        " peer 198.51.100.2 as-number 65001",
        " ospf authentication-mode keychain kc1",
        " authentication-mode aaa",
        "ssh server cipher aes256_ctr aes128_ctr",
        " ip address 198.18.2.1 255.255.255.252",
    ],
    "huawei_vrpv8": [
        "ssh client cipher aes256_ctr",
        "hwtacacs-server template tpl1",
        " hwtacacs-server authentication 198.51.100.6 49",
        " ipv6 address 2001:DB8:AB00::1/64",
        " password expire 90",
    ],
    "hp_comware": [
        "ssh2 algorithm cipher aes128-ctr aes256-ctr",
        "local-user admin class manage",
        " service-type ssh",
        "password-recovery enable",
        " authentication-mode scheme",
        "radius scheme rs1",
    ],
    "cisco_ios": [
        "hostname core1",
        "service password-encryption",
        "password encryption aes",
        "snmp-server host 198.51.100.9 version 3 priv nmsuser",
        "snmp-server host 198.51.100.9 informs version 3 auth nmsuser",
        "snmp-server user nms NMS v3",
        " neighbor 198.51.100.2 remote-as 65001",
        " ip ospf authentication message-digest",
        "key chain KC",
        "aaa authentication login default group tacacs+ local",
    ],
    "ruijie_os": ["hostname town1-r1", "interface GigabitEthernet 0/1", " ip address 198.18.2.2 255.255.255.252"],
    "juniper_junos": [
        "set system host-name core2",
        "set policy-options community CUST members 65000:100",
        "    community CUST members 65000:100;",
        "set interfaces ge-0/0/0 unit 0 family inet6 address 2001:db8:ab00::1/64",
        "set system login user ops class super-user",
        "        authorization read-only;",
    ],
    "frr": [
        "frr version 8.4",
        "hostname r1",
        " neighbor 198.51.100.2 remote-as 65001",
        "rouser nms priv",
        "sysLocation lab",
        " ip ospf area 0",
    ],
}


def _case_id(case: tuple[str, str, str]) -> str:
    return f"{case[0]}:{case[1].strip().split()[0]}"


@pytest.mark.parametrize(("platform", "line", "stored"), SECRET_LINES, ids=[_case_id(c) for c in SECRET_LINES])
def test_each_secret_is_replaced_and_the_rest_of_its_line_kept(platform: str, line: str, stored: str) -> None:
    assert scrub(line, platform) == stored


@pytest.mark.parametrize(("platform", "line"), [(p, line) for p, lines in PLAIN_LINES.items() for line in lines])
def test_lines_without_secrets_are_stored_unchanged(platform: str, line: str) -> None:
    assert scrub(line, platform) == line


def test_a_whole_configuration_keeps_its_plain_lines_and_loses_its_secrets() -> None:
    for platform in PLATFORM_NAMES:
        secret_lines = [line for p, line, _ in SECRET_LINES if p == platform]
        config = "\n".join(PLAIN_LINES[platform] + secret_lines) + "\n"
        stored = scrub(config, platform)
        assert "S3cr" not in stored, platform
        assert stored.splitlines()[: len(PLAIN_LINES[platform])] == PLAIN_LINES[platform]


@pytest.mark.parametrize(("platform", "line", "stored"), SECRET_LINES, ids=[_case_id(c) for c in SECRET_LINES])
def test_scrub_is_idempotent(platform: str, line: str, stored: str) -> None:
    assert scrub(stored, platform) == stored


FRAGMENTS = sorted({word for _, line, _ in SECRET_LINES for word in line.split()} | {'"', ";", "{", "## SECRET-DATA"})


@settings(max_examples=300, deadline=None)
@given(
    platform=st.sampled_from(PLATFORM_NAMES),
    lines=st.lists(st.lists(st.sampled_from(FRAGMENTS) | st.text("ab7$%^# \"';", max_size=6), max_size=8)),
)
def test_scrub_is_idempotent_on_any_mix_of_secret_syntax(platform: str, lines: list[list[str]]) -> None:
    once = scrub("\n".join(" ".join(words) for words in lines), platform)
    assert scrub(once, platform) == once


def test_every_platform_has_secret_patterns_and_others_are_refused() -> None:
    for platform in PLATFORM_NAMES:
        assert scrub("", platform) == ""
    with pytest.raises(ValueError, match="unknown platform 'ios'"):
        scrub("", "ios")


# --- the repository -------------------------------------------------------------------------------------------

CORE1 = """\
hostname core1
snmp-server community S3crCommunity RO
username admin privilege 15 secret 9 $9$S3crSalt$hashhash
interface GigabitEthernet0/1
 ip address 198.18.2.1 255.255.255.252
"""


def git(repo: Path, *args: str) -> str:
    """Plain git, as an auditor runs it."""
    env = {"PATH": os.environ["PATH"], "HOME": str(repo), "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True)
    return done.stdout


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ConfigHistory:
    """A history in a fresh directory, on a machine without any git identity or config."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "not-this-one"))  # as inside a git hook: must not leak in
    return ConfigHistory(tmp_path / "history")


def record(
    history: ConfigHistory,
    device: str,
    config: str,
    *,
    platform: str = "cisco_ios",
    operator: str = "alice",
    ticket: str | None = "CHG-42",
    run_id: str | None = "run-7",
    action: str = "backup",
    result: str = "ok",
) -> str | None:
    return history.record(
        device, platform, config, operator=operator, ticket=ticket, run_id=run_id, action=action, result=result
    )


def test_record_commits_the_config_with_trailers_that_log_reads_back(history: ConfigHistory) -> None:
    sha = record(history, "core1", CORE1)
    [entry] = history.log()
    assert entry.sha == sha
    assert (entry.device, entry.operator, entry.ticket, entry.run) == ("core1", "alice", "CHG-42", "run-7")
    assert (entry.action, entry.result, entry.platform) == ("backup", "ok", "cisco_ios")
    assert entry.subject == "core1: backup ok"
    assert entry.date[:4].isdigit() and "T" in entry.date
    assert git(history.path, "log", "-1", "--format=%(trailers:key=Operator,valueonly)").strip() == "alice"


def test_a_missing_ticket_or_run_is_no_trailer_and_reads_back_as_none(history: ConfigHistory) -> None:
    record(history, "core1", CORE1, ticket=None, run_id=None)
    [entry] = history.log("core1")
    assert entry.ticket is None and entry.run is None
    assert "Ticket:" not in git(history.path, "log", "-1", "--format=%B")


def test_an_unchanged_config_makes_no_commit(history: ConfigHistory) -> None:
    assert record(history, "core1", CORE1) is not None
    assert record(history, "core1", CORE1, operator="bob") is None
    assert git(history.path, "rev-list", "--count", "HEAD").strip() == "1"


def test_a_file_written_but_never_committed_is_recorded_by_the_next_record(history: ConfigHistory) -> None:
    history.init()
    (history.path / "r1.cfg").write_text("hostname r1\n")  # a record killed between write and commit
    sha = history.record("r1", "frr", "hostname r1\n", operator="o", ticket=None, run_id=None, action="backup",
                         result="ok")  # fmt: skip
    assert sha and history.show("r1") == "hostname r1\n"
    assert history.record("r1", "frr", "hostname r1\n", operator="o", ticket=None, run_id=None, action="backup",
                          result="ok") is None  # fmt: skip


def test_git_log_p_shows_an_auditor_what_changed_and_who_changed_it(history: ConfigHistory) -> None:
    record(history, "core1", CORE1)
    changed = CORE1.replace("198.18.2.1 255.255.255.252", "198.18.2.5 255.255.255.252")
    record(history, "core1", changed + " ipv6 address 2001:db8:ab00::1/64\n", operator="bob", action="change")
    shown = git(history.path, "log", "-p", "--", "core1.cfg")
    assert "- ip address 198.18.2.1 255.255.255.252" in shown
    assert "+ ip address 198.18.2.5 255.255.255.252" in shown
    assert "+ ipv6 address 2001:db8:ab00::1/64" in shown
    assert "Operator: bob" in shown and "Action: change" in shown
    assert "S3cr" not in shown


def test_show_and_diff_give_the_config_at_each_revision(history: ConfigHistory) -> None:
    first = record(history, "core1", CORE1)
    second = record(history, "core1", CORE1 + "ip route 0.0.0.0 0.0.0.0 198.18.2.2\n", action="change")
    assert first and second
    assert history.show("core1", first) == scrub(CORE1, "cisco_ios")
    assert history.show("core1").endswith("ip route 0.0.0.0 0.0.0.0 198.18.2.2\n")
    assert "+ip route 0.0.0.0 0.0.0.0 198.18.2.2" in history.diff("core1", first, second)
    assert history.diff("core1", second, second) == ""


def test_log_filters_by_device_and_limits_newest_first(history: ConfigHistory) -> None:
    record(history, "core1", CORE1)
    record(history, "town1-r1", "hostname town1-r1\n")
    record(history, "core1", CORE1 + "!\n", action="rollback", result="rolled-back")
    assert [e.device for e in history.log()] == ["core1", "town1-r1", "core1"]
    assert [e.action for e in history.log("core1")] == ["rollback", "backup"]
    assert [e.result for e in history.log("core1", limit=1)] == ["rolled-back"]


def test_sixteen_threads_recording_at_once_make_sixteen_commits(history: ConfigHistory) -> None:
    _record_concurrently(lambda: history)
    _assert_sixteen_clean_commits(history.path)


def test_separate_instances_are_serialised_by_the_file_lock(history: ConfigHistory) -> None:
    # One instance per thread: only the flock on .git/extranet.lock orders them, as between processes.
    history.init()
    _record_concurrently(lambda: ConfigHistory(history.path))
    _assert_sixteen_clean_commits(history.path)


def _record_concurrently(instance: Callable[[], ConfigHistory]) -> None:
    start = threading.Barrier(16)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            start.wait()
            record(instance(), f"r{n:02d}", f"hostname r{n:02d}\nsnmp-server community S3cr{n} RO\n")
        except BaseException as exc:  # collected: a failure in a thread must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def _assert_sixteen_clean_commits(repo: Path) -> None:
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "16"
    assert len(git(repo, "ls-files").split()) == 16
    git(repo, "fsck", "--strict", "--no-progress")  # raises on a corrupt or incomplete repository


@pytest.mark.parametrize("name", ["../x", "x/../../y", "/etc/passwd", "", ".git", "-rf", "a b", "x\n", "a" * 64])
def test_a_device_name_that_is_not_a_hostname_is_refused(history: ConfigHistory, name: str) -> None:
    with pytest.raises(ValueError, match="invalid device name"):
        record(history, name, CORE1)
    with pytest.raises(ValueError, match="invalid device name"):
        history.show(name)
    assert not (history.path.parent / "x.cfg").exists()


def test_trailer_values_must_be_one_line_so_trailers_cannot_be_forged(history: ConfigHistory) -> None:
    with pytest.raises(ValueError, match="Operator must be one line"):
        record(history, "core1", CORE1, operator="mallory\nOperator: alice")
    with pytest.raises(ValueError, match="action must be one of backup, change, rollback"):
        record(history, "core1", CORE1, action="deploy")
    assert history.log() == []


def test_the_stored_files_and_the_repository_never_hold_an_input_secret(history: ConfigHistory) -> None:
    for platform in PLATFORM_NAMES:
        config = "\n".join(line for p, line, _ in SECRET_LINES if p == platform) + "\n"
        record(history, f"dev-{platform}", config, platform=platform)
        record(history, f"dev-{platform}", config.replace("S3cr", "S3crNew"), platform=platform, action="change")
    for stored in history.path.glob("*.cfg"):
        assert "S3cr" not in stored.read_text(encoding="utf-8"), stored.name
    every_version = git(history.path, "log", "-p", "--all", "--format=%B")
    assert "<scrubbed>" in every_version and "S3cr" not in every_version
    assert not list(history.git_dir.glob("*.tmp"))


def test_git_errors_carry_gits_own_message(history: ConfigHistory) -> None:
    record(history, "core1", CORE1)
    with pytest.raises(HistoryError, match=r"town1-r1\.cfg") as raised:
        history.show("town1-r1")
    assert "fatal" in raised.value.stderr


def test_reading_a_history_that_does_not_exist_yet(history: ConfigHistory) -> None:
    assert history.log() == []
    with pytest.raises(HistoryError, match="nothing has been recorded"):
        history.show("core1")
    assert not history.path.exists()


def test_init_is_idempotent_and_the_default_is_var_history(
    history: ConfigHistory, monkeypatch: pytest.MonkeyPatch
) -> None:
    history.init()
    record(history, "core1", CORE1)
    history.init()
    assert len(history.log()) == 1
    monkeypatch.chdir(history.path.parent)
    assert ConfigHistory().path == history.path.parent / "var" / "history"
