"""The index of area profiles: ``reports/areas/index.html``, searchable by name or code.

It reuses the report pages' base template and stylesheet (through
:func:`pipeline.render.html.page_context` and the templates folder), so it looks and reads like
the other index pages. The list is a plain table sorted by name — complete and usable without
script; a small inline script filters the rows as one types in the search field, and announces
the number of matches to screen readers.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from pipeline.render import texts
from pipeline.render.content import TEMPLATES
from pipeline.render.html import page_context, write_page

TEMPLATE = """\
{%- extends "base.html.j2" -%}
{%- block header %}
<h1>{{ t("engine.areas_title") }}</h1>
{%- endblock %}
{%- block main %}
<p class="lead">{{ t("engine.areas_intro") }}</p>
<p><label for="area-search">{{ t("engine.areas_search") }}</label>
<input type="search" id="area-search" autocomplete="off" aria-controls="area-table"></p>
<p id="area-count" aria-live="polite">{{ t("engine.areas_count", n=rows|length) }}</p>
<table id="area-table">
<caption class="visually-hidden">{{ t("engine.areas_title") }}</caption>
<thead><tr><th scope="col">{{ t("engine.areas_col_area") }}</th>
<th scope="col">{{ t("engine.areas_col_code") }}</th>
<th scope="col">{{ t("engine.areas_col_kind") }}</th>
<th scope="col">{{ t("engine.areas_col_reports") }}</th></tr></thead>
<tbody>
{%- for r in rows %}
<tr data-search="{{ r.search }}">
<th scope="row"><a href="{{ r.folder }}/index.html">{{ r.name }}</a></th>
<td>{{ r.code }}</td><td>{{ r.kind_label }}</td>
<td>{% for a in r.links %}<a href="{{ a.href }}">{{ a.title }}</a>
{%- if not loop.last %} · {% endif %}{% endfor %}</td></tr>
{%- endfor %}
</tbody>
</table>
<script>
(function () {
  var input = document.getElementById("area-search");
  var count = document.getElementById("area-count");
  var rows = document.querySelectorAll("#area-table tbody tr");
  var template = {{ count_template|tojson }};
  input.addEventListener("input", function () {
    var q = input.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (row) {
      var hit = !q || row.getAttribute("data-search").indexOf(q) !== -1;
      row.hidden = !hit;
      if (hit) { shown += 1; }
    });
    count.textContent = template.replace("{n}", String(shown));
  });
})();
</script>
{%- endblock %}
{%- block footer %}
<p><a href="../index.html">{{ t("engine.areas_back") }}</a> · {{ t("footer") }}</p>
{%- endblock %}
"""


@cache
def _environment() -> jinja2.Environment:
    loader = jinja2.ChoiceLoader([jinja2.DictLoader({"areas_index.html.j2": TEMPLATE}),
                                  jinja2.FileSystemLoader(str(TEMPLATES))])
    return jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)


def areas_page(entries: list[dict], *, lang: str) -> str:
    """HTML of the area index (see :func:`render_areas_index`)."""
    rows = []
    for entry in sorted(entries, key=lambda e: (e["name"].lower(), e["code"])):
        links = [{"href": f"{entry['folder']}/{a}.html", "title": texts.analysis_title(a, lang)}
                 for a in entry.get("analyses", [])]
        rows.append({**entry, "links": links,
                     "kind_label": texts.t(f"engine.kind_{entry['kind']}", lang),
                     "search": f"{entry['name']} {entry['code']}".lower()})
    context = page_context(None, lang, any(e.get("demo") for e in entries),
                           page_title=texts.t("engine.areas_title", lang),
                           description=texts.t("engine.areas_intro", lang), rows=rows,
                           count_template=texts.t("engine.areas_count", lang, n="{n}"),
                           body_class="site areas")
    return _environment().get_template("areas_index.html.j2").render(context)


def render_areas_index(entries: list[dict], areas_dir: Path, *, lang: str = "nb") -> Path:
    """Write ``areas/index.html`` listing every area profile.

    Args:
        entries: one dict per area: ``code``, ``name``, ``kind`` (``municipality``, ``county``
            or ``national``), ``folder`` (``<code>-<slug>``), ``analyses`` (with an HTML
            report), ``demo``.
        areas_dir: the ``areas`` folder of a reports tree.
        lang: page language.

    Returns:
        The path written.
    """
    areas_dir = Path(areas_dir)
    areas_dir.mkdir(parents=True, exist_ok=True)
    return write_page(areas_dir / "index.html", areas_page(entries, lang=lang))
