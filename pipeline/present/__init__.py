"""Presentation: what notebooks call to show results, figure style, front page and barometer.

- :mod:`pipeline.present.report`: the notebook-facing API (``setup``, ``heading``, ``table``,
  ``figure``, ``finding``, ``barometer``); every display goes through a Jinja template in
  ``pipeline/render/templates/fragments/`` and disclosure control is applied in ``table``.
- :mod:`pipeline.present.figures`: one plotting style; deterministic PNG (SVG on request); tick
  labels that never overlap.
- :mod:`pipeline.present.barometer`: every municipality of a county × the programme's indicators.
- :mod:`pipeline.present.frontpage`: the programme's front page built from the findings.
- :mod:`pipeline.present.slips`: checks of rendered text for known classes of wording slip.

``pipeline.report`` and ``pipeline.figures`` are the same modules under their old names.
"""
