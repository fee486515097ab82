"""Secrets out of device configurations before they are stored: one table of patterns per platform family.

Each pattern names the text to keep (``keep``, the command up to the secret) and the secret itself
(``secret``); only the secret is replaced, by ``<scrubbed>``, so a diff still shows that the line exists
and when it changed. The engine is a loop; everything vendor-specific is in the tables below.

Tables run in order: self-delimiting encrypted blobs first (they may hold blanks and quotes), then the
commands that carry secrets, then a catch-all for crypt-style hashes a command rule did not know about.
Before the tables, the secrets this process was given (``EXTRANET_*_AUTH_KEY``, ``_PRIV_KEY``, ``_PASSWORD``…)
are replaced wherever they appear: in a device's error that echoes a refused line behind its prompt, a rule
anchored at the command would not see them.
"""

import os
import re
from re import Match, Pattern

MARKER = "<scrubbed>"

WORD = r'"[^"\n]*"|\S+'  # a value as most CLIs print it: quoted, or up to the next blank
JUNOS_WORD = r'"[^"\n]*"|[^\s;]+'  # Junos ends a statement with ';', which is not part of the value
REST = r"[^\r\n]+"  # IOS-style LINE arguments: the secret runs to the end of the line, blanks included
BOL = r"^[ \t]*"  # the start of a line, indented or not


def _rule(keep: str, secret: str = WORD) -> Pattern[str]:
    return re.compile(f"(?P<keep>{keep})(?P<secret>{secret})", re.MULTILINE)


# Huawei (%^%#…%^%#, %+%#…%+%#, older %$%$…%$%$ and %@%@…%@%@) and Comware (%#%#…) ciphertexts: their
# delimiters mark them wherever they appear, even inside a command no rule below knows.
DELIMITED = (_rule("", r"(?P<delimiter>%\^%#|%\+%#|%\$%\$|%@%@|@%@%|%#%#).*?(?P=delimiter)"),)

# Hashes in crypt format (MD5, SHA-256/512, bcrypt, Cisco types 8 and 9, Junos $9$); their alphabets have
# no quotes or semicolons, so a quoted Junos value keeps its quotes and its ';'.
HASHES = (_rule("", r"\$(?:1|2[aby]|5|6|8|9)\$[^\s\"';]+"),)

# Huawei VRP5/VRP8 and H3C Comware 7 share the cipher/simple/irreversible-cipher/hash keywords.
HUAWEI_H3C = (
    # irreversible-cipher ($1a$…$1d$, may hold quotes and '$') and Comware's $c$3$…/$h$6$…: to the next blank
    _rule("", r"\$(?:1[a-d]|[ch]\$\d+)\$\S+"),
    _rule(BOL + r"snmp-agent community (?:(?:read|write) )?(?:(?:cipher|simple) )?(?!complexity-check\b)"),
    _rule(BOL + r"snmp-agent community-map "),
    _rule(BOL + r"snmp-agent target-host .*?\bsecurityname (?:(?:cipher|simple) )?"),
    _rule(BOL + r"snmp-agent usm-user .*?\bauthentication-mode \S+ (?:(?:cipher|simple) )?(?!privacy-mode\b)"),
    _rule(BOL + r"snmp-agent usm-user .*?\bprivacy-mode \S+ (?:(?:cipher|simple) )?"),
    _rule(BOL + r"local-user \S+ password (?:(?:irreversible-cipher|cipher|simple) )?", REST),
    # Comware's local-user view; the password-policy settings (history, expire, …) are not secrets
    _rule(
        BOL + r"password (?!(?:history|expire|alert|policy|complexity|min-length|control)\b)"
        r"(?:(?:hash|cipher|simple|irreversible-cipher) )?",
        REST,
    ),
    _rule(BOL + r"set authentication password (?:(?:cipher|simple|hash) )?", REST),
    _rule(BOL + r"super password (?:(?:level|role) \S+ )?(?:(?:cipher|simple|hash|irreversible-cipher) )?", REST),
    _rule(r"(?<![\w-])shared-key (?:(?:cipher|simple) )?"),  # hwtacacs-server / radius-server, not pre-shared-key
    _rule(BOL + r"key (?:authentication|authorization|accounting) (?:(?:cipher|simple) )?"),  # Comware schemes
    _rule(r"\bkey (?:cipher|simple) "),  # Comware: server lines, IKE keychains
    _rule(BOL + r"peer \S+ password (?:(?:cipher|simple) )?"),  # BGP
    # OSPF, IS-IS, VRRP, NTP: "authentication-mode md5 1 cipher X", "ospf authentication-mode simple plain X"
    _rule(
        r"\b(?:area-|domain-)?authentication-mode (?:md5|hmac-md5|hmac-sha256|simple)(?: \d+)? "
        r"(?:(?:cipher|plain|simple) )?(?!keychain\b)"
    ),
    _rule(r"\bpre-shared-key (?:(?:cipher|simple) )?(?!(?:address|hostname)\b)"),
    _rule(r"\bkey-string (?:(?:cipher|simple|plain) )?"),
    # Anything else after "cipher" is ciphertext, except the SSH algorithm lists ("ssh server cipher aes256_ctr")
    _rule(r"(?<!server )(?<!client )(?<!algorithm )\b(?:irreversible-)?cipher (?!(?:authentication|privacy)-mode\b)"),
)

