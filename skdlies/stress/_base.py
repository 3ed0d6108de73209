"""The shared contract of the stress transformers: named input columns in, metric columns out.

A stress transformer is stateless: ``fit`` only validates the input and records
``n_features_in_`` (and ``feature_names_in_`` for DataFrames); ``transform``
reads its input columns and returns float64 columns named by
``get_feature_names_out``. Subclasses differ only in the metric they compute
(``_compute``) and in the names of its columns (``_names_out``).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.validation import _check_feature_names_in, check_array, validate_data

from ._conventions import COMPONENTS

__all__ = ["MIN_PLAUSIBLE_MAX_PA", "BaseStressTransformer", "StressUnitsWarning"]

#: If no component of a whole input exceeds this (Pa) in magnitude, the stresses are
#: probably in MPa or kPa: coseismic stress changes near a rupture reach 1e5..1e7 Pa.
MIN_PLAUSIBLE_MAX_PA = 100.0


class StressUnitsWarning(UserWarning):
    """Stresses look as if they were not given in pascal (e.g. MPa)."""


def warn_if_not_pascal(X: np.ndarray) -> None:
    """Warn with :class:`StressUnitsWarning` when no |component| of X reaches 100 Pa."""
    largest = max(float(X.max()), -float(X.min()))
    if 0 < largest < MIN_PLAUSIBLE_MAX_PA:
        warnings.warn(
            f"The largest absolute stress component is {largest:.3g}, below "
            f"{MIN_PLAUSIBLE_MAX_PA:g} Pa: are the stresses in MPa or kPa? skdlies expects "
            "pascal (multiply MPa by 1e6).",
            StressUnitsWarning,
            stacklevel=4,
        )


class BaseStressTransformer(TransformerMixin, BaseEstimator):
    """Base class of the stateless stress transformers.

    Input contract: a DataFrame is read by column name, from the ``columns``
    parameter of the subclass (extra columns are ignored); any other array-like
    is read by position, its columns being ``_positional`` in that order
    (exactly, or at least, see ``_exact_width``). Values must be finite.

    Subclasses set the class attributes below and implement ``_compute`` and
    ``_names_out``.
    """

    _parameter_constraints: dict = {"columns": [tuple, list]}

    #: Meaning of the input columns, in order (for positional arrays and messages).
    _positional: tuple[str, ...] = COMPONENTS
    #: True: arrays have exactly len(_positional) columns; False: the first ones are read.
    _exact_width: bool = True
    #: Whether the input holds stresses in Pa (checked by :func:`warn_if_not_pascal`).
    _stress_input: bool = True

    def _compute(self, X: np.ndarray) -> np.ndarray:
        """The metric of the (n, len(_positional)) float64 input, as an (n, k) array."""
        raise NotImplementedError

    def _names_out(self) -> list[str]:
        """The k output column names (they may depend on the parameters only)."""
        raise NotImplementedError

    def _check_params(self) -> None:
        """Checks of the parameters beyond ``_parameter_constraints`` (ValueError)."""

    # -- validation -------------------------------------------------------------------------------

    def _select(self, X):
        """The input columns of a DataFrame, by name; any other input unchanged."""
        columns = list(self.columns)
        if len(columns) != len(self._positional):
            raise ValueError(
                f"columns must name {len(self._positional)} columns "
                f"({', '.join(self._positional)}), got {columns!r}."
            )
        if not hasattr(X, "columns"):
            return X
        missing = [c for c in columns if c not in X.columns]
        if missing:
            raise ValueError(
                f"{type(self).__name__}: X lacks the column(s) {missing}; it needs "
                f"{columns} (set the `columns` parameter to read other names)."
            )
        return X[columns]

    def _validate(self, X, *, reset: bool) -> np.ndarray:
        """X as a finite float64 (n, len(_positional)) array, checked against the fit."""
        self._check_params()
        if reset or hasattr(self, "n_features_in_"):
            X = validate_data(self, self._select(X), reset=reset, dtype=np.float64,
                              ensure_all_finite=True)
        else:  # stateless: transform without fit checks nothing against a fit
            X = check_array(self._select(X), dtype=np.float64, ensure_all_finite=True,
                            input_name="X", estimator=self)
        width, expected = X.shape[1], len(self._positional)
        if width != expected and (self._exact_width or width < expected):
            order = ", ".join(self._positional)
            need = "exactly" if self._exact_width else "at least"
            raise ValueError(
                f"{type(self).__name__} needs {need} {expected} columns ({order}, in this "
                f"order) in an array, got n_features={width}; pass a DataFrame to select "
                "columns by name."
            )
        if self._stress_input:
            warn_if_not_pascal(X)
        return X[:, :expected]

    # -- scikit-learn API -------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate ``X`` and record its width and column names (the transformer is stateless).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            See the class docstring for the columns read.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        self._validate(X, reset=True)
        return self

    def transform(self, X) -> np.ndarray:
        """Compute the metric for every row of ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            See the class docstring for the columns read.

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_features_out), float64
            Named by :meth:`get_feature_names_out`.
        """
        self._validate_params()
        return self._compute(self._validate(X, reset=False))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the output columns.

        Parameters
        ----------
        input_features : array-like of str or None
            Checked against the names seen in ``fit`` (if fitted); the output
            names do not depend on them.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        if input_features is not None and hasattr(self, "n_features_in_"):
            _check_feature_names_in(self, input_features)
        return np.asarray(self._names_out(), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.allow_nan = False
        return tags
