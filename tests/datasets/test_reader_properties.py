"""Fuzz the FSP and catalog readers with randomly damaged files (hypothesis).

Whatever the damage (cut short, lines dropped, repeated, replaced by junk, fields
swapped for junk, random bytes), a reader either returns a well-formed result or
raises a plain ``ValueError`` whose message names the file and, for a problem on a
line, that line's number; never an IndexError, KeyError, UnicodeDecodeError or
another internal error.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skdlies.datasets import SlipModel, read_catalog, read_fsp
from skdlies.datasets._catalogs import CATALOG_COLUMNS
from skdlies.datasets._fsp import PATCH_COLUMNS

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

FSP = """\
% Event : Testville (Calif.) \t03/14/2001 \t[Doe et al. (2003) ]
% EventTAG: s2001TESTVI01DOEx
% Loc  : LAT  = 35.10 \tLON = -117.20\tDEP = 6.5
% Size : LEN  = 10.0 km \tWID =  8.0 km\tMw = 6.10\tMo = 1.6e+18 Nm
% Mech : STRK = 120.0\tDIP = 70.0\tRAKE = 170.0
% Invs :  Nx  =  2 \tNz  = 2 \tDx  =  5.00 km \tDz  = 4.00 km \tNsg = 2
% Rmin : \t0\t0
\t999.0\t0.0
% SEGMENT # 1: STRIKE = 120.0 deg DIP = 70.0 deg
%   LEN = 10.0 km  WID = 4.0 km  Dx = 5.0 km  Dz = 4.0 km
%   Nsbfs = 2 subfaults
%    LAT       LON       X==EW       Y==NS       Z       SLIP     RAKE    TRUP
   35.0800 -117.1900   -2.0000   -1.0000    0.5000    1.2500  165.0    0.50
   35.1000 -117.2300    2.0000    1.0000    0.5000    2.5000  175.0    1.50
% SEGMENT # 2: STRIKE = 130.0 deg DIP = 60.0 deg
%   Nsbfs = 2 subfaults
%    LAT       LON       X==EW       Y==NS       Z       SLIP
   35.0810 -117.1910   -1.9000   -0.9000    4.2600    0.7500
   35.1010 -117.2310    2.1000    1.1000    4.2600    0.0000
"""

CATALOGS = {
    "comcat": """\
time,latitude,longitude,depth,mag,magType,place
1992-06-28T11:57:34.130Z,34.2,-116.437,-0.097,7.3,mw,"7km SSW of Landers, CA"
1992-06-28T11:50:00.000Z,34.25,-116.5,5.5,2.6,ml,"somewhere, CA"
1992-06-29T01:02:03Z,34.3,-116.4,8.0,3.1,ml,"elsewhere, CA"
""",
    "neic": """\
time,year,month,day,hour,minute,second,latitude,longitude,depth,mag,strec_region
1990-01-01T09:03:12.880,1990.0,1.0,1.0,9.0,3.0,12.88,36.417,140.568,67.9,4.8,SZ-ONSHORE
1990-01-01T07:49:35.570,1990.0,1.0,1.0,7.0,49.0,35.57,-21.772,-179.361,599.5,5.4,ANSR
""",
    "socal": """\
YR MO DY HRMN SEC LATITUDE LONGITUDE DEPTH MAG FAMILY
1999 10 16 0946 43.79 34.59683 -116.27367 2.8 7.1 1
1998 6 3 0522 50.43 34.13865 -118.49086 9.02 3.02 NaN
1998 6 4 0007 59.99 33.44755 -116.8491 -1.5 3.7 NaN
""",
    "jma": """\
