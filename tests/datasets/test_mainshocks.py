"""Tests for the packaged SRCMOD mainshock table (no development data is read)."""

from __future__ import annotations

import pandas as pd
import pytest

from skdlies.datasets import load_mainshocks, mainshock_origin
from skdlies.datasets._mainshocks import MAINSHOCK_COLUMNS

# Published (USGS ComCat) origin times of well-known mainshocks, by SRCMOD tag.
HAND_CHECKED = {
    "s1999HECTOR01JIxx": "1999-10-16T09:46:44Z",
    "s1999HECTOR01SALI": "1999-10-16T09:46:44Z",
    "s1992LANDER01WALD": "1992-06-28T11:57:34Z",
    "s1992LANDER01COTT": "1992-06-28T11:57:34Z",
    "s1994NORTHR01WALD": "1994-01-17T12:30:55Z",
    "s1994NORTHR01HART": "1994-01-17T12:30:55Z",
    "s1995KOBEJA01WALD": "1995-01-16T20:46:52Z",
    "s1995KOBEJA01CHOx": "1995-01-16T20:46:52Z",
    "s2011TOHOKU01FUJI": "2011-03-11T05:46:24Z",
    "s2011TOHOKU01YUEx": "2011-03-11T05:46:24Z",
    # from the JMA catalog of the ETAS package, whose shifted clock read_catalog corrects
    "s1978MIYAGI01YAMA": "1978-06-12T08:14:25Z",  # 17:14 JST; Iran's summer time: 1.5 h
    "s1983JAPANE01FUKU": "1983-05-26T02:59:57Z",  # 11:59:57 JST
}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return load_mainshocks()


def test_columns_and_size(table):
    assert tuple(table.columns) == MAINSHOCK_COLUMNS
    assert len(table) == 199  # the SRCMOD models of DeVries et al. (2018)
    assert (table["catalog"] != "none").sum() == 170


def test_unique_tags(table):
    assert table["tag"].is_unique
    assert table["tag"].str.match(r"^s\d{4}[A-Za-z0-9]+$").all()


def test_origin_times_are_utc(table):
    assert isinstance(table["origin_time"].dtype, pd.DatetimeTZDtype)
    assert str(table["origin_time"].dt.tz) == "UTC"


def test_catalog_values_and_missing_origins(table):
    assert set(table["catalog"]) <= {"neic", "socal", "comcat", "jma", "none"}
    none = table["catalog"] == "none"
    assert table.loc[none, "origin_time"].isna().all()
    assert table.loc[none, "earthquake_id"].isna().all()
    assert table.loc[~none, "origin_time"].notna().all()
    assert table.loc[~none, "earthquake_id"].notna().all()


def test_matches_are_close(table):
    matched = table[table["catalog"] != "none"]
    assert (matched["match_distance_km"] <= 150.0).all()
    assert (matched["match_dt_hours"].abs() <= 36.0).all()


def test_mislocated_models_have_no_origin(table):
    # their FSP hypocentre and patches lie 2-2.5 degrees from the rupture: a catalog would
    # label another place, so they are left without an origin time
    mislocated = table.set_index("tag").loc[["s2002DENALI01ASAN", "s1997KAGOSH01MIYA"]]
    assert (mislocated["catalog"] == "none").all()


def test_fresh_copy_each_call(table):
    other = load_mainshocks()
    other.loc[0, "tag"] = "changed"
    assert load_mainshocks().loc[0, "tag"] == table.loc[0, "tag"]


@pytest.mark.parametrize("tag, expected", sorted(HAND_CHECKED.items()))
def test_hand_checked_origins(table, tag, expected):
    origin = mainshock_origin(tag)
    assert origin.tz is not None and origin.utcoffset() == pd.Timedelta(0)
    assert abs(origin - pd.Timestamp(expected)) <= pd.Timedelta(seconds=2)


