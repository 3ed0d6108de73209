"""Every documented default of a public class or function is its real default."""

from __future__ import annotations

import ast
import importlib
import inspect
import re

import pytest

PACKAGES = ("skdlies", "skdlies.autoencoders", "skdlies.aftershocks", "skdlies.stress",
            "skdlies.datasets", "skdlies.plotting")
#: ``name : type, default=value`` (several names share one entry: ``a, b : float, default=1``),
#: in a docstring cleaned by inspect.getdoc (a section's entries at column 0)
ENTRY = re.compile(r"^(\w+(?:, \w+)*) : .*\bdefault[= ](.+?)\s*$")


def public_callables():
    for package in PACKAGES:
        module = importlib.import_module(package)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                yield pytest.param(obj, id=f"{package}.{name}")


@pytest.mark.parametrize("obj", list(public_callables()))
def test_documented_defaults_are_the_signature_defaults(obj):
    doc = inspect.getdoc(obj) or ""
    assert "{shared_training}" not in doc and "{columns}" not in doc
    signature = inspect.signature(obj.__init__ if inspect.isclass(obj) else obj)
    checked = 0
    for line in doc.splitlines():
        match = ENTRY.match(line)
        if not match:
            continue
        try:
            documented = ast.literal_eval(match.group(2).rstrip("."))
        except (ValueError, SyntaxError):
            continue  # a name or an expression (e.g. DEVRIES_COLUMNS): not a literal to compare
        if "..." in match.group(2):
            continue  # an abbreviated sequence, (0, 10, ..., 350)
        for name in match.group(1).split(", "):
            if name in signature.parameters:
                actual = signature.parameters[name].default
                assert actual == documented, (
                    f"{obj.__qualname__}: {name} is documented with default={documented!r} "
                    f"but defaults to {actual!r}")
                checked += 1
    network = inspect.isclass(obj) and "max_epochs" in signature.parameters
    if network and not obj.__name__.startswith("Base"):  # the training hyperparameters at least
        assert checked >= 12, f"{obj.__qualname__}: only {checked} defaults documented"


@pytest.mark.parametrize("indent", ["    ", ""])  # as Python <= 3.12 and >= 3.13 compile it
def test_shared_sections_follow_the_placeholder_indentation(indent):
    from skdlies._base import SHARED_TRAINING_DOC
    from skdlies._docstrings import fill_section

    doc = f"Summary.\n\n{indent}Parameters\n{indent}----------\n{indent}{{shared_training}}\n"
    filled = inspect.cleandoc(fill_section(doc, "shared_training", SHARED_TRAINING_DOC))
    entries = [line.split(" :")[0] for line in filled.splitlines() if ENTRY.match(line)]
    assert entries == ["validation_fraction", "callbacks", "device", "cuda_graph",
                       "random_state", "verbose"]
    with pytest.raises(ValueError, match="no line"):
        fill_section("Summary.", "shared_training", SHARED_TRAINING_DOC)
