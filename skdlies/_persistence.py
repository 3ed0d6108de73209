"""Save and load fitted skdlies networks without pickle.

One `safetensors <https://github.com/huggingface/safetensors>`_ file holds the
tensors (the module's weights, the optimizer's state, PyTorch's generator
state) and, in its header, a JSON string with everything else: the format
version, the skdlies and torch versions, the estimator class, its
hyperparameters and its fitted attributes. Loading reads data only: the class
is looked up in a fixed list of skdlies estimators, nothing is imported by a
name read from the file and nothing is unpickled, so loading a file from
someone else cannot run their code (unlike ``pickle`` or ``joblib``).
"""

from __future__ import annotations

import importlib
import json
import os
import warnings
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np

from ._warnings import user_stacklevel

__all__ = ["FORMAT_VERSION", "load", "save"]

#: Version of the file layout written by :func:`save`; :func:`load` reads this one and older.
FORMAT_VERSION = 1

#: The estimators :func:`save` and :func:`load` know: class name -> module defining it.
ESTIMATORS = {
    "DenseAutoencoder": "skdlies.autoencoders",
    "ConvAutoencoder": "skdlies.autoencoders",
    "VariationalAutoencoder": "skdlies.autoencoders",
    "AftershockNet": "skdlies.aftershocks",
}

#: Header key of the JSON metadata in the safetensors file.
METADATA_KEY = "skdlies"

#: Private fitted attributes stored besides the public ones (ending in ``_``).
_PRIVATE_FITTED = ("_seed_",)


def _estimator_class(name: str) -> type:
    """The skdlies estimator class called ``name``; only names in :data:`ESTIMATORS`."""
    if name not in ESTIMATORS:
        raise ValueError(
            f"unknown estimator class {name!r}; skdlies.load reads {sorted(ESTIMATORS)}."
        )
    return getattr(importlib.import_module(ESTIMATORS[name]), name)


# -- JSON encoding of parameters and fitted attributes ----------------------------------------


