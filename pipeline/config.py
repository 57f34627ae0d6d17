"""Every path and setting of innsikt, derived from one project root.

No other module or notebook builds paths by hand (STYLE.md, rule 4). Settings that a user may
change come from environment variables, read here once:

- ``INNSIKT_ROOT``: the project root (default: the folder above this package). Tests point it at
  a temporary copy.
- ``INNSIKT_DATA_SOURCE``: ``demo`` (default) or ``ssb``.
- ``INNSIKT_SSB_URL``: base URL of the SSB PxWebApi v2 (default the public service).
- ``INNSIKT_KLASS_URL``: base URL of SSB's classification API KLASS (default the public one).
- ``INNSIKT_SHARED``: folder with the shared reference material (default ``../shared`` beside
  the checkout); only tests read it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCES = ("demo", "ssb")
ANALYSES = ("competence_gap", "youth_dropout", "migration")
DEFAULT_SSB_URL = "https://data.ssb.no/api/pxwebapi/v2"
DEFAULT_KLASS_URL = "https://data.ssb.no/api/klass/v1"


@dataclass(frozen=True)
class Paths:
    """The project's folders, all derived from ``root``."""

    root: Path

    @property
    def programs(self) -> Path:
        return self.root / "programs"

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def processed(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    def raw_source(self, source: str) -> Path:
        """Folder of cached raw responses for ``source`` (``demo`` or ``ssb``)."""
        return self.raw / _checked_source(source)

    def processed_source(self, source: str) -> Path:
        """Folder of processed tables built from ``source``."""
        return self.processed / _checked_source(source)

    def program_file(self, program_id: str) -> Path:
        return self.programs / f"{program_id}.yml"

    def notebook(self, analysis: str) -> Path:
        return self.notebooks / f"{analysis}.ipynb"

    def report_dir(self, program_id: str) -> Path:
        return self.reports / program_id


def _checked_source(source: str) -> str:
    if source not in SOURCES:
        raise ValueError(f"unknown data source {source!r}: use one of {', '.join(SOURCES)}")
    return source


def project_root() -> Path:
    """The project root: ``INNSIKT_ROOT`` if set, else the checkout this package lives in."""
    return Path(os.environ.get("INNSIKT_ROOT", PACKAGE_DIR.parent)).resolve()


def paths() -> Paths:
    """The project's paths, read fresh so tests can change ``INNSIKT_ROOT``."""
    return Paths(project_root())


def data_source() -> str:
    """The data source selected by ``INNSIKT_DATA_SOURCE`` (default ``demo``)."""
    return _checked_source(os.environ.get("INNSIKT_DATA_SOURCE", "demo"))


def ssb_base_url() -> str:
    """Base URL of SSB's PxWebApi v2, overridable for tests and mirrors."""
    return os.environ.get("INNSIKT_SSB_URL", DEFAULT_SSB_URL).rstrip("/")


def klass_base_url() -> str:
    """Base URL of SSB's classification API (KLASS), overridable for tests and mirrors."""
    return (os.environ.get("INNSIKT_KLASS_URL") or DEFAULT_KLASS_URL).rstrip("/")


def shared_dir() -> Path:
    """The shared reference folder beside the checkout (read by tests only)."""
    return Path(os.environ.get("INNSIKT_SHARED", project_root().parent / "shared")).resolve()
