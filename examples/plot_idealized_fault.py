"""
=============================================================
What has the network learned? The idealized strike-slip fault
=============================================================

DeVries et al. (2018, Fig. 2e-h) asked which physical quantity their network
had learned by showing it the stress change of a simple fault: a vertical
right-lateral strike-slip fault, 60 km long and 15 km deep, observed on a grid
at 10 km depth. The network reads the six stress components in a fixed
East/North/Up frame, so its answer depends on the fault's strike; rotating
the fault through 0, 10, ..., 350 degrees and averaging, cell by cell in the
fault's frame, removes that dependence. The percentage of the averaged
forecast's variance that each stress metric explains (%VE) then says how
close the network is to that metric.

By default the network is trained on :func:`~skdlies.datasets.make_toy_aftershocks`,
whose labels are drawn from the maximum shear stress, so the table should
rank the shear-stress metrics (``sqrt(3 J2)``, maximum shear) and the sum of
the magnitudes of the components high; the sum comes first on this toy data,
close to the shear metrics, since the network's inputs are those magnitudes.
It shows the method, not the science.
Pass a file built by ``skdlies aftershocks build`` (``--data cells.h5``) to ask
the question of a network trained on real aftershocks
(``benchmarks/bench_idealized_fault.py`` does that and prints the table of
``docs/benchmarks.md``).

Run it as ``python plot_idealized_fault.py [--data F] [--out DIR] [--max-epochs N]``.
"""

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.pipeline import make_pipeline

from skdlies.aftershocks import (
    AftershockNet,
    plot_strike_averaged_maps,
    strike_averaged_fields,
    variance_explained_table,
)
from skdlies.datasets import load_devries, make_toy_aftershocks
from skdlies.stress import DEVRIES_COLUMNS, DEVRIES_LABEL, DeVriesFeatures

parser = argparse.ArgumentParser(description="Strike-averaged forecast of an idealized fault.")
parser.add_argument("--data", help="cells to train on (DeVries h5 or *_grid.csv folder)")
parser.add_argument("--out", type=Path, help="folder to save the figure in (PNG)")
parser.add_argument("--max-epochs", type=int, default=10, help="epochs of the network")
args, _ = parser.parse_known_args()  # ignores the arguments of sphinx-gallery

# %%
# Train the network
# -----------------
# The paper's network on its 12 features, balanced batches.
if args.data:
    cells, _ = load_devries(args.data)
else:
    cells = make_toy_aftershocks(n_events=6, random_state=0).frame
network = make_pipeline(
    DeVriesFeatures(),
    AftershockNet(balanced_batches=True, max_epochs=args.max_epochs, random_state=0),
)
network.fit(cells[list(DEVRIES_COLUMNS)], cells[DEVRIES_LABEL])

# %%
# Rotate the fault, average, and map
# ----------------------------------
# One rectangle of 1 m uniform slip (Okada, 1992; lambda = mu = 30 GPa), 36
# strikes, a 3 km grid at 10 km depth (the benchmark uses 2 km). Stresses are
# in Pa, tension positive; dCFS is resolved on the fault's own plane and slip
# direction with mu = 0.4.
fields = strike_averaged_fields(network, spacing_km=3.0)
fig = plot_strike_averaged_maps(fields)

# %%
# Variance explained
# ------------------
# %VE of the averaged forecast by each averaged metric, for the full stress
# tensor and its deviator. "linear" is ``100 r**2`` of a straight-line fit;
# "monotone" is the R^2 of the best monotone fit (isotonic regression), which
# does not penalise a metric for the shape of its relation to the forecast.
table = pd.concat({fit: variance_explained_table(fields, fit) for fit in ("linear", "monotone")},
                  axis=1)
print(table.round(1).to_string(na_rep="-"))

if args.out:
    args.out.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out / "idealized_fault.png", dpi=200)

plt.show()
