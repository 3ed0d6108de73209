"""Peak memory of batched inference: AftershockNet.predict_proba on 10M x 12 float32 rows.

Fits the paper's AftershockNet (6 x 50 tanh) for one epoch on 100k toy rows, then runs
``decision_function`` and ``predict_proba`` on 10M rows (480 MB of float32), held in
memory or memory-mapped from a ``.npy`` file (``--memmap``), and prints for each call
the time, the peak resident memory above the level before the call (``VmHWM`` after
resetting it through ``/proc/self/clear_refs``; Linux), the peak of NumPy's allocations
(tracemalloc; PyTorch's are not traced) and both against the sizes of the input and
of the output. Inference runs in batches of ``skdlies._base.INFERENCE_BATCH_SIZE`` rows;
the ideal peak above the input is the output itself. The same is measured for a
reference implementation that writes each batch into a preallocated output (what
``_apply`` / ``predict_proba`` would need to reach that bound).
Each call runs in a fresh process, so that the heap left by one does not hide the peak of
the next. Finally it checks that batched results equal one unbatched pass on a subset.

Usage::

    python benchmarks/bench_chunked_predict.py [--rows 10000000] [--memmap] [--threads 2]
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

import skdlies._base as base
from skdlies.aftershocks import AftershockNet

MB = 1e6


def rss_kb(field: str) -> int:
    """``VmRSS`` or ``VmHWM`` (peak) of this process in kB, from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def release_free_memory() -> None:
    """Give freed heap memory back to the system (glibc), so RSS starts from live data."""
    gc.collect()
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def measure(name: str, call: Callable[[], np.ndarray], sizes: tuple[int, int]) -> np.ndarray:
    """Run ``call`` once and print its time and peak memory above the level before it."""
    release_free_memory()
    exact = reset_peak()
    before = rss_kb("VmRSS")
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = time.perf_counter()
    out = call()
    seconds = time.perf_counter() - start
    numpy_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if exact:
        peak = (rss_kb("VmHWM") - before) * 1e3
    else:  # ru_maxrss only grows: a lower bound if an earlier peak was higher
        peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - maxrss_before) * 1e3
    n_in, n_out = sizes[0], out.nbytes
    print(f"{name:>36}: {seconds:7.2f} s  peak RSS +{peak / MB:7.1f} MB "
          f"({peak / n_out:4.2f} x output, {peak / n_in:4.2f} x input)  "
          f"NumPy peak {numpy_peak / MB:7.1f} MB  output {n_out / MB:6.1f} MB"
          + ("" if exact else "  [VmHWM reset unavailable: ru_maxrss]"))
    return out


def preallocated_logits(net: AftershockNet, X: np.ndarray) -> np.ndarray:
    """Reference: every batch written into one preallocated float32 output."""
    module = net.net_.module_.eval()
    out = np.empty(len(X), dtype=np.float32)
    step = base.INFERENCE_BATCH_SIZE
    with torch.inference_mode():
        for start in range(0, len(X), step):
            batch = torch.tensor(X[start : start + step])
            out[start : start + step] = module(batch).numpy()
    return out


def preallocated_proba(net: AftershockNet, X: np.ndarray) -> np.ndarray:
    """Reference: probabilities computed batch by batch into a preallocated (n, 2) output."""
    module = net.net_.module_.eval()
    out = np.empty((len(X), 2))
    step = base.INFERENCE_BATCH_SIZE
    with torch.inference_mode():
        for start in range(0, len(X), step):
            logit = module(torch.tensor(X[start : start + step])).double()
            p = torch.sigmoid(logit).numpy()
            out[start : start + step, 1] = p
            out[start : start + step, 0] = 1.0 - p
    return out


def make_input(rows: int, memmap: Path | None) -> np.ndarray:
    """10M x 12 float32 filled in 1M-row chunks (no full-size temporary)."""
    rng = np.random.default_rng(1)
    if memmap is None:
        X = np.empty((rows, 12), dtype=np.float32)
    else:
        X = np.lib.format.open_memmap(memmap, mode="w+", dtype=np.float32, shape=(rows, 12))
    for start in range(0, rows, 1_000_000):
        chunk = X[start : start + 1_000_000]
        rng.standard_normal(chunk.shape, dtype=np.float32, out=chunk)
    if memmap is not None:
        X.flush()
        X = None  # close the memory map before its folder is removed
        X = np.load(memmap, mmap_mode="r")
    return X


