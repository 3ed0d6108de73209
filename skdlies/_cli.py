"""The ``skdlies`` command line.

Every command shows tqdm progress bars on long steps unless ``--quiet`` is given
or stderr is not a terminal; errors print one line ``skdlies: error: ...`` and
exit with status 1 (``--debug`` shows the traceback instead).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["main"]

AUTOENCODER_EXAMPLES = """\
  skdlies autoencoders demo --out figures       the autoencoder demo on the built-in digits
  skdlies autoencoders demo --data mnist.npz    the same on real MNIST (slow on a CPU)
"""
AFTERSHOCK_EXAMPLES = """\
  skdlies aftershocks demo --out demo           synthetic faults -> stress -> labels -> AUC table
  skdlies aftershocks build --srcmod srcmod/ --catalog NEIC.csv --out cells.h5
                                                stress grids + aftershock labels from SRCMOD
  skdlies aftershocks evaluate --train Training.h5 --test Testing.h5 --out results
                                                AftershockNet vs the stress baselines (ROC AUC)
"""
EPILOG = f"""examples:
  skdlies demo                                  every built-in demo, figures in ./skdlies-demo
{AUTOENCODER_EXAMPLES}{AFTERSHOCK_EXAMPLES}
every command also takes --quiet (no progress bars) and --debug (tracebacks on errors).
"""


def _progress(args: argparse.Namespace) -> bool:
    """Progress bars unless --quiet, and only on a terminal (not in logs or pipes)."""
    return not getattr(args, "quiet", False) and sys.stderr.isatty()


def _epoch_progress(desc: str):
    """A skorch callback showing a tqdm bar over the training epochs."""
    from skorch.callbacks import Callback
    from tqdm.auto import tqdm

    class EpochProgress(Callback):
        def __init__(self) -> None:
            self.bar = None

        def on_train_begin(self, net, X=None, y=None, **kwargs):
            self.bar = tqdm(total=net.max_epochs, desc=desc, unit="epoch", leave=False)

        def on_epoch_end(self, net, **kwargs):
            self.bar.update()

        def on_train_end(self, net, X=None, y=None, **kwargs):
            self.bar.close()
            self.bar = None

    return EpochProgress()


def _output_folder(path: str | os.PathLike, option: str = "--out") -> Path:
    """``path`` (``~`` expanded) as a folder that can take files, checked before any work.

    Nothing is created: a missing folder is checked by its nearest existing parent.
    """
    folder = Path(path).expanduser()
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        where = "" if existing == folder else f" (its parent '{existing}' is a file)"
        raise FileExistsError(f"{option} '{path}' is not a folder{where}.")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise PermissionError(
            f"{option} '{path}': cannot write there ({exc.strerror or exc})."
        ) from None
    return folder


def _output_file(path: str | os.PathLike, option: str = "--out") -> Path:
    """``path`` (``~`` expanded) as a file that can be written, checked before any work."""
    file = Path(path).expanduser()
    if file.is_dir():
        raise IsADirectoryError(f"{option} '{path}' is a folder; give a file name.")
    _output_folder(file.parent, f"the folder of {option} '{path}'")
    return file


def _one_torch_thread(built_in: bool):
    """The built-in demos on one PyTorch thread: their small batches gain nothing from more
    (38 s either way on two idle cores), stall when the cores are shared (258 s at a load of
    3.4), and give the same numbers on every machine."""
    from ._nn import torch_threads

    return torch_threads(1 if built_in else None)


def _autoencoder_demo(args: argparse.Namespace) -> None:
    from .autoencoders._demo import run_demo

    args.out = _output_folder(args.out)
    with _one_torch_thread(args.data is None):
        metrics = run_demo(args.out, data=args.data, random_state=args.random_state,
                           progress=_progress(args))
    for key, value in metrics.items():
        print(f"{key:>24}: {value}")
    print(f"figures and metrics.json written to {args.out}")


def _aftershock_demo(args: argparse.Namespace) -> None:
    from .aftershocks._demo import NOTICE, run_demo

    args.out = _output_folder(args.out)
    print(NOTICE)
    with _one_torch_thread(True):
        table = run_demo(args.out, n_faults=args.faults, max_epochs=args.max_epochs,
                         random_state=args.random_state, progress=_progress(args))
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))
    print(f"train.h5, test.h5, auc_table.csv and roc_curves.png written to {args.out}")


def _every_demo(args: argparse.Namespace) -> None:
    out = _output_folder(args.out)
    for part in ("autoencoders", "aftershocks"):
        _output_folder(out / part, f"--out '{args.out}': its {part}/")
    _autoencoder_demo(argparse.Namespace(**{**vars(args), "out": out / "autoencoders"}))
    _aftershock_demo(argparse.Namespace(**{**vars(args), "out": out / "aftershocks",
                                           "faults": 8, "max_epochs": 10}))


def _aftershock_evaluate(args: argparse.Namespace) -> None:
    from .aftershocks._workflow import evaluate_files

    if args.out:
        args.out = _output_folder(args.out)
    callbacks = [_epoch_progress("training AftershockNet")] if _progress(args) else None
    table = evaluate_files(args.train, args.test, args.out, max_epochs=args.max_epochs,
                           balanced_batches=not args.unbalanced,
                           n_permutations=args.permutations, random_state=args.random_state,
                           callbacks=callbacks)
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))
    if args.out:
        print(f"auc_table.csv and roc_curves.png written to {args.out}")


def _catalog_source(text: str) -> tuple[str, str]:
    """``--catalog [FORMAT:]FILE`` as (file, format); no known prefix: auto-detected."""
    from .datasets._catalogs import CATALOG_FORMATS

    prefix, sep, rest = text.partition(":")
    if sep and prefix in CATALOG_FORMATS:
        return rest, prefix
    return text, "auto"


def _slip_model_files(srcmod: str, limit: int | None) -> list[Path]:
    """``--srcmod``: a folder of ``*.fsp`` files or one such file."""
    path = Path(srcmod).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"--srcmod '{srcmod}' not found.")
    files = sorted(path.glob("*.fsp"))[:limit] if path.is_dir() else [path]
    if not files:
        raise FileNotFoundError(f"--srcmod '{srcmod}' holds no *.fsp file.")
    return files


def _aftershock_build(args: argparse.Namespace) -> None:
    import pandas as pd

    from .aftershocks._build import build_dataset
    from .datasets import mainshock_origin, read_catalog

    files = _slip_model_files(args.srcmod, args.limit)
    args.out = _output_file(args.out)
    catalogs = [read_catalog(*_catalog_source(c)) for c in args.catalog] if args.catalog else None
    if catalogs is None:
        print("no --catalog: stresses only, every aftershocksyn label is 0", file=sys.stderr)

    def origin(model):
        try:
            return mainshock_origin(model.tag)
        except ValueError:
            return None

    status = build_dataset(files, args.out, catalog=catalogs,
                           origin_times=origin, min_magnitude=args.min_magnitude,
                           progress=_progress(args))
    counts = pd.Series(list(status.values())).value_counts()
    for what, n in counts.items():
        print(f"{n:5d} {what}")
    print(f"written to {args.out}")


def _int_from(low: int) -> Callable[[str], int]:
    """An argparse type: an integer >= ``low`` (argparse reports the value and the bound)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} is below the minimum {low}")
        return value

    parse.__name__ = f"integer >= {low}"
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skdlies", description="scikit-learn-compatible deep learning for Earth science.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"skdlies {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    # --quiet and --debug work before or after the command; SUPPRESS keeps the top-level value
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="no progress bars (also off when stderr is not a terminal)")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback on errors")

    def add_command(group, name: str, help: str, example: str, **kwargs):
        return group.add_parser(name, help=help, description=help, parents=[common],
                                epilog=f"example:\n{example}",
                                formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)

    def demo_options(p: argparse.ArgumentParser, out: str) -> None:
        p.add_argument("--out", default=out, help="output folder (default: %(default)s)")
        p.add_argument("--data", help="path to mnist.npz (default: built-in 8x8 digits)")
        p.add_argument("--random-state", type=int, default=0)

    demo = add_command(commands, "demo", "run every built-in demo (under a minute)",
                       "  skdlies demo --out skdlies-demo\n")
    demo_options(demo, "skdlies-demo")
    demo.set_defaults(run=_every_demo)

    ae = commands.add_parser("autoencoders", help="autoencoder commands", parents=[common],
                             epilog=f"examples:\n{AUTOENCODER_EXAMPLES}",
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    ae_commands = ae.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
    ae_demo = add_command(
        ae_commands, "demo",
        "train the dense, denoising, conv and variational autoencoders; plot them",
        AUTOENCODER_EXAMPLES,
    )
    demo_options(ae_demo, "skdlies-demo/autoencoders")
    ae_demo.set_defaults(run=_autoencoder_demo)

    shocks = commands.add_parser("aftershocks", help="aftershock-location forecasting commands",
                                 parents=[common], epilog=f"examples:\n{AFTERSHOCK_EXAMPLES}",
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    shock_commands = shocks.add_subparsers(dest="subcommand", required=True,
                                           metavar="SUBCOMMAND")
    example = AFTERSHOCK_EXAMPLES.splitlines(keepends=True)
    shock_demo = add_command(
        shock_commands, "demo", "offline end-to-end run on synthetic faults and aftershocks",
        example[0],
    )
    shock_demo.add_argument("--out", default="skdlies-demo/aftershocks",
                            help="output folder (default: %(default)s)")
    shock_demo.add_argument("--faults", type=_int_from(3), default=8,
                            help="synthetic faults, >= 3 (2 tested, the rest trained on)")
    shock_demo.add_argument("--max-epochs", type=_int_from(1), default=10)
    shock_demo.add_argument("--random-state", type=int, default=0)
    shock_demo.set_defaults(run=_aftershock_demo)

    build = add_command(
        shock_commands, "build",
        "stress-change grids and aftershock labels from SRCMOD slip models",
        "".join(example[1:3]),
    )
    build.add_argument("--srcmod", required=True,
                       help="folder of SRCMOD *.fsp files, or one such file")
    build.add_argument("--catalog", action="append",
                       metavar="[FORMAT:]FILE",
                       help="earthquake catalog, its format detected from its header (ComCat, "
                            "NEIC, SoCal, or JMA as the ETAS R package ships it, whose shifted "
                            "clock is corrected) or given, e.g. jma:japan.csv for plain JST; "
                            "repeatable, in order of preference (an event in two catalogs "
                            "counts once); a slip model is labelled from the catalogs covering "
                            "its first year and skipped if none does. Without it: stresses "
                            "only, labels 0")
    build.add_argument("--out", required=True, help="h5 file to write (resumable)")
    build.add_argument("--min-magnitude", type=float, help="count only events this large")
    build.add_argument("--limit", type=_int_from(1), help="build only the first N slip models")
    build.set_defaults(run=_aftershock_build)

    evaluate = add_command(
        shock_commands, "evaluate",
        "train AftershockNet, rank it and the stress baselines by ROC AUC",
        "".join(example[3:5]),
    )
    evaluate.add_argument("--train", required=True,
                          help="training cells: DeVries h5, skdlies h5, or *_grid.csv (folder)")
    evaluate.add_argument("--test", required=True, help="test cells, same formats")
    evaluate.add_argument("--out", help="folder for auc_table.csv and roc_curves.png")
    evaluate.add_argument("--max-epochs", type=_int_from(1), default=10)
    evaluate.add_argument("--unbalanced", action="store_true",
                          help="ordinary shuffled batches instead of half positive, half negative")
    evaluate.add_argument("--permutations", type=_int_from(0), default=0,
                          help="label shuffles per group for p-values (the paper: 5000)")
    evaluate.add_argument("--random-state", type=int, default=0)
    evaluate.set_defaults(run=_aftershock_evaluate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``skdlies`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            if not args.debug:  # one line each, not the source line of the skdlies script
                warnings.showwarning = _one_line_warnings()
            args.run(args)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("skdlies: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(f"skdlies: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    return 0


def _one_line_warnings() -> Callable[..., None]:
    """A ``warnings.showwarning`` printing each distinct warning once, on one line."""
    shown = set()

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        text = " ".join(str(message).split())
        if text not in shown:
            shown.add(text)
            print(f"skdlies: warning: {text}", file=sys.stderr)

    return show


def _one_line(exc: BaseException) -> str:
    """The message of ``exc`` on one line; unexpected kinds of error are named."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    if not isinstance(exc, OSError | ValueError | ImportError | LookupError):
        message = f"{type(exc).__name__}: {message} (run with --debug for the traceback)"
    return message


if __name__ == "__main__":
    sys.exit(main())
