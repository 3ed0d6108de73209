"""The documentation builds without a warning, runs every example and documents every public name.

Runs ``sphinx-build -W --keep-going -b html docs <tmp>`` as CI would (about two minutes on two
cores, most of it the gallery). Deselect with ``pytest -m "not docs"``.
"""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("sphinx_gallery")
pytest.importorskip("numpydoc")
pytest.importorskip("myst_parser")
pytest.importorskip("pydata_sphinx_theme")

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
API_MODULES = (
    "skdlies",
    "skdlies.autoencoders",
    "skdlies.aftershocks",
    "skdlies.stress",
    "skdlies.datasets",
    "skdlies.plotting",
)

pytestmark = [pytest.mark.docs, pytest.mark.timeout(1200)]


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    """Build the site once for this module; fail with Sphinx's output if it does not build."""
    out = tmp_path_factory.mktemp("docs")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-j", "auto", "-q",
         "-b", "html", "-d", str(out / "doctrees"), str(DOCS), str(out / "html")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200,
    )
    assert proc.returncode == 0, (
        f"sphinx-build failed ({proc.returncode}):\n{proc.stdout[-5000:]}\n{proc.stderr[-20000:]}")
    return out / "html"


def test_docs_build_without_warnings(html):
    assert (html / "index.html").is_file()
    for page in ("install", "api", "benchmarks", "guide/index", "auto_examples/index"):
        assert (html / f"{page}.html").is_file(), f"{page}.html was not built"


def test_every_guide_page_is_built(html):
    pages = sorted(p.stem for p in (DOCS / "guide").glob("*.md"))
    assert {"autoencoders", "vae", "aftershocks", "forward_model"} <= set(pages)
    index = (html / "guide" / "index.html").read_text(encoding="utf-8")
    for page in pages:
        assert (html / "guide" / f"{page}.html").is_file(), f"guide/{page}.html missing"
        if page != "index":
            assert f'href="{page}.html"' in index, f"guide/{page} is not in the guide's toctree"


def test_every_example_runs_in_the_gallery(html):
    examples = sorted((ROOT / "examples").glob("plot_*.py"))
    assert examples
    for script in examples:
        page = html / "auto_examples" / f"{script.stem}.html"
        assert page.is_file(), f"no gallery page for {script.name}"
        text = page.read_text(encoding="utf-8")
        # an executed example embeds the figures it drew
        assert "sphx_glr_" in text and "_001.png" in text, f"{script.name} drew no figure"


@pytest.mark.parametrize("package", API_MODULES)
def test_every_public_name_has_api_docs(html, package):
    module = importlib.import_module(package)
    page = (html / "generated" / f"{package}.html").read_text(encoding="utf-8")
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isclass(obj) or callable(obj):
            target = html / "generated" / f"{package}.{name}.html"
            assert target.is_file(), f"no API page for {package}.{name}"
            text = target.read_text(encoding="utf-8")
            assert f'id="{package}.{name}"' in text
            for method in ("fit", "transform", "predict_proba", "sample"):  # own or inherited
                if inspect.isclass(obj) and callable(getattr(obj, method, None)):
                    anchor = f'id="{package}.{name}.{method}"'
                    assert anchor in text, f"{name}.{method} is not documented"
        else:
            assert f'id="{package}.{name}"' in page, f"{package}.{name} is not documented"
