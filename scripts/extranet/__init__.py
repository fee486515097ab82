"""extranet: automation for the e-government extranet (政务外网) IPv6 and consolidation migrations."""


def __getattr__(name: str) -> str:
    """``__version__`` read from the installed package on first use (importing importlib.metadata costs time
    at every start, and a Ctrl-C there could not be answered quietly)."""
    if name != "__version__":
        raise AttributeError(name)
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("egov-extranet")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0+src"
