"""What has the network learned? Strike-averaged forecast of the idealized fault and its %VE.

Trains ``make_pipeline(DeVriesFeatures(), AftershockNet(balanced_batches=True))``
on every cell of a file built by ``skdlies aftershocks build`` (all slip
models; nothing is scored on these cells, so nothing is held out), then
evaluates it around a vertical right-lateral strike-slip fault (60 km long,
15 km deep, 1 m of slip) on a grid at 10 km depth over +-150 km, rotated
through strikes 0, 10, ..., 350 degrees, as in DeVries et al. (2018,
Fig. 2e-h). Prints the percentage of the variance of the strike-averaged
forecast explained by each strike-averaged stress metric (%VE), for the full
and the deviatoric tensor, with a linear and a monotone fit (definitions:
:func:`skdlies.aftershocks.variance_explained`), and saves the maps.

Usage::

    python benchmarks/bench_idealized_fault.py --data cells.h5 --max-epochs 8 --out idealized
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from sklearn.pipeline import make_pipeline

from skdlies.aftershocks import (
    AftershockNet,
    plot_strike_averaged_maps,
    strike_averaged_fields,
    variance_explained_table,
)
from skdlies.datasets import load_devries
from skdlies.stress import DEVRIES_COLUMNS, DEVRIES_LABEL, DeVriesFeatures


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="h5 file from 'skdlies aftershocks build'")
    parser.add_argument("--max-epochs", type=int, default=8)
    parser.add_argument("--spacing-km", type=float, default=2.0)
    parser.add_argument("--slip-m", type=float, default=1.0)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--out", type=Path, help="folder for the maps (PNG) and the table (CSV)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    frame, _ = load_devries(args.data, return_groups=True)
    y = frame[DEVRIES_LABEL].to_numpy()
    model = make_pipeline(
        DeVriesFeatures(),
        AftershockNet(balanced_batches=True, max_epochs=args.max_epochs,
                      random_state=args.random_state),
    )
    model.fit(frame[list(DEVRIES_COLUMNS)], y)
    trained = time.perf_counter()
    print(f"trained on {len(frame):,} cells ({y.mean():.2%} positive), {args.max_epochs} "
          f"epochs: {trained - start:.0f} s")

    fields = strike_averaged_fields(model, spacing_km=args.spacing_km, slip_m=args.slip_m)
    print(f"strike-averaged fields, {fields.forecast.size:,} cells x {len(fields.strikes)} "
          f"strikes: {time.perf_counter() - trained:.1f} s; forecast "
          f"{fields.forecast.min():.3f}..{fields.forecast.max():.3f}")
    table = pd.concat({fit: variance_explained_table(fields, fit)
                       for fit in ("linear", "monotone")}, axis=1)
    print("%VE of the strike-averaged network forecast")
    print(table.round(1).to_string(na_rep="-"))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out / "variance_explained.csv")
        plot_strike_averaged_maps(fields).savefig(args.out / "strike_averaged_maps.png", dpi=120)
        print(f"wrote {args.out}/variance_explained.csv and strike_averaged_maps.png")


if __name__ == "__main__":
    main()
