"""Tests for ``read_fsp`` on small invented files in the SRCMOD FSP layout."""

from __future__ import annotations

import dataclasses
import datetime
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skdlies.datasets import SlipModel, read_fsp
from skdlies.datasets._fsp import PATCH_COLUMNS

SINGLE = """\
% ----------------------------------  FINITE-SOURCE RUPTURE MODEL  ----------------
%
% Event : Testville (Calif.) \t\t03/14/2001 \t\t[Doe et al. (2003) ]
% EventTAG: s2001TESTVI01DOEx
%
% Loc  : LAT  = 35.10 \t\tLON = -117.20\t\tDEP = 6.5
% Size : LEN  = 10.0 km \tWID =  8.0 km\t\tMw = 6.10\tMo = 1.6e+18 Nm
% Mech : STRK = 120.0\t\tDIP = 70.0\t\tRAKE = 170.0\tHtop = 0.5 km
% Rupt : HypX = 5.00 km \tHypZ = 6.00 km \t\tavTr = 1.0 s\tavVr = 2.8 km/s
%
% Invs :  Nx  =  2 \tNz  = 2 \tFmin = 0.00 Hz \tFmax = 1.00 Hz
% Invs :  Dx  =  5.00 km \tDz  = 4.00 km
% Invs :  Ntw =  1\tNsg =  1 \t\t\t(# of time-windows,# of fault segments)
% Invs :  LEN =  1.0 s\tSHF =  0.0 s \t\t(time-window length and time-shift)
% Data : \tSGM\tTELE\tTRIL\tLEVEL\tGPS\tINSAR\tSURF\tOTHER
% Rmin : \t0\t0\t0\t0\t0\t0\t0\t0
\t999.0\t0.0\t0.0\t0.0\t0.0\t0.0\t0.0\t0.0
%
% SOURCE MODEL PARAMETERS
% \tNsbfs = 4 subfaults
% \t\tX,Y,Z coordinates in km; SLIP in m
%   Coordinates are given for top-center of each subfault or segment: |'|
%   Origin of local coordinate system at epicenter: X (EW) = 0,  Y (NS) = 0
%    LAT       LON       X==EW       Y==NS       Z       SLIP     RAKE    TRUP   RISE  SF_MOM
% ------------------------------------------------------------------------------------
   35.0800 -117.1900   -2.0000   -1.0000    0.5000    1.2500  165.0    0.50   1.10  1.0e+17
   35.1000 -117.2300    2.0000    1.0000    0.5000    2.5000  175.0    1.50   1.20  2.0e+17
   35.0810 -117.1910   -1.9000   -0.9000    4.2600    0.7500  160.0    2.50   1.30  3.0e+17
   35.1010 -117.2310    2.1000    1.1000    4.2600    0.0000  180.0    3.50   1.40  0.0e+00

"""

MULTI = """\
% ----------------------------------  FINITE-SOURCE RUPTURE MODEL  ----------------
%
% Event : Twofold (Japan) \t\t11/02/1995 \t\t[Roe and Poe (1997) ]
% EventTAG: s1995TWOFOL01ROEx
%
% Loc  : LAT  = 34.60 \t\tLON = 135.00\t\tDEP = 12.0
% Size : LEN  = 12.0 km \tWID =  6.0 km\t\tMw = 6.50\tMo = 6.3e+18 Nm
% Mech : STRK = -99.0\t\tDIP = 75.0\t\tRAKE = 10.0\tHtop = 1.0 km
%
% Invs :  Nx  =  4 \tNz  = 2 \tFmin = 0.00 Hz \tFmax = 0.50 Hz
% Invs :  Dx  =  3.00 km \tDz  = 3.00 km
% Invs :  Ntw =  1\tNsg =  2 \t\t\t(# of time-windows,# of fault segments)
%
% SOURCE MODEL PARAMETERS
%   Coordinates are given for top-center of each subfault or segment: |'|
% -----------------------------   MULTISEGMENT MODEL   -----------------------------
% SEGMENT #  1:  STRIKE =  40.0 deg       DIP =  80.0 deg
%                   LEN  =  4.00 km       WID =  6.00 km
%\t\t      Dx =   2.00 km       Dz = 6.00 km
%   depth to top:   Z2top = 1.00 km
%   coordinates of top-center:
%                   LAT =  34.6000 ,       LON = 135.0000
%   hypocenter on SEG # 1 : along-strike (X) = 2.0 , down-dip (Z) = 11.0
%   Nsbfs =  2 subfaults
% ------------------------------------------------------------------------------------
%    LAT     LON     X==EW     Y==NS     Z     SLIP
% ------------------------------------------------------------------------------------
   34.5900  134.9900   -0.6000   -0.8000    1.0000    1.5000
   34.6100  135.0100    0.6000    0.8000    1.0000    0.5000
% ------------------------------------------------------------------------------------
% SEGMENT #  2:  STRIKE =  60.0 deg       DIP =  70.0 deg
%                   LEN  =  9.00 km       WID =  3.00 km
%   depth to top:   Z2top = 1.00 km
%   Nsbfs =  3 subfaults
% ------------------------------------------------------------------------------------
%    LAT     LON     X==EW     Y==NS     Z     SLIP     TRUP
% ------------------------------------------------------------------------------------
   34.6200  135.0300    2.5000    1.4000    1.0000    2.0000    1.0000
   34.6300  135.0600    5.1000    2.9000    1.0000    3.0000    2.0000
   34.6400  135.0900    7.7000    4.4000    1.0000    4.0000    3.0000
"""


