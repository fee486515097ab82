"""CSV cells a spreadsheet opens as text: one guard for every CSV extranet writes (reports, plan exports)."""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run a cell starting so as a formula


def text_cell(value: object) -> object:
    """``value``, with a leading quote when it is text a spreadsheet would take for a formula (OWASP's advice
    against CSV injection); None becomes an empty cell.

    >>> text_cell("=HYPERLINK(\\"http://x\\")"), text_cell("2001:db8::/64"), text_cell(3)
    ('\\'=HYPERLINK("http://x")', '2001:db8::/64', 3)
    """
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