def _encode(value: Any, where: str) -> Any:
    """``value`` as JSON data; tuples, dicts and numpy values are tagged to come back as such."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            items = [_encode(v, where) for v in value.ravel().tolist()]
            if any(isinstance(v, dict | list) for v in items):
                raise TypeError(f"{where}: cannot store an object array of {items[:3]}...")
        elif value.dtype.kind not in "biufU":
            raise TypeError(f"{where}: cannot store an array of dtype {value.dtype}.")
        else:
            items = value.ravel().tolist()
        return {"__ndarray__": items, "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, np.generic):
        return {"__numpy__": value.item(), "dtype": value.dtype.str}
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        return float(value)
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, where) for v in value]}
    if isinstance(value, list):
        return [_encode(v, where) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError(f"{where}: cannot store a dict with keys {list(value)}.")
        return {"__dict__": {k: _encode(v, f"{where}[{k!r}]") for k, v in value.items()}}
    raise TypeError(f"{where}: cannot store a value of type {type(value).__name__} ({value!r}).")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {k: _decode(v) for k, v in value["__dict__"].items()}
    if "__ndarray__" in value:
        dtype = np.dtype(value["dtype"])
        flat = np.empty(len(value["__ndarray__"]), dtype=dtype)
        flat[:] = value["__ndarray__"]
        return flat.reshape(value["shape"])
    if "__numpy__" in value:
        return np.dtype(value["dtype"]).type(value["__numpy__"])
    raise ValueError(f"unexpected entry in the metadata: {value!r}")


def _params_to_json(estimator) -> tuple[dict, list[str]]:
    """Hyperparameters as JSON data, and the names of those stored as None."""
    import torch

    params, not_saved = {}, []
    for name, value in estimator.get_params(deep=False).items():
        if name == "callbacks" and value is not None:
            value = None
            not_saved.append(name)
        elif name == "random_state" and not (value is None or isinstance(value, Integral)):
            value = None
            not_saved.append(name)
        elif name == "optimizer" and isinstance(value, type):
            if getattr(torch.optim, value.__name__, None) is not value:
                raise ValueError(
                    f"cannot save optimizer={value.__module__}.{value.__qualname__}: only "
                    "torch.optim classes are stored (by name). Use pickle for this estimator."
                )
            value = value.__name__
        elif name == "device":
            value = str(value)
        try:
            params[name] = _encode(value, f"parameter {name}")
        except TypeError as exc:
            raise ValueError(f"cannot save {type(estimator).__name__}: {exc}") from None
    return params, not_saved


def _fitted_to_json(estimator) -> dict:
    fitted = {}
    for name, value in vars(estimator).items():
        public = name.endswith("_") and not name.startswith("_") and name != "net_"
        if public or name in _PRIVATE_FITTED:
            try:
                fitted[name] = _encode(value, f"fitted attribute {name}")
            except TypeError as exc:
                raise ValueError(f"cannot save {type(estimator).__name__}: {exc}") from None
    return fitted


def _host_copy(tensor) -> Any:
    """A contiguous CPU copy of ``tensor`` (safetensors stores dense, unshared tensors)."""
    import torch

    return tensor.detach().cpu().clone(memory_format=torch.contiguous_format)


def _history_to_json(net) -> list:
    """The skorch history as JSON rows.

    NumPy scalars (e.g. a callback's ``np.float32``) are stored as numbers; an entry
    that JSON cannot hold is dropped from its row with a warning naming it, so that
    the epoch count, which schedules and early stopping read, survives.
    """
    dropped: set[str] = set()

    def encode(value):
        if isinstance(value, dict):
            row = {}
            for key, item in value.items():
                try:
                    row[key] = encode(item)
                except TypeError:
                    dropped.add(str(key))
            return row
        if isinstance(value, list | tuple):
            return [encode(item) for item in value]
        if isinstance(value, np.generic):
            value = value.item()
        json.dumps(value)  # TypeError if JSON cannot hold it
        return value

    rows = [encode(row) for row in net.history]
    if dropped:
        warnings.warn(
            f"the history entries {sorted(dropped)} cannot be stored as JSON and are left "
            "out of the file (the rest of the history is kept).",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    return rows


def _optimizer_to_json(net, opt_name: str, tensors: dict) -> dict:
    """The optimizer's scalars and param groups as JSON; its tensors go into ``tensors``."""
    import torch

    state = getattr(net, opt_name + "_").state_dict()
    scalars = {}
    for index, entries in state["state"].items():
        scalars[str(index)] = {}
        for key, value in entries.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optimizer/{opt_name}/{index}/{key}"] = _host_copy(value)
            else:
                scalars[str(index)][key] = _encode(value, f"optimizer state {key}")
    return {
        "state": scalars,
        "param_groups": _encode(state["param_groups"], "optimizer param_groups"),
    }


# -- save ------------------------------------------------------------------------------------


def save(estimator, path: str | os.PathLike[str]) -> None:
    """Write a fitted skdlies network to ``path`` (a safetensors file), without pickle.

    Stored: the module's weights, the optimizer's state and PyTorch's generator
    state (so that ``partial_fit`` after :func:`load` continues training as
    if it had not stopped), the hyperparameters, the fitted attributes, the
    skorch history and the ``set_output`` container. The file is written
    atomically: a failure leaves an older file at ``path`` as it was.

    Hyperparameters that are code cannot be stored: ``callbacks`` are saved as
    None, a ``random_state`` that is a ``RandomState`` instance as None, and an
    ``optimizer`` given as a class by its :mod:`torch.optim` name. Pass the
    callbacks again with ``set_params`` after :func:`load` if training goes on.

    Parameters
    ----------
    estimator : DenseAutoencoder, ConvAutoencoder, VariationalAutoencoder or AftershockNet
        A fitted estimator (a Pipeline or GridSearchCV: save ``best_estimator_``
        or the step, or use joblib for the whole object).
    path : str or path-like
        Where to write, e.g. ``"model.safetensors"``.

    Raises
    ------
    TypeError
        If ``estimator`` is not one of the skdlies network estimators.
    sklearn.exceptions.NotFittedError
        If it is not fitted.
    """
    import safetensors.torch
    import torch
    from sklearn.utils.validation import check_is_fitted

    from . import __version__
    from ._io import atomic_path

    name = type(estimator).__name__
    if name not in ESTIMATORS or _estimator_class(name) is not type(estimator):
        raise TypeError(
            f"skdlies.save takes a fitted {', '.join(ESTIMATORS)}; got {type(estimator).__name__}. "
            "Save a Pipeline's network step, or the whole object with joblib (trusted files only)."
        )
    check_is_fitted(estimator, "net_")
    net = estimator.net_
    tensors = {f"module/{k}": _host_copy(v) for k, v in net.module_.state_dict().items()}
    optimizers = {}
    try:
        for opt_name in net._optimizers:
            optimizers[opt_name] = _optimizer_to_json(net, opt_name, tensors)
    except TypeError as exc:  # e.g. LBFGS keeps lists of tensors in its state
        raise ValueError(
            f"cannot save {name}: {str(exc).rstrip('.')} ({estimator.optimizer!r} optimizer; "
            "pickle the estimator with joblib instead)."
        ) from None
    for device_type, state in estimator._torch_rng_state_.items():
        tensors[f"rng/{device_type}"] = _host_copy(state)
    params, not_saved = _params_to_json(estimator)
    metadata = {
        "format": FORMAT_VERSION,
        "skdlies_version": __version__,
        "torch_version": torch.__version__,
        "class": name,
        "device": str(net.device),
        "params": params,
        "params_not_saved": not_saved,
        "fitted": _fitted_to_json(estimator),
        "optimizers": optimizers,
        "history": _history_to_json(net),
        # set_output(transform="pandas") and the like (not a parameter, not fitted)
        "output": dict(getattr(estimator, "_sklearn_output_config", {})),
    }
    with atomic_path(path) as tmp:
        safetensors.torch.save_file(
            tensors, str(tmp), metadata={METADATA_KEY: json.dumps(metadata)}
        )


# -- load ------------------------------------------------------------------------------------


def _read(path: Path) -> tuple[dict, dict]:
    """The metadata and the tensors (on the CPU) of a skdlies file."""
    from safetensors import SafetensorError, safe_open

    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            header = f.metadata() or {}
            if METADATA_KEY not in header:
                raise ValueError(
                    f"{path} is a safetensors file but not a skdlies model (no {METADATA_KEY!r} "
                    "metadata); it was not written by skdlies.save."
                )
            tensors = {key: f.get_tensor(key) for key in f.keys()}
    except SafetensorError as exc:
        raise ValueError(
            f"{path} is not a skdlies model file (not a safetensors file: {exc})."
        ) from None
    try:
        metadata = json.loads(header[METADATA_KEY])
        fmt = int(metadata["format"])
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{path} has unreadable skdlies metadata ({exc!r}).") from None
    if fmt > FORMAT_VERSION:
        from . import __version__

        raise ValueError(
            f"{path} was saved with skdlies {metadata.get('skdlies_version', '?')}, format "
            f"{fmt}; this skdlies ({__version__}) reads format <= {FORMAT_VERSION}. "
            "Upgrade skdlies to load it."
        )
    return metadata, tensors


def load(path: str | os.PathLike[str], device: str = "cpu"):
    """Read an estimator written by :func:`save`; ready to transform, predict or train on.

    Nothing in the file is executed: the class is looked up among the skdlies
    network estimators and only tensors and JSON are read.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.
    device : str, default="cpu"
        Where the network goes (the estimator's ``device`` parameter is set to
        it): a model trained on a GPU loads on a CPU-only machine. Off CUDA,
        ``cuda_graph`` is set to False.

    Returns
    -------
    estimator
        The fitted estimator. Its outputs are bit-identical to the saved one's
        on the same device; ``callbacks`` (not storable) are None.

    Raises
    ------
    ValueError
        If ``path`` is not a skdlies file, names an unknown class, has a newer
        format than this skdlies reads, a header missing an entry or holding
        one of the wrong type, or weights that do not fit the network its
        parameters describe.
    """
    import torch

    torch.device(device)  # a bad device is the caller's error, not the file's
    path = Path(path).expanduser()
    metadata, tensors = _read(path)
    try:
        return _rebuild(path, metadata, tensors, device)
    except (KeyError, TypeError, AttributeError, IndexError) as exc:  # a header cut or edited
        what = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        raise ValueError(
            f"{path}: the header does not describe a fitted skdlies estimator (was the file "
            f"edited?): {what}"
        ) from exc


def _rebuild(path: Path, metadata: dict, tensors: dict, device: str):
    """The estimator that ``metadata`` and ``tensors`` describe (see :func:`load`)."""
    import torch
    from skorch.history import History

    from ._base import torch_seed

    cls = _estimator_class(metadata["class"])
    params = {name: _decode(value) for name, value in metadata["params"].items()}
    unknown = set(params) - set(cls().get_params(deep=False))
    if unknown:
        raise ValueError(
            f"{path}: {cls.__name__} of this skdlies has no parameters {sorted(unknown)}."
        )
    estimator = cls(**params)
    try:
        estimator._validate_params()  # an edited value (max_epochs="abc") is refused here
    except ValueError as exc:
        raise ValueError(f"{path}: {' '.join(str(exc).split())}") from None
    estimator.device = device
    if torch.device(device).type != "cuda" and getattr(estimator, "cuda_graph", False):
        estimator.cuda_graph = False  # CUDA graphs need a CUDA device
    for name, value in metadata["fitted"].items():
        if not (name.isidentifier() and name.endswith("_") and not name.endswith("__")):
            raise ValueError(f"{path}: {name!r} is not a fitted attribute name.")
        setattr(estimator, name, _decode(value))
    rng = {key.split("/", 1)[1]: value for key, value in tensors.items() if key.startswith("rng/")}
    if torch.device(device).type != "cuda":
        rng.pop("cuda", None)
    estimator._torch_rng_state_ = rng

    X_like = np.zeros((0, estimator.n_features_in_), dtype=np.float32)
    with torch_seed(0, device):  # the initial weights are overwritten below
        net = estimator._make_net(X_like, estimator._seed_)
        net.initialize()
    module_state = {
        key.split("/", 1)[1]: value for key, value in tensors.items() if key.startswith("module/")
    }
    try:
        net.module_.load_state_dict(module_state, strict=True)
        for opt_name, saved in metadata["optimizers"].items():
            optimizer = getattr(net, opt_name + "_")
            groups = _decode(saved["param_groups"])
            for group, fresh in zip(groups, optimizer.param_groups, strict=False):
                if "capturable" in fresh:  # as the device and cuda_graph want, not as saved
                    group["capturable"] = fresh["capturable"]
            state = {"state": {}, "param_groups": groups}
            for index, scalars in saved["state"].items():
                state["state"][int(index)] = {k: _decode(v) for k, v in scalars.items()}
            prefix = f"optimizer/{opt_name}/"
            for key, value in tensors.items():
                if key.startswith(prefix):
                    index, name = key[len(prefix):].split("/", 1)
                    state["state"].setdefault(int(index), {})[name] = value
            optimizer.load_state_dict(state)
    except (RuntimeError, ValueError, KeyError) as exc:
        raise ValueError(
            f"{path}: the saved weights do not fit the {cls.__name__} its parameters describe "
            f"(was the file edited?): {' '.join(str(exc).split())}"
        ) from None
    if metadata.get("history") is not None:
        net.history = History(metadata["history"])
    estimator.net_ = net
    for method, container in metadata.get("output", {}).items():
        if method == "transform" and hasattr(estimator, "set_output"):
            estimator.set_output(transform=container)
    return estimator
