"""Reader for SRCMOD finite-fault slip models in the FSP text format.

An FSP file (Mai & Thingbaijam 2014, http://equake-rc.info/srcmod/) is a ``%``
comment header followed by one table of subfaults ("patches") per fault
segment. The header gives the event (``Event :``, ``EventTAG:``), the
hypocentre (``Loc :``), size and moment (``Size :``), the mean mechanism
(``Mech :``), the inversion grid (``Invs :`` with ``Nx``, ``Nz``, ``Dx``,
``Dz``, ``Nsg``) and the number of subfaults (``Nsbfs``). Multi-segment files
have one ``% SEGMENT # k: STRIKE = ... DIP = ...`` block per segment with its
own ``LEN``, ``WID``, optional ``Dx``/``Dz``, ``Nsbfs`` and column header.

All 199 SRCMOD files checked state in their header: "Coordinates are given for
top-center of each subfault or segment", with "X,Y,Z coordinates in km; SLIP
in m" and the origin of X (east) and Y (north) at the epicentre. The reader
keeps that convention: ``lat``, ``lon``, ``x_km``, ``y_km`` and ``depth_km``
of a patch are its top-centre (the middle of its up-dip edge).

P. M. Mai & K. K. S. Thingbaijam, "SRCMOD: An Online Database of Finite-Fault
Rupture Models", Seismol. Res. Lett. 85 (6), 1348-1357 (2014).
"""

from __future__ import annotations

import datetime
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["SlipModel", "read_fsp"]

PathLike = str | os.PathLike[str]

MISSING = -99.0
"""SRCMOD's code for an unknown header value (read as NaN, or None for ``moment``)."""

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_KEY_VALUE = re.compile(rf"([A-Za-z][A-Za-z0-9]*)\s*=\s*({_NUMBER})")
_LABEL = re.compile(r"^([A-Za-z]+)\s*:(.*)$")
_SEGMENT = re.compile(r"^SEGMENT\s*#\s*(\d+)\s*:", re.IGNORECASE)
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_REFERENCE = re.compile(r"\[(.*?)\]")
_LINE_END = re.compile(r"\r\n|\r|\n")

# Table columns renamed on output; every other column is kept in lower case.
_RENAME = {
    "LAT": "lat",
    "LON": "lon",
    "X==EW": "x_km",
    "Y==NS": "y_km",
    "Z": "depth_km",
    "SLIP": "slip_m",
    "STRIKE": "strike",
    "DIP": "dip",
    "RAKE": "rake",
}
_REQUIRED_COLUMNS = ("LAT", "LON", "X==EW", "Y==NS", "Z", "SLIP")
PATCH_COLUMNS = (
    "segment",
    "lat",
    "lon",
    "x_km",
    "y_km",
    "depth_km",
    "strike",
    "dip",
    "rake",
    "slip_m",
    "length_km",
    "width_km",
)
"""The columns every ``SlipModel.patches`` has, in this order (extras follow)."""

# (header key, description) of the fields a file must have.
_MANDATORY = (
    ("Loc.LAT", "hypocentre latitude (Loc : LAT)"),
    ("Loc.LON", "hypocentre longitude (Loc : LON)"),
    ("Loc.DEP", "hypocentre depth (Loc : DEP)"),
    ("Size.Mw", "moment magnitude (Size : Mw)"),
    ("Mech.STRK", "strike (Mech : STRK)"),
    ("Mech.DIP", "dip (Mech : DIP)"),
    ("Mech.RAKE", "rake (Mech : RAKE)"),
)


