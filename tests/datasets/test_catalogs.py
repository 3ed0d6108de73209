"""Tests for ``read_catalog`` on small catalogs written in each supported layout."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skdlies.datasets import read_catalog

COMCAT = """\
time,latitude,longitude,depth,mag,magType,place,type
1992-06-28T11:57:34.130Z,34.2,-116.437,-0.097,7.3,mw,"7km SSW of Landers, CA",earthquake
1992-06-28T11:50:00.000Z,34.25,-116.5,5.5,2.6,ml,"somewhere, CA",earthquake
"""

NEIC = """\
time,year,month,day,hour,minute,second,latitude,longitude,depth,mag,strec_region
1990-01-01T09:03:12.880,1990.0,1.0,1.0,9.0,3.0,12.88,36.417,140.568,67.9,4.8,SZ-ONSHORE
1990-01-01T07:49:35.570,1990.0,1.0,1.0,7.0,49.0,35.57,-21.772,-179.361,599.5,5.4,ANSR-ABSLOCB
"""

SOCAL = """\
YR MO DY HRMN SEC LATITUDE LONGITUDE DEPTH MAG FAMILY
1999 10 16 0946 43.79 34.59683 -116.27367 2.8 7.1 1
1998 6 3 0522 50.43 34.13865 -118.49086 9.02 3.02 NaN