def write(tmp_path: Path, text: str, name: str = "model.fsp") -> Path:
    """Write ``text`` to ``tmp_path / name`` and return the path."""
    path = tmp_path / name
    path.write_text(text)
    return path


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the ``occurrence``-th ``fragment``."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    return hits[occurrence - 1]


def drop_line(text: str, fragment: str) -> str:
    """``text`` without its (first) line containing ``fragment``."""
    lines = text.splitlines(keepends=True)
    del lines[line_of(text, fragment) - 1]
    return "".join(lines)


# -- single segment ----------------------------------------------------------


def test_single_segment_metadata(tmp_path):
    model = read_fsp(write(tmp_path, SINGLE))
    assert isinstance(model, SlipModel)
    assert model.tag == "s2001TESTVI01DOEx"
    assert model.name == "Testville (Calif.)"
    assert model.date == datetime.date(2001, 3, 14)
    assert model.reference == "Doe et al. (2003)"
    assert model.hypocentre == (35.10, -117.20, 6.5)
    assert model.mw == 6.10
    assert model.moment == 1.6e18
    assert (model.strike, model.dip, model.rake) == (120.0, 70.0, 170.0)
    assert model.n_segments == 1
    assert "s2001TESTVI01DOEx" in repr(model)


def test_single_segment_patches(tmp_path):
    patches = read_fsp(write(tmp_path, SINGLE)).patches
    assert isinstance(patches, pd.DataFrame)
    assert list(patches.columns) == [*PATCH_COLUMNS, "trup", "rise", "sf_mom"]
    assert len(patches) == 4
    assert patches["segment"].dtype == np.int64
    assert (patches["segment"] == 1).all()
    np.testing.assert_allclose(patches["lat"], [35.08, 35.10, 35.081, 35.101])
    np.testing.assert_allclose(patches["lon"], [-117.19, -117.23, -117.191, -117.231])
    np.testing.assert_allclose(patches["x_km"], [-2.0, 2.0, -1.9, 2.1])
    np.testing.assert_allclose(patches["y_km"], [-1.0, 1.0, -0.9, 1.1])
    np.testing.assert_allclose(patches["depth_km"], [0.5, 0.5, 4.26, 4.26])
    np.testing.assert_allclose(patches["slip_m"], [1.25, 2.5, 0.75, 0.0])
    # per-patch rake from the table; strike and dip from the header (Mech)
    np.testing.assert_allclose(patches["rake"], [165.0, 175.0, 160.0, 180.0])
    assert (patches["strike"] == 120.0).all()
    assert (patches["dip"] == 70.0).all()
    # subfault size from Invs : Dx / Dz
    assert (patches["length_km"] == 5.0).all()
    assert (patches["width_km"] == 4.0).all()
    np.testing.assert_allclose(patches["trup"], [0.5, 1.5, 2.5, 3.5])
    np.testing.assert_allclose(patches["rise"], [1.1, 1.2, 1.3, 1.4])
    np.testing.assert_allclose(patches["sf_mom"], [1e17, 2e17, 3e17, 0.0])


