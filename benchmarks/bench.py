"""Speed and memory figures for innsikt (`make bench`). Prints figures; asserts nothing.

Targets (checked by a person reading the output, never by a timed unit test):
- demo generation + build of all processed tables: under 60 s, under 2 GiB peak memory;
- parsing a 1-million-cell JSON-stat table: under 5 s;
- one analysis notebook executed and rendered: under 60 s;
- a second `make reports` with nothing changed: under 5 s (run `time make reports` twice).
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(label: str, func):
    start = time.perf_counter()
    result = func()
    print(f"{label:55} {time.perf_counter() - start:7.2f} s   peak RSS {_peak_mib():7.0f} MiB",
          flush=True)
    return result


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="innsikt-bench-"))
    try:
        for folder in ("programs", "notebooks"):
            shutil.copytree(REPO / folder, root / folder)
        os.environ["INNSIKT_ROOT"] = str(root)
        from pipeline import datasets, run
        from pipeline.sources import demo, tables

        paths = _timed("generate demo data (all tables)", lambda: demo.generate(progress=False))
        size = sum(p.stat().st_size for p in paths) / 2**20
        print(f"{'  demo raw data size':55} {size:7.1f} MiB")
        _timed("build processed tables (parse, tidy, validate)",
               lambda: datasets.build("demo", progress=False))
        biggest = max(paths, key=lambda p: p.stat().st_size)
        parsed = _timed(f"parse largest table {biggest.name}",
                        lambda: datasets.read_jsonstat(biggest))
        print(f"{'  cells':55} {len(parsed.frame):7d}")
        spec = tables.by_table_id(biggest.stem)
        _timed("  tidy it", lambda: datasets.tidy(parsed.frame, spec))
        for program in ("flere-i-arbeid",):
            summary = _timed(f"run {program} (3 notebooks, HTML+PDF, 2 workers)",
                             lambda program=program: run.run([program], workers=2,
                                                             progress=False))
            if not summary.ok:
                print("  failures:", *summary.failures, sep="\n  ")
        _timed("second run with nothing changed", lambda: run.run(["flere-i-arbeid"],
                                                                  progress=False))
        out = root / "reports" / "flere-i-arbeid"
        for name in sorted(p.name for p in out.glob("*.*")):
            print(f"  {name:53} {(out / name).stat().st_size / 1024:7.0f} KiB")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
