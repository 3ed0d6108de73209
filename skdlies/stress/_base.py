"""The shared contract of the stress transformers: named input columns in, metric columns out.

A stress transformer is stateless: ``fit`` only validates the input and records
``n_features_in_`` (and ``feature_names_in_`` for DataFrames); ``transform``
reads its input columns and returns float64 columns named by
``get_feature_names_out``. Subclasses differ only in the metric they compute
(``_compute``) and in the names of its columns (``_names_out``).

Dask arrays and dask DataFrames are transformed lazily, block by block, with
the same numpy code (see :meth:`BaseStressTransformer.transform`); dask is
imported only when such an input is given, so it stays an optional dependency.
"""

from __future__ import annotations

import copy
import sys
import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._set_output import _get_output_config, _wrap_data_with_container
from sklearn.utils.validation import _check_feature_names_in, check_array, validate_data

from .._warnings import user_stacklevel
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
            stacklevel=user_stacklevel(),
        )


def dask_kind(X) -> str | None:
    """``"array"`` for a dask array, ``"frame"`` for a dask DataFrame, else None.

    Never imports dask: an object can only be a dask collection if dask is loaded.
    """
    if sys.modules.get("dask") is None:  # not imported (or blocked)
        return None
    import dask

    if not dask.is_dask_collection(X):
        return None
    if "dask.array" in sys.modules:
        import dask.array as da

        if isinstance(X, da.Array):
            return "array"
    if "dask.dataframe" in sys.modules:
        import dask.dataframe as dd

        if isinstance(X, dd.DataFrame):
            return "frame"
    raise TypeError(
        f"{type(X).__name__} is not supported: pass a 2-D dask array or a dask DataFrame "
        "(or call .compute() first)."
    )


