"""Sphinx configuration of the skdlies documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
(``pip install -e ".[docs]"`` first). The examples gallery is executed at build time.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")
# The examples train small networks on small batches: one thread is the fastest, and several
# threads per process slow to a crawl when the cores are shared (set before torch is imported).
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # document (and run the examples of) this checkout

import skdlies  # noqa: E402  (after the path and thread settings above)

# -- Project -------------------------------------------------------------------------------------
project = "skdlies"
author = "the skdlies developers"
copyright = "the skdlies developers (BSD-3-Clause)"
release = skdlies.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
default_role = "py:obj"  # `name` links to the object, as in numpydoc "See Also" sections
# Every reference must resolve (a broken one fails the -W build), except those to other
# projects, which stay plain text (there is no intersphinx: the build must not need the network),
# to private base classes, and the single-backquoted code of the docstrings that skdlies'
# estimators inherit from scikit-learn ("X", "pandas", [...]).
nitpicky = True
_EXTERNAL = ("numpy", "np", "scipy", "torch", "sklearn", "skorch", "pandas", "pd", "matplotlib",
             "dask", "distributed", "h5py", "pyproj", "pooch", "cutde", "safetensors", "tqdm",
             "joblib", "pathlib", "os", "typing", "collections", "datetime", "numbers")
nitpick_ignore_regex = [
    (r"py:.*", rf"({'|'.join(_EXTERNAL)})(\..*)?"),
    (r"py:.*", r"(skdlies\.)?(\w+\.)*_\w+.*"),  # private names
    (r"py:obj", r"(X|y|Y|fit_params|\*\*params|.*[\"'\[\] ].*)"),  # inherited scikit-learn text
]

# -- API reference (autodoc, autosummary, numpydoc) ----------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"show-inheritance": True}  # members: see _templates/autosummary
autodoc_member_order = "groupwise"
# The numpydoc "Parameters" sections already give the types, with units.
autodoc_typehints = "none"
autodoc_inherit_docstrings = True

numpydoc_show_class_members = False  # autosummary templates list the methods instead
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = True
# Every public function and method documents each parameter (PR01, PR02), in signature order
# (PR03), each with a description (PR07), and describes each value it returns (RT01, RT03).
# Excluded: the result containers (dataclasses and named tuples), whose fields are documented
# as Attributes, and BaseAutoencoder, whose parameters its subclasses document.
numpydoc_validation_checks = {"PR01", "PR02", "PR03", "PR07", "RT01", "RT03"}
numpydoc_validation_exclude = {
    r"\.CatalogCoverage$",
    r"\.CellLabels$",
    r"\.SlipModel$",
    r"\.StrikeAveragedFields$",
    r"\.BaseAutoencoder$",
}


# One page per subpackage, written from its ``__all__`` so that every public name is documented
# (docs/api.rst lists these pages). Written before autosummary scans the sources for its stubs.
API_MODULES = (
    "skdlies",
    "skdlies.autoencoders",
    "skdlies.aftershocks",
    "skdlies.stress",
    "skdlies.datasets",
    "skdlies.plotting",
)


def _data_docs(package: str, name: str) -> str:
    """``#:`` comment of a constant, read from the package or the module that defines it."""
    from sphinx.pycode import ModuleAnalyzer

    # only modules that importing the package already imported (never runs __main__)
    depth = package.count(".") + 1
    submodules = [m for m in list(sys.modules)
                  if m.startswith(package + ".") and m.count(".") == depth]
    candidates = [package, *sorted(submodules)]
    for candidate in candidates:
        try:
            docs = ModuleAnalyzer.for_module(candidate).find_attr_docs()
        except Exception:
            continue
        if ("", name) in docs:
            return "\n".join(docs["", name]).strip()
    return ""


def _api_page(package: str) -> str:
    module = importlib.import_module(package)
    names = list(module.__all__)
    classes = [n for n in names if inspect.isclass(getattr(module, n))]
    functions = [n for n in names if n not in classes and callable(getattr(module, n))]
    data = [n for n in names if n not in classes and n not in functions]
    lines = [f"``{package}``", "=" * (len(package) + 4), "", f".. automodule:: {package}",
             "   :no-members:", "", f".. currentmodule:: {package}", ""]
    # stubs from _templates/autosummary/class.rst and function.rst
    for title, group in (("Classes", classes), ("Functions", functions)):
        if group:
            lines += [title, "-" * len(title), "", ".. autosummary::", "   :toctree: .", "",
                      *(f"   {n}" for n in group), ""]
    if data:
        lines += ["Constants", "---------", ""]
        for n in data:
            lines += [f".. py:data:: {n}", f"   :value: {getattr(module, n)!r}", ""]
            lines += [f"   {line}" for line in _data_docs(package, n).splitlines()] + [""]
    return "\n".join(lines)


def _write_api_pages() -> None:
    out = Path(__file__).parent / "generated"
    out.mkdir(exist_ok=True)
    for package in API_MODULES:
        page = out / f"{package}.rst"
        text = _api_page(package)
        if not page.exists() or page.read_text() != text:  # keep incremental builds incremental
            page.write_text(text)


_write_api_pages()

# -- Markdown pages (MyST) -----------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3

# -- Examples gallery (executed at build time) ---------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # run every plot_*.py
    "ignore_pattern": r"__init__\.py|/_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("skdlies",),
    "backreferences_dir": "generated/backreferences",  # for the minigalleries of the API pages
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "min_reported_time": 1,
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "show_memory": False,
    "plot_gallery": "True",
}

# -- HTML ----------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skdlies {release}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_show_sourcelink = False
html_last_updated_fmt = None


# -- Hooks ---------------------------------------------------------------------------------------
_REQUEST_METHOD = re.compile(r"^(set_\w+_request|get_metadata_routing)$")
_FITTED_NAME = re.compile(r"(?<![`\w\\])([A-Za-z]\w*)_(?=[,)\]])")
_SKLEARN_XREF = re.compile(r":(?:ref|term):`([^`<]*?)\s*(?:<([^`>]*)>)?`")


def _skip_member(app, what, name, obj, skip, options):
    """Leave out scikit-learn's metadata-routing methods (``set_<method>_request``, ...).

    They are scikit-learn's machinery, documented there; their docstrings refer to
    scikit-learn's glossary, which this site does not have.
    """
    if _REQUEST_METHOD.match(name):
        return True
    return None


def _escape_fitted_names(app, what, name, obj, options, lines):
    """Keep fitted-attribute names in array shapes, ``(n_samples, n_components_)``, as text.

    A trailing underscore makes a word a reStructuredText hyperlink reference; in a shape
    it is the name of a fitted attribute.
    """
    for i, line in enumerate(lines):
        if "shape (" in line:
            lines[i] = _FITTED_NAME.sub(r"\1\\_", line)


def _plain_sklearn_xrefs(app, what, name, obj, options, lines):
    """Turn the ``:ref:`` and ``:term:`` roles of inherited scikit-learn docstrings into text.

    Methods such as ``set_output`` and ``fit_transform`` come from scikit-learn, whose
    docstrings refer to labels of scikit-learn's own site (not reachable offline).
    """
    if not getattr(obj, "__module__", "").startswith("sklearn."):
        return
    for i, line in enumerate(lines):
        lines[i] = _SKLEARN_XREF.sub(lambda m: m.group(1) or m.group(2), line)


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("autodoc-process-docstring", _escape_fitted_names, priority=400)
    app.connect("autodoc-process-docstring", _plain_sklearn_xrefs, priority=400)
