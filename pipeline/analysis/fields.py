"""Dataclass field helpers for the analyses' frozen result classes."""

from __future__ import annotations

from dataclasses import field

import pandas as pd


def frame(*columns: str):
    """A DataFrame field that defaults to an empty frame (with ``columns`` if given)."""
    return field(default_factory=lambda: pd.DataFrame(columns=list(columns) or None))


def mapping():
    """A dict field that defaults to an empty dict (plain numbers of a result)."""
    return field(default_factory=dict)
