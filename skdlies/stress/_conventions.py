"""Units, axes, signs and component order shared by every stress function in skdlies.

- Stress (change) tensors are in pascal (Pa), **tension positive**.
- Axes: x = East, y = North, z = Up (z < 0 below the surface), in metres unless
  a name says km.
- Arrays of tensors hold the six independent components in the order
  :data:`COMPONENTS` = ``("xx", "yy", "zz", "xy", "xz", "yz")``.
- DataFrames are read by column name; the default names are those of DeVries
  et al. (2018): :data:`DEVRIES_COLUMNS` = ``stresses_full_xx`` ... ``stresses_full_yz``.
- Faults: strike clockwise from North, dip to the right of strike, rake
  Aki-Richards (0 left-lateral, 90 reverse, 180 right-lateral). The receiver
  normal points into the hanging wall; shear traction is taken along the
  hanging-wall slip direction; dCFS = shear + mu * normal (tension positive).
"""

from __future__ import annotations

__all__ = ["COMPONENTS", "DEVRIES_COLUMNS", "DEVRIES_LABEL"]

#: Order of the six independent components in every (n, 6) stress array.
COMPONENTS: tuple[str, ...] = ("xx", "yy", "zz", "xy", "xz", "yz")

#: Column names of the six components in the DeVries et al. (2018) files.
DEVRIES_COLUMNS: tuple[str, ...] = tuple(f"stresses_full_{c}" for c in COMPONENTS)

#: Name of the label column (1: the cell holds aftershocks) in the DeVries et al. files.
DEVRIES_LABEL = "aftershocksyn"
