"""
=========================================
Reconstructing digits with autoencoders
=========================================

An autoencoder compresses each image into a short code (``transform``) and
decodes the code back into an image (``inverse_transform``). We train a fully
connected :class:`~skdlies.autoencoders.DenseAutoencoder` and a convolutional
:class:`~skdlies.autoencoders.ConvAutoencoder` on handwritten digits, show test
images next to their reconstructions and compare the reconstruction error with
that of PCA, the linear autoencoder, using as many components as the dense code.

Run it as ``python plot_autoencoder_reconstructions.py [--data mnist.npz]
[--out DIR] [--max-epochs N]``; by default it uses the small 8x8 digits that
ship with scikit-learn.
"""

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA

from skdlies.autoencoders import ConvAutoencoder, DenseAutoencoder
from skdlies.datasets import load_train_test
from skdlies.plotting import plot_image_rows

parser = argparse.ArgumentParser(description="Autoencoder reconstructions of digits.")
parser.add_argument("--data", help="path to mnist.npz (default: the built-in 8x8 digits)")
parser.add_argument("--out", type=Path, help="folder to save the figures in (PNG)")
parser.add_argument("--max-epochs", type=int, help="override the number of training epochs")
args, _ = parser.parse_known_args()  # ignores the arguments of sphinx-gallery

# %%
# Load the data
# -------------
# Pixel intensities are scaled to [0, 1]. The small digits have only 1,437
# training images, so we use batches of 32 to get enough optimisation steps.
train, test = load_train_test(args.data)
settings = {"batch_size": 32} if args.data is None else {}
if args.max_epochs:
    settings["max_epochs"] = args.max_epochs
X_train, X_test = train.data, test.data
print(f"{len(X_train)} training and {len(X_test)} test images of {X_train.shape[1]} pixels")

# %%
# Train the autoencoders
# ----------------------
# Both learn to reconstruct their input; ``score`` is the negative mean squared
# reconstruction error, so higher is better.
dense = DenseAutoencoder(random_state=0, **settings).fit(X_train)
conv = ConvAutoencoder(random_state=0, **settings).fit(X_train)


def reconstruct(model, X):
    return model.inverse_transform(model.transform(X))


# %%
# PCA as a reference
# ------------------
# PCA is the best *linear* encoder/decoder of a given code size. We give it as
# many components as the dense autoencoder's code (the convolutional code is
# much larger: a stack of feature maps).
pca = PCA(n_components=dense.n_components_, random_state=0).fit(X_train)
X_pca = pca.inverse_transform(pca.transform(X_test))

test_mse = {
    f"dense autoencoder, code size {dense.n_components_}": -dense.score(X_test),
    f"conv autoencoder, code size {conv.n_components_}": -conv.score(X_test),
    f"PCA, {pca.n_components_} components": np.mean((X_pca - X_test) ** 2),
}
for name, mse in test_mse.items():
    print(f"Test MSE, {name}: {mse:.4f}")

# %%
# On the 8x8 digits, 32 PCA components keep half as many numbers as there are
# pixels, which makes PCA hard to beat. Try a smaller ``n_components`` or MNIST
# (``--data``) to compare the models where compression is harder.

# %%
# Originals and reconstructions
# -----------------------------
# Each column is one test image; the rows show it as reconstructed by each model.
fig = plot_image_rows(
    [X_test, reconstruct(dense, X_test), reconstruct(conv, X_test), np.clip(X_pca, 0, 1)],
    ["original", *(f"{name.split(',')[0]}\nMSE {mse:.4f}" for name, mse in test_mse.items())],
    title=(f"Test digits and their reconstructions (codes of {dense.n_components_}, "
           f"{conv.n_components_} and {pca.n_components_} numbers)"),
)
if args.out:
    args.out.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out / "reconstructions.png", dpi=200)

plt.show()
