"""
==========================
A denoising autoencoder
==========================

A denoising autoencoder is trained to reconstruct the *clean* image from a
corrupted copy. With ``noise_std=0.5``, :class:`~skdlies.autoencoders.DenseAutoencoder`
adds fresh Gaussian noise (clipped to [0, 1]) to every training batch while the
target stays the clean image. We corrupt test digits the same way and compare
the denoiser with a plain autoencoder (``noise_std=0``) fed the same noisy images.

Run it as ``python plot_denoising_autoencoder.py [--data mnist.npz] [--out DIR]
[--max-epochs N]``; by default it uses the small 8x8 digits that ship with
scikit-learn.
"""

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from skdlies.autoencoders import DenseAutoencoder
from skdlies.datasets import load_train_test
from skdlies.plotting import plot_image_rows

parser = argparse.ArgumentParser(description="Denoising autoencoder on digits.")
parser.add_argument("--data", help="path to mnist.npz (default: the built-in 8x8 digits)")
parser.add_argument("--out", type=Path, help="folder to save the figures in (PNG)")
parser.add_argument("--max-epochs", type=int, help="override the number of training epochs")
args, _ = parser.parse_known_args()  # ignores the arguments of sphinx-gallery

# %%
# Load the data and corrupt the test images
# -----------------------------------------
# Pixel intensities are in [0, 1]; the noisy copies are clipped back to that range.
# The small digits have only 1,437 training images, so we use batches of 32.
train, test = load_train_test(args.data)
settings = {"batch_size": 32} if args.data is None else {}
if args.max_epochs:
    settings["max_epochs"] = args.max_epochs
X_train, X_test = train.data, test.data

rng = np.random.default_rng(0)
X_noisy = np.clip(X_test + 0.5 * rng.standard_normal(X_test.shape), 0, 1).astype(np.float32)

# %%
# Train a denoising and a plain autoencoder
# -----------------------------------------
# Both see only clean training images: the denoiser corrupts them itself.
denoiser = DenseAutoencoder(noise_std=0.5, random_state=0, **settings).fit(X_train)
plain = DenseAutoencoder(noise_std=0.0, random_state=0, **settings).fit(X_train)

denoised = denoiser.inverse_transform(denoiser.transform(X_noisy))
plain_out = plain.inverse_transform(plain.transform(X_noisy))


def mse(X):
    return np.mean((X - X_test) ** 2)


print(f"MSE vs clean, noisy images:                   {mse(X_noisy):.4f}")
print(f"MSE vs clean, denoising autoencoder:          {mse(denoised):.4f}")
print(f"MSE vs clean, plain autoencoder on the noise: {mse(plain_out):.4f}")

# %%
# Clean, noisy and denoised test images
# -------------------------------------
# Each column is one test digit. The plain autoencoder never saw noise during
# training: given noisy inputs, it often decodes a blurred or different digit.
fig = plot_image_rows(
    [X_test, X_noisy, denoised, plain_out],
    ["clean", "noisy", "denoised", "plain AE"],
    title="Denoising test digits (Gaussian noise, sd 0.5, clipped to [0, 1])",
)
if args.out:
    args.out.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out / "denoising.png", dpi=200)

plt.show()