CALLS: dict[str, Callable[[AftershockNet, np.ndarray], np.ndarray]] = {
    "decision_function": lambda net, X: net.decision_function(X),
    "predict_proba": lambda net, X: net.predict_proba(X),
    "reference: preallocated logits": preallocated_logits,
    "reference: preallocated predict_proba": preallocated_proba,
}


def fit(args: argparse.Namespace) -> AftershockNet:
    rng = np.random.default_rng(0)
    X_train = rng.standard_normal((args.train_rows, 12), dtype=np.float32)
    y_train = (X_train[:, 0] + rng.standard_normal(args.train_rows) > 1).astype(int)
    return AftershockNet(max_epochs=1, random_state=0).fit(X_train, y_train)


def measure_one(args: argparse.Namespace) -> None:
    """In a fresh process (its heap untouched by the other calls): measure ``args.only``."""
    net = fit(args)
    with tempfile.TemporaryDirectory() as folder:
        X = make_input(args.rows, Path(folder) / "X.npy" if args.memmap else None)
        CALLS[args.only](net, X[:50_000])  # warm up: thread pools, first-call allocations
        call = CALLS[args.only]
        measure(args.only, lambda: call(net, X), (X.nbytes, 0))
        X = None  # close the memory map before its folder is removed


def check_equal(args: argparse.Namespace, net: AftershockNet) -> None:
    """Batched predict_proba == one batch == one pass of the module, on a subset."""
    rng = np.random.default_rng(2)
    subset = rng.standard_normal((args.check_rows, 12), dtype=np.float32)
    chunked = net.predict_proba(subset)
    saved = base.INFERENCE_BATCH_SIZE
    base.INFERENCE_BATCH_SIZE = 10**12  # one batch: the unbatched result
    try:
        unchunked = net.predict_proba(subset)
    finally:
        base.INFERENCE_BATCH_SIZE = saved
    with torch.inference_mode():
        logit = net.net_.module_.eval()(torch.from_numpy(subset)).double()
    direct = torch.sigmoid(logit).numpy()
    reference = preallocated_proba(net, subset)
    same = np.allclose(chunked, unchunked, rtol=1e-6, atol=1e-7)
    print(f"chunked vs unchunked on {args.check_rows} rows: max |diff| "
          f"{np.abs(chunked - unchunked).max():.2e}, vs one module pass "
          f"{np.abs(chunked[:, 1] - direct).max():.2e}, vs preallocated reference "
          f"{np.abs(chunked - reference).max():.2e}: {'EQUAL' if same else 'DIFFERENT'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--train-rows", type=int, default=100_000)
    parser.add_argument("--check-rows", type=int, default=200_000)
    parser.add_argument("--memmap", action="store_true", help="memory-map the input from .npy")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--only", choices=sorted(CALLS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.only:
        measure_one(args)
        return

    start = time.perf_counter()
    net = fit(args)
    kind = "memory-mapped .npy" if args.memmap else "in memory"
    print(f"fit: 1 epoch on {args.train_rows} rows in {time.perf_counter() - start:.1f} s; "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"INFERENCE_BATCH_SIZE = {base.INFERENCE_BATCH_SIZE}")
    print(f"input: {args.rows} x 12 float32, {args.rows * 48 / MB:.0f} MB, {kind}"
          + ("; RSS counts the mapped pages read" if args.memmap else "")
          + "; each call in a fresh process")
    for name in CALLS:
        command = [sys.executable, __file__, "--only", name, "--rows", str(args.rows),
                   "--train-rows", str(args.train_rows)]
        command += ["--memmap"] if args.memmap else []
        command += ["--threads", str(args.threads)] if args.threads else []
        subprocess.run(command, check=True)
    check_equal(args, net)


if __name__ == "__main__":
    main()
