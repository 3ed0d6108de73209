"""Aftershock-location forecasting after DeVries et al. (2018, Nature 560:632)."""

from ._build import build_dataset, build_event, cutde_engine, okada_engine, receiver_plane
from ._coverage import CatalogCoverage
from ._evaluation import compare_scorers, group_roc_auc, merged_roc_auc
from ._grid import grid_cells
from ._idealized import (
    StrikeAveragedFields,
    strike_averaged_fields,
    variance_explained,
    variance_explained_table,
)
from ._labels import DEFAULT_WINDOW, CellLabels, label_cells, project_events
from ._network import AftershockNet
from ._plots import plot_roc_curves, plot_score_map, plot_strike_averaged_maps

__all__ = [
    "DEFAULT_WINDOW",
    "AftershockNet",
    "CatalogCoverage",
    "CellLabels",
    "StrikeAveragedFields",
    "build_dataset",
    "build_event",
    "compare_scorers",
    "cutde_engine",
    "grid_cells",
    "group_roc_auc",
    "label_cells",
    "merged_roc_auc",
    "okada_engine",
    "plot_roc_curves",
    "plot_score_map",
    "plot_strike_averaged_maps",
    "project_events",
    "receiver_plane",
    "strike_averaged_fields",
    "variance_explained",
    "variance_explained_table",
]
