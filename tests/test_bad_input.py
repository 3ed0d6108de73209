"""One table of malformed inputs across the public API and the error each must give.

Every row is ``(entry point, bad input) -> (exception or warning type, message regex)``;
the regex checks that the message names what was wrong (the column, key, line,
parameter or file), not just that something failed. ``docs/guide/bad_input.md``
shows the same table to users.
"""

from __future__ import annotations

import contextlib
import functools
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from skdlies._cli import main as cli_main
from skdlies.aftershocks import (
    AftershockNet,
    compare_scorers,
    grid_cells,
    group_roc_auc,
    label_cells,
    merged_roc_auc,
    project_events,
)
from skdlies.autoencoders import ConvAutoencoder, DenseAutoencoder, VariationalAutoencoder
from skdlies.datasets import (
    load_devries,
    load_mnist,
    mainshock_origin,
    read_catalog,
    read_fsp,
    write_devries,
)
from skdlies.stress import (
    DEVRIES_COLUMNS,
    CoulombStress,
    DeVriesFeatures,
    FaultDistance,
    MaxShear,
    StressInvariants,
    StressUnitsWarning,
    SumAbsStress,
    VonMises,
    coulomb_stress,
    fault_unit_vectors,
    halfspace_stress,
    max_shear,
    okada_stress,
    principal_stresses,
    stress_invariants,
    von_mises,
)

RNG = np.random.default_rng(0)
X16 = RNG.random((40, 16), dtype=np.float32)  # 40 "images" of 4x4 in [0, 1]
X12 = RNG.standard_normal((40, 12)).astype(np.float32)
Y12 = np.tile([0, 1], 20)
S6 = RNG.standard_normal((5, 6)) * 1e5  # stress tensors in Pa
SMALL = dict(max_epochs=1, batch_size=20, random_state=0)


@functools.cache
def fitted(name: str):
    """A small fitted estimator, shared by the rows of the table (fitted once)."""
    if name == "dense":
        return DenseAutoencoder(hidden_layer_sizes=(8,), n_components=3, **SMALL).fit(X16)
    if name == "conv":
        return ConvAutoencoder(filters=(2, 2), **SMALL).fit(X16)
    if name == "vae":
        return VariationalAutoencoder(hidden_layer_sizes=(8,), **SMALL).fit(X16)
    if name == "net":
        return AftershockNet(hidden_layer_sizes=(4,), **SMALL).fit(X12, Y12)
    raise KeyError(name)


def with_value(X: np.ndarray, value, row: int = 1, col: int = 2) -> np.ndarray:
    X = X.astype(np.result_type(X, type(value)), copy=True)
    X[row, col] = value
    return X


