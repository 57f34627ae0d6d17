"""The ``innsikt`` command: what the Makefile calls, and what analysts can call directly.

Run ``innsikt --help`` or ``innsikt <command> --help``.
"""

from __future__ import annotations

import argparse
import sys
import time

from pipeline import config

EPILOG = """\
examples:
  innsikt data                    generate demo data and build the processed tables
  innsikt run                     render reports for every programme (demo data)
  innsikt run -p flere-i-arbeid   one programme
  innsikt fetch --check           check every SSB query against SSB's metadata (no download)
  innsikt run --areas county:33   area profiles of Buskerud's municipalities and the county
  innsikt run --language en       English reports in reports/en/
  innsikt data --source ssb       fetch official statistics from SSB (needs network)
  innsikt run --source ssb        reports from official statistics
  innsikt check programs/x.yml    validate a programme file

Environment: INNSIKT_DATA_SOURCE (demo|ssb), INNSIKT_SSB_URL (SSB API base URL),
INNSIKT_KLASS_URL (KLASS base URL), INNSIKT_ROOT (project folder), INNSIKT_DASK_SCHEDULER
(Dask scheduler for `run`). Documentation: README.md.
"""


def _source(value: str) -> str:
    if value not in config.SOURCES:
        raise argparse.ArgumentTypeError(f"use one of {', '.join(config.SOURCES)}")
    return value


def _languages() -> list[str]:
    from pipeline import i18n

    return list(dict.fromkeys([*i18n.LANGUAGES, "nn"]))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="innsikt",
        description="Evidence for regional growth programmes from Norwegian official "
                    "statistics: competence gap, youth dropout and migration reports.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="write the synthetic demo data to data/raw/demo/")
    demo.set_defaults(func=_cmd_demo)

    fetch = sub.add_parser("fetch", help="fetch SSB tables into the cache data/raw/ssb/")
    fetch.add_argument("--refresh", action="store_true",
                       help="fetch again even if cached (old files kept until complete)")
    fetch.add_argument("--table", action="append", dest="tables", metavar="DATASET",
                       help="only this dataset (repeatable), e.g. population")
    fetch.add_argument("--check", action="store_true",
                       help="validate every table's query against SSB's metadata, download no "
                            "data, print one line per table (run this first)")
    fetch.add_argument("--deadline", type=float, default=None, metavar="SECONDS",
                       help="longest time one response may take (default 300)")
    fetch.set_defaults(func=_cmd_fetch)

    build = sub.add_parser("build", help="parse raw data into data/processed/<source>/")
    build.add_argument("--source", type=_source, default=None,
                       help="demo or ssb (default: INNSIKT_DATA_SOURCE or demo)")
    build.set_defaults(func=_cmd_build)

    data = sub.add_parser("data", help="demo/fetch then build (what `make data` runs)")
    data.add_argument("--source", type=_source, default=None, help="demo (default) or ssb")
    data.set_defaults(func=_cmd_data)

    run = sub.add_parser("run", help="execute notebooks and render reports",
                         description="Execute the analysis notebooks for programmes and render "
                                     "HTML and PDF reports under reports/. Programmes whose "
                                     "inputs did not change are skipped.")
    run.add_argument("-p", "--program", action="append", dest="programs", metavar="ID",
                     help="programme id (repeatable; default: every file in programs/)")
    run.add_argument("--source", type=_source, default=None, help="demo (default) or ssb")
    run.add_argument("--language", choices=_languages(), default="",
                     help="report language (default: the programme's own); a language other "
                          "than nb builds into reports/<language>/")
    run.add_argument("-j", "--workers", type=int, default=None,
                     help="parallel notebook processes (default: number of cores)")
    run.add_argument("--force", action="store_true", help="rebuild even if up to date")
    run.add_argument("--areas", default=None, metavar="CODES",
                     help="area profiles without a programme: codes (4005,4204,46), "
                          "county:33 (its municipalities and the county) or all; into "
                          "reports/areas/<code>-<name>/")
    run.add_argument("--no-pdf", dest="pdf", action="store_false",
                     help="web pages and workbook only, no PDFs (about twice as fast: for a "
                          "national batch of area profiles, or a quick draft)")
    run.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="run the notebooks on a Dask cluster, e.g. tcp://host:8786 "
                          "(default: INNSIKT_DASK_SCHEDULER; without it, local processes)")
    run.add_argument("--no-wait", dest="wait", action="store_false",
                     help="refuse (instead of waiting) when another run is writing reports/")
    run.set_defaults(func=_cmd_run)

    programs = sub.add_parser("programs", help="list and validate the programme files")
    programs.set_defaults(func=_cmd_programs)

    check = sub.add_parser("check", help="validate one programme file")
    check.add_argument("file", help="path to a programme YAML file or a programme id")
    check.set_defaults(func=_cmd_check)
    return parser


