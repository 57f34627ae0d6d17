"""Every text key used in code exists in bokmål and English; every key in the texts is used.

"Used" is read from the source, not from a run: string constants in every module of
``pipeline/``, the code cells of ``notebooks/*.ipynb`` and ``t("…")`` in the Jinja templates. A
key built at run time (``f"indicator_{id}"``) counts as used through the f-string's fixed head
(``indicator_``). Keys of the renderer carry the prefix ``render.``, which
``pipeline.render.texts.t`` adds, so ``t("skip")`` in a template uses ``render.skip``.
"""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import re
from pathlib import Path

import pipeline
from pipeline import i18n

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = ROOT / "pipeline"
TEMPLATE_KEY = re.compile(r"""\bt\(\s*["']([\w.]+)["']""")
TRANSLATING = {"t", "text_of"}  # ctx.t("k"), i18n.t("k"), texts.t("k"), i18n.text_of("k")


def _sources() -> list[tuple[str, str]]:
    found = [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8"))
             for p in sorted(PIPELINE.rglob("*.py"))]
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        found.append((str(nb.relative_to(ROOT)), code))
    return found


def _scan() -> tuple[set[str], set[str], dict[str, str]]:
    """(every string constant, f-string heads, key → where it is passed to a t() call)."""
    constants: set[str] = set()
    heads: set[str] = set()
    called: dict[str, str] = {}
    for where, text in _sources():
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                constants.add(node.value)
                for key in TEMPLATE_KEY.findall(node.value):  # a Jinja template inline in Python
                    constants.add(key)
                    called.setdefault(key, f"{where}:{node.lineno}")
            elif isinstance(node, ast.JoinedStr) and node.values and isinstance(
                    node.values[0], ast.Constant):
                heads.add(str(node.values[0].value))
            elif isinstance(node, ast.Call) and node.args:
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                first = node.args[0]
                if name in TRANSLATING and isinstance(first, ast.Constant) \
                        and isinstance(first.value, str):
                    called.setdefault(first.value, f"{where}:{node.lineno}")
    for template in sorted((PIPELINE / "render" / "templates").rglob("*.j2")):
        for key in TEMPLATE_KEY.findall(template.read_text(encoding="utf-8")):
            constants.add(key)
            called.setdefault(key, str(template.relative_to(ROOT)))
    return constants, heads, called


def _import_everything() -> None:
    """Import every module, so texts a module still registers from Python are known too."""
    for info in pkgutil.walk_packages(pipeline.__path__, "pipeline."):
        if (info.name not in ("pipeline.report", "pipeline.figures")
                and not info.name.endswith(".__main__")):  # __main__ runs a command
            importlib.import_module(info.name)


def _resolve(key: str) -> str | None:
    for candidate in (key, f"render.{key}"):
        if candidate in i18n.TEXTS:
            return candidate
    return None


def test_every_key_used_in_code_exists_in_bokmal_and_english():
    _import_everything()
    _, _, called = _scan()
    missing = []
    for key, where in sorted(called.items()):
        if not re.fullmatch(r"[a-z][a-z0-9_.]*", key):
            continue  # not a key: a sentence passed through (e.g. report.heading's text)
        resolved = _resolve(key)
        if resolved is None:
            missing.append(f"{key} (used at {where}): in no file of pipeline/texts/")
            continue
        for lang in i18n.REQUIRED:
            if not i18n.TEXTS[resolved].get(lang):
                missing.append(f"{key} (used at {where}): no {lang} text")
    assert not missing, "\n".join(missing)


def test_every_key_in_the_texts_is_used_somewhere():
    _import_everything()
    constants, heads, _ = _scan()
    heads = {h for h in heads if len(h.removeprefix("render.")) >= 4}
    unused = []
    for key in sorted(i18n.TEXTS):
        source = i18n.TEXT_SOURCES.get(key, "registered from Python")
        short = key.removeprefix("render.")
        if key in constants or short in constants:
            continue
        if any(key.startswith(h) or short.startswith(h) for h in heads):
            continue
        unused.append(f"{key} ({source})")
    assert not unused, "unused text keys (delete them or use them):\n" + "\n".join(unused)


def test_nynorsk_falls_back_to_bokmal_per_key():
    assert "nn" in i18n.LANGUAGES
    assert i18n.t("national", "nn") == "Heile landet"
    no_nn = next(k for k, v in i18n.TEXTS.items() if "nn" not in v)
    assert i18n.t(no_nn, "nn") == i18n.TEXTS[no_nn]["nb"]


def test_numbers_in_nynorsk_follow_the_norwegian_style():
    assert i18n.fmt_number(-1234.5, "nn", 1) == "\u22121\u202f234,5"
    assert i18n.fmt_percent(12.34, "nn") == "12,3\u202f%"
