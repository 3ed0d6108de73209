import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from skdlies.aftershocks import (
    plot_strike_averaged_maps,
    strike_averaged_fields,
    variance_explained,
    variance_explained_table,
)
from skdlies.stress import DEVRIES_COLUMNS, von_mises


class _Rule:
    """A fitted-classifier stand-in whose forecast is a fixed function of the stress."""

    def __init__(self, fn):
        self.fn = fn

    def predict_proba(self, X):
        assert list(X.columns) == list(DEVRIES_COLUMNS)
        p = 1.0 / (1.0 + np.exp(-self.fn(X.to_numpy())))
        return np.column_stack([1 - p, p])


def _log_von_mises(S):
    return np.log10(von_mises(S) + 1.0) - 5.0


def _east_north_shear(S):
    return S[:, 3] / 1e5  # sigma_xy: depends on the fault's strike


SMALL = {"extent_km": 60.0, "spacing_km": 6.0}


def test_variance_explained_linear_is_pearson_r_squared():
    rng = np.random.default_rng(0)
    m = rng.normal(size=500)
    t = 2 * m + rng.normal(size=500)
    r = np.corrcoef(t, m)[0, 1]
    assert variance_explained(t, m) == pytest.approx(100 * r**2, rel=1e-12)
    assert variance_explained(t, -m) == pytest.approx(100 * r**2, rel=1e-12)


@pytest.mark.parametrize("scale", [1e-9, 1.0, 1e12, 1e18, 1e36])
def test_variance_explained_does_not_depend_on_the_metric_units(scale):
    """I2 is in Pa^2 (~1e12) and I3 in Pa^3: the fit must not lose its intercept."""
    rng = np.random.default_rng(0)
    m = rng.normal(size=2000)
    t = 0.5 + 0.1 * (m + rng.normal(size=2000))
    r = np.corrcoef(t, m)[0, 1]
    assert variance_explained(t, (m + 3) * scale) == pytest.approx(100 * r**2, rel=1e-9)


def test_variance_explained_monotone_credits_any_monotone_relation():
    m = np.linspace(0.1, 10, 300)
    assert variance_explained(np.log(m), m, "monotone") == pytest.approx(100.0)
    assert variance_explained(-np.exp(m), m, "monotone") == pytest.approx(100.0)
    # but a linear fit does not
    assert variance_explained(np.exp(m), m) < 60.0
    # a symmetric (non-monotone) relation is not fully explained either way
    u = np.linspace(-1, 1, 301)
    assert variance_explained(u**2, u, "monotone") < 60.0


