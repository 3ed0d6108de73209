"""
=====================================================
The latent space of a variational autoencoder
=====================================================

A :class:`~skdlies.autoencoders.VariationalAutoencoder` encodes each image as a
Gaussian distribution over a latent space and is trained to maximise the
evidence lower bound (ELBO), which also pulls the codes towards a standard
normal prior. With a two-dimensional latent space we can look at it directly:
decode a grid of latent points, scatter the codes of test digits coloured by
their label, and decode random draws from the prior into new digits.

Run it as ``python plot_vae_latent_space.py [--data mnist.npz] [--out DIR]
[--max-epochs N]``; by default it uses the small 8x8 digits that ship with
scikit-learn.
"""

import argparse
from pathlib import Path

import matplotlib.pyplot as plt

from skdlies.autoencoders import VariationalAutoencoder
from skdlies.datasets import load_train_test
from skdlies.plotting import plot_image_rows, plot_latent_manifold, plot_latent_scatter

parser = argparse.ArgumentParser(description="Latent space of a 2-D variational autoencoder.")
parser.add_argument("--data", help="path to mnist.npz (default: the built-in 8x8 digits)")
parser.add_argument("--out", type=Path, help="folder to save the figures in (PNG)")
parser.add_argument("--max-epochs", type=int, help="override the number of training epochs")
args, _ = parser.parse_known_args()  # ignores the arguments of sphinx-gallery

# %%
# Load the data and train the VAE
# -------------------------------
# Pixel intensities in [0, 1] give a Bernoulli decoder (binary cross-entropy).
# The small digits have only 1,437 training images, so we use batches of 32.
train, test = load_train_test(args.data)
settings = {"batch_size": 32} if args.data is None else {}
if args.max_epochs:
    settings["max_epochs"] = args.max_epochs

vae = VariationalAutoencoder(n_components=2, random_state=0, **settings).fit(train.data)

# %%
# ``score`` is the mean ELBO of the test images, a lower bound on their
# log-likelihood, in nats per image (higher is better).
print(f"Test ELBO: {vae.score(test.data):.2f} nats/image")

# %%
# The latent manifold
# -------------------
# Decoding a grid of latent points at evenly spaced quantiles of the prior
# (the ticks give the z of each tile) shows how the digits change smoothly
# across the latent space.
figures = {"vae_manifold": plot_latent_manifold(vae)}

# %%
# Test digits in the latent space
# -------------------------------
# ``transform`` gives the posterior means; digits of the same class cluster.
figures["vae_latent_scatter"] = plot_latent_scatter(
    vae.transform(test.data), test.target, title="VAE latent means of the test digits",
    colorbar_label="digit",
)

# %%
# New digits from the prior
# -------------------------
# ``sample`` decodes draws of z from the standard normal prior.
figures["vae_samples"] = plot_image_rows(
    [vae.sample(10, random_state=0)], ["sampled"], title="Digits decoded from prior draws"
)

if args.out:
    args.out.mkdir(parents=True, exist_ok=True)
    for name, fig in figures.items():
        fig.savefig(args.out / f"{name}.png", dpi=200)

plt.show()
