"""Errors of the SSB client; each message names the table and says what to do."""

from __future__ import annotations


class SsbError(RuntimeError):
    """Base class of the SSB client's errors."""


class SsbQueryError(SsbError):
    """The query does not fit the table (unknown dimension, value code or codelist)."""


class SsbFetchError(SsbError):
    """A request failed for good (after retries, or with a status that retrying cannot fix)."""


class SsbUnreachableError(SsbFetchError):
    """SSB cannot be reached at all (connection refused, name not resolved): no table can be
    fetched, so the run stops at once instead of trying every table."""


class CacheIntegrityError(SsbError):
    """A cached file is missing, has no sidecar, or differs from the SHA-256 in its sidecar."""


class FetchSummaryError(SsbFetchError):
    """Some tables could not be fetched; the others were. ``failed`` maps dataset → reason."""

    def __init__(self, message: str, failed: dict[str, str]):
        super().__init__(message)
        self.failed = failed


class DataError(ValueError):
    """Raised when a data file or table breaks its schema; the message names file, column, value.

    Re-exported as :class:`pipeline.datasets.DataError` (where callers import it from).
    """