@dataclass(frozen=True, eq=False)
class SlipModel:
    """A finite-fault slip model read from an SRCMOD FSP file.

    Attributes
    ----------
    tag : str
        The SRCMOD event tag (``EventTAG``), e.g. ``"s1999HECTOR01SALI"``.
    name : str
        The event name of the ``Event :`` line, e.g. ``"Hector Mine (Calif.)"``.
    date : datetime.date or None
        The event date (the ``MM/DD/YYYY`` of the ``Event :`` line), or None
        if the line has no date.
    hypocentre : tuple of float
        ``(lat, lon, depth_km)``: latitude and longitude (degrees) and depth
        (km, positive down) of the hypocentre (``Loc :``).
    mw : float
        Moment magnitude.
    moment : float or None
        Seismic moment (N m), None if absent or given as -99.
    strike, dip, rake : float
        The header's mean mechanism (``Mech :``), degrees; NaN where the file
        gives -99 (unknown), as some multi-segment models do for the strike.
    n_segments : int
        Number of fault segments (1 for a file without ``SEGMENT`` blocks).
    patches : pandas.DataFrame
        One row per subfault, in file order. Columns (see ``PATCH_COLUMNS``):

        - ``segment`` (int, 1-based);
        - ``lat``, ``lon`` (degrees), ``x_km`` (east), ``y_km`` (north) from
          the epicentre, and ``depth_km`` (the file's ``Z``, km, positive
          down; may be slightly negative above sea level): the **top-centre**
          of the subfault, as the FSP header states;
        - ``strike``, ``dip``, ``rake`` (degrees): from the table when it has
          such a column, else the segment's ``STRIKE``/``DIP`` (multi-segment
          files) or the header's ``Mech`` values; segments carry no rake, so
          without a ``RAKE`` column the header rake is used;
        - ``slip_m`` (m);
        - ``length_km`` (along strike) and ``width_km`` (down dip): the
          subfault size, from the segment's ``Dx``/``Dz``, else the header's
          ``Invs : Dx``/``Dz``, else ``LEN/Nx`` and ``WID/Nz`` of the header
          (single-segment files only); NaN if none is known;
        - every other table column in lower case and file order, e.g.
          ``trup`` (rupture time, s), ``rise`` (rise time, s), ``sf_mom``,
          ``tw1`` (slip in time window 1, m), ``raketw1``. A repeated name
          gets a suffix: the second ``RAKE`` becomes ``rake_2``, etc.
    reference : str or None
        The study cited in brackets on the ``Event :`` line.
    """

    tag: str
    name: str
    date: datetime.date | None
    hypocentre: tuple[float, float, float]
    mw: float
    moment: float | None
    strike: float
    dip: float
    rake: float
    n_segments: int
    patches: pd.DataFrame
    reference: str | None = None

    def __repr__(self) -> str:
        return (
            f"SlipModel(tag={self.tag!r}, name={self.name!r}, date={self.date}, "
            f"mw={self.mw}, n_segments={self.n_segments}, n_patches={len(self.patches)})"
        )


@dataclass
class _Segment:
    """One segment's header values and patch table while parsing."""

    number: int
    line: int
    values: dict[str, float] = field(default_factory=dict)
    columns: list[str] | None = None
    table_line: int = 0
    rows: list[list[float]] = field(default_factory=list)
    last_line: int = 0


