"""The Jinja environment: StrictUndefined, one template per platform and feature, nothing else inlined."""

import re
from pathlib import Path

import jinja2

from .context import DeviceContext

DEFAULT_TEMPLATES = Path("playbooks/templates")
ENTRY = "dual_stack.j2"  # each platform's entry template; it includes the feature templates in push order
# what a rendered line may contain: printable ASCII only (no control characters, no second line in a value)
SAFE_LINE = re.compile(r"^[\x20-\x7e]*$")


class RenderError(Exception):
    """A template is missing, refers to something the context does not have, or produced an unsafe line."""


class Renderer:
    def __init__(self, templates: Path = DEFAULT_TEMPLATES) -> None:
        if not templates.is_dir():
            raise RenderError(f"{templates}: no templates directory (expected playbooks/templates/<platform>/)")
        self.templates = templates
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(templates)),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            autoescape=False,  # device configs, not HTML
        )

    def render(self, context: DeviceContext, template: str = ENTRY) -> str:
        """The config fragment for one device: the template's lines, blank lines dropped."""
        name = f"{context.platform}/{template}"
        try:
            text = self.env.get_template(name).render(context.as_dict())
        except jinja2.TemplateNotFound as exc:
            raise RenderError(f"{self.templates / name}: template not found ({exc.name})") from exc
        except jinja2.UndefinedError as exc:
            raise RenderError(f"{self.templates / name}: {exc.message} (device {context.hostname})") from exc
        except jinja2.TemplateError as exc:
            raise RenderError(f"{self.templates / name}: {exc}") from exc
        lines = [line.rstrip() for line in text.splitlines() if line.strip()]
        for number, line in enumerate(lines, 1):
            if not SAFE_LINE.match(line):
                raise RenderError(f"{name}: line {number} for {context.hostname} has a non-printable character")
        return "\n".join(lines) + "\n"