def test_variance_explained_edge_cases_and_errors():
    assert variance_explained([1.0, 2.0, 3.0], [5.0, 5.0, 5.0]) == 0.0
    assert np.isnan(variance_explained([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="differ in length"):
        variance_explained([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="finite"):
        variance_explained([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(ValueError, match="fit must be"):
        variance_explained([1.0, 2.0], [1.0, 2.0], fit="cubic")


def test_grid_shape_and_cells_off_the_fault_plane():
    fields = strike_averaged_fields(_Rule(_log_von_mises), strikes=[0.0], **SMALL)
    assert fields.forecast.shape == (20, 20)
    assert fields.along_km.shape == fields.across_km.shape == (20, 20)
    assert np.all(np.abs(fields.across_km) >= 3.0)  # half a cell: nothing on the fault
    assert np.all(np.isfinite(fields.metrics.to_numpy()))
    assert fields.metrics.shape == (400, 2 * 19)
    # r is the distance to the fault rectangle: at 10 km depth, inside its 15 km width
    r = fields.metric_map("r")
    on_side = np.abs(fields.along_km) < 30
    assert np.allclose(r[on_side], np.abs(fields.across_km[on_side]))


def test_invariants_do_not_depend_on_strike_but_the_forecast_can():
    one = strike_averaged_fields(_Rule(_east_north_shear), strikes=[0.0], **SMALL)
    many = strike_averaged_fields(_Rule(_east_north_shear), strikes=[0, 30, 75, 200], **SMALL)
    for name in ("dtau_max", "sqrt(3J2)", "I1", "sum of magnitudes"):
        if name == "sum of magnitudes":
            continue  # not an invariant: the components change with strike
        assert np.allclose(one.metric_map(name), many.metric_map(name), rtol=1e-9, atol=1e-6)
    assert not np.allclose(one.metric_map("sum of magnitudes"),
                           many.metric_map("sum of magnitudes"))
    # dCFS on the (rotating) fault plane is an invariant of the rotation too
    assert np.allclose(one.metric_map("dCFS (mu=0.4)"), many.metric_map("dCFS (mu=0.4)"),
                       rtol=1e-9, atol=1e-6)
    assert not np.allclose(one.forecast, many.forecast)


def test_forecast_is_the_mean_over_strikes_and_keeps_the_point_symmetry():
    parts = [strike_averaged_fields(_Rule(_east_north_shear), strikes=[s], **SMALL)
             for s in (10.0, 100.0, 250.0)]
    mean = strike_averaged_fields(_Rule(_east_north_shear), strikes=[10, 100, 250], **SMALL)
    assert np.allclose(mean.forecast, sum(p.forecast for p in parts) / 3, rtol=0, atol=1e-12)
    # a vertical strike-slip fault's stress is symmetric under a half turn about its
    # centre, so every forecast map is too: (along, across) -> -(along, across)
    for fields in (*parts, mean):
        assert np.allclose(fields.forecast, fields.forecast[::-1, ::-1], rtol=0, atol=1e-9)


def test_right_lateral_stress_sign():
    # right-lateral on a north-striking fault: east of the fault moves south, so
    # the shear stress sigma_xy on cells beside the fault's middle is positive
    fields = strike_averaged_fields(_Rule(_log_von_mises), strikes=[0.0], **SMALL)
    tau = fields.metric_map("dCFS (mu=0)")
    beside = (np.abs(fields.along_km) < 10) & (np.abs(fields.across_km) < 10)
    assert np.all(tau[beside] < 0)  # unloaded beside the fault
    ends = (np.abs(fields.along_km) > 35) & (np.abs(fields.along_km) < 45) & (
        np.abs(fields.across_km) < 4)
    assert np.all(tau[ends] > 0)  # loaded off its ends


def test_table_recovers_the_metric_a_forecast_is_built_from():
    fields = strike_averaged_fields(_Rule(_log_von_mises), **SMALL)
    monotone = variance_explained_table(fields, "monotone")
    assert list(monotone.columns) == ["full", "deviatoric"]
    assert monotone.loc["sqrt(3J2)", "full"] == pytest.approx(100.0, abs=1e-6)
    assert monotone.loc["sqrt(3J2)", "deviatoric"] == pytest.approx(100.0, abs=1e-6)
    assert np.isnan(monotone.loc["I1", "deviatoric"])  # the deviator's trace is zero
    assert monotone.loc["dCFS (mu=0.4)", "full"] < 90.0
    linear = variance_explained_table(fields)
    assert linear.index.tolist()[:6] == ["r", "dtau_max", "I1", "I2", "sqrt(3J2)", "I3"]
    values = linear.to_numpy()
    assert np.isnan(values).sum() == 1  # only I1 of the deviator
    assert np.all((values[~np.isnan(values)] >= 0) & (values[~np.isnan(values)] <= 100))


def test_bad_arguments():
    with pytest.raises(TypeError, match="predict_proba"):
        strike_averaged_fields(object())
    with pytest.raises(ValueError, match="spacing_km"):
        strike_averaged_fields(_Rule(_log_von_mises), spacing_km=0)
    with pytest.raises(ValueError, match="strikes"):
        strike_averaged_fields(_Rule(_log_von_mises), strikes=[])
    with pytest.raises(ValueError, match="depth_km"):
        strike_averaged_fields(_Rule(_log_von_mises), depth_km=-1)


def test_plot_maps():
    fields = strike_averaged_fields(_Rule(_log_von_mises), strikes=[0, 180], **SMALL)
    fig = plot_strike_averaged_maps(fields, ["r", "dCFS (mu=0.4)", "sqrt(3J2)"])
    assert len(fig.axes) == 8  # four panels and their colour bars
    assert fig.axes[3].get_title() == "network forecast"
    assert isinstance(fields.metrics, pd.DataFrame)
    # cells are centred on along_km: the image spans half a cell beyond the outer centres
    spacing = fields.along_km[0, 1] - fields.along_km[0, 0]
    left, right, _, _ = fig.axes[0].images[0].get_extent()
    assert left == pytest.approx(fields.along_km.min() - spacing / 2)
    assert right == pytest.approx(fields.along_km.max() + spacing / 2)
    matplotlib.pyplot.close(fig)


def test_plot_maps_units_and_flat_metrics():
    fields = strike_averaged_fields(_Rule(_log_von_mises), strikes=[0], **SMALL)
    fig = plot_strike_averaged_maps(fields, ["I1", "I2", "I3"], tensor="deviatoric")
    labels = [ax.get_ylabel() for ax in fig.axes[4:7]]  # the colour bars
    assert labels == ["MPa", "MPa$^2$", "MPa$^3$"]  # I1 of the deviator: 0, a flat panel
    matplotlib.pyplot.close(fig)
    before = matplotlib.pyplot.get_fignums()
    with pytest.raises(KeyError):
        plot_strike_averaged_maps(fields, ["dCFS(mu=0.4)"])  # unknown: no figure left open
    assert matplotlib.pyplot.get_fignums() == before
