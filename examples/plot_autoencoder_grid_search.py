"""
=====================================================
Choosing the code size with a grid search
=====================================================

skdlies autoencoders are scikit-learn transformers, so they fit in a
:class:`~sklearn.pipeline.Pipeline` and can be tuned with
:class:`~sklearn.model_selection.GridSearchCV` like any other step. Here the
codes of a :class:`~skdlies.autoencoders.DenseAutoencoder` feed a logistic
regression, and cross-validation picks the code size ``n_components`` that
classifies digits best.

Run it as ``python plot_autoencoder_grid_search.py [--data mnist.npz] [--out DIR]
[--max-epochs N]``; by default it uses the small 8x8 digits that ship with
scikit-learn.
"""

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skdlies.autoencoders import DenseAutoencoder
from skdlies.datasets import load_train_test

parser = argparse.ArgumentParser(description="Grid search over an autoencoder's code size.")
parser.add_argument("--data", help="path to mnist.npz (default: the built-in 8x8 digits)")
parser.add_argument("--out", type=Path, help="folder to save the figures in (PNG)")
parser.add_argument("--max-epochs", type=int, help="override the number of training epochs")
args, _ = parser.parse_known_args()  # ignores the arguments of sphinx-gallery

# %%
# Load the data
# -------------
# The small digits have only 1,437 training images, so we use batches of 32.
# The search trains 13 autoencoders (4 code sizes x 3 folds, then a refit on
# all the training data), so each trains for 40 epochs instead of the default
# 100 to keep the example under a minute.
train, test = load_train_test(args.data)
settings = {"batch_size": 32} if args.data is None else {}
settings["max_epochs"] = args.max_epochs or 40

# %%
# The pipeline and the search
# ---------------------------
# ``make_pipeline`` names each step after its class in lower case, so the code
# size is the parameter ``denseautoencoder__n_components``.
pipe = make_pipeline(
    DenseAutoencoder(random_state=0, **settings),
    LogisticRegression(max_iter=1000),
)
search = GridSearchCV(pipe, {"denseautoencoder__n_components": [4, 8, 16, 32]}, cv=3)
search.fit(train.data, train.target)

results = pd.DataFrame(search.cv_results_)
table = results[["param_denseautoencoder__n_components", "mean_test_score", "std_test_score"]]
print(table.rename(columns=lambda c: c.removeprefix("param_denseautoencoder__")).to_string())
print(f"Best parameters: {search.best_params_}")
print(f"Test accuracy of the refitted best pipeline: {search.score(test.data, test.target):.3f}")

# %%
# Accuracy against code size
# --------------------------
# The error bars show the standard deviation over the cross-validation folds.
n_components = results["param_denseautoencoder__n_components"].astype(int)
fig, ax = plt.subplots(figsize=(6, 4))
ax.errorbar(
    n_components,
    results["mean_test_score"],
    yerr=results["std_test_score"],
    marker="o",
    capsize=4,
)
ax.set_xscale("log", base=2)
ax.set_xticks(n_components, labels=n_components)
ax.set_xlabel("code size (n_components)")
ax.set_ylabel(f"accuracy (mean +- sd over {search.n_splits_} folds)")
ax.set_title("Autoencoder codes + logistic regression")
fig.tight_layout()
if args.out:
    args.out.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out / "grid_search.png", dpi=200)

plt.show()