def _cmd_demo(args: argparse.Namespace) -> int:
    from pipeline.sources import demo

    demo.generate()
    return 0


# Exit code of `fetch` and `build` when some tables or datasets failed and the rest are in
# place: the Makefile goes on to render what does not need the missing ones.
PARTIAL = 3


def _cmd_fetch(args: argparse.Namespace) -> int:
    from pipeline.sources import klass, ssb

    options = {"deadline": args.deadline} if getattr(args, "deadline", None) else {}
    client = ssb.SsbClient(**options)
    if getattr(args, "check", False):
        lines = ssb.check(args.tables, client=client)
        for line in lines:
            print(line)
        failed = [line for line in lines if line.status == "fail"]
        print(f"\n{len(lines) - len(failed)} of {len(lines)} tables can be fetched as the "
              f"registry asks ({sum(line.status == 'substitution' for line in lines)} with "
              "substitutions); no data were downloaded.")
        return 1 if failed else 0
    status = 0
    try:
        ssb.fetch(datasets=args.tables, refresh=args.refresh, progress=True, client=client)
    except ssb.FetchSummaryError as exc:
        print(f"innsikt: {exc}", file=sys.stderr)
        status = PARTIAL
    if not args.tables:
        try:
            print(klass.fetch(client.raw_dir))
        except klass.KlassError as exc:
            print(f"KLASS change table not checked ({exc}); the bundled table is used",
                  file=sys.stderr)
    return status


def _cmd_build(args: argparse.Namespace) -> int:
    from pipeline import datasets

    try:
        path = datasets.build(args.source)
    except datasets.BuildIncomplete as exc:
        print(f"innsikt: {exc}", file=sys.stderr)
        return PARTIAL
    print(f"processed tables and manifest in {path.parent}")
    return 0


def _cmd_data(args: argparse.Namespace) -> int:
    source = args.source or config.data_source()
    fetched = 0
    if source == "demo":
        _cmd_demo(args)
    else:
        args.tables, args.refresh, args.check, args.deadline = None, False, False, None
        fetched = _cmd_fetch(args)
        if fetched not in (0, PARTIAL):
            return fetched
    args.source = source
    return _cmd_build(args) or fetched


def _cmd_run(args: argparse.Namespace) -> int:
    from pipeline import run

    started = time.monotonic()
    try:
        summary = run.run(args.programs, source=args.source, language=args.language,
                          workers=args.workers, force=args.force, areas=args.areas,
                          scheduler=args.scheduler, wait=args.wait, pdf=args.pdf)
    except (run.OutputError, run.EngineError, run.LockBusy, ValueError) as exc:
        log = _log_traceback(exc)
        print(f"innsikt: {exc} (details: {log})", file=sys.stderr)
        return 2
    seconds = time.monotonic() - started
    from pipeline.engine.targets import tree

    index = tree(args.language) / "index.html"
    print(f"\n{len(summary.built)} built, {len(summary.skipped)} up to date, "
          f"{len(summary.failures)} failed ({seconds:.0f} s). Open {_shown(index)}.")
    if summary.failures:
        print("\nFailed:", file=sys.stderr)
        for failure in summary.failures:
            print(f"  {failure}", file=sys.stderr)
        return 1
    return 0


def _shown(path) -> str:
    try:
        return str(path.relative_to(config.project_root()))
    except ValueError:
        return str(path)


def _log_traceback(exc: BaseException) -> str:
    """Write the traceback to a log file (not the terminal) and return its path."""
    import tempfile
    import traceback

    with tempfile.NamedTemporaryFile("w", prefix="innsikt-run-", suffix=".log", delete=False,
                                     encoding="utf-8") as log:
        traceback.print_exception(exc, file=log)
    return log.name


def _cmd_programs(args: argparse.Namespace) -> int:
    from pipeline.programs import ProgramError, load_program, program_ids

    status = 0
    for program_id in program_ids():
        try:
            prog = load_program(program_id)
            print(f"{prog.id:28} {prog.title} ({prog.owner}); analyses: "
                  f"{', '.join(prog.analyses)}")
        except ProgramError as exc:
            print(exc, file=sys.stderr)
            status = 1
    return status


def _cmd_check(args: argparse.Namespace) -> int:
    from pipeline.programs import load_program

    prog = load_program(args.file)
    print(f"{args.file}: valid ({prog.title}, {len(prog.analyses)} analyses)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``innsikt`` console script."""
    from pipeline.datasets import DataError
    from pipeline.programs import ProgramError

    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except (ProgramError, DataError, FileNotFoundError) as exc:
        print(f"innsikt: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("innsikt: interrupted; no half-written files were left", file=sys.stderr)
        return 130
    except Exception as exc:
        # Errors from the SSB client carry their own explanation; show it without a traceback.
        if type(exc).__module__.startswith("pipeline"):
            print(f"innsikt: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
