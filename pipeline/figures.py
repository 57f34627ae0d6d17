"""Compatibility name: ``pipeline.figures`` is :mod:`pipeline.present.figures`.

The module object itself is shared, so settings changed through either name are the same.
"""

import sys

from pipeline.present import figures as _figures

sys.modules[__name__] = _figures