date,time,long,lat,mag,depth
1995-01-17,05:46:52,135.035,34.5983,7.3,-16.06
1926-01-08,00:00:00,142.5345,39.3433,4.6,0.0
1926-01-10,17:57:43,141.5225,35.8435,5.6,24.0
""",
}

JUNK_TOKENS = ["", "nan", "NaN", "inf", "-inf", "-99", "1e999", "x", "%", ",", '"', "0/0",
               "LAT", "SEGMENT", "=", "Nsbfs = 9", "2001-02-30", "25:61:61", "ÿþ", "\t", "-",
               "99999999999999999999", "1,2", "12:00Z", "+09:00"]
junk_text = st.one_of(st.sampled_from(JUNK_TOKENS),
                      st.text(alphabet=st.characters(codec="latin-1", exclude_categories=["Cs"]),
                              max_size=30))


@st.composite
def damaged(draw, text: str) -> str:
    """``text`` with one to three random kinds of damage."""
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["cut", "drop", "repeat", "replace", "field", "insert"]))
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "cut":
            joined = "".join(lines)
            lines = joined[: draw(st.integers(0, len(joined)))].splitlines(keepends=True)
        elif kind == "drop":
            del lines[i]
        elif kind == "repeat":
            lines.insert(i, lines[i])
        elif kind == "replace":
            lines[i] = draw(junk_text) + "\n"
        elif kind == "insert":
            lines.insert(i, draw(junk_text) + "\n")
        else:  # swap one field (whitespace- or comma-separated) for junk
            fields = re.split(r"(\s+|,)", lines[i])
            j = draw(st.integers(0, len(fields) - 1))
            fields[j] = draw(junk_text)
            lines[i] = "".join(fields)
    return "".join(lines)


_FOLDER = tempfile.TemporaryDirectory(prefix="skdlies-fuzz-")  # removed at exit


def write(content: str | bytes, name: str) -> Path:
    """Write ``content`` to ``name`` in one scratch folder (overwritten by each example)."""
    path = Path(_FOLDER.name) / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="latin-1" if name.endswith(".fsp") else "utf-8")
    return path


#: Messages about the whole file (no single line to blame).
FILE_LEVEL = ("no patch table", "missing mandatory header field", "segments declared",
              "the catalog file is empty", "the catalog holds no events", "missing column",
              "cannot detect the catalog format", "not a text file")


def check_error(exc: Exception, path: Path, n_lines: int) -> None:
    assert type(exc) is ValueError, f"{type(exc).__name__}: {exc}"
    message = str(exc)
    assert str(path) in message, message
    lines = [int(n) for n in re.findall(r"\bline (\d+)", message)]
    if lines:
        assert all(1 <= n <= max(n_lines, 1) for n in lines), message
    else:
        assert any(text in message for text in FILE_LEVEL), message


def count_lines(text: str | bytes) -> int:
    """Lines as an editor counts them: ends are \\n, \\r\\n or \\r."""
    pattern = rb"\r\n|\r|\n" if isinstance(text, bytes) else r"\r\n|\r|\n"
    return len(re.split(pattern, text))


def read_or_error(reader, path: Path, n_lines: int, *args):
    try:
        return reader(path, *args)
    except Exception as exc:  # the point is to see every type
        check_error(exc, path, n_lines)
        return None


def test_undamaged_files_are_read():
    model = read_fsp(write(FSP, "a.fsp"))
    assert model.n_segments == 2 and len(model.patches) == 4
    for fmt, text in CATALOGS.items():
        assert len(read_catalog(write(text, "c.csv"), fmt)) == text.count("\n") - 1


@SETTINGS
@given(damaged(FSP))
def test_fsp_reader_on_damaged_files(text):
    path = write(text, "damaged.fsp")
    model = read_or_error(read_fsp, path, count_lines(text))
    if model is not None:
        assert isinstance(model, SlipModel)
        assert list(model.patches.columns[: len(PATCH_COLUMNS)]) == list(PATCH_COLUMNS)
        assert len(model.patches) >= 1
        assert model.patches["segment"].dtype == np.int64


@SETTINGS
@given(st.binary(max_size=400))
def test_fsp_reader_on_random_bytes(data):
    path = write(data, "bytes.fsp")
    read_or_error(read_fsp, path, count_lines(data))


def check_catalog(catalog: pd.DataFrame) -> None:
    assert list(catalog.columns) == list(CATALOG_COLUMNS)
    assert str(catalog["time"].dt.tz) == "UTC"
    assert catalog["time"].notna().all() and catalog["time"].is_monotonic_increasing
    values = catalog[["latitude", "longitude", "depth_km", "magnitude"]].to_numpy()
    assert np.isfinite(values).all()
    assert catalog["latitude"].between(-90, 90).all()


@SETTINGS
@given(st.sampled_from(sorted(CATALOGS)), st.sampled_from(["auto", "explicit"]), st.data())
def test_catalog_reader_on_damaged_files(fmt, how, data):
    text = data.draw(damaged(CATALOGS[fmt]))
    path = write(text, "damaged.csv")
    args = (fmt,) if how == "explicit" else ()
    catalog = read_or_error(read_catalog, path, count_lines(text), *args)
    if catalog is not None:
        check_catalog(catalog)


@SETTINGS
@given(st.binary(max_size=400), st.sampled_from(["auto", *sorted(CATALOGS)]))
def test_catalog_reader_on_random_bytes(data, fmt):
    path = write(data, "bytes.csv")
    catalog = read_or_error(read_catalog, path, count_lines(data), fmt)
    if catalog is not None:
        check_catalog(catalog)


# -- the cases the fuzzing found, kept as plain regression tests ---------------------------------


def test_fsp_line_numbers_count_only_line_ends():
    """A control character such as \\x1e (which str.splitlines breaks on) is not a line end."""
    lines = FSP.splitlines(keepends=True)
    text = "\x1e\x0c\n" + "".join(lines[1:-1]) + "   35.1010 -117.2310\n"
    path = write(text, "ctrl.fsp")
    try:
        read_fsp(path)
    except ValueError as exc:
        assert re.search(rf"line {len(lines)}: patch row has 2 fields", str(exc)), str(exc)
    else:
        raise AssertionError("the short last row was not reported")


def test_catalog_time_out_of_range_is_a_bad_value_with_its_line():
    text = CATALOGS["comcat"].replace("1992-06-28T11:50:00.000Z", "-99")
    path = write(text, "year.csv")
    try:
        read_catalog(path)
    except ValueError as exc:
        assert re.search(r"line 3, column 'time': cannot parse '-99'", str(exc)), str(exc)
    else:
        raise AssertionError("year -99 was accepted")
    old = CATALOGS["socal"].replace("1998 6 3", "1498 6 3")
    try:
        read_catalog(write(old, "old.txt"))
    except ValueError as exc:
        assert re.search(r"line 3, column 'DY': cannot parse", str(exc)), str(exc)
    else:
        raise AssertionError("year 1498 was accepted")


def test_catalog_not_utf8_names_the_line():
    data = CATALOGS["jma"].encode() + b"1995-01-17,06:00:00,135.1,34.6,4.6,\xff\n"
    try:
        read_catalog(write(data, "latin.csv"))
    except ValueError as exc:
        assert re.search(r"latin\.csv, line 5: not a text file in UTF-8 \(byte 0xff", str(exc))
    else:
        raise AssertionError("invalid UTF-8 was accepted")
