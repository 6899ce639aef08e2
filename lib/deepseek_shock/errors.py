"""Exceptions with one clear message: what went wrong and how to fix it.

Every error the package raises on bad input derives from :class:`DeepseekShockError`,
so the command line can print the message alone (no traceback wall) and exit non-zero.
"""

from __future__ import annotations


class DeepseekShockError(Exception):
    """Base class: the message names the problem and the fix."""


class DataError(DeepseekShockError):
    """A bundled or cached data file is missing, unreadable or malformed."""


class MarketDataError(DeepseekShockError):
    """Prices could not be provided for the request (tickers, dates, source)."""


class NetworkError(MarketDataError):
    """The live data source could not be reached."""


class ParameterError(DeepseekShockError):
    """A notebook parameter or parameters file is invalid."""


class ConfigError(DeepseekShockError):
    """A model configuration cannot be interpreted."""


class CorpusError(DeepseekShockError):
    """A text corpus cannot be read."""
