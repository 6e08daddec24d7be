"""Command line: ``genomenb run|book|sweep|report|params|list|verify``.

Examples
--------
::

    genomenb run 00_data_tour --profile smoke
    genomenb run 00_data_tour -p conv_batch 10 -p kmer_k 4
    genomenb book --profile book
    genomenb params 00_data_tour
    genomenb sweep 02_genome_language_models --profile paper --grid cell=gru,lstm --grid seq_len=50,100
    genomenb sweep 02_genome_language_models --profile paper --grid cell=gru,lstm --workers 2
    genomenb book --profile smoke --workers 2
"""

from __future__ import annotations

import argparse
import sys

from genomenb import runner
from genomenb.data import DataError, registry
from genomenb.parallel import EngineError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="genomenb", description="Run and build the genomenb notebook book.")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="execute one notebook with papermill into results/<notebook>/<profile>/")
    run.add_argument("notebook", help="notebook name, e.g. 00_data_tour")
    run.add_argument("--profile", default="book", choices=runner.PROFILES)
    run.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                     help="override a parameter (repeatable); unknown names are an error")
    run.add_argument("--output-root", default=None, help="folder for results (default: <project>/results)")
    run.add_argument("--cached", action="store_true", help="skip execution when nothing it depends on changed")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    book = sub.add_parser("book", help="execute every notebook in _toc.yml (cached) and build the HTML book")
    book.add_argument("--profile", default="book", choices=runner.PROFILES)
    book.add_argument("--force", action="store_true", help="re-execute every notebook, ignoring the cache")
    book.add_argument("--no-html", action="store_true", help="execute the notebooks only")
    book.add_argument("--quiet", action="store_true")
    _engine_arguments(book, "notebooks")

    params = sub.add_parser("params", help="list a notebook's parameters, types, defaults and profile values")
    params.add_argument("notebook")

    sweep = sub.add_parser("sweep", help="execute a notebook once per grid point and gather the metrics into "
                                         "results/<notebook>/<profile>/sweep/sweep.csv")
    sweep.add_argument("notebook", help="notebook name, e.g. 02_genome_language_models")
    sweep.add_argument("--profile", default="book", choices=runner.PROFILES)
    sweep.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2", required=True,
                       help="a parameter and its values (repeatable; every combination runs)")
    sweep.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                       help="a fixed override for every point (repeatable)")
    sweep.add_argument("--output", default=None, help="sweep folder (default: results/<notebook>/<profile>/sweep)")
    sweep.add_argument("--force", action="store_true", help="re-execute points that already ran")
    sweep.add_argument("--quiet", action="store_true")
    _engine_arguments(sweep, "grid points")

    report = sub.add_parser("report", help="copy a finished run into reports/<notebook>/<profile>/ as evidence")
    report.add_argument("notebook")
    report.add_argument("--profile", default="paper", choices=runner.PROFILES)

    sub.add_parser("list", help="list the book's notebooks in reading order")
    sub.add_parser("verify", help="check the sha256 of every bundled data file")
    return p


def _engine_arguments(p: argparse.ArgumentParser, what: str) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--workers", type=int, default=None, metavar="N",
                       help=f"run the {what} at once on a local Dask cluster of N worker processes")
    group.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help=f"run the {what} on a running Dask cluster, e.g. tcp://head-node:8786")


def _cmd_params(name: str) -> None:
    declared = runner.read_parameters(runner.notebook_path(name))
    stem = runner.notebook_path(name).stem
    profiles = {p: runner.load_profile(p, stem) for p in runner.PROFILES}
    rows = [["name", "type", "book (default)", "smoke", "paper", "meaning"]]
    rows += [[prm.name, prm.type, str(prm.default), str(profiles["smoke"].get(prm.name, "")),
              str(profiles["paper"].get(prm.name, "")), prm.help] for prm in declared.values()]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]  # the meaning column is last and free
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[5])


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            result = runner.run_notebook(args.notebook, args.profile, args.parameter,
                                         output_root=args.output_root, use_cache=args.cached,
                                         progress=not args.quiet)
            state = "cached (unchanged)" if result.cached else f"executed in {result.seconds:.1f} s"
            print(f"{result.notebook} [{result.profile}] {state} -> {result.output_dir}")
        elif args.command == "book":
            runner.build_book(args.profile, force=args.force, build_html=not args.no_html,
                              progress=not args.quiet, workers=args.workers, scheduler=args.scheduler)
        elif args.command == "params":
            _cmd_params(args.notebook)
        elif args.command == "sweep":
            from genomenb import sweep as sweep_mod

            try:
                grid = sweep_mod.parse_grid(args.grid)
            except ValueError as exc:
                raise runner.ParameterError(str(exc)) from None
            table = sweep_mod.run_sweep(args.notebook, args.profile, grid, overrides=dict(args.parameter),
                                        output=args.output, use_cache=not args.force, progress=not args.quiet,
                                        workers=args.workers, scheduler=args.scheduler)
            out = args.output or sweep_mod.sweep_dir(args.notebook, args.profile)
            print(f"{len(table)} grid points gathered -> {out}/sweep.csv")
        elif args.command == "report":
            print(f"kept: {runner.keep_report(args.notebook, args.profile)}")
        elif args.command == "list":
            for nb in runner.toc_notebooks():
                print(nb.stem)
        elif args.command == "verify":
            files = registry.verify_all()
            print(f"all {len(files)} bundled data files match their sha256")
    except (runner.ParameterError, runner.NotebookError, DataError, FileNotFoundError, EngineError) as exc:
        print(f"genomenb: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
