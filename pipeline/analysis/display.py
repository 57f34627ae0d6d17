"""What a report section holds, and one function that shows it through :mod:`pipeline.report`.

An analysis' ``sections(result, ctx)`` returns :class:`Section` objects: a heading and an ordered
list of items (paragraph, notice, table, figure, finding). :func:`show` passes each item to the
matching ``report.*`` call, so tables always go through disclosure control there. The notebook
shows the result's frames itself (``result.gap.tail()``); a section only carries what the report
publishes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Section:
    """One part of a report: a heading (text or text key) and items in display order."""

    heading: str = ""
    level: int = 2
    items: list[tuple[str, dict]] = field(default_factory=list)

    def add(self, kind: str, /, **payload) -> Section:
        """Append an item: ``paragraph``/``notice`` (text), ``table`` (df, caption, …),
        ``figure`` (fig, alt, caption) or ``finding`` (key, text, value, rank)."""
        self.items.append((kind, payload))
        return self


def show(ctx, sections: Section | Iterable[Section]) -> None:
    """Display sections in order (tables pass :func:`pipeline.report.table`)."""
    from pipeline import report

    for section in [sections] if isinstance(sections, Section) else sections:
        if section.heading:
            report.heading(ctx, section.heading, level=section.level)
        for kind, payload in section.items:
            args = dict(payload)  # a section can be shown more than once
            if kind == "heading":
                report.heading(ctx, args["text"], level=args.get("level", 3))
            elif kind == "paragraph":
                report.paragraph(ctx, args["text"])
            elif kind == "notice":
                report.notice(ctx, args["text"])
            elif kind == "table":
                report.table(ctx, args.pop("df"), **args)
            elif kind == "figure":
                report.figure(ctx, args["fig"], alt=args["alt"], caption=args["caption"])
            elif kind == "finding":
                report.finding(ctx, **args)  # structured front-page fields pass through
            else:
                raise ValueError(f"unknown section item {kind!r}")
