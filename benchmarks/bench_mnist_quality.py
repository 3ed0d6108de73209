"""Quality of the skdlies autoencoders on real MNIST (train on 60k images, score on the 10k test).

Each model is built with its defaults (except where the target names other
settings), trained on the training images scaled to [0, 1] and scored on the
test images:

- ``dense``: ``DenseAutoencoder()``, test MSE (target <= 0.0090).
- ``denoising``: ``DenseAutoencoder(noise_std=0.5)``, MSE of denoised noisy test
  images (noise 0.5, clipped to [0, 1], fixed seed) against the clean ones
  (target <= 0.020).
- ``conv``: ``ConvAutoencoder()``, test MSE, one line per seed (target <= 0.0020 for every seed).
- ``vae20``: ``VariationalAutoencoder(n_components=20, hidden_layer_sizes=(400,))``,
  test -ELBO in nats per image (target <= 104).
- ``vae2``: ``VariationalAutoencoder()``, test -ELBO (target <= 150).

Usage::

    python benchmarks/bench_mnist_quality.py --data ../shared/data/mnist.npz --model dense
    python benchmarks/bench_mnist_quality.py --data ../shared/data/mnist.npz \
        --model conv --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from skorch.callbacks import Callback

from skdlies.autoencoders import ConvAutoencoder, DenseAutoencoder, VariationalAutoencoder
from skdlies.datasets import load_mnist

MODELS = {
    "dense": (lambda **kw: DenseAutoencoder(**kw), "test MSE", 0.0090),
    "denoising": (lambda **kw: DenseAutoencoder(noise_std=0.5, **kw), "denoised test MSE", 0.020),
    "conv": (lambda **kw: ConvAutoencoder(**kw), "test MSE", 0.0020),
    "vae20": (
        lambda **kw: VariationalAutoencoder(n_components=20, hidden_layer_sizes=(400,), **kw),
        "test -ELBO (nats/image)", 104.0,
    ),
    "vae2": (lambda **kw: VariationalAutoencoder(**kw), "test -ELBO (nats/image)", 150.0),
}


def add_noise(X: np.ndarray, std: float, seed: int = 12345) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(X + std * rng.standard_normal(X.shape), 0, 1).astype(np.float32)


def evaluate(name: str, est, X_test: np.ndarray) -> float:
    if name.startswith("vae"):
        return -est.score(X_test)
    if name == "denoising":
        return float(np.mean((est.inverse_transform(est.transform(add_noise(X_test, 0.5)))
                              - X_test) ** 2))
    return -est.score(X_test)


class Curve(Callback):
    """Print the test figure after every epoch (to see how many epochs a target needs)."""

    def __init__(self, name, est, X_test, every=1):
        self.name, self.est, self.X_test, self.every = name, est, X_test, every

    def on_epoch_end(self, net, **kwargs):
        epoch = len(net.history)
        if epoch % self.every == 0:
            self.est.net_ = net
            print(f"  epoch {epoch:3d}: {evaluate(self.name, self.est, self.X_test):.5f}",
                  flush=True)
            net.module_.train()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="path to mnist.npz")
    parser.add_argument("--model", choices=[*MODELS, "all"], default="all")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--max-epochs", type=int, help="override the default number of epochs")
    parser.add_argument("--curve", type=int, default=0, metavar="N",
                        help="print the test figure every N epochs")
    args = parser.parse_args(argv)

    X_train = load_mnist("train", path=args.data).data
    X_test = load_mnist("test", path=args.data).data
    names = list(MODELS) if args.model == "all" else [args.model]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for name in names:
        make, label, target = MODELS[name]
        for seed in args.seeds:
            kwargs = {"random_state": seed}
            if args.max_epochs:
                kwargs["max_epochs"] = args.max_epochs
            est = make(**kwargs)
            if args.curve:
                est.set_params(callbacks=[Curve(name, est, X_test, args.curve)])
            start = time.perf_counter()
            est.fit(X_train)
            seconds = time.perf_counter() - start
            est.set_params(callbacks=None)
            value = evaluate(name, est, X_test)
            status = "OK" if value <= target else "MISSED"
            print(f"{name:>9} seed {seed}: {label} = {value:.5f} (target <= {target}) {status}; "
                  f"{est.max_epochs} epochs, fit {seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