def test_models_of_one_earthquake_share_the_origin(table):
    matched = table[table["catalog"] != "none"]
    for eq_id, group in matched.groupby("earthquake_id"):
        assert group["origin_time"].nunique() == 1, eq_id
        assert group["catalog"].nunique() == 1, eq_id
        # one earthquake, one date: the year in the tags agrees and the
        # origin lies within +/-1.5 days of every model's FSP date
        assert group["tag"].str[1:5].nunique() == 1, eq_id
        assert (group["match_dt_hours"].abs() <= 36.0).all(), eq_id


def test_earthquake_id_encodes_origin(table):
    matched = table[table["catalog"] != "none"]
    rounded = matched["origin_time"].dt.round("s").dt.strftime("%Y-%m-%dT%H:%M:%S")
    assert (matched["earthquake_id"] == rounded + "_" + matched["catalog"]).all()


def test_known_shared_earthquake(table):
    tags = set(table["tag"])
    pair = ["s1999HECTOR01JIxx", "s1999HECTOR01SALI"]
    if not set(pair) <= tags:
        pytest.skip("Hector Mine models not in the table")
    ids = table.set_index("tag").loc[pair, "earthquake_id"]
    assert ids.nunique() == 1


def test_unknown_tag_raises():
    with pytest.raises(ValueError, match="unknown SRCMOD tag 's0000NOSUCH01XXXX'"):
        mainshock_origin("s0000NOSUCH01XXXX")


def test_tag_without_origin_raises(table):
    none = table.loc[table["catalog"] == "none", "tag"]
    if none.empty:
        pytest.skip("every model has an origin")
    with pytest.raises(ValueError, match="no published origin"):
        mainshock_origin(none.iloc[0])


def test_origin_matches_table(table):
    row = table[table["catalog"] != "none"].iloc[0]
    assert mainshock_origin(row["tag"]) == row["origin_time"]


def test_earthquake_groups_join_the_slip_models_of_one_earthquake():
    import numpy as np

    from skdlies.datasets import earthquake_groups

    table = load_mainshocks()
    landers = table.loc[table["tag"].str.startswith("s1992LANDER"), "tag"].tolist()
    assert len(landers) >= 3
    tags = np.array([*landers, "s1989LOMAPR01WALD", "s1989LOMAPR01BERO", "mine"], dtype=object)
    groups = earthquake_groups(np.repeat(tags, 2))  # one tag per cell
    assert groups.shape == (2 * len(tags),) and groups.dtype == object
    assert len(set(groups[: 2 * len(landers)])) == 1  # Landers: one earthquake
    assert groups[0] == table.set_index("tag").loc[landers[0], "earthquake_id"]
    # unmatched Loma Prieta (no catalog origin): the SRCMOD event prefix; not SRCMOD: as is
    assert groups[-6:].tolist() == ["s1989LOMAPR01"] * 4 + ["mine"] * 2
    # the table's earthquakes are never split: each id maps back to its own tags only
    mapped = earthquake_groups(table["tag"])
    matched = table["earthquake_id"].notna().to_numpy()
    assert (mapped[matched] == table.loc[matched, "earthquake_id"].to_numpy()).all()


def test_earthquake_groups_keeps_missing_tags_as_they_are():
    import numpy as np

    from skdlies.datasets import earthquake_groups

    out = earthquake_groups(["s1989LOMAPR01WALD", None, np.nan, "s1989LOMAPR01WALD"])
    assert out[0] == out[3] == "s1989LOMAPR01" and out[1] is None and np.isnan(out[2])
    assert earthquake_groups([]).shape == (0,)


@pytest.mark.parametrize("tags", [None, "s1992LANDER01COHE"])
def test_earthquake_groups_of_no_tags_is_a_clear_error(tags):
    from skdlies.datasets import earthquake_groups

    with pytest.raises(ValueError, match="tags must be the slip-model tags"):
        earthquake_groups(tags)
