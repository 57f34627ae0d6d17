"""Young people outside work and education (NEET), upper-secondary completion and the 16–19 cohort.

The youth analysis behind ``notebooks/youth_dropout.ipynb`` (Flere i arbeid in Kristiansand:
fewer young people outside work and education, higher completion especially on vocational
programmes and among minority-language pupils; Buskerudplanen: "mer innenforskap" and fewer
16–19-year-olds, which cuts the county's income).

Layout (one concern per module):

- :mod:`.statistics` — binomial GLMs and tidy transforms (pure; no text, figures or context),
- :mod:`.results` — :func:`compute` (area → :class:`YouthResult` of tidy frames) and the
  indicator panels :data:`INDICATORS` used by effect tracking,
- :mod:`.tables` — display tables from the result (numbers, no words),
- :mod:`.figures` — matplotlib figures (labels passed in),
- :mod:`.sections` — the only place that turns the result into words (``texts/youth_dropout.yml``).

Use from a plain Python session::

    from pipeline.analysis import youth_dropout
    result = youth_dropout.compute("4204", program="flere-i-arbeid")
    result.neet.tail()
"""

import importlib

from pipeline.analysis.youth_dropout.results import INDICATORS, YouthResult, compute

__all__ = ["INDICATORS", "YouthResult", "compute", "sections"]


def sections(result, ctx):
    """Report sections of a :class:`YouthResult` (see :mod:`.sections`).

    The words (and matplotlib) are loaded only here, so ``compute()`` needs neither.
    """
    module = importlib.import_module("pipeline.analysis.youth_dropout.sections")
    # Loading the submodule rebinds the package attribute ``sections``; keep it this function.
    globals()["sections"] = _sections
    return module.sections(result, ctx)


_sections = sections
