"""The ``skdlies`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]

EPILOG = """examples:
  skdlies demo                                  every built-in demo, figures in ./skdlies-demo
  skdlies aftershocks demo --out demo           synthetic faults -> stress -> labels -> AUC table
  skdlies autoencoders demo --out figures       the autoencoder demo on the built-in digits
  skdlies autoencoders demo --data mnist.npz    the same on real MNIST (slow on a CPU)
  skdlies aftershocks build --srcmod srcmod/ --catalog NEIC.csv --out cells.h5
                                                stress grids + aftershock labels from SRCMOD
  skdlies aftershocks evaluate --train Training.h5 --test Testing.h5 --out results
                                                AftershockNet vs the stress baselines (ROC AUC)
"""


def _progress(args: argparse.Namespace) -> bool:
    return not args.quiet and sys.stderr.isatty()


def _autoencoder_demo(args: argparse.Namespace) -> None:
    from .autoencoders._demo import run_demo

    metrics = run_demo(args.out, data=args.data, random_state=args.random_state,
                       progress=_progress(args))
    for key, value in metrics.items():
        print(f"{key:>24}: {value}")
    print(f"figures and metrics.json written to {args.out}")


def _aftershock_demo(args: argparse.Namespace) -> None:
    from .aftershocks._demo import NOTICE, run_demo

    print(NOTICE)
    table = run_demo(args.out, n_faults=args.faults, max_epochs=args.max_epochs,
                     random_state=args.random_state, progress=_progress(args))
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))
    print(f"train.h5, test.h5, auc_table.csv and roc_curves.png written to {args.out}")


def _every_demo(args: argparse.Namespace) -> None:
    from pathlib import Path

    out = Path(args.out)
    _autoencoder_demo(argparse.Namespace(**{**vars(args), "out": out / "autoencoders"}))
    _aftershock_demo(argparse.Namespace(**{**vars(args), "out": out / "aftershocks",
                                           "faults": 8, "max_epochs": 10}))


def _aftershock_evaluate(args: argparse.Namespace) -> None:
    from .aftershocks._workflow import evaluate_files

    table = evaluate_files(args.train, args.test, args.out, max_epochs=args.max_epochs,
                           balanced_batches=not args.unbalanced,
                           n_permutations=args.permutations, random_state=args.random_state)
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))
    if args.out:
        print(f"auc_table.csv and roc_curves.png written to {args.out}")


def _aftershock_build(args: argparse.Namespace) -> None:
    from pathlib import Path

    import pandas as pd

    from .aftershocks._build import build_dataset
    from .datasets import mainshock_origin, read_catalog

    files = sorted(Path(args.srcmod).glob("*.fsp"))[: args.limit]
    if not files:
        raise FileNotFoundError(f"no *.fsp file in {args.srcmod}")
    catalogs = [read_catalog(c) for c in args.catalog]

    def origin(model):
        try:
            return mainshock_origin(model.tag)
        except ValueError:
            return None

    status = build_dataset(files, args.out, catalog=catalogs,
                           origin_times=origin, min_magnitude=args.min_magnitude,
                           progress=not args.quiet and sys.stderr.isatty())
    counts = pd.Series(list(status.values())).value_counts()
    for what, n in counts.items():
        print(f"{n:5d} {what}")
    print(f"written to {args.out}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skdlies", description="scikit-learn-compatible deep learning for Earth science.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def demo_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", default="skdlies-demo", help="output folder (default: %(default)s)")
        p.add_argument("--data", help="path to mnist.npz (default: built-in 8x8 digits)")
        p.add_argument("--random-state", type=int, default=0)
        p.add_argument("--quiet", action="store_true", help="no progress bar")

    demo = commands.add_parser("demo", help="run every built-in demo (under a minute)")
    demo_options(demo)
    demo.set_defaults(run=_every_demo)

    ae = commands.add_parser("autoencoders", help="autoencoder commands")
    ae_commands = ae.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
    ae_demo = ae_commands.add_parser(
        "demo", help="train the dense, denoising, conv and variational autoencoders; plot them"
    )
    demo_options(ae_demo)
    ae_demo.set_defaults(run=_autoencoder_demo)

    shocks = commands.add_parser("aftershocks", help="aftershock-location forecasting commands")
    shock_commands = shocks.add_subparsers(dest="subcommand", required=True,
                                           metavar="SUBCOMMAND")
    shock_demo = shock_commands.add_parser(
        "demo", help="offline end-to-end run on synthetic faults and aftershocks",
    )
    shock_demo.add_argument("--out", default="skdlies-demo/aftershocks",
                            help="output folder (default: %(default)s)")
    shock_demo.add_argument("--faults", type=int, default=8, help="synthetic faults (2 tested)")
    shock_demo.add_argument("--max-epochs", type=int, default=10)
    shock_demo.add_argument("--random-state", type=int, default=0)
    shock_demo.add_argument("--quiet", action="store_true", help="no progress bar")
    shock_demo.set_defaults(run=_aftershock_demo)

    build = shock_commands.add_parser(
        "build", help="stress-change grids and aftershock labels from SRCMOD slip models",
    )
    build.add_argument("--srcmod", required=True, help="folder of SRCMOD *.fsp files")
    build.add_argument("--catalog", required=True, action="append",
                       help="earthquake catalog (ComCat, NEIC, SoCal or JMA format); repeatable")
    build.add_argument("--out", required=True, help="h5 file to write (resumable)")
    build.add_argument("--min-magnitude", type=float, help="count only events this large")
    build.add_argument("--limit", type=int, help="build only the first N slip models")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.set_defaults(run=_aftershock_build)

    evaluate = shock_commands.add_parser(
        "evaluate", help="train AftershockNet, rank it and the stress baselines by ROC AUC",
    )
    evaluate.add_argument("--train", required=True,
                          help="training cells: DeVries h5, skdlies h5, or *_grid.csv (folder)")
    evaluate.add_argument("--test", required=True, help="test cells, same formats")
    evaluate.add_argument("--out", help="folder for auc_table.csv and roc_curves.png")
    evaluate.add_argument("--max-epochs", type=int, default=10)
    evaluate.add_argument("--unbalanced", action="store_true",
                          help="ordinary shuffled batches instead of half positive, half negative")
    evaluate.add_argument("--permutations", type=int, default=0,
                          help="label shuffles per group for p-values (the paper: 5000)")
    evaluate.add_argument("--random-state", type=int, default=0)
    evaluate.set_defaults(run=_aftershock_evaluate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``skdlies`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except (OSError, ValueError) as exc:
        if args.debug:
            raise
        print(f"skdlies: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