class _Parser:
    """Line-by-line FSP parser; ``error`` prefixes messages with file and line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.header: dict[str, float] = {}
        self.header_lines: dict[str, int] = {}
        self.texts: dict[str, tuple[str, int]] = {}
        self.segments: list[_Segment] = []
        self.n_lines = 0

    def error(self, line: int | None, message: str) -> ValueError:
        where = f"{self.path}, line {line}" if line else f"{self.path}"
        return ValueError(f"{where}: {message}")

    # -- reading ------------------------------------------------------------

    def feed(self, lines: list[str]) -> None:
        for number, raw in enumerate(lines, start=1):
            text = raw.strip()
            if not text:
                continue
            if text.startswith("%"):
                self._comment(text.lstrip("%").strip(), number)
            else:
                self._row(text, number)
        self.n_lines = len(lines)

    def _comment(self, body: str, line: int) -> None:
        segment_match = _SEGMENT.match(body)
        if segment_match:
            self._start_segment(int(segment_match.group(1)), body, line)
            return
        tokens = body.split()
        if tokens[:2] == ["LAT", "LON"]:
            self._start_table(tokens, line)
            return
        label = _LABEL.match(body)
        if label:
            self._labelled(label.group(1), label.group(2), line)
            return
        self._key_values(body, line)

    def _labelled(self, label: str, rest: str, line: int) -> None:
        if label in ("Event", "EventTAG"):
            self.texts.setdefault(label, (rest.strip(), line))
            return
        for key, value in _KEY_VALUE.findall(rest):
            name = f"{label}.{key}"
            self.header.setdefault(name, float(value))
            self.header_lines.setdefault(name, line)

    def _key_values(self, body: str, line: int) -> None:
        pairs = {key: float(value) for key, value in _KEY_VALUE.findall(body)}
        current = self.segments[-1] if self.segments else None
        if current is None:
            for key, value in pairs.items():
                self.header.setdefault(key, value)
                self.header_lines.setdefault(key, line)
        elif current.columns is None:
            for key, value in pairs.items():
                current.values.setdefault(key, value)

    def _start_segment(self, number: int, body: str, line: int) -> None:
        values = {key: float(value) for key, value in _KEY_VALUE.findall(body)}
        self.segments.append(_Segment(number=number, line=line, values=values))

    def _start_table(self, tokens: list[str], line: int) -> None:
        if not self.segments:
            self.segments.append(_Segment(number=1, line=line))
        current = self.segments[-1]
        if current.columns is not None:
            raise self.error(
                line,
                f"second patch-table header in segment {current.number} "
                f"(the first is at line {current.table_line}); "
                "a new table needs a '% SEGMENT # k:' line first",
            )
        missing = [name for name in _REQUIRED_COLUMNS if name not in tokens]
        if missing:
            raise self.error(line, f"patch-table header lacks column(s) {missing}")
        current.columns = tokens
        current.table_line = line
        current.last_line = line

    def _row(self, text: str, line: int) -> None:
        current = self.segments[-1] if self.segments else None
        if current is None or current.columns is None:
            # SRCMOD headers hold one uncommented line of numbers (after
            # "Rmin"); lines before the first table header are not patches.
            if any(segment.columns is not None for segment in self.segments):
                raise self.error(line, "data line outside a patch table")
            return
        fields = text.split()
        if len(fields) != len(current.columns):
            raise self.error(
                line,
                f"patch row has {len(fields)} fields, expected {len(current.columns)} "
                f"(columns {' '.join(current.columns)} of line {current.table_line})",
            )
        current.rows.append(
            [
                self._number(value, name, line)
                for value, name in zip(fields, current.columns, strict=True)
            ]
        )
        current.last_line = line
        expected = self._expected_rows(current)
        if expected is not None and len(current.rows) > expected:
            raise self.error(
                line,
                f"segment {current.number} has more patch rows than Nsbfs = {expected}",
            )

    def _number(self, value: str, column: str, line: int) -> float:
        try:
            number = float(value)
        except ValueError:
            raise self.error(
                line, f"non-numeric value {value!r} in column {column} of a patch row"
            ) from None
        if not math.isfinite(number):
            raise self.error(line, f"non-finite value {value!r} in column {column}")
        return number

    def _expected_rows(self, segment: _Segment) -> int | None:
        if "Nsbfs" in segment.values:
            return int(segment.values["Nsbfs"])
        if len(self.segments) == 1 and "Nsbfs" in self.header:
            return int(self.header["Nsbfs"])
        return None

    # -- checking -----------------------------------------------------------

    def check(self) -> None:
        tables = [segment for segment in self.segments if segment.columns is not None]
        if not tables:
            raise self.error(None, "no patch table (no '% LAT LON X==EW Y==NS Z SLIP ...' line)")
        self._check_mandatory()
        for segment in self.segments:
            self._check_segment(segment)
        self._check_segment_count()

    def _check_mandatory(self) -> None:
        for label in ("EventTAG", "Event"):
            if label not in self.texts or not self.texts[label][0]:
                raise self.error(None, f"missing mandatory header field '{label}:'")
        for key, description in _MANDATORY:
            if key not in self.header:
                raise self.error(None, f"missing mandatory header field {description}")

    def _check_segment(self, segment: _Segment) -> None:
        if segment.columns is None:
            raise self.error(segment.line, f"segment {segment.number} has no patch table")
        expected = self._expected_rows(segment)
        if expected is None:
            raise self.error(
                segment.table_line,
                f"missing mandatory header field Nsbfs for segment {segment.number}",
            )
        if len(segment.rows) < expected:
            raise self.error(
                segment.last_line,
                f"truncated patch table: segment {segment.number} (table header at line "
                f"{segment.table_line}) ends with {len(segment.rows)} rows, Nsbfs = {expected}",
            )

    def _check_segment_count(self) -> None:
        declared = self.header.get("Invs.Nsg")
        if declared is not None and int(declared) != len(self.segments):
            raise self.error(
                self.header_lines["Invs.Nsg"],
                f"Nsg = {int(declared)} segments declared, {len(self.segments)} found "
                "(truncated file?)",
            )

    # -- building -----------------------------------------------------------

    def build(self) -> SlipModel:
        header = self.header
        name, date, reference = self._event()
        return SlipModel(
            tag=self.texts["EventTAG"][0].split()[0],
            name=name,
            date=date,
            hypocentre=(header["Loc.LAT"], header["Loc.LON"], header["Loc.DEP"]),
            mw=header["Size.Mw"],
            moment=_optional(header.get("Size.Mo")),
            strike=_known(header["Mech.STRK"]),
            dip=_known(header["Mech.DIP"]),
            rake=_known(header["Mech.RAKE"]),
            n_segments=len(self.segments),
            patches=self._patches(),
            reference=reference,
        )

    def _event(self) -> tuple[str, datetime.date | None, str | None]:
        text, line = self.texts["Event"]
        reference_match = _REFERENCE.search(text)
        reference = reference_match.group(1).strip() if reference_match else None
        text = _REFERENCE.sub("", text)
        date_match = _DATE.search(text)
        if date_match is None:
            return text.strip(), None, reference
        month, day, year = (int(group) for group in date_match.groups())
        try:
            date = datetime.date(year, month, day)
        except ValueError as exc:
            raise self.error(line, f"invalid event date {date_match.group(0)!r}: {exc}") from None
        return text[: date_match.start()].strip(), date, reference

    def _patches(self) -> pd.DataFrame:
        frames = [self._segment_frame(segment) for segment in self.segments]
        patches = pd.concat(frames, ignore_index=True)
        extras = [name for name in patches.columns if name not in PATCH_COLUMNS]
        patches = patches[[*PATCH_COLUMNS, *extras]]
        patches["segment"] = patches["segment"].astype(np.int64)
        return patches

    def _segment_frame(self, segment: _Segment) -> pd.DataFrame:
        assert segment.columns is not None
        values = np.asarray(segment.rows, dtype=np.float64).reshape(-1, len(segment.columns))
        names = _output_names(segment.columns)
        frame = pd.DataFrame(values, columns=names)
        n = len(frame)
        length, width = self._patch_size(segment)
        defaults = {
            "segment": segment.number,
            "strike": _known(segment.values.get("STRIKE", self.header["Mech.STRK"])),
            "dip": _known(segment.values.get("DIP", self.header["Mech.DIP"])),
            "rake": _known(self.header["Mech.RAKE"]),
            "length_km": length,
            "width_km": width,
        }
        for name, value in defaults.items():
            if name not in frame.columns:
                frame[name] = np.full(n, value, dtype=np.int64 if name == "segment" else None)
        return frame

    def _patch_size(self, segment: _Segment) -> tuple[float, float]:
        """Subfault length along strike and width down dip, km (NaN if unknown)."""
        header = self.header
        single = len(self.segments) == 1
        sizes = []
        for step, extent, count in (("Dx", "LEN", "Nx"), ("Dz", "WID", "Nz")):
            size = _known(segment.values.get(step, math.nan))
            if math.isnan(size):
                size = _known(header.get(f"Invs.{step}", math.nan))
            if (math.isnan(size) or size <= 0) and single:
                size = _ratio(header.get(f"Size.{extent}"), header.get(f"Invs.{count}"))
            sizes.append(size if size > 0 else math.nan)
        return sizes[0], sizes[1]


def _output_names(columns: list[str]) -> list[str]:
    """Output column names: renamed or lower case, repeats suffixed ``_2``, ``_3``, ..."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for column in columns:
        base = _RENAME.get(column, column.lower())
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base}_{seen[base]}")
    return names


