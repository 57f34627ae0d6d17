"""Rendering: executed notebooks → HTML and PDF reports, programme pages, workbook, site index.

Public API (called by :mod:`pipeline.run`)::

    render_analysis_html(executed_nb, out_html, program=..., analysis=..., demo=..., provenance=...)
    render_pdf(html_path, out_pdf, title=..., language=...)
    render_program(program, executed, out_dir, demo=..., provenance=...)
    render_site(programs, reports_dir, failures=...)

The programme page and page 1 of the combined PDF are the front page
(:mod:`pipeline.render.frontpage`): one block per programme question built from the findings'
structured fields, the programme's own quoted figures beside ours, and the barometer merged from
the analyses' barometer tables. Each finding is shown once. All wording comes from
``pipeline/texts/render.yml`` and ``present.yml`` (bokmål, English, nynorsk).

Only the display outputs of the notebooks reach a report (never code, Markdown, print output or
warnings); a notebook with an error output is refused with :class:`RenderError`.
"""

from pipeline.render.content import RenderError, ReportContent, read_report
from pipeline.render.html import render_analysis_html
from pipeline.render.pdf import render_pdf
from pipeline.render.site import render_program, render_site

__all__ = ["RenderError", "ReportContent", "read_report", "render_analysis_html", "render_pdf",
           "render_program", "render_site"]