def test_model_is_frozen(tmp_path):
    model = read_fsp(write(tmp_path, SINGLE))
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.mw = 7.0  # type: ignore[misc]


def test_accepts_str_path(tmp_path):
    assert read_fsp(str(write(tmp_path, SINGLE))).tag == "s2001TESTVI01DOEx"


def test_size_falls_back_to_len_over_nx(tmp_path):
    text = drop_line(SINGLE, "Dx  =  5.00 km")
    patches = read_fsp(write(tmp_path, text)).patches
    assert (patches["length_km"] == 10.0 / 2).all()
    assert (patches["width_km"] == 8.0 / 2).all()


def test_without_rake_column_uses_header_rake(tmp_path):
    text = SINGLE.replace("SLIP     RAKE    TRUP", "SLIP     TRUP    TRUP")
    patches = read_fsp(write(tmp_path, text)).patches
    assert (patches["rake"] == 170.0).all()
    assert "trup_2" in patches.columns  # a repeated name gets a suffix


def test_without_date_or_moment(tmp_path):
    text = SINGLE.replace("03/14/2001", "").replace("Mo = 1.6e+18 Nm", "")
    model = read_fsp(write(tmp_path, text))
    assert model.date is None
    assert model.moment is None
    assert model.name == "Testville (Calif.)"


# -- two segments ------------------------------------------------------------


def test_two_segments(tmp_path):
    model = read_fsp(write(tmp_path, MULTI))
    assert model.tag == "s1995TWOFOL01ROEx"
    assert model.name == "Twofold (Japan)"
    assert model.date == datetime.date(1995, 11, 2)
    assert model.reference == "Roe and Poe (1997)"
    assert model.hypocentre == (34.60, 135.00, 12.0)
    assert (model.mw, model.moment) == (6.50, 6.3e18)
    assert math.isnan(model.strike)  # -99 means unknown
    assert (model.dip, model.rake) == (75.0, 10.0)
    assert model.n_segments == 2

    patches = model.patches
    assert list(patches.columns) == [*PATCH_COLUMNS, "trup"]
    assert patches["segment"].tolist() == [1, 1, 2, 2, 2]
    np.testing.assert_allclose(patches["lat"], [34.59, 34.61, 34.62, 34.63, 34.64])
    np.testing.assert_allclose(patches["lon"], [134.99, 135.01, 135.03, 135.06, 135.09])
    np.testing.assert_allclose(patches["x_km"], [-0.6, 0.6, 2.5, 5.1, 7.7])
    np.testing.assert_allclose(patches["y_km"], [-0.8, 0.8, 1.4, 2.9, 4.4])
    np.testing.assert_allclose(patches["depth_km"], [1.0] * 5)
    np.testing.assert_allclose(patches["slip_m"], [1.5, 0.5, 2.0, 3.0, 4.0])
    # strike and dip per segment, rake from the header (no RAKE column)
    assert patches["strike"].tolist() == [40.0, 40.0, 60.0, 60.0, 60.0]
    assert patches["dip"].tolist() == [80.0, 80.0, 70.0, 70.0, 70.0]
    assert (patches["rake"] == 10.0).all()
    # segment 1 has its own Dx/Dz, segment 2 falls back to Invs : Dx/Dz
    assert patches["length_km"].tolist() == [2.0, 2.0, 3.0, 3.0, 3.0]
    assert patches["width_km"].tolist() == [6.0, 6.0, 3.0, 3.0, 3.0]
    # a column only segment 2 has is NaN on segment 1
    assert patches["trup"].isna().tolist() == [True, True, False, False, False]
    np.testing.assert_allclose(patches["trup"].iloc[2:], [1.0, 2.0, 3.0])


# -- errors --------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"absent\.fsp"):
        read_fsp(tmp_path / "absent.fsp")


def test_directory_is_not_readable(tmp_path):
    with pytest.raises(IsADirectoryError, match="cannot read FSP file"):  # not "not found"
        read_fsp(tmp_path)


