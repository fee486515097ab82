"""Render: device contexts (inventory + lock) through playbooks/templates/<platform>/ into config fragments."""

from .context import ContextBuilder, DeviceContext, Names, Snmp
from .engine import DEFAULT_TEMPLATES, Renderer, RenderError

__all__ = ["DEFAULT_TEMPLATES", "ContextBuilder", "DeviceContext", "Names", "RenderError", "Renderer", "Snmp"]
