"""The ``skdlies`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]

EPILOG = """examples:
  skdlies demo                                  every built-in demo, figures in ./skdlies-demo
  skdlies autoencoders demo --out figures       the autoencoder demo on the built-in digits
  skdlies autoencoders demo --data mnist.npz    the same on real MNIST (slow on a CPU)
"""


def _autoencoder_demo(args: argparse.Namespace) -> None:
    from .autoencoders._demo import run_demo

    metrics = run_demo(args.out, data=args.data, random_state=args.random_state,
                       progress=not args.quiet and sys.stderr.isatty())
    for key, value in metrics.items():
        print(f"{key:>24}: {value}")
    print(f"figures and metrics.json written to {args.out}")


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

    demo = commands.add_parser("demo", help="run every built-in demo")
    demo_options(demo)
    demo.set_defaults(run=_autoencoder_demo)

    ae = commands.add_parser("autoencoders", help="autoencoder commands")
    ae_commands = ae.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
    ae_demo = ae_commands.add_parser(
        "demo", help="train the dense, denoising, conv and variational autoencoders; plot them"
    )
    demo_options(ae_demo)
    ae_demo.set_defaults(run=_autoencoder_demo)
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
