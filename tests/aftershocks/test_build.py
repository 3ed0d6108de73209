"""Building labelled stress grids from slip models and catalogs."""

from __future__ import annotations

import datetime
import warnings

import numpy as np
import pandas as pd
import pytest

from skdlies.aftershocks._build import (
    build_dataset,
    build_event,
    cutde_engine,
    okada_engine,
    receiver_plane,
)
from skdlies.datasets import SlipModel, load_devries
from skdlies.stress import DEVRIES_COLUMNS, DEVRIES_LABEL, SingularPointsWarning

pytest.importorskip("cutde")

ORIGIN = pd.Timestamp("2001-03-14 10:00:00", tz="UTC")


def model(tag="s2001TESTxx01DOEx", slip=(1.0, 2.0)):
    """Two 10 x 10 km right-lateral patches on a vertical fault striking North."""
    patches = pd.DataFrame({
        "segment": [1, 1], "lat": [35.0, 35.09], "lon": [-117.0, -117.0],
        "x_km": [0.0, 0.0], "y_km": [-5.0, 5.0], "depth_km": [0.0, 0.0],
        "strike": [0.0, 0.0], "dip": [90.0, 90.0], "rake": [180.0, 180.0],
        "slip_m": list(slip), "length_km": [10.0, 10.0], "width_km": [10.0, 10.0],
    })
    return SlipModel(tag=tag, name="Test", date=datetime.date(2001, 3, 14),
                     hypocentre=(35.045, -117.0, 5.0), mw=6.5, moment=None, strike=0.0,
                     dip=90.0, rake=180.0, n_segments=1, patches=patches)


def catalog():
    """An aftershock 10 km north of the fault's end, one too early, one too small.

    Two distant events outside the window, before and after, make the catalog
    cover the mainshock's year and place (see CatalogCoverage).
    """
    return pd.DataFrame({
        "time": pd.to_datetime(["2000-01-01 00:00:00.0", "2001-03-14 10:00:00.5",
                                "2001-03-20 00:00:00.0", "2001-04-01 00:00:00.0",
                                "2003-01-01 00:00:00.0"], utc=True),
        "latitude": [34.0] + [35.045 + 15 / 111.2] * 3 + [36.0],
        "longitude": [-118.0] + [-117.0] * 3 + [-116.0],
        "depth_km": [7.0] * 5, "magnitude": [4.0, 4.0, 4.0, 2.0, 4.0],
    })


def small_engine(calls):
    def engine(points, patches):
        calls.append(len(points))
        return okada_engine(points, patches)
    return engine


def test_receiver_plane_is_the_slip_weighted_mean():
    m = model()
    m.patches.loc[1, ["strike", "rake"]] = [350.0, 170.0]
    strike, dip, rake = receiver_plane(m)
    assert strike == pytest.approx(355.0) and dip == 90.0 and rake == pytest.approx(175.0)
    with pytest.raises(ValueError, match="no patch has slip"):
        receiver_plane(model(slip=(0.0, 0.0)))


def test_build_event_labels_and_stresses():
    frame = build_event(model(), catalog(), ORIGIN, radius_km=30, n_layers=2,
                        min_magnitude=3.0)
    assert list(frame.columns[:3]) == ["x", "y", "z"]
    assert set(DEVRIES_COLUMNS) <= set(frame.columns)
    assert np.isfinite(frame[list(DEVRIES_COLUMNS)].to_numpy()).all()
    # one event counts: the first is inside the first second, the third is too small
    assert frame["count"].sum() == 1 and frame[DEVRIES_LABEL].sum() == 1
    hit = frame[frame[DEVRIES_LABEL] == 1].iloc[0]
    assert abs(hit.y / 1e3 - 15) <= 2.5 and hit.z == -7500.0
    assert set(frame.z) == {-2500.0, -7500.0}


