"""The one exception tree of fundatlas."""

from __future__ import annotations


class FundatlasError(Exception):
    """Base of every error fundatlas raises on purpose."""


class PageError(FundatlasError):
    """A page could not be read or parsed (the message names the file and the reason)."""


class StoreError(FundatlasError):
    """The store could not be opened, migrated or written."""
