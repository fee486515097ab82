"""The one rule for every value that reaches a device config, a file, a git trailer or a terminal: one line, no
control characters. Shared by the inventory's fields and the values from the environment (``inputs``); kept
apart from both so that checking an option does not load the inventory's models."""

import unicodedata


def no_control_characters(value: str) -> str:
    """``value`` when it holds no control character (Unicode Cc, Cf, Zl, Zp); ValueError naming the first.

    >>> no_control_characters("core-01")
    'core-01'
    """
    if value.isprintable():  # no Cc, Cf, Zl or Zp (nor Cs, Co, Cn, Zs but the space): one C call for most values
        return value
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            raise ValueError(
                f"contains control character U+{ord(char):04X}; values that reach device configs must be one line"
            )
    return value