# Cisco IOS/IOS-XE, Ruijie RGOS and FRR print secrets after the command, often with a type digit (0, 7, 5, 9).
IOS_STYLE = (
    _rule(BOL + r"snmp-server community (?:[07] )?"),
    _rule(
        BOL + r"snmp-server host \S+ (?:vrf \S+ )?(?:(?:traps|informs) )?(?:version (?:1|2c) )?"
        r"(?!(?:version|traps|informs|vrf)\b)"
    ),
    _rule(BOL + r"snmp-server user .*?\bauth \S+ "),
    _rule(BOL + r"snmp-server user .*?\bpriv (?:aes \d+|\S+) "),
    _rule(BOL + r"username \S+ (?:.*? )?(?:secret|password) (?:\d+ )?", REST),
    _rule(BOL + r"enable (?:secret|password) (?:level \d+ )?(?:\d+ )?", REST),
    _rule(BOL + r"password (?!(?:encryption|policy)\b)(?:\d+ )?", REST),  # line vty; FRR's top-level password
    _rule(BOL + r"(?:tacacs|radius)-server (?:host \S+ (?:.*? )?)?key (?:\d+ )?", REST),
    # IOS-XE server blocks ("radius server R1" … " key 7 …"); a key chain's " key 1" is not a secret
    _rule(r"^(?:tacacs|radius) server \S+[ \t]*\n(?:[ \t]+[^\n]*\n)*?[ \t]+key (?:\d+ )?", REST),
    _rule(r"\bserver-key (?:\d+ )?", REST),
    _rule(BOL + r"neighbor \S+ password (?:\d+ )?", REST),  # BGP
    # OSPF keys and NTP ("ntp authentication-key 1 md5 KEY 7"); only 0 and 7 are type digits here
    _rule(r"\bauthentication-key (?:\d+ md5 )?(?:[07] )?"),
    _rule(r"\bmessage-digest-key \d+ md5 (?:[07] )?"),
    _rule(r"\bipsec spi \d+ (?:md5|sha1) (?:[07] )?"),  # OSPFv3 authentication
    _rule(r"\bhash-algo \S+ key "),  # FRR ospf6 authentication
    _rule(r"\b(?:area|domain)-password (?:(?:clear|md5) )?"),  # IS-IS
    _rule(BOL + r"isis password (?:(?:clear|md5) )?"),
    _rule(r"\bauthentication string "),  # RIP
    _rule(BOL + r"crypto isakmp key (?:\d )?"),
    _rule(r"\bpre-shared-key (?:(?:local|remote) )?(?:\d )?(?!address\b)"),
    _rule(r"\bkey-string (?:\d )?", REST),  # key chains, HSRP
    _rule(r"\bppp (?:chap|pap) (?:.*? )?password (?:\d )?"),
    _rule(BOL + r"webmaster .*?\bpassword (?:\d )?"),  # Ruijie web management
)