def test_row_with_wrong_number_of_fields(tmp_path):
    text = SINGLE.replace("0.7500  160.0    2.50   1.30  3.0e+17", "0.7500  160.0    2.50   1.30")
    path = write(tmp_path, text)
    line = line_of(text, "0.7500  160.0")
    message = rf"{re.escape(str(path))}, line {line}: patch row has 9 fields, expected 10"
    with pytest.raises(ValueError, match=message):
        read_fsp(path)


def test_row_with_non_numeric_value(tmp_path):
    text = SINGLE.replace("2.5000  175.0", "2.5x00  175.0")
    path = write(tmp_path, text)
    line = line_of(text, "2.5x00")
    with pytest.raises(ValueError, match=rf"model.fsp, line {line}: non-numeric value '2.5x00'"):
        read_fsp(path)


def test_row_with_wrong_field_count_in_second_segment(tmp_path):
    text = MULTI.replace("5.1000    2.9000    1.0000    3.0000    2.0000", "5.1 2.9 1.0")
    line = line_of(text, "5.1 2.9 1.0")
    with pytest.raises(ValueError, match=rf"line {line}: patch row has 5 fields, expected 7"):
        read_fsp(write(tmp_path, text))


def test_truncated_single_table(tmp_path):
    text = drop_line(SINGLE, "35.1010 -117.2310")
    last_row = line_of(text, "35.0810 -117.1910")
    message = rf"line {last_row}: truncated patch table: segment 1 .* 3 rows, Nsbfs = 4"
    with pytest.raises(ValueError, match=message):
        read_fsp(write(tmp_path, text))


def test_truncated_first_segment(tmp_path):
    text = drop_line(MULTI, "34.6100  135.0100")
    last_row = line_of(text, "34.5900  134.9900")
    with pytest.raises(ValueError, match=rf"line {last_row}: truncated .* segment 1"):
        read_fsp(write(tmp_path, text))


def test_file_cut_after_first_segment(tmp_path):
    cut = MULTI[: MULTI.index("% SEGMENT #  2")]
    line = line_of(cut, "Nsg =  2")
    with pytest.raises(ValueError, match=rf"line {line}: Nsg = 2 segments declared, 1 found"):
        read_fsp(write(tmp_path, cut))


def test_too_many_rows(tmp_path):
    extra = "35.102 -117.232 2.2 1.2 4.26 0.1 180.0 3.6 1.4 0.0\n"
    text = SINGLE.rstrip("\n") + "\n" + extra
    line = len(text.splitlines())
    with pytest.raises(ValueError, match=rf"line {line}: .* more patch rows than Nsbfs = 4"):
        read_fsp(write(tmp_path, text))


@pytest.mark.parametrize(
    ("fragment", "field"),
    [
        ("EventTAG:", "EventTAG"),
        ("% Event :", "Event"),
        ("Loc  :", "hypocentre latitude"),
        ("Size :", "moment magnitude"),
        ("Mech :", "strike"),
        ("Nsbfs = 4", "Nsbfs"),
    ],
)
def test_missing_mandatory_field(tmp_path, fragment, field):
    path = write(tmp_path, drop_line(SINGLE, fragment))
    with pytest.raises(ValueError, match=rf"model.fsp.*missing mandatory header field.*{field}"):
        read_fsp(path)


def test_missing_segment_nsbfs_names_the_table_line(tmp_path):
    text = drop_line(MULTI, "Nsbfs =  3")
    line = line_of(text, "LAT     LON     X==EW", occurrence=2)
    with pytest.raises(ValueError, match=rf"line {line}: missing .* Nsbfs for segment 2"):
        read_fsp(write(tmp_path, text))


def test_no_patch_table(tmp_path):
    text = SINGLE[: SINGLE.index("%    LAT       LON")]
    with pytest.raises(ValueError, match=r"model.fsp: no patch table"):
        read_fsp(write(tmp_path, text))


def test_table_header_lacking_slip(tmp_path):
    text = SINGLE.replace("Z       SLIP", "Z       SLOP")
    line = line_of(text, "SLOP")
    with pytest.raises(ValueError, match=rf"line {line}: .*lacks column.*SLIP"):
        read_fsp(write(tmp_path, text))


def test_invalid_date(tmp_path):
    text = SINGLE.replace("03/14/2001", "13/14/2001")
    with pytest.raises(ValueError, match=r"line 3: invalid event date '13/14/2001'"):
        read_fsp(write(tmp_path, text))