1998 6 4 0007 59.99 33.44755 -116.8491 -1.5 3.7 NaN
"""

JMA = """\
date,time,long,lat,mag,depth
1995-01-17,05:46:52,135.035,34.5983,7.3,-16.06
1926-01-08,00:00:00,142.5345,39.3433,4.6,0.0
1926-01-10,17:57:43,141.5225,35.8435,5.6,24.0
"""

COLUMNS = ["time", "latitude", "longitude", "depth_km", "magnitude"]


def write(tmp_path: Path, text: str, name: str = "catalog.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def check_layout(catalog: pd.DataFrame) -> None:
    assert list(catalog.columns) == COLUMNS
    assert str(catalog["time"].dtype) == "datetime64[ns, UTC]"
    assert catalog["time"].is_monotonic_increasing
    assert list(catalog.index) == list(range(len(catalog)))
    for column in COLUMNS[1:]:
        assert catalog[column].dtype == np.float64


@pytest.mark.parametrize("fmt", ["auto", "comcat"])
def test_comcat(tmp_path, fmt):
    catalog = read_catalog(write(tmp_path, COMCAT), format=fmt)
    check_layout(catalog)
    assert len(catalog) == 2
    assert catalog["time"].tolist() == [utc("1992-06-28 11:50:00"), utc("1992-06-28 11:57:34.13")]
    assert catalog["magnitude"].tolist() == [2.6, 7.3]
    assert catalog["depth_km"].tolist() == [5.5, -0.097]  # above sea level stays negative
    assert catalog["longitude"].iloc[1] == -116.437


@pytest.mark.parametrize("fmt", ["auto", "neic"])
def test_neic_times_are_utc(tmp_path, fmt):
    catalog = read_catalog(write(tmp_path, NEIC), format=fmt)
    check_layout(catalog)
    assert catalog["time"].tolist() == [utc("1990-01-01 07:49:35.57"),
                                        utc("1990-01-01 09:03:12.88")]
    assert catalog["depth_km"].tolist() == [599.5, 67.9]
    assert catalog["latitude"].tolist() == [-21.772, 36.417]


@pytest.mark.parametrize("fmt", ["auto", "socal"])
def test_socal_hrmn_and_blank_lines(tmp_path, fmt):
    catalog = read_catalog(write(tmp_path, SOCAL), format=fmt)
    check_layout(catalog)
    assert catalog["time"].tolist() == [
        utc("1998-06-03 05:22:50.43"),
        utc("1998-06-04 00:07:59.99"),
        utc("1999-10-16 09:46:43.79"),
    ]
    assert catalog["magnitude"].tolist() == [3.02, 3.7, 7.1]
    assert catalog["depth_km"].tolist() == [9.02, -1.5, 2.8]


def test_socal_sixty_seconds_roll_over(tmp_path):
    text = "YR MO DY HRMN SEC LATITUDE LONGITUDE DEPTH MAG\n2000 12 31 2359 60.00 34 -117 5 3\n"
    catalog = read_catalog(write(tmp_path, text), format="socal")
    assert catalog["time"].iloc[0] == utc("2001-01-01 00:00:00")


def test_jma_jst_to_utc_and_depth_sign(tmp_path):
    catalog = read_catalog(write(tmp_path, JMA), format="jma")
    check_layout(catalog)
    assert catalog["time"].tolist() == [
        utc("1926-01-07 15:00:00"),
        utc("1926-01-10 08:57:43"),
        utc("1995-01-16 20:46:52"),  # Kobe: 1995-01-17 05:46:52 JST
    ]
    assert catalog["depth_km"].tolist() == [0.0, 24.0, 16.06]
    assert (catalog["depth_km"] >= 0).all()
    assert catalog["longitude"].iloc[2] == 135.035
    assert catalog["latitude"].iloc[2] == 34.5983


#: Rows of the ETAS R package's japan.quakes (the development copy of the JMA catalog), and
#: the JMA origin times (fixed JST) of these earthquakes.
ETAS_ROWS = """\
date,time,long,lat,mag,depth
1944-12-07,13:30:45,136.1755,33.5733,7.9,-40.0
1945-01-13,03:33:28,137.1145,34.7027,6.8,-10.7
1946-12-21,04:18:25,135.8488,32.9352,8.0,-24.0
1964-06-16,13:01:02,139.2117,38.37,7.5,-34.1
1978-06-12,18:43:47,142.1667,38.15,7.4,-40.0
1993-07-12,23:16:33,139.18,42.7817,7.8,-35.1
1995-01-17,05:46:13,135.035,34.5983,7.3,-16.06
2003-09-26,04:49:29,144.0785,41.7785,8.0,-45.07
"""
OFFICIAL_JST = [
    "1944-12-07 13:35:40",  # Tonankai: Tehran local mean time, 4 min 16 s early
    "1945-01-13 03:38:23",  # Mikawa: the same
    "1946-12-21 04:19:04",  # Nankai: 39 s only
    "1964-06-16 13:01:41",  # Niigata
    "1978-06-12 17:14:26",  # Miyagi-oki: Iran's daylight saving of 1978, 1 h 30 min late
    "1993-07-12 22:17:12",  # Hokkaido-Nansei-oki: Iran's daylight saving, 1 h late
    "1995-01-17 05:46:52",  # Kobe
    "2003-09-26 04:50:08",  # Tokachi-oki (official 04:50:07.5)
]


@pytest.mark.parametrize("fmt", ["auto", "jma_etas"])
def test_jma_etas_times_are_corrected_to_the_official_origins(tmp_path, fmt):
    catalog = read_catalog(write(tmp_path, ETAS_ROWS), format=fmt)
    check_layout(catalog)
    jst = (catalog["time"].dt.tz_localize(None) + pd.Timedelta(hours=9))
    assert jst.dt.strftime("%Y-%m-%d %H:%M:%S").tolist() == OFFICIAL_JST
    plain = read_catalog(write(tmp_path, ETAS_ROWS), format="jma")
    assert (catalog["time"] - plain["time"]).max() == pd.Timedelta(minutes=4, seconds=55)
    assert catalog["depth_km"].tolist() == plain["depth_km"].tolist()


def test_jma_no_daylight_saving_in_1949(tmp_path):
    # Japan observed DST in 1948-1951, but the JMA catalog is in fixed UTC+9.
    text = "date,time,long,lat,mag,depth\n1949-07-01,12:00:00,140,36,5,-10\n"
    catalog = read_catalog(write(tmp_path, text), format="jma")
    assert catalog["time"].iloc[0] == utc("1949-07-01 03:00:00")


def test_sorted_stably_by_time(tmp_path):
    text = ("time,latitude,longitude,depth,mag\n"
            "2000-01-02T00:00:00Z,1,1,1,5\n"
            "2000-01-01T00:00:00Z,2,2,2,4\n"
            "2000-01-02T00:00:00Z,3,3,3,6\n")
    catalog = read_catalog(write(tmp_path, text))
    assert catalog["latitude"].tolist() == [2.0, 1.0, 3.0]


@pytest.mark.parametrize(("text", "fmt", "column"), [
    (COMCAT.replace(",mag,", ",magnitude,"), "auto", "mag"),
    (COMCAT.replace(",depth,", ",dep,"), "comcat", "depth"),
    (SOCAL.replace(" MAG ", " ML "), "socal", "MAG"),
    (JMA.replace(",depth", ",z"), "jma", "depth"),
])
def test_missing_column_names_column_and_file(tmp_path, text, fmt, column):
    path = write(tmp_path, text, "broken.csv")
    with pytest.raises(ValueError, match=re.escape(f"missing column {column!r}")) as info:
        read_catalog(path, format=fmt)
    assert "broken.csv" in str(info.value)


@pytest.mark.parametrize(("text", "fmt", "line", "column"), [
    (COMCAT.replace("1992-06-28T11:50:00.000Z", "yesterday"), "comcat", 3, "time"),
    (COMCAT.replace(",7.3,", ",big,"), "comcat", 2, "mag"),
    (NEIC.replace(",599.5,", ",,"), "neic", 3, "depth"),
    (SOCAL.replace("0007", "0077"), "socal", 5, "HRMN"),
    (SOCAL.replace("1998 6 3", "1998 6 31"), "socal", 3, "DY"),
    (SOCAL.replace("34.13865", "34.1.3"), "socal", 3, "LATITUDE"),
    (JMA.replace("05:46:52", "05:61:52"), "jma", 2, "time"),
    (JMA.replace("1926-01-10", "1926-13-10"), "jma", 4, "date"),
    (JMA.replace("39.3433", "99.3"), "jma", 3, "lat"),
])
def test_bad_value_names_file_line_and_column(tmp_path, text, fmt, line, column):
    path = write(tmp_path, text, "bad.txt")
    with pytest.raises(ValueError, match=re.escape(f"line {line}, column {column!r}")) as info:
        read_catalog(path, format=fmt)
    assert "bad.txt" in str(info.value)


def test_short_row_is_an_error_with_its_line(tmp_path):
    text = COMCAT + "1992-06-29T00:00:00Z,34.0\n"
    with pytest.raises(ValueError, match=r"line 4: 2 fields, but the header has 8"):
        read_catalog(write(tmp_path, text))


def test_row_with_an_extra_field_is_an_error(tmp_path):
    # "second" written 12,88: every later value would shift one column to the right
    text = NEIC.replace(",12.88,", ",12,88,", 1)
    with pytest.raises(ValueError, match=r"line 2: 13 fields, but the header has 12"):
        read_catalog(write(tmp_path, text))


def test_line_numbers_count_quoted_newlines(tmp_path):
    text = ("time,latitude,longitude,depth,mag,place\n"
            '2000-01-01T00:00:00Z,1,1,1,5,"two\nlines"\n'
            "2000-01-01T00:00:01Z,1,1,1,oops,x\n")
    with pytest.raises(ValueError, match=r"line 4, column 'mag'"):
        read_catalog(write(tmp_path, text))


@pytest.mark.parametrize("text", ["", "\n\n", "time,latitude,longitude,depth,mag\n",
                                  "YR MO DY HRMN SEC LATITUDE LONGITUDE DEPTH MAG\n\n"])
def test_empty_catalog(tmp_path, text):
    with pytest.raises(ValueError, match=r"empty|no events"):
        read_catalog(write(tmp_path, text))


def test_auto_detection_failure_quotes_header(tmp_path):
    path = write(tmp_path, "when,where,how big\n2000,here,5\n")
    with pytest.raises(ValueError, match=r"cannot detect.*'when,where,how big'"):
        read_catalog(path)


def test_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="format must be one of"):
        read_catalog(write(tmp_path, COMCAT), format="isc")


def test_explicit_format_overrides_detection(tmp_path):
    # A NEIC file read as plain ComCat gives the same events.
    path = write(tmp_path, NEIC)
    pd.testing.assert_frame_equal(read_catalog(path, format="comcat"), read_catalog(path))


def test_iso_time_offsets_are_honoured(tmp_path):
    path = tmp_path / "offsets.csv"
    path.write_text("time,latitude,longitude,depth,mag\n"
                    "2000-01-01T09:00:00+09:00,36,140,10,5\n"
                    "2000-01-01T00:00:00Z,36,140,10,5\n")
    times = read_catalog(path, format="comcat")["time"]
    assert (times == pd.Timestamp("2000-01-01 00:00:00", tz="UTC")).all()