def test_fsp_coordinates_that_disagree_with_lat_lon_warn():
    shifted = model()
    shifted.patches["lat"] += 0.07  # 7.8 km north of where x, y put the patches
    with pytest.warns(UserWarning, match=r"x, y in the FSP file and their latitude, longitude "
                                         r"disagree by up to 7\.\d km"):
        build_event(shifted, catalog(), ORIGIN, radius_km=12, n_layers=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the consistent model is silent
        build_event(model(), catalog(), ORIGIN, radius_km=12, n_layers=1)


def test_engine_warnings_other_than_singular_points_reach_the_caller():
    def warning_engine(points, patches):
        warnings.warn("torch backend failed; using numpy.", RuntimeWarning, stacklevel=2)
        warnings.warn("3 points on a patch edge", SingularPointsWarning, stacklevel=2)
        return okada_engine(points, patches)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build_event(model(), catalog(), ORIGIN, radius_km=12, n_layers=1, engine=warning_engine)
    categories = [w.category for w in caught]
    assert RuntimeWarning in categories and SingularPointsWarning not in categories


def test_build_dataset_resumes_and_joins(tmp_path, monkeypatch):
    from skdlies.aftershocks import _build

    models = {f"m{i}.fsp": model(tag=f"s2001TEST{i}") for i in range(2)}
    monkeypatch.setattr(_build, "read_fsp", lambda f: models[str(f)])
    calls = []
    out = tmp_path / "data.h5"
    kw = {"catalog": catalog(), "origin_times": lambda m: ORIGIN,
          "engine": small_engine(calls), "progress": False}
    monkeypatch.setattr(_build, "grid_cells", lambda c, **k: _grid_small(c))
    status = build_dataset(list(models), out, **kw)
    assert status == {"s2001TEST0": "built", "s2001TEST1": "built"}
    frame, groups = load_devries(out)
    assert set(groups) == {"s2001TEST0", "s2001TEST1"} and len(frame) == 2 * calls[0]
    # per model: two events inside the window (no magnitude threshold), one too early
    assert frame["count"].sum() == 4 and (frame["count"] > 0).sum() == frame[DEVRIES_LABEL].sum()
    # a second run finds both parts: nothing is recomputed
    assert build_dataset(list(models), out, **kw) == {"s2001TEST0": "resumed",
                                                      "s2001TEST1": "resumed"}
    assert len(calls) == 2
    # other settings or another catalog: the parts are stale, rebuilt, and replaced
    status = build_dataset(list(models), out, **kw, min_magnitude=3.0)
    assert set(status.values()) == {"built"} and len(calls) == 4
    assert load_devries(out)[0]["count"].sum() == 2  # the M2 event is cut now
    fewer = catalog().drop(index=2)  # without the aftershock of 2001-03-20
    status = build_dataset(list(models), out, **{**kw, "catalog": fewer})
    assert set(status.values()) == {"built"} and load_devries(out)[0]["count"].sum() == 2
    assert len(list((tmp_path / "data.h5.parts").iterdir())) == 2  # one part per model


def test_killed_build_keeps_finished_parts(tmp_path, monkeypatch):
    from skdlies.aftershocks import _build

    models = {f"m{i}.fsp": model(tag=f"s2001TEST{i}") for i in range(2)}
    monkeypatch.setattr(_build, "read_fsp", lambda f: models[str(f)])
    monkeypatch.setattr(_build, "grid_cells", lambda c, **k: _grid_small(c))

    def dies_on_second(points, patches, seen=[]):  # noqa: B006
        seen.append(1)
        if len(seen) == 2:
            raise KeyboardInterrupt
        return okada_engine(points, patches)

    out = tmp_path / "data.h5"
    with pytest.raises(KeyboardInterrupt):
        build_dataset(list(models), out, engine=dies_on_second, progress=False)
    assert not out.exists()
    assert [p.name.split("-")[0] for p in (tmp_path / "data.h5.parts").iterdir()] == [
        "s2001TEST0"]
    status = build_dataset(list(models), out, engine=dies_on_second, progress=False)
    assert status == {"s2001TEST0": "resumed", "s2001TEST1": "built"}
    assert out.exists()


def test_models_without_origin_are_skipped(tmp_path, monkeypatch):
    from skdlies.aftershocks import _build

    monkeypatch.setattr(_build, "read_fsp", lambda f: model())
    with pytest.raises(ValueError, match=r"No slip model could be built; nothing was written "
                                         r"\(1 x skipped: no origin time\)"):
        build_dataset(["a.fsp"], tmp_path / "d.h5", catalog=catalog(),
                      origin_times=lambda m: None, progress=False)
    assert not (tmp_path / "d.h5").exists()


def test_models_no_catalog_covers_are_skipped(tmp_path, monkeypatch):
    from skdlies.aftershocks import _build

    models = {"a": model(tag="s2001COVERED"), "b": model(tag="s1985EARLY")}
    monkeypatch.setattr(_build, "read_fsp", models.get)
    monkeypatch.setattr(_build, "grid_cells", lambda c, **k: _grid_small(c))
    origins = {"s2001COVERED": ORIGIN, "s1985EARLY": pd.Timestamp("1985-01-01", tz="UTC")}
    short = catalog().iloc[:4]  # ends 2001-04-01: does not cover the year after ORIGIN
    status = build_dataset(["a", "b"], tmp_path / "d.h5", catalog=[short, catalog()],
                           origin_times=lambda m: origins[m.tag], progress=False)
    assert status == {"s2001COVERED": "built",
                      "s1985EARLY": "skipped: no catalog covers the year after the origin"}
    # labels come from the covering catalog only: its two events in the window
    frame, _ = load_devries(tmp_path / "d.h5")
    assert frame["count"].sum() == 2
    with pytest.raises(ValueError, match="No slip model could be built"):
        build_dataset(["a"], tmp_path / "e.h5", catalog=short, origin_times=lambda m: ORIGIN,
                      progress=False)


def test_a_tz_naive_origin_is_utc(tmp_path, monkeypatch):
    from skdlies.aftershocks import _build

    monkeypatch.setattr(_build, "read_fsp", lambda f: model())
    monkeypatch.setattr(_build, "grid_cells", lambda c, **k: _grid_small(c))
    naive = build_dataset(["a"], tmp_path / "n.h5", catalog=catalog(), progress=False,
                          origin_times=lambda m: ORIGIN.tz_localize(None))
    assert naive == {"s2001TESTxx01DOEx": "built"}
    assert load_devries(tmp_path / "n.h5")[0]["count"].sum() == 2


def _grid_small(corners_xy):
    from skdlies.aftershocks._grid import grid_cells

    return grid_cells(corners_xy, radius_km=12, n_layers=2)


def test_okada_and_cutde_engines_agree_on_a_model():
    m = model()
    points = np.array([[3e3, 12e3, -4e3], [-20e3, 1e3, -9e3], [8e3, -30e3, -2e3]])
    fast, oracle = okada_engine(points, m.patches), cutde_engine(points, m.patches)
    error = np.linalg.norm(fast - oracle, axis=1) / np.linalg.norm(oracle, axis=1)
    assert error.max() < 1e-8


def test_unusable_model_is_skipped_not_fatal(tmp_path, monkeypatch):
    from skdlies.aftershocks import _build

    good, bad = model(tag="s2001GOOD"), model(tag="s2001BAD")
    bad.patches["rake"] = np.nan  # an FSP file whose rake is -99 and has no RAKE column
    monkeypatch.setattr(_build, "read_fsp", {"a": good, "b": bad}.get)
    monkeypatch.setattr(_build, "grid_cells", lambda c, **k: _grid_small(c))
    status = build_dataset(["a", "b"], tmp_path / "d.h5", progress=False)
    assert status["s2001GOOD"] == "built"
    assert status["s2001BAD"].startswith("skipped: s2001BAD: no patch") and "rake" in status[
        "s2001BAD"]
    assert set(load_devries(tmp_path / "d.h5")[1]) == {"s2001GOOD"}


def _one_segment_model(patches: dict, dip: float = 90.0) -> SlipModel:
    n = len(patches["dip"])
    columns = {"segment": [1] * n, "lat": [35.0] * n, "lon": [-117.0] * n, "x_km": [0.0] * n,
               "y_km": [0.0] * n, "depth_km": [0.0] * n, "strike": [0.0] * n, "rake": [180.0] * n,
               "slip_m": [1.0] * n, "length_km": [10.0] * n, "width_km": [10.0] * n, **patches}
    return SlipModel(tag="t", name="t", date=None, hypocentre=(35, -117, 5), mw=6.5, moment=None,
                     strike=0.0, dip=dip, rake=180.0, n_segments=1, patches=pd.DataFrame(columns))


def test_receiver_dip_is_weighted_by_patch_area():
    """Patches of 100 km^2 at dip 60 and 200 km^2 at dip 90: (100 x 60 + 200 x 90) / 300 = 80."""
    model = _one_segment_model({"dip": [60.0, 90.0], "y_km": [-5.0, 10.0],
                                "length_km": [10.0, 20.0]}, dip=75.0)
    assert receiver_plane(model)[1] == pytest.approx(80.0)


def test_patch_tops_above_sea_level_are_clipped_to_the_surface():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        above, at = (build_event(_one_segment_model({"dip": [90.0], "depth_km": [depth]}),
                                 None, None, radius_km=30, n_layers=2) for depth in (-0.3, 0.0))
    pd.testing.assert_frame_equal(above, at)
