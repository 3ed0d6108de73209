"""dask-ml's ``Incremental`` and ``HyperbandSearchCV`` driving skdlies through ``partial_fit``.

Each ``partial_fit`` call of a skdlies network trains one epoch on the data it is
given, so dask-ml's wrappers, which call ``partial_fit`` once per block of a dask
array, train a network block by block, and Hyperband gives the promising
candidates more calls. The data: the 12 DeVries inputs of
:func:`~skdlies.datasets.make_toy_aftershocks` (``--events`` toy events of 2,880
cells), events split into training and held-out ones, as a dask array of
``--chunk-rows`` row blocks, on a ``LocalCluster`` of ``--workers`` processes.

The script prints the versions, then:

0. whether ``Incremental(shuffle_blocks=False)`` on the cluster trains the
   very network that ``partial_fit`` block by block trains in this process;
1. ``Incremental(AftershockNet(), random_state=0)`` (blocks shuffled
   reproducibly; dask-ml's default ``random_state=None`` shuffles them
   differently at each run): ``--passes`` passes over the blocks
   (``Incremental.partial_fit``), the epochs recorded and the held-out ROC AUC
   after each pass;
2. ``HyperbandSearchCV`` over ``lr`` (log-uniform, 0.03-3) and ``dropout``
   (uniform, 0-0.5) with ``max_iter=--max-iter`` and ``scoring="roc_auc"``:
   wall time, models trained, best parameters and their validation AUC, and
   the held-out AUC of the best model.

dask-ml is not a dependency of skdlies: ``pip install dask-ml``. dask-ml
2025.1.0's ``HyperbandSearchCV`` needs dask and distributed before 2026 (with
distributed 2026.8 it fails for any estimator, scikit-learn's own included:
"Attempting to use an asynchronous Client in a synchronous context").

Usage::

    python benchmarks/bench_dask_ml.py [--events 20] [--chunk-rows 10000] [--passes 5]
        [--max-iter 27] [--workers 2]
"""

from __future__ import annotations

import argparse
import time
from importlib.metadata import version

import numpy as np
from scipy.stats import loguniform, uniform
from sklearn.metrics import roc_auc_score

from skdlies.aftershocks import AftershockNet
from skdlies.datasets import make_toy_aftershocks
from skdlies.stress import DEVRIES_LABEL, DeVriesFeatures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20, help="toy events (2,880 cells each)")
    parser.add_argument("--chunk-rows", type=int, default=10_000, help="rows per dask block")
    parser.add_argument("--passes", type=int, default=5, help="Incremental passes over the data")
    parser.add_argument("--max-iter", type=int, default=27, help="Hyperband's max_iter")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.events < 4:
        parser.error("--events must be at least 4 (a quarter of them are held out)")

    import dask.array as da
    from dask.distributed import Client, LocalCluster
    from dask_ml.model_selection import HyperbandSearchCV
    from dask_ml.wrappers import Incremental

    print(", ".join(f"{name} {version(name)}" for name in
                    ("skdlies", "dask", "distributed", "dask-ml", "scikit-learn", "torch")))
    toy = make_toy_aftershocks(n_events=args.events, random_state=0)
    X = DeVriesFeatures().fit_transform(toy.frame).astype(np.float32)
    y = toy.frame[DEVRIES_LABEL].to_numpy()
    held_out = toy.groups >= args.events - args.events // 4
    X_train, y_train, X_test, y_test = X[~held_out], y[~held_out], X[held_out], y[held_out]
    print(f"{len(X_train):,} training cells ({y_train.mean():.1%} positive), "
          f"{len(X_test):,} held out; blocks of {args.chunk_rows:,} rows")

    with LocalCluster(n_workers=args.workers, threads_per_worker=1) as cluster, Client(cluster):
        Xd = da.from_array(X_train, chunks=(args.chunk_rows, -1))
        yd = da.from_array(y_train, chunks=args.chunk_rows)

        # the same blocks in order, on the cluster and in this process: the same network
        ordered = Incremental(AftershockNet(random_state=0), shuffle_blocks=False)
        ordered.fit(Xd, yd, classes=[0, 1])
        serial = AftershockNet(random_state=0)
        for start in range(0, len(X_train), args.chunk_rows):
            rows = slice(start, start + args.chunk_rows)
            serial.partial_fit(X_train[rows], y_train[rows], classes=[0, 1])
        same = np.array_equal(ordered.estimator_.predict_proba(X_test),
                              serial.predict_proba(X_test))
        print(f"\n0. Incremental(shuffle_blocks=False) equals partial_fit block by block in this "
              f"process: {same}")

        start = time.perf_counter()
        incremental = Incremental(AftershockNet(random_state=0), random_state=0)
        aucs = []
        for _ in range(args.passes):  # partial_fit: one more pass over the blocks
            incremental.partial_fit(Xd, yd, classes=[0, 1])
            proba = incremental.estimator_.predict_proba(X_test)[:, 1]
            aucs.append(f"{roc_auc_score(y_test, proba):.4f}")
        print(f"1. Incremental: {time.perf_counter() - start:.1f} s for {args.passes} passes "
              f"over {Xd.numblocks[0]} blocks ({len(incremental.estimator_.net_.history)} "
              f"partial_fit epochs); held-out AUC after each pass: {', '.join(aucs)}")

        search = HyperbandSearchCV(
            AftershockNet(random_state=0),
            {"lr": loguniform(0.03, 3.0), "dropout": uniform(0.0, 0.5)},
            max_iter=args.max_iter, scoring="roc_auc", random_state=0,
        )
        start = time.perf_counter()
        search.fit(Xd, yd, classes=[0, 1])
        auc = roc_auc_score(y_test, search.best_estimator_.predict_proba(X_test)[:, 1])
        print(f"2. HyperbandSearchCV: {time.perf_counter() - start:.1f} s, "
              f"{len(search.cv_results_['params'])} models, best "
              f"{ {k: round(float(v), 3) for k, v in search.best_params_.items()} } "
              f"(validation AUC {search.best_score_:.4f}, held-out AUC {auc:.4f}, "
              f"{len(search.best_estimator_.net_.history)} epochs)")


if __name__ == "__main__":
    main()
