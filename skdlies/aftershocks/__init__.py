"""Aftershock-location forecasting after DeVries et al. (2018, Nature 560:632)."""

from ._network import AftershockNet

__all__ = ["AftershockNet"]
