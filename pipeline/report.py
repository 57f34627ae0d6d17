"""Compatibility name: ``pipeline.report`` is :mod:`pipeline.present.report`.

The module object itself is shared (not a copy of its names), so ``monkeypatch.setattr(report,
...)`` in tests and ``from pipeline import report`` in notebooks reach the real functions.
"""

import sys

from pipeline.present import report as _report

sys.modules[__name__] = _report
