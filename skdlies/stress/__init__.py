"""Static stress-change metrics (Pa, tension positive, x East / y North / z Up)."""

from ._conventions import COMPONENTS, DEVRIES_COLUMNS, DEVRIES_LABEL

__all__ = ["COMPONENTS", "DEVRIES_COLUMNS", "DEVRIES_LABEL"]
