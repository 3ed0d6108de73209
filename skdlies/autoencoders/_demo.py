"""The autoencoder demo: train the lecture's four models and write their figures."""

from __future__ import annotations

import json
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm

from .._io import atomic_path
from ..datasets import load_train_test
from ..plotting import plot_image_rows, plot_latent_manifold, plot_latent_scatter
from ._conv import ConvAutoencoder
from ._dense import DenseAutoencoder
from ._vae import VariationalAutoencoder

__all__ = ["run_demo"]


def _save(fig, path: Path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=200, format=path.suffix.lstrip("."), bbox_inches="tight")
    plt.close(fig)


def add_noise(X: np.ndarray, std: float = 0.5, seed: int = 0) -> np.ndarray:
    """The lecture's corruption: Gaussian noise of ``std``, clipped to [0, 1]."""
    rng = np.random.default_rng(seed)
    return np.clip(X + std * rng.standard_normal(X.shape), 0, 1).astype(np.float32)


def run_demo(
    out_dir: str | Path,
    *,
    data: str | Path | None = None,
    random_state: int = 0,
    progress: bool = True,
) -> dict[str, float]:
    """Train the dense, denoising, convolutional and variational autoencoders and plot them.

    Parameters
    ----------
    out_dir : path
        Folder for the figures (PNG) and ``metrics.json``; created if needed.
    data : path to ``mnist.npz``, optional
        Train on MNIST (60k images, library defaults: tens of minutes on a
        laptop CPU). Default: the built-in 8x8 digits (about a minute), with
        batches of 32 so the small training set still gives enough steps.
    random_state : int, default=0
    progress : bool, default=True
        Show a progress bar.

    Returns
    -------
    dict
        Test-set figures: reconstruction MSE of each autoencoder, denoised MSE,
        and the VAE's mean ELBO (nats per image).
    """
    out = Path(out_dir)
    train, test = load_train_test(data)
    extra = {"batch_size": 32} if data is None else {}
    X, X_test, y_test = train.data, test.data, test.target
    noisy = add_noise(X_test, seed=random_state)
    kw = {"random_state": random_state, **extra}
    models = {
        "dense": DenseAutoencoder(**kw),
        "denoising": DenseAutoencoder(noise_std=0.5, **kw),
        "conv": ConvAutoencoder(**kw),
        "vae": VariationalAutoencoder(n_components=2, **kw),
    }
    metrics: dict[str, float] = {}
    bar = tqdm(models.items(), total=len(models), disable=not progress, desc="training")
    for name, model in bar:
        bar.set_postfix_str(name)
        start = time.perf_counter()
        model.fit(X)
        metrics[f"{name}_fit_seconds"] = round(time.perf_counter() - start, 2)

    def reconstruct(model, images):
        return model.inverse_transform(model.transform(images))

    for name in ("dense", "conv"):
        metrics[f"{name}_test_mse"] = -models[name].score(X_test)
        model = models[name]
        _save(plot_image_rows([X_test, reconstruct(model, X_test)],
                              ["original", "reconstruction"],
                              title=f"{type(model).__name__} ({model.n_components_}-number code): "
                                    f"test images, MSE {metrics[f'{name}_test_mse']:.4f}"),
              out / f"{name}_reconstructions.png")
    denoised = reconstruct(models["denoising"], noisy)
    metrics["denoising_test_mse"] = float(np.mean((denoised - X_test) ** 2))
    _save(plot_image_rows([X_test, noisy, denoised], ["clean", "noisy", "denoised"],
                          title="Denoising autoencoder: Gaussian noise, sd 0.5, clipped to [0, 1]"),
          out / "denoising.png")
    vae = models["vae"]
    metrics["vae_test_elbo"] = vae.score(X_test)
    _save(plot_latent_manifold(vae), out / "vae_manifold.png")
    _save(plot_latent_scatter(vae.transform(X_test), y_test, title="VAE latent means (test set)",
                              colorbar_label="digit"),
          out / "vae_latent_scatter.png")
    _save(plot_image_rows([vae.sample(10, random_state=random_state)], ["sampled"],
                          title="VAE: decoded draws from the prior"), out / "vae_samples.png")
    metrics = {k: round(float(v), 6) for k, v in metrics.items()}
    with atomic_path(out / "metrics.json") as tmp:
        tmp.write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics
