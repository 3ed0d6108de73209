"""
===============================================================
Out of core: the stress baselines on a file larger than memory
===============================================================

The physical baselines of the aftershock problem (maximum shear, von Mises
stress, summed absolute stress, Coulomb stress, distance to the source) are
stateless: each grid cell's score depends on that cell only. So they can be
scored on a stress file of any size, block by block, without ever holding it
in memory. In skdlies this needs no special code: ``load_devries(...,
lazy=True)`` returns a dask DataFrame that reads the HDF5 file block by block,
and the stress transformers turn it into lazy dask outputs.

This example writes a stress file chunk by chunk from
:func:`~skdlies.datasets.make_toy_aftershocks` (random toy "mainshocks"; their
labels follow the maximum shear stress by construction, so the ranking shows
the API, not the science), then computes every baseline's ROC curve and AUC
from per-block histograms of its scores, summed over the blocks, and plots
the curves.

The default (``--rows 200_000``, about 16 MB) runs in seconds. ``--rows
100_000_000`` writes an 8 GB file (81 bytes a cell) and scores it in the same
bounded memory, one ``--chunk-rows`` block per worker thread at a time. To use
a cluster, connect a ``dask.distributed.Client`` to its scheduler
(``Client("tcp://scheduler:8786")``) before the ``compute`` calls; a
``LocalCluster`` started by the script itself would need all of its code under
``if __name__ == "__main__":``, as its worker processes import the script.

Run it as ``python plot_out_of_core_baselines.py [--rows N] [--chunk-rows N]
[--h5 FILE] [--out DIR]``. It needs dask: ``pip install 'skdlies[dask]'``.
"""

import argparse
import tempfile
import time
from pathlib import Path

import dask
import h5py
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from skdlies.datasets import load_devries, make_toy_aftershocks
from skdlies.stress import (
    DEVRIES_COLUMNS,
    DEVRIES_LABEL,
    CoulombStress,
    FaultDistance,
    MaxShear,
    SumAbsStress,
    VonMises,
)

parser = argparse.ArgumentParser(description="Out-of-core ROC AUC of the stress baselines.")
parser.add_argument("--rows", type=int, default=200_000,
                    help="cells to write (default: %(default)s; 100_000_000 makes 8 GB)")
parser.add_argument("--chunk-rows", type=int, default=50_000,
                    help="cells per block written and per dask partition (default: %(default)s)")
parser.add_argument("--h5", type=Path, help="the stress file to write (default: a temporary one)")
parser.add_argument("--out", type=Path, help="folder to save the figure in (PNG)")
parser.add_argument("--max-epochs", type=int, help="unused (no network is trained here)")
args, _ = parser.parse_known_args()  # ignores the arguments of sphinx-gallery

# %%
# Write the stress file chunk by chunk
# ------------------------------------
# The layout is the one :func:`~skdlies.datasets.load_devries` reads: flat 1-D
# datasets named after the DeVries et al. columns (Pa, tension positive; cell
# centres in metres), the label ``aftershocksyn`` and the event id ``group``.
# Each block of toy events is appended to resizable datasets, so the writer,
# too, never holds more than one block.
tmp = None
if args.h5 is not None and args.h5.exists():  # an output: never overwrite a data file
    parser.error(f"--h5 {args.h5} exists; give a new file name (it is written, not read)")
if args.h5 is None:
    tmp = tempfile.TemporaryDirectory()
    args.h5 = Path(tmp.name) / "stress.h5"
