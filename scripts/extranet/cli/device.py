"""``extranet device``: what extranet reads from a device's output, tried on a saved copy, and how it talks to one.

``device parse`` runs a platform's parser on a file, so an engineer can check a new firmware's output (or
a case for ``platforms/<name>/recorded/``) without a device; ``device commands`` shows what extranet sends.
"""

import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import typer

from ..files import read_stream
from ..platforms import PLATFORM_NAMES, UnknownPlatform, get
from ..platforms.base import ChangeFlow, Parser, Platform
from ..platforms.results import GETTERS, ParseError, as_json
from .output import console, error, print_json

app = typer.Typer(help="Try the device layer offline: parse saved outputs, show the commands sent.",
                  no_args_is_help=True)  # fmt: skip

# the key a getter's list of results is printed under (a single result, ping's, is printed as it is)
LIST_KEYS = {"ipv4-routes": "routes", "ospf-neighbors": "neighbors", "ospfv3-neighbors": "neighbors",
             "ipv6-interfaces": "interfaces", "bgp-neighbors": "neighbors", "command-log": "commands"}  # fmt: skip
STDIN = "-"


def fail(message: str) -> typer.Exit:
    error(message)
    return typer.Exit(2)


def platform_of(name: str) -> Platform:
    try:
        return get(name)
    except UnknownPlatform:
        raise fail(f"unknown platform {name!r}: one of {', '.join(PLATFORM_NAMES)}") from None


def parser_of(platform: Platform, getter: str) -> Parser:
    have = platform.parsers
    if getter in have:
        return have[getter]
    if getter in GETTERS:
        raise fail(f"{platform.name} has no {getter} getter: it has {', '.join(have)}")
    lacks = "" if set(have) >= set(GETTERS) else f" ({platform.name} has {', '.join(have)})"
    raise fail(f"unknown getter {getter!r}: one of {', '.join(GETTERS)}{lacks}")


def read_output(file: Path) -> str:
    """The saved output, ``-`` for stdin. Bytes that are not UTF-8 (a GBK description in a VRP table) become
    replacement characters: the parsers read the table around them, never those bytes."""
    try:
        if str(file) == STDIN:
            data = read_stream(sys.stdin.buffer, "-")
        else:  # a pipe is fine (`<(ssh router …)`), an endless or huge input is not
            with file.open("rb") as source:
                data = read_stream(source, file)
    except OSError as exc:
        raise fail(f"{file}: {exc.strerror or exc}") from None
    return data.decode("utf-8", errors="replace")


def parsed(platform: Platform, getter: str, parser: Parser, text: str, file: Path) -> Any:
    """The parser's result as JSON data; what it could not read as ``FILE:LINE: message``."""
    try:
        result = parser(text)
    except ParseError as exc:
        where = f"{file}:{exc.line}" if exc.line else f"{file}"
        raise fail(f"{where}: {exc.message}") from None
    except Exception as exc:  # a parser that trips over unexpected text: still the input, said without a traceback
        raise fail(f"{file}: the {platform.name} {getter} parser cannot read it: {type(exc).__name__}: {exc}") from exc
    if isinstance(result, list):
        return {LIST_KEYS.get(getter, "results"): as_json(result)}
    return as_json(result)


@app.command("parse")
def parse(
    platform: str = typer.Argument(..., help=f"One of {', '.join(PLATFORM_NAMES)}."),
    getter: str = typer.Argument(..., help=f"One of {', '.join(GETTERS)} (as the platform has them)."),
    file: Path = typer.Argument(..., help="The command's output as the device printed it; '-' reads stdin."),
) -> None:
    """Print, as JSON, what extranet reads from a saved command output (the getter's command: see `extranet
    device commands PLATFORM`): exit 0 when read, 2 when the file, platform or getter is not one it reads."""
    chosen = platform_of(platform)
    parser = parser_of(chosen, getter)
    print_json(parsed(chosen, getter, parser, read_output(file), Path("<stdin>") if str(file) == STDIN else file))


def flow_json(flow: ChangeFlow) -> dict[str, Any]:
    data: dict[str, Any] = {f.name: list(value) if isinstance(value := getattr(flow, f.name), tuple) else value
                            for f in fields(flow)}  # fmt: skip
    data["has_timer"] = flow.has_timer
    return data


def flow_lines(flow: ChangeFlow) -> list[tuple[str, str]]:
    """The flow's steps, one row per field that has any; the timer in words."""
    rows = [(f.name, " ; ".join(step.strip() for step in value)) for f in fields(flow)
            if isinstance(value := getattr(flow, f.name), tuple) and value]  # fmt: skip
    unit = {0: "none: the tool restores the backup itself", 1: "seconds", 60: "minutes"}
    rows.append(("timer", unit.get(flow.timer_unit, f"units of {flow.timer_unit} s")))
    return rows


@app.command("commands")
def commands(
    platform: str = typer.Argument(..., help=f"One of {', '.join(PLATFORM_NAMES)}."),
    as_json: bool = typer.Option(False, "--json", help="The same for machines."),
) -> None:
    """The commands extranet sends to a platform: each getter's command, the running config's, and the change
    flow around the configuration lines (format fields: {target}, {source}; {seconds}/{minutes} of the timer)."""
    chosen = platform_of(platform)
    names = chosen.names
    if as_json:
        print_json({"platform": chosen.name, "vendor": chosen.vendor,
                    "names": {"netmiko": names.netmiko, "napalm": names.napalm, "ansible": names.ansible_network_os},
                    "running_config": chosen.running_config, "getters": dict(chosen.commands),
                    "flow": flow_json(chosen.flow), "refused_when": chosen.error_pattern})  # fmt: skip
        return
    rows = [("getter " + getter, command) for getter, command in chosen.commands.items()]
    rows.append(("running config", chosen.running_config))
    rows += [("flow " + name, steps) for name, steps in flow_lines(chosen.flow)]
    rows.append(("refused when", chosen.error_pattern))
    width = max(len(label) for label, _ in rows)
    console.print(f"{chosen.name}: {chosen.vendor} (netmiko {names.netmiko}, NAPALM {names.napalm or '-'}, "
                  f"Ansible {names.ansible_network_os or '-'})", highlight=False, markup=False)  # fmt: skip
    for label, text in rows:
        console.print(f"  {label:<{width}}  {text}", highlight=False, markup=False)
