"""Tests for skdlies.plotting: image rows, the VAE latent manifold and latent scatter plots."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy.stats import norm

from skdlies.autoencoders import VariationalAutoencoder
from skdlies.plotting import plot_image_rows, plot_latent_manifold, plot_latent_scatter


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def vae_2d(small_X):
    return VariationalAutoencoder(
        n_components=2, hidden_layer_sizes=(16,), max_epochs=2, random_state=0
    ).fit(small_X)


def _image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


# ---------------------------------------------------------------- plot_image_rows


@pytest.mark.parametrize(("n_rows", "n_images"), [(1, 5), (2, 10), (3, 4)])
def test_image_rows_grid_size(n_rows, n_images):
    rng = np.random.default_rng(0)
    rows = [rng.random((12, 64)) for _ in range(n_rows)]
    fig = plot_image_rows(rows, n_images=n_images)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == n_rows * n_images
    assert len(_image_axes(fig)) == n_rows * n_images


def test_image_rows_fewer_images_than_requested():
    fig = plot_image_rows([np.zeros((3, 64)), np.zeros((7, 64))], n_images=10)
    assert len(fig.axes) == 2 * 3


def test_image_rows_labels_and_title():
    X = np.random.default_rng(0).random((4, 64))
    fig = plot_image_rows([X, X], ["original", "reconstruction"], n_images=4, title="T")
    axes = np.array(fig.axes).reshape(2, 4)
    assert [ax.get_ylabel() for ax in axes[:, 0]] == ["original", "reconstruction"]
    assert all(ax.get_ylabel() == "" for ax in axes[:, 1:].ravel())
    assert fig._suptitle is not None and fig._suptitle.get_text() == "T"


def test_image_rows_square_flat_images_are_reshaped():
    X = np.arange(2 * 64, dtype=float).reshape(2, 64) / 127
    fig = plot_image_rows([X], n_images=2)
    for i, ax in enumerate(fig.axes):
        data = ax.images[0].get_array()
        assert data.shape == (8, 8)
        np.testing.assert_allclose(data, X[i].reshape(8, 8))


def test_image_rows_non_square_with_image_shape():
    X = np.random.default_rng(0).random((3, 12))
    fig = plot_image_rows([X], n_images=3, image_shape=(3, 4))
    shapes = {ax.images[0].get_array().shape for ax in fig.axes}
    assert shapes == {(3, 4)}
    np.testing.assert_allclose(fig.axes[2].images[0].get_array(), X[2].reshape(3, 4))


def test_image_rows_3d_input_keeps_image_shape():
    X = np.random.default_rng(0).random((4, 5, 7))
    fig = plot_image_rows([X], n_images=4)
    assert len(fig.axes) == 4
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), X[1])


def test_image_rows_empty_rows():
    with pytest.raises(ValueError, match="rows is empty"):
        plot_image_rows([])


def test_image_rows_label_count_mismatch():
    X = np.zeros((2, 64))
    with pytest.raises(ValueError, match="1 labels for 2 rows"):
        plot_image_rows([X, X], ["only one"])


def test_image_rows_non_square_needs_image_shape():
    with pytest.raises(ValueError, match=r"square image from 12 pixels; pass image_shape"):
        plot_image_rows([np.zeros((2, 12))])


@pytest.mark.parametrize("rows, kwargs, match", [
    (np.zeros((5, 16)), {}, r"a list of image arrays, got one array of shape \(5, 16\)"),
    ([np.zeros(16)], {}, r"row 0 has shape \(16,\)"),
    ([np.zeros((5, 16))], {"image_shape": (3, 4)}, r"image_shape=\(3, 4\) does not hold .* 16"),
    ([np.zeros((5, 15))], {}, "square image from 15 pixels"),
])
def test_image_rows_bad_input_is_clear_and_leaves_no_figure(rows, kwargs, match):
    before = plt.get_fignums()
    with pytest.raises(ValueError, match=match):
        plot_image_rows(rows, **kwargs)
    assert plt.get_fignums() == before


# ---------------------------------------------------------------- plot_latent_manifold


@pytest.mark.parametrize("n_per_side", [3, 6])
def test_latent_manifold_mosaic_shape(vae_2d, n_per_side):
    fig = plot_latent_manifold(vae_2d, n_per_side=n_per_side)
    (ax,) = fig.axes
    mosaic = np.asarray(ax.images[0].get_array())
    assert mosaic.shape == (n_per_side * 8, n_per_side * 8)  # 8-pixel tiles side by side
    assert 0 <= mosaic.min() and mosaic.max() <= 1
    borders = [line.get_xdata()[0] for line in ax.lines[::2]]
    assert borders == list(range(1, n_per_side))  # a white line between neighbours


def test_latent_manifold_tiles_are_decoded_grid_points(vae_2d):
    fig = plot_latent_manifold(vae_2d, n_per_side=2, quantiles=(0.1, 0.9))
    mosaic = fig.axes[0].images[0].get_array()
    lo, hi = -1.2815516, 1.2815516  # standard-normal quantiles of 0.1 and 0.9
    # top-left tile: lowest z[0], highest z[1]; bottom-right: highest z[0], lowest z[1]
    expected = vae_2d.inverse_transform(np.array([[lo, hi], [hi, lo]], dtype=np.float32))
    np.testing.assert_allclose(mosaic[:8, :8], expected[0].reshape(8, 8), atol=1e-5)
    np.testing.assert_allclose(mosaic[8:, 8:], expected[1].reshape(8, 8), atol=1e-5)


def test_latent_manifold_ticks_name_the_z_of_each_tile(vae_2d):
    # the grid is evenly spaced in probability, not in z: the ticks, not a linear z axis,
    # say where each tile was decoded
    fig = plot_latent_manifold(vae_2d, n_per_side=4, quantiles=(0.1, 0.9))
    (ax,) = fig.axes
    z = norm.ppf(np.linspace(0.1, 0.9, 4))
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"{v:.2f}" for v in z]
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"{v:.2f}" for v in z]
    assert tuple(ax.images[0].get_extent()) == (0, 4, 0, 4)  # one unit per tile
    np.testing.assert_allclose(ax.get_xticks(), np.arange(4) + 0.5)  # tile centres
    np.testing.assert_allclose(ax.get_yticks(), np.arange(4) + 0.5)


def test_latent_manifold_needs_2d_latent_space(small_X):
    vae = VariationalAutoencoder(
        n_components=3, hidden_layer_sizes=(8,), max_epochs=1, random_state=0
    ).fit(small_X)
    with pytest.raises(ValueError, match="2-D latent space; n_components_=3"):
        plot_latent_manifold(vae)


@pytest.mark.parametrize("quantiles", [(0.0, 0.9), (0.1, 1.0), (0.9, 0.1), (0.5, 0.5)])
def test_latent_manifold_bad_quantiles(vae_2d, quantiles):
    with pytest.raises(ValueError, match="0 < low < high < 1"):
        plot_latent_manifold(vae_2d, quantiles=quantiles)


# ---------------------------------------------------------------- plot_latent_scatter


def test_latent_scatter_points_and_colorbar():
    rng = np.random.default_rng(0)
    Z, labels = rng.normal(size=(50, 2)), np.arange(50) % 10
    fig = plot_latent_scatter(Z, labels, title="codes")
    ax, cax = fig.axes  # the plot and its colour bar
    (points,) = ax.collections
    np.testing.assert_allclose(points.get_offsets(), Z)
    np.testing.assert_array_equal(points.get_array(), labels)
    assert cax.get_ylabel() == "label"
    assert ax.get_title() == "codes"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("z[0]", "z[1]")


def test_latent_scatter_names_string_classes_on_a_discrete_bar():
    Z = np.random.default_rng(0).normal(size=(6, 2))
    labels = ["quake", "calm", "calm", "swarm", "quake", "calm"]
    fig = plot_latent_scatter(Z, labels)
    ax, cax = fig.axes
    np.testing.assert_array_equal(ax.collections[0].get_array(), [1, 0, 0, 2, 1, 0])
    assert [t.get_text() for t in cax.get_yticklabels()] == ["calm", "quake", "swarm"]
    np.testing.assert_allclose(cax.get_yticks(), [0, 1, 2])


def test_latent_scatter_without_labels_has_no_colorbar():
    Z = np.random.default_rng(0).normal(size=(20, 2))
    fig = plot_latent_scatter(Z)
    (ax,) = fig.axes
    assert len(ax.collections[0].get_offsets()) == 20


@pytest.mark.parametrize("shape", [(10, 3), (10, 1), (10,), (2, 5, 2)])
def test_latent_scatter_bad_shape(shape):
    with pytest.raises(ValueError, match=r"shape \(n_samples, 2\)"):
        plot_latent_scatter(np.zeros(shape))


def test_latent_scatter_label_count_mismatch():
    with pytest.raises(ValueError, match="3 labels for 5 points"):
        plot_latent_scatter(np.zeros((5, 2)), [0, 1, 2])


@pytest.mark.parametrize("k", [12, 25])
def test_latent_scatter_gives_every_class_its_own_colour(k):
    """tab10 has 10 colours: 12 (or 25) classes get a wider map, not repeated colours."""
    Z = np.random.default_rng(0).normal(size=(5 * k, 2))
    labels = np.repeat(np.arange(k), 5)
    points = plot_latent_scatter(Z, labels).axes[0].collections[0]
    colours = {tuple(np.round(c, 6)) for c in points.to_rgba(points.get_array())}
    assert len(colours) == k
    with pytest.warns(UserWarning, match=f"{k} classes but the colormap 'Set1' has 9 colours"):
        plot_latent_scatter(Z, labels, cmap="Set1")


def test_latent_plots_draw_into_a_given_axes(vae_2d, small_X):
    fig, (left, right) = plt.subplots(1, 2)
    assert plot_latent_manifold(vae_2d, n_per_side=4, ax=left) is fig
    assert plot_latent_scatter(vae_2d.transform(small_X[:50]), np.arange(50) % 3, ax=right) is fig
    assert len(left.images) == 1 and len(right.collections) == 1
    assert len(fig.axes) == 3  # the two panels and the scatter's colour bar: no new figure
    assert plt.get_fignums() == [fig.number]
    fig, axes = plt.subplots(1, 2, sharex=True, sharey=True)  # panels sharing both axes
    for ax in axes:
        plot_latent_scatter(vae_2d.transform(small_X[:50]), ax=ax)
    fig.canvas.draw()  # equal aspect must not need to change the shared limits
