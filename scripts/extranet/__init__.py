"""extranet: automation for the e-government extranet (政务外网) IPv6 and consolidation migrations."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("egov-extranet")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+src"
