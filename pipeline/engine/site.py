"""The index pages of a reports tree: the site index and the area-profile index."""

from __future__ import annotations

from pathlib import Path

from pipeline.engine import state, targets
from pipeline.programs import ProgramError, load_program, program_ids


def write_site(summary, source: str, language: str = "") -> Path:
    """``index.html`` of the run's tree over every programme with published reports there."""
    from pipeline.render.html import write_page
    from pipeline.render.site import site_page

    tree = targets.tree(language)
    entries = []
    for program_id in program_ids():
        manifest = state.read_manifest(tree / program_id)
        if manifest is None:
            continue
        try:
            entries.append((load_program(program_id), manifest))
        except ProgramError:
            continue
    lang = language or targets.DEFAULT_LANGUAGE
    failures = [str(f) for f in summary.failures]
    tree.mkdir(parents=True, exist_ok=True)
    return write_page(tree / "index.html", site_page(entries, tree, failures=failures,
                                                     lang=lang))


def area_entries(tree: Path) -> list[dict]:
    """Every published area profile of a tree (from the folders' manifests)."""
    from pipeline import areas

    entries = []
    for folder in sorted((tree / "areas").glob("*-*")):
        manifest = state.read_manifest(folder)
        if not manifest or not manifest.get("region"):
            continue
        code = str(manifest["region"])
        try:
            kind = areas.kind(code)
            name = targets.area_name(code)
        except Exception:  # noqa: BLE001 — a code no longer in the structure is skipped
            continue
        entries.append({"code": code, "name": name, "kind": kind, "folder": folder.name,
                        "analyses": [a for a in manifest.get("analyses", [])
                                     if (folder / f"{a}.html").exists()],
                        "demo": manifest.get("source") == "demo"})
    return entries


def write_areas_index(tree: Path, lang: str) -> Path:
    """``areas/index.html`` of a tree: every area profile, searchable by name or code."""
    from pipeline.render.areas_index import render_areas_index

    return render_areas_index(area_entries(tree), tree / "areas", lang=lang)