# Junos, set style and curly-brace style. Junos shows secrets as "$9$…" or crypt hashes, which HASHES also
# catches; SNMP communities are plain, and curly style marks secrets with "## SECRET-DATA".
JUNOS = (
    _rule(r"\b(?:encrypted-password|plain-text-password-value) ", JUNOS_WORD),
    _rule(r"\bauthentication-key \d+ type \S+ value ", JUNOS_WORD),  # NTP
    _rule(r"\bauthentication-key (?!\d+ type\b)", JUNOS_WORD),  # BGP, OSPF, IS-IS hello, LDP, VRRP
    _rule(r"\b(?:privacy-key|authentication-password|privacy-password|simple-password|chap-secret) ", JUNOS_WORD),
    _rule(r"\bmd5 \d+ key ", JUNOS_WORD),  # OSPF MD5
    _rule(r"\bpre-shared-key (?:ascii-text|hexadecimal) ", JUNOS_WORD),
    _rule(r"\b(?:tacplus-server|radius-server) \S+ (?:.*? )?secret ", JUNOS_WORD),
    _rule(r"\bkey \d+ secret ", JUNOS_WORD),  # authentication-key-chains
    _rule(BOL + r"(?:inactive: )?secret ", JUNOS_WORD),
    _rule(r"\bsnmp community ", JUNOS_WORD),
    _rule(r"\bcommunity-name ", JUNOS_WORD),  # snmp v3 snmp-community
    # curly style "community public {" / "community public;" (a policy community is followed by "members")
    _rule(BOL + r"(?:inactive: )?community ", r'(?:"[^"\n]*"|[^\s;{]+)(?=[ \t]*[{;])'),
    _rule(r"(?<!\S)", r'(?:"[^"\n]*"|[^\s;]+)(?=;[ \t]*## SECRET-DATA)'),
)

# net-snmp's snmpd.conf, which the FRR routers of the lab carry alongside frr.conf.
NET_SNMP = (
    _rule(BOL + r"r[ow]community6? (?:-\S+ \S+ )*"),
    _rule(BOL + r"com2sec6? (?:-Cn \S+ )?\S+ \S+ "),
    _rule(BOL + r"createUser (?:-e \S+ )?(?:-[lm] )?\S+ (?i:md5|sha\S*) "),
    _rule(BOL + r'createUser (?:-e \S+ )?(?:-[lm] )?\S+ (?i:md5|sha\S*) (?:"[^"\n]*"|\S+) (?i:des|aes\S*) '),
    _rule(BOL + r"(?:trap2?sink|informsink) \S+ "),
    _rule(BOL + r"(?:trapcommunity|authcommunity \S+) "),
)

# The environment variables that hold secrets: the SNMPv3 keys and the credential profiles' passwords.
SECRET_VARIABLE = re.compile(r"EXTRANET_\w+_(?:AUTH_KEY|PRIV_KEY|PASSWORD|SECRET|COMMUNITY)")
# Shorter values would mask ordinary words of a config; SNMPv3 keys have at least 8 characters (RFC 3414).
MIN_SECRET = 8


def environment_secrets() -> list[str]:
    """The secret values set in this process's environment, longest first (so none is masked only in part)."""
    found = {
        value for name, value in os.environ.items() if SECRET_VARIABLE.fullmatch(name) and len(value) >= MIN_SECRET
    }
    return sorted(found, key=lambda value: (-len(value), value))


def rules(family: tuple[Pattern[str], ...]) -> tuple[Pattern[str], ...]:
    """A platform's scrub rules (its package declares which family it speaks): the family's commands between
    the self-delimiting blobs and the catch-all for hashes."""
    return (*DELIMITED, *family, *HASHES)


def _mask(match: Match[str]) -> str:
    quoted = len(match["secret"]) > 1 and match["secret"][0] == match["secret"][-1] == '"'
    return match["keep"] + (f'"{MARKER}"' if quoted else MARKER)


def scrub(config: str, platform: str) -> str:
    """The configuration with every secret replaced by ``<scrubbed>``; everything else is kept as it was.

    Idempotent: scrubbing a scrubbed configuration changes nothing.

    >>> print(scrub("hostname r1\\nsnmp-server community public RO\\n", "cisco_ios"), end="")
    hostname r1
    snmp-server community <scrubbed> RO
    >>> scrub('set snmp community public authorization read-only', "juniper_junos")
    'set snmp community <scrubbed> authorization read-only'
    """
    from ..platforms import UnknownPlatform, get  # the platforms declare their rules with this module's tables

    try:
        found = get(platform).scrub
    except UnknownPlatform as exc:
        raise ValueError(str(exc)) from None
    for value in environment_secrets():
        config = config.replace(value, MARKER)
    for rule in found:
        config = rule.sub(_mask, config)
    return config