names = ["x", "y", "z", *DEVRIES_COLUMNS, DEVRIES_LABEL]
start = time.perf_counter()
with h5py.File(args.h5, "w") as h5:
    for name in [*names, "group"]:
        dtype = {DEVRIES_LABEL: np.int8, "group": np.int64}.get(name, np.float64)
        h5.create_dataset(name, shape=(0,), maxshape=(None,), dtype=dtype,
                          chunks=(min(args.chunk_rows, 1 << 16),))
    per_event = 2880  # cells of one toy event with the default grid
    n_events = max(1, args.chunk_rows // per_event)
    written, event, block = 0, 0, 0
    while written < args.rows:
        toy = make_toy_aftershocks(n_events=n_events, random_state=block)
        rows = min(len(toy.frame), args.rows - written)
        for name in names:
            h5[name].resize((written + rows,))
            h5[name][written:] = toy.frame[name].to_numpy()[:rows]
        h5["group"].resize((written + rows,))
        h5["group"][written:] = toy.groups[:rows] + event
        written, event, block = written + rows, event + n_events, block + 1
size_mb = args.h5.stat().st_size / 1e6
print(f"wrote {written:,} cells of {event} toy events to {args.h5} ({size_mb:,.0f} MB) "
      f"in {time.perf_counter() - start:.1f} s")

# %%
# Lazy cells and lazy scores
# --------------------------
# Nothing is read here: ``cells`` knows its columns, dtypes and the row ranges
# of its partitions only. Each transformer returns a lazy dask DataFrame (with
# ``set_output(transform="pandas")``) computed partition by partition by the
# same numpy code as for an in-memory frame. Scores must grow with the
# likelihood of aftershocks: the distance to the source (the toy events are
# centred on x = y = 0) enters with a minus sign.
cells, groups = load_devries(args.h5, lazy=True, chunk_size=args.chunk_rows)
baselines = {
    "max shear": MaxShear(),
    "von Mises": VonMises(),
    "sum |stress|": SumAbsStress(),
    "Coulomb (N-S vertical, mu 0.4)": CoulombStress(strike=0, dip=90, rake=0, mu=0.4),
    "-distance": FaultDistance([[0.0, 0.0]], unit="m"),
}
columns = {name: est.set_output(transform="pandas").transform(cells).iloc[:, 0]
           for name, est in baselines.items()}
columns["-distance"] = -columns["-distance"]
scores = cells[[DEVRIES_LABEL]].assign(**columns)
print(f"{cells.npartitions} partitions of up to {args.chunk_rows:,} cells; nothing read yet:")
print(scores)

# %%
# ROC curves from histograms, block by block
# ------------------------------------------
# The exact ROC AUC sorts every score; out of core, each block instead adds its
# scores to fixed histograms, one for the cells with aftershocks and one for
# the others (on a signed log scale, ``sign(s) log10(1 + |s|)``, which keeps
# the order of the scores over many decades). The summed histograms give the
# ROC curve; with 0.005-decade bins its AUC matches the exact one to about
# 1e-4. The block histograms are summed in a tree, eight at a time, so memory
# holds the histograms of a few blocks, however many blocks there are.
EDGES = np.linspace(-12, 12, 4801)


def block_histograms(block: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per score: counts of the (positive, negative) cells of one block in each bin."""
    positive = block[DEVRIES_LABEL].to_numpy() == 1
    out = {}
    for name in baselines:
        s = block[name].to_numpy()
        u = np.sign(s) * np.log10(1 + np.abs(s))
        out[name] = np.stack([np.histogram(u[positive], EDGES)[0],
                              np.histogram(u[~positive], EDGES)[0]])
    return out


def add(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {name: sum(part[name] for part in parts) for name in parts[0]}


start = time.perf_counter()
parts = [dask.delayed(block_histograms)(part) for part in scores.to_delayed()]
while len(parts) > 1:  # a tree: each sum holds eight blocks' histograms at most
    parts = [dask.delayed(add)(parts[i : i + 8]) for i in range(0, len(parts), 8)]
histograms = parts[0].compute()
print(f"scored {written:,} cells in {time.perf_counter() - start:.1f} s")


def roc_from_histograms(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """False and true positive rates from the highest bin down, and the trapezoid AUC."""
    tp, fp = (np.concatenate([[0], np.cumsum(c[::-1])]) for c in counts)
    tpr, fpr = tp / tp[-1], fp / fp[-1]
    return fpr, tpr, float(np.trapezoid(tpr, fpr))


curves = {name: roc_from_histograms(counts) for name, counts in histograms.items()}
table = pd.DataFrame({"ROC AUC (histograms)": {n: c[2] for n, c in curves.items()}})
if written <= 2_000_000:  # small enough to check against the exact, in-memory AUC
    exact = scores.compute()
    table["exact ROC AUC"] = {name: roc_auc_score(exact[DEVRIES_LABEL], exact[name])
                              for name in baselines}
print(table.sort_values("ROC AUC (histograms)", ascending=False).round(4).to_string())

# %%
# The curves
# ----------
fig, ax = plt.subplots(figsize=(5.5, 5))
styles = ["-", "--", "-.", ":"]
for k, (name, (fpr, tpr, auc)) in enumerate(curves.items()):
    ax.plot(fpr, tpr, ls=styles[k % len(styles)], lw=1.8, label=f"{name} (AUC {auc:.3f})")
ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":", label="chance")
ax.set(xlabel="False positive rate", ylabel="True positive rate", aspect="equal",
       title=f"Baselines on {written:,} cells, out of core")
ax.legend(loc="lower right", fontsize="small")
fig.tight_layout()

if args.out:
    args.out.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out / "out_of_core_roc.png", dpi=200)
if tmp is not None:
    tmp.cleanup()

plt.show()