# The output of ``transform`` is wrapped for ``set_output`` by ``transform`` itself (so that
# dask outputs stay lazy): the base class opts out of scikit-learn's automatic wrapping,
# its subclasses, which do not redefine transform, keep ``set_output``.
class BaseStressTransformer(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Base class of the stateless stress transformers.

    Input contract: a DataFrame is read by column name, from the ``columns``
    parameter of the subclass (extra columns are ignored); any other array-like
    is read by position, its columns being ``_positional`` in that order
    (exactly, or at least, see ``_exact_width``). Values must be finite.
    Dask arrays and dask DataFrames follow the same contract and are
    transformed lazily (see :meth:`transform`).

    Subclasses set the class attributes below and implement ``_compute`` and
    ``_names_out``.
    """

    _parameter_constraints: dict = {"columns": ["array-like"]}

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

    def _check_width(self, width: int) -> None:
        """A ValueError unless an array of ``width`` columns holds the ``_positional`` ones."""
        expected = len(self._positional)
        if width != expected and (self._exact_width or width < expected):
            order = ", ".join(self._positional)
            need = "exactly" if self._exact_width else "at least"
            raise ValueError(
                f"{type(self).__name__} needs {need} {expected} columns ({order}, in this "
                f"order) in an array, got n_features={width}; pass a DataFrame to select "
                "columns by name."
            )

    def _validate(self, X, *, reset: bool) -> np.ndarray:
        """X as a finite float64 (n, len(_positional)) array, checked against the fit."""
        self._check_params()
        if reset or hasattr(self, "n_features_in_"):
            X = validate_data(self, self._select(X), reset=reset, dtype=np.float64,
                              ensure_all_finite=True)
        else:  # stateless: transform without fit checks nothing against a fit
            X = check_array(self._select(X), dtype=np.float64, ensure_all_finite=True,
                            input_name="X", estimator=self)
        self._check_width(X.shape[1])
        if self._stress_input:
            warn_if_not_pascal(X)
        return X[:, : len(self._positional)]

    # -- dask -------------------------------------------------------------------------------------

    def _validate_dask(self, X, kind: str, *, reset: bool):
        """The input columns of a dask collection, checked on its (empty) metadata only."""
        self._check_params()
        X = self._select(X)
        if kind == "frame":
            meta = X._meta  # an empty pandas DataFrame with the columns and dtypes
        else:
            if X.ndim != 2:
                raise ValueError(
                    f"{type(self).__name__} needs a 2-D dask array, got {X.ndim} dimension(s)."
                )
            meta = np.empty((0, X.shape[1]), dtype=X.dtype)
        if reset or hasattr(self, "n_features_in_"):
            meta = validate_data(self, meta, reset=reset, dtype=np.float64,
                                 ensure_min_samples=0)
        else:
            meta = check_array(meta, dtype=np.float64, ensure_min_samples=0, input_name="X",
                               estimator=self)
        self._check_width(meta.shape[1])
        return X

    def _transform_block(self, block) -> np.ndarray:
        """The metric of one block (numpy array or pandas DataFrame) of a dask input."""
        X = check_array(block, dtype=np.float64, ensure_all_finite=True, ensure_min_samples=0,
                        input_name="X", estimator=self)
        return self._compute(X[:, : len(self._positional)])

    def _transform_partition(self, partition):
        """The metric of one pandas partition of a dask DataFrame, as a named DataFrame."""
        import pandas as pd

        return pd.DataFrame(self._transform_block(partition), index=partition.index,
                            columns=list(self._names_out()))

    def _transform_dask(self, X, kind: str):
        """Lazy blockwise transform of a dask array or DataFrame (see :meth:`transform`)."""
        X = self._validate_dask(X, kind, reset=False)
        dense = _get_output_config("transform", self)["dense"]
        if dense not in ("default", "pandas"):
            raise ValueError(
                f"{type(self).__name__}: set_output(transform={dense!r}) is not supported for "
                "dask inputs; use 'default' (dask array) or 'pandas' (dask DataFrame)."
            )
        names = list(self._names_out())
        # The graph holds a frozen copy: a later set_params must not change these results.
        frozen = copy.deepcopy(self)
        if kind == "frame":
            # Per partition, as pandas reads it (nullable and pyarrow columns included).
            import pandas as pd

            meta = pd.DataFrame(
                {name: np.empty(0) for name in names}, index=X._meta.index[:0]
            )
            out = X.map_partitions(frozen._transform_partition, meta=meta)
            return out if dense == "pandas" else out.to_dask_array()
        X = X[:, : len(self._positional)].rechunk({1: -1})
        out = X.map_blocks(frozen._transform_block, dtype=np.float64,
                           chunks=(X.chunks[0], (len(names),)), meta=np.empty((0, 0)))
        if dense == "pandas":
            if any(np.isnan(size) for size in X.chunks[0]):
                raise ValueError(
                    f"{type(self).__name__}: set_output(transform='pandas') on a dask array of "
                    "unknown chunk sizes cannot number its rows (each block would restart at "
                    "0); call X.compute_chunk_sizes() first, or pass a dask DataFrame."
                )
            try:
                import dask.dataframe as dd
            except ImportError as exc:  # dask without its dataframe extra
                raise ImportError(
                    "set_output(transform='pandas') on a dask array needs dask.dataframe: "
                    "pip install 'dask[dataframe]'."
                ) from exc
            return dd.from_dask_array(out, columns=names)
        return out

    # -- scikit-learn API -------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate ``X`` and record the columns read (the transformer is stateless).

        ``n_features_in_`` and ``feature_names_in_`` describe the columns the
        transformer reads, not every column of a DataFrame: a frame with extra
        columns (cell coordinates, labels, tags) is accepted at fit and at
        transform, whatever extra columns each holds. In a ``Pipeline`` that
        starts with a stress transformer, the pipeline's ``n_features_in_`` is
        therefore that of the stress columns.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            See the class docstring for the columns read.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted (validated) transformer.
        """
        kind = dask_kind(X)
        if kind is None:
            self._validate(X, reset=True)
        else:
            self._validate_dask(X, kind, reset=True)
        return self

    def transform(self, X) -> np.ndarray:
        """Compute the metric for every row of ``X``.

        Parameters
        ----------
        X : array-like, DataFrame, dask array or dask DataFrame of shape (n_samples, n_features)
            See the class docstring for the columns read.

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_features_out), float64
            Named by :meth:`get_feature_names_out`; a DataFrame after
            ``set_output(transform="pandas")``.

            A dask input gives a lazy dask output, computed block by block (row
            chunks or partitions) by the numpy code, with the same values: a
            float64 dask array with the row chunks of the input (of unknown
            length for a DataFrame input), or, after
            ``set_output(transform="pandas")``, a dask DataFrame with the output
            column names (and the index of a dask DataFrame input). Nothing is
            read or computed before ``.compute()``; non-finite values raise
            then. The graph holds a copy of the transformer: a later
            ``set_params`` does not change it. The check that the stresses are in
            Pa (``StressUnitsWarning``) is skipped for dask inputs, as it needs
            the whole input. ``fit`` on a dask input checks its columns only.

        Raises
        ------
        ValueError
            If ``X`` lacks a column, has the wrong width or (numpy and pandas
            input) holds NaN or infinity; for ``set_output(transform="pandas")``
            on a dask array of unknown row chunk sizes (call
            ``X.compute_chunk_sizes()`` first).
        """
        self._validate_params()
        kind = dask_kind(X)
        if kind is not None:
            return self._transform_dask(X, kind)
        return self._transform_numpy(X, reset=False)

    def _transform_numpy(self, X, *, reset: bool):
        """The metric of a numpy/pandas ``X``, validated once, wrapped for ``set_output``."""
        Xt = self._compute(self._validate(X, reset=reset))
        return _wrap_data_with_container("transform", Xt, X, self)

    def fit_transform(self, X, y=None, **fit_params):
        """Fit to ``X`` (validation only) and transform it; see :meth:`transform`.

        Parameters
        ----------
        X : array-like, DataFrame, dask array or dask DataFrame of shape (n_samples, n_features)
            See the class docstring for the columns read.
        y : None
            Ignored.
        **fit_params : dict
            Ignored; accepted for compatibility.

        Returns
        -------
        Xt : ndarray, DataFrame or dask collection of shape (n_samples, n_features_out)
            The metric of every row of ``X``, as returned by :meth:`transform`.
        """
        if dask_kind(X) is not None:
            return self.fit(X, y).transform(X)
        self._validate_params()
        return self._transform_numpy(X, reset=True)  # validated (and warned about) once

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the output columns.

        Parameters
        ----------
        input_features : array-like of str or None
            The input columns (as a ``Pipeline`` passes them). If fitted on a
            DataFrame they must include the columns read (others are
            ignored); if fitted on an array their number must equal
            ``n_features_in_``. The output names do not depend on them.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per output column of :meth:`transform`, in order.
        """
        if input_features is not None and hasattr(self, "n_features_in_"):
            if hasattr(self, "feature_names_in_"):  # a DataFrame: its other columns are ignored
                given = set(np.asarray(input_features, dtype=object).tolist())
                missing = [c for c in self.feature_names_in_ if c not in given]
                if missing:
                    raise ValueError(
                        f"input_features lacks the column(s) {missing} that "
                        f"{type(self).__name__} reads."
                    )
            else:
                _check_feature_names_in(self, input_features)
        return np.asarray(self._names_out(), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.allow_nan = False
        return tags


# Subclasses get their own keys from ``__init_subclass__``; the base class advertises it too.
BaseStressTransformer._sklearn_auto_wrap_output_keys = {"transform"}