def frame6(values: np.ndarray = S6, drop: str | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(values, columns=list(DEVRIES_COLUMNS))
    return frame.drop(columns=drop) if drop else frame


# -- files ------------------------------------------------------------------------------------

FSP = """\
% Event : Testville (Calif.) \t03/14/2001 \t[Doe et al. (2003) ]
% EventTAG: s2001TESTVI01DOEx
% Loc  : LAT  = 35.10 \tLON = -117.20\tDEP = 6.5
% Size : LEN  = 10.0 km \tWID =  8.0 km\tMw = 6.10\tMo = 1.6e+18 Nm
% Mech : STRK = 120.0\tDIP = 70.0\tRAKE = 170.0
% Invs :  Nx  =  2 \tNz  = 1 \tDx  =  5.00 km \tDz  = 4.00 km \tNsg = 1
% \tNsbfs = 2 subfaults
%    LAT       LON       X==EW       Y==NS       Z       SLIP     RAKE
   35.0800 -117.1900   -2.0000   -1.0000    0.5000    1.2500  165.0
   35.1000 -117.2300    2.0000    1.0000    0.5000    2.5000  175.0
"""
FSP_LINES = FSP.splitlines(keepends=True)

COMCAT = """\
time,latitude,longitude,depth,mag
1992-06-28T11:57:34.130Z,34.2,-116.437,-0.097,7.3
1992-06-28T11:50:00.000Z,34.25,-116.5,5.5,2.6
"""
JMA = """\
date,time,long,lat,mag,depth
1995-01-17,05:46:52,135.035,34.5983,7.3,-16.06
1995-01-17,06:00:00,135.1,34.6,4.6,10.0
"""


def write(tmp: Path, name: str, content: str | bytes) -> Path:
    path = tmp / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def devries_frame(n: int = 6) -> pd.DataFrame:
    frame = frame6(RNG.standard_normal((n, 6)) * 1e5)
    frame["aftershocksyn"] = np.arange(n) % 2
    return frame


def good_h5(tmp: Path) -> Path:
    return write_devries(tmp / "cells.h5", devries_frame())


def truncated_h5(tmp: Path) -> Path:
    data = good_h5(tmp).read_bytes()
    return write(tmp, "cut.h5", data[: len(data) // 3])


def h5_with(tmp: Path, **datasets) -> Path:
    path = tmp / "odd.h5"
    frame = devries_frame()
    with h5py.File(path, "w") as h5:
        for name in frame.columns:
            h5[name] = frame[name].to_numpy()
        for name, values in datasets.items():
            if name in h5:
                del h5[name]
            if values is not None:
                h5[name] = values
    return path


def devries_csv(tmp: Path, drop: str | None = None, text: str | None = None) -> Path:
    if text is None:
        frame = devries_frame()
        text = (frame.drop(columns=drop) if drop else frame).to_csv(index=False)
    return write(tmp, "s2001TEST01DOEx_grid.csv", text)


def corrupt_npz(tmp: Path) -> Path:
    buf = io.BytesIO()
    np.savez(buf, x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.zeros(2, np.uint8),
             x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1, np.uint8))
    data = buf.getvalue()
    return write(tmp, "mnist.npz", data[: len(data) // 2])


def events_frame(times=("2001-03-14 12:00", "2001-03-20 00:00")) -> pd.DataFrame:
    return pd.DataFrame({"x_km": [0.0, 1.0], "y_km": [0.0, 1.0], "depth_km": [2.0, 3.0],
                         "time": pd.to_datetime(list(times), utc=True),
                         "magnitude": [3.0, 4.0]})


def cells_km() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.array([2.5, 7.5]), np.array([2.5, 2.5]), np.array([-2.5, -2.5])


# -- the command line ---------------------------------------------------------------------------


class CliFailed(Exception):
    """``skdlies ...`` exited with status 1 and one line on stderr (the message)."""


def cli(*args: str) -> None:
    """Run the CLI in-process; raise CliFailed(stderr) if it failed cleanly."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli_main(list(map(str, args)))
    text = err.getvalue()
    assert "Traceback" not in text, text
    if code == 1:
        assert text.startswith("skdlies: error: ") and text.count("\n") == 1, text
        raise CliFailed(text.strip())
    assert code == 0, (code, text)


def cli_subprocess(*args: str) -> None:
    """Run ``python -m skdlies`` in a child process; raise CliFailed as :func:`cli` does."""
    run = subprocess.run([sys.executable, "-m", "skdlies", *map(str, args)],
                         capture_output=True, text=True, timeout=120)
    assert "Traceback" not in run.stderr, run.stderr
    if run.returncode == 1:
        assert run.stderr.startswith("skdlies: error: ") and run.stderr.count("\n") == 1
        raise CliFailed(run.stderr.strip())
    assert run.returncode == 0, run.stderr


# -- the table ------------------------------------------------------------------------------------

Call = Callable[[Path], object]


def case(id: str, call: Call, expected: type, match: str):
    return pytest.param(call, expected, match, id=id)


CASES = [
    # ---- autoencoders ----
    case("dense-fit-nan", lambda t: DenseAutoencoder(**SMALL).fit(with_value(X16, np.nan)),
         ValueError, "Input X contains NaN"),
    case("dense-fit-inf", lambda t: DenseAutoencoder(**SMALL).fit(with_value(X16, np.inf)),
         ValueError, "Input X contains infinity"),
    case("dense-fit-empty", lambda t: DenseAutoencoder(**SMALL).fit(np.empty((0, 16))),
         ValueError, r"0 sample\(s\)"),
    case("dense-fit-1d", lambda t: DenseAutoencoder(**SMALL).fit(X16[0]),
         ValueError, "Expected a 2-dimensional container|Expected 2D array"),
    case("dense-fit-object-strings",
         lambda t: DenseAutoencoder(**SMALL).fit(with_value(X16, "a")),
         ValueError, r"could not convert string to float: .*'a'"),
    case("dense-fit-complex",
         lambda t: DenseAutoencoder(**SMALL).fit(X16 + 1j),
         ValueError, "Complex data not supported"),
    case("dense-transform-wrong-width", lambda t: fitted("dense").transform(X16[:, :5]),
         ValueError, "X has 5 features, but DenseAutoencoder is expecting 16"),
    case("dense-transform-nan", lambda t: fitted("dense").transform(with_value(X16, np.nan)),
         ValueError, "Input X contains NaN"),
    case("dense-inverse-wrong-width", lambda t: fitted("dense").inverse_transform(X16[:, :4]),
         ValueError, r"n_components_=3, got 4 columns"),
    case("dense-bad-hidden-sizes",
         lambda t: DenseAutoencoder(hidden_layer_sizes=(8, 0), **SMALL).fit(X16),
         ValueError, "hidden_layer_sizes must be a sequence of positive integers"),
    case("dense-bad-optimizer", lambda t: DenseAutoencoder(optimizer="nope", **SMALL).fit(X16),
         ValueError, "Unknown optimizer 'nope'"),
    case("dense-negative-epochs", lambda t: DenseAutoencoder(max_epochs=0).fit(X16),
         ValueError, "'max_epochs' parameter of DenseAutoencoder must be"),
    case("dense-bce-outside-unit",
         lambda t: DenseAutoencoder(loss="bce", **SMALL).fit(X16 * 3),
         ValueError, r"loss='bce' needs training data in \[0, 1\]"),
    case("dense-transform-unfitted", lambda t: DenseAutoencoder().transform(X16),
         NotFittedError, "This DenseAutoencoder instance is not fitted yet"),
    case("conv-fit-bad-image-shape",
         lambda t: ConvAutoencoder(image_shape=(4, -4), **SMALL).fit(X16),
         ValueError, "image_shape must be a sequence of positive integers"),
    case("conv-fit-image-shape-mismatch",
         lambda t: ConvAutoencoder(image_shape=(5, 5), **SMALL).fit(X16),
         ValueError, r"expects images of shape \(5, 5\) \(25 pixels\); got 16 features"),
    case("conv-fit-multichannel",
         lambda t: ConvAutoencoder(**SMALL).fit(X16.reshape(40, 4, 2, 2)),
         ValueError, "single-channel images; got shape .* with 4 channels"),
    case("conv-transform-wrong-image-size",
         lambda t: fitted("conv").transform(np.zeros((3, 2, 8), np.float32)),
         ValueError, r"fitted on images of shape \(4, 4\), got images of shape \(2, 8\)"),
    case("conv-transform-wrong-pixel-count",
         lambda t: fitted("conv").transform(np.zeros((3, 5, 5), np.float32)),
         ValueError, "X has 25 features, but ConvAutoencoder is expecting 16"),
    case("conv-transform-wrong-width", lambda t: fitted("conv").transform(X16[:, :9]),
         ValueError, "X has 9 features, but ConvAutoencoder is expecting 16"),
    case("conv-even-kernel", lambda t: ConvAutoencoder(kernel_size=4, **SMALL).fit(X16),
         ValueError, "kernel_size must be odd"),
    case("conv-no-filters", lambda t: ConvAutoencoder(filters=(), **SMALL).fit(X16),
         ValueError, r"filters must hold at least 1 value\(s\), got \(\)"),
    case("conv-image-shape-3d", lambda t: ConvAutoencoder(image_shape=(2, 2, 4), **SMALL).fit(X16),
         ValueError, r"image_shape must be \(height, width\) .* got \(2, 2, 4\)"),
    case("conv-inverse-wrong-width",
         lambda t: fitted("conv").inverse_transform(np.zeros((2, 3), np.float32)),
         ValueError, "inverse_transform expects codes of width n_components_="),
    case("vae-fit-nan", lambda t: VariationalAutoencoder(**SMALL).fit(with_value(X16, np.nan)),
         ValueError, "Input X contains NaN"),
    case("vae-bernoulli-outside-unit",
         lambda t: VariationalAutoencoder(likelihood="bernoulli", **SMALL).fit(X16 - 2),
         ValueError, r"likelihood='bernoulli' needs training data in \[0, 1\]"),
    case("vae-inverse-wrong-width",
         lambda t: fitted("vae").inverse_transform(np.zeros((2, 5), np.float32)),
         ValueError, r"n_components_=2, got 5 columns"),
    case("vae-sample-zero", lambda t: fitted("vae").sample(0),
         ValueError, "n_samples must be a positive integer, got 0"),
    case("vae-score-wrong-width", lambda t: fitted("vae").score(X16[:, :3]),
         ValueError, "X has 3 features, but VariationalAutoencoder is expecting 16"),
    # ---- AftershockNet ----
    case("net-single-class", lambda t: AftershockNet(**SMALL).fit(X12, np.zeros(40)),
         ValueError, r"y has 1 class \(\[0\.0\]\)|only one class|1 class"),
    case("net-string-y-one-class", lambda t: AftershockNet(**SMALL).fit(X12, ["yes"] * 40),
         ValueError, r"1 class \(\['yes'\]\)|only one class|1 class"),
    case("net-multiclass", lambda t: AftershockNet(**SMALL).fit(X12, np.arange(40) % 3),
         ValueError, "Only binary classification is supported.*multiclass"),
    case("net-continuous-y", lambda t: AftershockNet(**SMALL).fit(X12, np.linspace(0, 1, 40)),
         ValueError, "Unknown label type: continuous"),
    case("net-y-wrong-length", lambda t: AftershockNet(**SMALL).fit(X12, Y12[:-1]),
         ValueError, r"inconsistent numbers of samples: \[40, 39\]"),
    case("net-fit-nan", lambda t: AftershockNet(**SMALL).fit(with_value(X12, np.nan), Y12),
         ValueError, "Input X contains NaN"),
    case("net-fit-complex", lambda t: AftershockNet(**SMALL).fit(X12 * 1j, Y12),
         ValueError, "Complex data not supported"),
    case("net-predict-wrong-width", lambda t: fitted("net").predict_proba(X12[:, :6]),
         ValueError, "X has 6 features, but AftershockNet is expecting 12"),
    case("net-predict-inf", lambda t: fitted("net").predict(with_value(X12, -np.inf)),
         ValueError, "Input X contains infinity"),
    case("net-predict-unfitted", lambda t: AftershockNet().predict_proba(X12),
         NotFittedError, "This AftershockNet instance is not fitted yet"),
    case("net-bad-dropout", lambda t: AftershockNet(dropout=1.5).fit(X12, Y12),
         ValueError, "'dropout' parameter of AftershockNet must be"),
    # ---- stress transformers ----
    case("maxshear-missing-column", lambda t: MaxShear().fit(frame6(drop="stresses_full_xz")),
         ValueError, r"MaxShear: X lacks the column\(s\) \['stresses_full_xz'\]"),
    case("vonmises-unknown-columns",
         lambda t: VonMises(columns=list("abcdef")).fit(frame6()),
         ValueError, r"VonMises: X lacks the column\(s\) \['a', 'b'"),
    case("invariants-columns-wrong-length",
         lambda t: StressInvariants(columns=list("abcde")).fit(frame6()),
         ValueError, "columns must name 6 columns"),
    case("vonmises-wrong-width", lambda t: VonMises().fit(S6[:, :5]),
         ValueError, "VonMises needs exactly 6 columns .* got n_features=5"),
    case("sumabs-nan", lambda t: SumAbsStress().fit_transform(with_value(S6, np.nan)),
         ValueError, "Input X contains NaN"),
    case("invariants-inf", lambda t: StressInvariants().transform(with_value(S6, np.inf)),
         ValueError, "Input X contains infinity"),
    case("devries-features-mpa", lambda t: DeVriesFeatures().fit_transform(S6 / 1e6),
         StressUnitsWarning, r"below 100 Pa: are the stresses in MPa"),
    case("maxshear-mpa-frame", lambda t: MaxShear().fit_transform(frame6(S6 / 1e6)),
         StressUnitsWarning, "are the stresses in MPa or kPa"),
    case("devries-features-zero-scale", lambda t: DeVriesFeatures(scale=0).fit(S6),
         ValueError, "'scale' parameter of DeVriesFeatures must be"),
    case("invariants-bad-tensor", lambda t: StressInvariants(tensor="full3").fit(S6),
         ValueError, "'tensor' parameter of StressInvariants must be"),
    case("transform-width-changed", lambda t: MaxShear().fit(S6).transform(S6[:, :4]),
         ValueError, "X has 4 features, but MaxShear is expecting 6"),
    case("coulomb-dip-over-90", lambda t: CoulombStress(dip=120).fit(S6),
         ValueError, "'dip' parameter of CoulombStress must be"),
    case("coulomb-negative-mu", lambda t: CoulombStress(mu=-0.2).fit(S6),
         ValueError, "'mu' parameter of CoulombStress must be .* Got -0.2"),
    case("coulomb-negative-mu-list", lambda t: CoulombStress(mu=[0.2, -0.2]).fit(S6),
         ValueError, "mu must be a finite non-negative number .* got \\[0.2, -0.2\\]"),
    case("coulomb-repeated-mu", lambda t: CoulombStress(mu=[0.4, 0.4]).fit(S6),
         ValueError, "mu must hold values that differ .* written 0.4"),
    case("coulomb-bad-kind", lambda t: CoulombStress(kind="dry").fit(S6),
         ValueError, "'kind' parameter of CoulombStress must be"),
    case("coulomb-object-strings", lambda t: CoulombStress().fit(with_value(S6, "1 MPa")),
         ValueError, r"could not convert string to float: .*'1 MPa'"),
    case("faultdistance-bad-fault", lambda t: FaultDistance(np.zeros((3, 3))).fit(S6),
         ValueError, r"fault_xy must be a finite \(m, 2\) array .* got shape \(3, 3\)"),
    case("faultdistance-missing-column",
         lambda t: FaultDistance(np.zeros((1, 2))).fit(pd.DataFrame({"x": [1.0], "lat": [2]})),
         ValueError, r"FaultDistance: X lacks the column\(s\) \['y'\]"),
    case("faultdistance-one-column", lambda t: FaultDistance(np.zeros((1, 2))).fit(S6[:, :1]),
         ValueError, "FaultDistance needs at least 2 columns .* got n_features=1"),
    # ---- stress functions ----
    case("max-shear-wrong-shape", lambda t: max_shear(S6[:, :5]),
         ValueError, r"shape \(n, 6\) .* got shape \(5, 5\)"),
    case("principal-wrong-shape", lambda t: principal_stresses(np.zeros((2, 3, 2))),
         ValueError, r"or of shape \(n, 3, 3\); got shape \(2, 3, 2\)"),
    case("invariants-1d", lambda t: stress_invariants(S6[0]),
         ValueError, r"got shape \(6,\)"),
    case("von-mises-strings", lambda t: von_mises([["a"] * 6]),
         ValueError, "could not convert string to float"),
    case("coulomb-dip-out-of-range", lambda t: coulomb_stress(S6, 0.0, 95.0, 0.0),
         ValueError, r"dip must lie in \[0, 90\] degrees, got 95"),
    case("coulomb-nan-strike", lambda t: coulomb_stress(S6, np.nan, 45.0, 0.0),
         ValueError, "strike must be a finite angle in degrees, got nan"),
    case("coulomb-negative-mu-fn", lambda t: coulomb_stress(S6, 0.0, 45.0, 0.0, mu=-1),
         ValueError, "mu must be a finite non-negative number"),
    case("coulomb-bad-kind-fn", lambda t: coulomb_stress(S6, 0.0, 45.0, 0.0, kind="wet"),
         ValueError, "kind must be one of .* got 'wet'"),
    case("fault-vectors-negative-dip", lambda t: fault_unit_vectors(0.0, -10.0, 0.0),
         ValueError, r"dip must lie in \[0, 90\] degrees, got -10"),
    case("okada-points-shape",
         lambda t: okada_stress(np.zeros((4, 2)), 0, 0, 1, 0, 45, 2, 2, 1, 0),
         ValueError, r"points must have shape \(n, 3\), got \(4, 2\)"),
    case("okada-dip", lambda t: okada_stress(-np.ones((4, 3)), 0, 0, 1, 0, 100, 2, 2, 1, 0),
         ValueError, r"dip must lie in \[0, 90\] degrees, got 100 \(patch 0\)"),
    case("okada-negative-length",
         lambda t: okada_stress(-np.ones((4, 3)), 0, 0, 1, 0, 45, [2, -2], 2, 1, 0),
         ValueError, r"length_km must be >= 0, got -2 \(patch 1\)"),
    case("okada-negative-width",
         lambda t: okada_stress(-np.ones((4, 3)), 0, 0, 1, 0, 45, 2, -3, 1, 0),
         ValueError, r"width_km must be >= 0, got -3 \(patch 0\)"),
    case("okada-negative-mu",
         lambda t: okada_stress(-np.ones((4, 3)), 0, 0, 1, 0, 45, 2, 2, 1, 0, mu=-3e10),
         ValueError, "shear modulus mu must be positive"),
    case("okada-negative-bulk-modulus",
         lambda t: okada_stress(-np.ones((4, 3)), 0, 0, 1, 0, 45, 2, 2, 1, 0, lam=-3e10),
         ValueError, "lam must be finite with a positive bulk modulus"),
    case("okada-patch-lengths-differ",
         lambda t: okada_stress(-np.ones((4, 3)), [0, 1], [0, 1, 2], 1, 0, 45, 2, 2, 1, 0),
         ValueError, r"one value per patch .*x_km \(2,\), y_km \(3,\)"),
    case("okada-nan-strike",
         lambda t: okada_stress(-np.ones((4, 3)), 0, 0, 1, np.nan, 45, 2, 2, 1, 0),
         ValueError, r"strike holds NaN or infinity \(first at patch 0\)"),
    case("halfspace-corners-shape",
         lambda t: halfspace_stress(-np.ones((2, 3)), np.zeros((1, 3, 3)), np.zeros((1, 3))),
         ValueError, r"corners must have shape \(m, 4, 3\)"),
    case("halfspace-negative-mu",
         lambda t: halfspace_stress(-np.ones((2, 3)), -np.ones((1, 4, 3)), np.zeros((1, 3)),
                                    mu=-1.0),
         ValueError, "shear modulus mu must be positive"),
    case("halfspace-nan-slip",
         lambda t: halfspace_stress(-np.ones((2, 3)), -np.ones((1, 4, 3)), [[np.nan, 0, 0]]),
         ValueError, "slip contains NaN or infinity"),
    # ---- DeVries files ----
    case("devries-missing-file", lambda t: load_devries(t / "Training.h5"),
         FileNotFoundError, "Training.h5"),
    case("devries-truncated-h5", lambda t: load_devries(truncated_h5(t)),
         ValueError, r"cut\.h5' is corrupt or truncated"),
    case("devries-garbage-h5", lambda t: load_devries(write(t, "x.h5", b"\x89HDF junk" * 50)),
         ValueError, r"x\.h5' is corrupt or truncated"),
    case("devries-missing-key", lambda t: load_devries(h5_with(t, stresses_full_xy=None)),
         ValueError, "odd.h5.*lacks.*'stresses_full_xy'"),
    case("devries-unknown-column",
         lambda t: load_devries(good_h5(t), columns=["stresses_full_xx", "cfs"]),
         ValueError, "cells.h5.*lacks.*'cfs'"),
    case("devries-label-not-binary",
         lambda t: load_devries(h5_with(t, aftershocksyn=np.full(6, 2))),
         ValueError, "aftershocksyn.*0 and 1"),
    case("devries-lengths-differ",
         lambda t: load_devries(h5_with(t, stresses_full_xx=np.zeros(5))),
         ValueError, "datasets differ in length"),
    case("devries-string-dataset",
         lambda t: load_devries(h5_with(t, stresses_full_yy=np.array([b"a"] * 6))),
         ValueError, "dataset 'stresses_full_yy' has dtype .*expected numbers"),
    case("devries-csv-missing-column",
         lambda t: load_devries(devries_csv(t, drop="stresses_full_zz")),
         ValueError, "_grid.csv.*lacks.*'stresses_full_zz'"),
    case("devries-csv-nan",
         lambda t: load_devries(devries_csv(t, text=devries_frame().to_csv(index=False)
                                            .replace("\n", "\nnan,", 2)[:-1] + "\n")),
         ValueError, "_grid.csv"),
    case("devries-csv-text-value",
         lambda t: load_devries(devries_csv(
             t, text=devries_frame().to_csv(index=False).replace("\n", "\nabc", 1))),
         ValueError, r"_grid\.csv', line 2, column 'stresses_full_xx': 'abc.*' is not a number"),
    # ---- FSP files ----
    case("fsp-missing-file", lambda t: read_fsp(t / "none.fsp"),
         FileNotFoundError, r"cannot read FSP file .*none\.fsp"),
    case("fsp-empty", lambda t: read_fsp(write(t, "e.fsp", "")),
         ValueError, r"e\.fsp: no patch table"),
    case("fsp-garbage", lambda t: read_fsp(write(t, "g.fsp", "\x00\x01 binary junk\n" * 5)),
         ValueError, r"g\.fsp: no patch table"),
    case("fsp-truncated-table", lambda t: read_fsp(write(t, "t.fsp", "".join(FSP_LINES[:-1]))),
         ValueError, r"t\.fsp, line 9: truncated patch table: segment 1 .* 1 rows, Nsbfs = 2"),
    case("fsp-cut-mid-row",
         lambda t: read_fsp(write(t, "c.fsp", FSP[: FSP.rindex("2.5000")])),
         ValueError, r"c\.fsp, line 10: patch row has 5 fields, expected 7"),
    case("fsp-text-in-row",
         lambda t: read_fsp(write(t, "n.fsp", FSP.replace("1.2500", "x.yz"))),
         ValueError, r"n\.fsp, line 9: non-numeric value 'x\.yz' in column SLIP"),
    case("fsp-missing-header",
         lambda t: read_fsp(write(t, "h.fsp", FSP.replace("Mw = 6.10", ""))),
         ValueError, r"h\.fsp: missing mandatory header field moment magnitude"),
    case("fsp-table-lacks-slip",
         lambda t: read_fsp(write(t, "s.fsp", FSP.replace("SLIP", "SLOP"))),
         ValueError, r"s\.fsp, line 8: patch-table header lacks column\(s\) \['SLIP'\]"),
    # ---- catalogs ----
    case("catalog-missing-file", lambda t: read_catalog(t / "none.csv"),
         FileNotFoundError, r"catalog file not found: .*none\.csv"),
    case("catalog-is-a-folder", lambda t: read_catalog(t),
         IsADirectoryError, r"catalog path .* is a folder"),
    case("catalog-empty-file", lambda t: read_catalog(write(t, "e.csv", "\n\n")),
         ValueError, r"e\.csv: the catalog file is empty"),
    case("catalog-header-only", lambda t: read_catalog(write(t, "h.csv", COMCAT[:33])),
         ValueError, r"h\.csv: the catalog holds no events"),
    case("catalog-missing-column",
         lambda t: read_catalog(write(t, "m.csv", COMCAT.replace(",mag", ",magn")), "comcat"),
         ValueError, r"m\.csv: missing column 'mag'"),
    case("catalog-unknown-format", lambda t: read_catalog(write(t, "c.csv", COMCAT), "isc"),
         ValueError, r"format must be one of .* got 'isc'"),
    case("catalog-undetectable", lambda t: read_catalog(write(t, "u.csv", "a,b,c\n1,2,3\n")),
         ValueError, r"u\.csv: cannot detect the catalog format from the header line 'a,b,c'"),
    case("catalog-bad-date",
         lambda t: read_catalog(write(t, "d.csv", COMCAT.replace("06-28T11:50", "13-28T11:50"))),
         ValueError, r"d\.csv, line 3, column 'time': cannot parse '1992-13-28T11:50:00\.000Z'"),
    case("catalog-latitude-range",
         lambda t: read_catalog(write(t, "l.csv", COMCAT.replace("34.25", "134.25"))),
         ValueError, r"l\.csv, line 3, column 'latitude': cannot parse '134\.25'"),
    case("catalog-short-row",
         lambda t: read_catalog(write(t, "s.csv", COMCAT.replace(",7.3\n", "\n"))),
         ValueError, r"s\.csv, line 2: 4 fields, but the header has 5"),
    case("catalog-jma-with-utc-zone",
         lambda t: read_catalog(write(t, "j.csv", JMA.replace("05:46:52", "05:46:52Z"))),
         ValueError, r"j\.csv, line 2, column 'time': .*JST.*zone"),
    case("catalog-jma-bad-date",
         lambda t: read_catalog(write(t, "k.csv", JMA.replace("1995-01-17,06", "1995-02-30,06"))),
         ValueError, r"k\.csv, line 3, column 'date': cannot parse '1995-02-30'"),
    # ---- other datasets ----
    case("mnist-corrupt-local", lambda t: load_mnist(path=corrupt_npz(t)),
         ValueError, r"mnist\.npz' is corrupt or truncated"),
    case("mnist-missing-local", lambda t: load_mnist(path=t / "mnist.npz"),
         FileNotFoundError, r"MNIST file not found: .*mnist\.npz"),
    case("mnist-bad-subset", lambda t: load_mnist("validation", path=t),
         ValueError, r"subset must be one of \['train', 'test', 'all'\], got 'validation'"),
    case("mainshock-unknown-tag", lambda t: mainshock_origin("s2999NOWHERE01X"),
         ValueError, "unknown SRCMOD tag 's2999NOWHERE01X'"),
    # ---- grid, labels and evaluation ----
    case("grid-empty", lambda t: grid_cells(np.empty((0, 2))),
         ValueError, r"corners_xy must have shape \(m, 2\) with m >= 1, got \(0, 2\)"),
    case("grid-nan", lambda t: grid_cells([[0.0, np.nan]]),
         ValueError, "corners_xy holds NaN or infinite values"),
    case("grid-zero-cell", lambda t: grid_cells([[0.0, 0.0]], cell_km=0),
         ValueError, r"cell_km must be positive, got 0\."),
    case("labels-empty-catalog",
         lambda t: label_cells(*cells_km(), events_frame().iloc[:0], "2001-03-14"),
         UserWarning, "the catalog holds no events: every cell is labelled 0"),
    case("labels-origin-outside-catalog",
         lambda t: label_cells(*cells_km(), events_frame(), "2011-03-11"),
         UserWarning, r"catalog spans 2001-03-14 12:00:00\+00:00 to 2001-03-20"),
    case("labels-missing-column",
         lambda t: label_cells(*cells_km(), events_frame().drop(columns="depth_km"), "2001"),
         ValueError, r"events lack column\(s\) \['depth_km'\]"),
    case("labels-lengths-differ",
         lambda t: label_cells([0.0], [0.0, 1.0], [0.0], events_frame(), "2001-03-14"),
         ValueError, r"differ in length: \[1, 2, 1\]"),
    case("labels-reversed-window",
         lambda t: label_cells(*cells_km(), events_frame(), "2001-03-14",
                               window=(pd.Timedelta("2D"), pd.Timedelta("1D"))),
         ValueError, "window end 1 days 00:00:00 is before its start 2 days"),
    case("labels-bad-origin", lambda t: label_cells(*cells_km(), events_frame(), "yesterday"),
         ValueError, "origin_time 'yesterday' is not a time"),
    case("project-bad-method",
         lambda t: project_events(pd.DataFrame({"latitude": [1.0], "longitude": [2.0]}), 0, 0,
                                  method="utm"),
         ValueError, "method must be 'auto', 'aeqd' or 'equirectangular', got 'utm'"),
    case("project-missing-column",
         lambda t: project_events(pd.DataFrame({"lat": [1.0], "longitude": [2.0]}), 0, 0),
         ValueError, r"catalog lacks column\(s\) \['latitude'\]"),
    case("group-auc-label-2", lambda t: group_roc_auc([0, 2, 1], [0.1, 0.2, 0.3], [1, 1, 1]),
         ValueError, "y_true must hold only 0 and 1"),
    case("group-auc-score-nan",
         lambda t: group_roc_auc([0, 1, 1], [0.1, np.nan, 0.3], [1, 1, 1]),
         ValueError, r"holds NaN or infinity \(first at row 1"),
    case("merged-auc-one-class", lambda t: merged_roc_auc([1, 1, 1], [0.1, 0.2, 0.3]),
         ValueError, "both classes|one class|only"),
    case("compare-no-scorers", lambda t: compare_scorers({}, S6, np.arange(5) % 2),
         ValueError, "scorers is empty"),
    # ---- the command line ----
    case("cli-evaluate-missing-train",
         lambda t: cli("aftershocks", "evaluate", "--train", t / "Training.h5",
                       "--test", t / "Testing.h5"),
         CliFailed, r"^skdlies: error: .*Training\.h5"),
    case("cli-evaluate-garbage-train",
         lambda t: cli("aftershocks", "evaluate", "--train", write(t, "T.h5", b"junk"),
                       "--test", write(t, "U.h5", b"junk")),
         CliFailed, r"^skdlies: error: .*T\.h5' is corrupt or truncated"),
    case("cli-build-no-fsp",
         lambda t: cli("aftershocks", "build", "--srcmod", t, "--catalog", t / "c.csv",
                       "--out", t / "o.h5"),
         CliFailed, r"^skdlies: error: --srcmod '.*' holds no \*\.fsp file"),
    case("cli-build-missing-catalog",
         lambda t: cli("aftershocks", "build", "--srcmod", write(t, "a.fsp", FSP).parent,
                       "--catalog", t / "none.csv", "--out", t / "o.h5"),
         CliFailed, r"^skdlies: error: catalog file not found: .*none\.csv"),
    case("cli-build-bad-catalog",
         lambda t: cli("aftershocks", "build", "--srcmod", write(t, "a.fsp", FSP).parent,
                       "--catalog", write(t, "c.csv", "a,b\n1,2\n"), "--out", t / "o.h5"),
         CliFailed, r"^skdlies: error: .*c\.csv: cannot detect the catalog format"),
    case("cli-subprocess-missing-mnist",
         lambda t: cli_subprocess("autoencoders", "demo", "--out", t / "out",
                                  "--data", t / "mnist.npz"),
         CliFailed, r"^skdlies: error: MNIST file not found: .*mnist\.npz"),
]


def test_table_is_large_and_ids_are_unique():
    ids = [param.id for param in CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 60


@pytest.mark.parametrize(("call", "expected", "match"), CASES)
def test_bad_input(call: Call, expected: type, match: str, tmp_path: Path) -> None:
    if issubclass(expected, Warning):
        with pytest.warns(expected, match=match):
            call(tmp_path)
        return
    with pytest.raises(expected, match=match) as info:
        call(tmp_path)
    # the error is a clear one, not an internal IndexError/KeyError from deep inside
    assert type(info.value) not in (IndexError, KeyError, AttributeError, TypeError,
                                    ZeroDivisionError)