def _known(value: float) -> float:
    """``value``, or NaN for SRCMOD's "unknown" code -99."""
    return math.nan if value == MISSING else float(value)


def _optional(value: float | None) -> float | None:
    """``value``, or None when absent or -99."""
    return None if value is None or value == MISSING else float(value)


def _ratio(extent: float | None, count: float | None) -> float:
    """``extent / count`` (km per subfault), NaN if either is missing or not positive."""
    if extent is None or count is None or extent <= 0 or count <= 0:
        return math.nan
    return extent / count


def read_fsp(path: PathLike) -> SlipModel:
    """Read an SRCMOD finite-fault slip model from an FSP text file.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.fsp`` file (ASCII text).

    Returns
    -------
    SlipModel
        Event metadata and one ``patches`` row per subfault. Patch
        coordinates are the **top-centre** of each subfault, as the FSP
        header states ("Coordinates are given for top-center of each subfault
        or segment"): ``lat``/``lon`` (degrees), ``x_km``/``y_km`` (km east/
        north of the epicentre), ``depth_km`` (the file's ``Z``, km, positive
        down). ``slip_m`` is in metres, angles in degrees; see
        :class:`SlipModel` for every column and the fall-backs used.

    Raises
    ------
    OSError
        If ``path`` cannot be read: ``FileNotFoundError`` if it does not
        exist, ``IsADirectoryError`` for a folder, ``PermissionError``, ...;
        the message names the file.
    ValueError
        If the file is malformed; the message names the file and, where there
        is one, the 1-based line: a patch row with the wrong number of fields
        or a non-numeric value, a truncated patch table (fewer rows than its
        ``Nsbfs``) or fewer segments than ``Nsg``, a missing mandatory header
        field (``EventTAG``, ``Event``, ``Loc`` LAT/LON/DEP, ``Mw``, ``Mech``
        STRK/DIP/RAKE, ``Nsbfs``), or no patch table at all.

    Notes
    -----
    Uncommented lines before the first patch-table header are ignored: the
    SRCMOD headers carry one (the un-prefixed row after ``% Rmin``). Header
    values of -99 mean "unknown" in SRCMOD and are read as NaN (None for
    ``moment``).

    Examples
    --------
    >>> model = read_fsp("s1999HECTOR01SALI.fsp")  # doctest: +SKIP
    >>> model.n_segments, len(model.patches)  # doctest: +SKIP
    (4, 144)
    """
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="latin-1")
    except OSError as exc:  # the same kind of error (not found, permission, a folder), named
        raise OSError(exc.errno, f"cannot read FSP file {path}: {exc.strerror or exc}") from exc
    parser = _Parser(path)
    # split on line ends only: str.splitlines also splits on \f, \x1c-\x1e, \x85, ...,
    # which would shift the line numbers of the messages away from an editor's
    parser.feed(_LINE_END.split(text))
    parser.check()
    return parser.build()
