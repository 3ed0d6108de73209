"""The ``skdlies`` command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from skdlies._cli import main


def test_help_lists_commands_and_examples(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for word in ("demo", "autoencoders", "examples:", "--data mnist.npz"):
        assert word in out


def test_missing_data_file_is_one_clear_line(tmp_path, capsys):
    missing = str(tmp_path / "no.npz")
    code = main(["autoencoders", "demo", "--out", str(tmp_path), "--data", missing])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("skdlies: error:") and "no.npz" in err
    assert "Traceback" not in err
    assert not any(tmp_path.iterdir()), "nothing is written when the data cannot be read"


def test_demo_writes_every_figure_and_metrics(tmp_path, monkeypatch, capsys):
    """The README's main job, with the epochs and the synthetic grids cut for speed."""
    from skdlies.aftershocks import _demo as shock_demo
    from skdlies.autoencoders import _demo

    real_classes = {name: getattr(_demo, name) for name in
                    ("DenseAutoencoder", "ConvAutoencoder", "VariationalAutoencoder")}
    for name, cls in real_classes.items():
        monkeypatch.setattr(_demo, name, lambda _cls=cls, **kw: _cls(max_epochs=2, **kw))
    real_build = shock_demo.build_event
    monkeypatch.setattr(shock_demo, "build_event",
                        lambda *a, **kw: real_build(*a, radius_km=25, n_layers=3, **kw))
    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 0
    names = sorted(p.name for p in (tmp_path / "autoencoders").iterdir())
    assert names == sorted([
        "conv_reconstructions.png", "dense_reconstructions.png", "denoising.png",
        "metrics.json", "vae_latent_scatter.png", "vae_manifold.png", "vae_samples.png",
    ])
    metrics = json.loads((tmp_path / "autoencoders" / "metrics.json").read_text())
    assert 0 < metrics["dense_test_mse"] < 0.2 and metrics["vae_test_elbo"] < 0
    names = sorted(p.name for p in (tmp_path / "aftershocks").iterdir())
    assert names == ["auc_table.csv", "roc_curves.png", "test.h5", "train.h5"]
    out = capsys.readouterr().out
    assert "SYNTHETIC DATA" in out and "AftershockNet" in out


def test_module_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "skdlies", "--help"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "autoencoders" in result.stdout


@pytest.fixture(scope="module")
def toy_files(tmp_path_factory):
    from skdlies.datasets import make_toy_aftershocks, write_devries

    toy = make_toy_aftershocks(n_events=4, half_width_km=30, random_state=0)
    folder = tmp_path_factory.mktemp("toy")
    train, test = toy.groups < 3, toy.groups >= 3
    write_devries(folder / "train.h5", toy.frame[train], toy.groups[train])
    write_devries(folder / "test.h5", toy.frame[test].reset_index(drop=True), toy.groups[test])
    return folder / "train.h5", folder / "test.h5"


def test_aftershocks_evaluate_writes_table_and_figure(toy_files, tmp_path, capsys):
    train, test = toy_files
    args = ["aftershocks", "evaluate", "--train", str(train), "--test", str(test),
            "--out", str(tmp_path), "--max-epochs", "2", "--permutations", "20"]
    assert main(args) == 0
    out = capsys.readouterr().out
    for name in ("AftershockNet", "max shear", "von Mises", "sum |stress|"):
        assert name in out
    table = pd.read_csv(tmp_path / "auc_table.csv", index_col=0)
    assert set(table.index) == {"AftershockNet", "max shear", "von Mises", "sum |stress|"}
    assert table["merged_auc"].between(0, 1).all()
    assert table.loc["max shear", "merged_auc"] > 0.6, "the toy labels follow the max shear"
    assert (tmp_path / "roc_curves.png").stat().st_size > 0


def test_aftershocks_evaluate_bad_file_is_one_clear_line(toy_files, tmp_path, capsys):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not an hdf5 file")
    code = main(["aftershocks", "evaluate", "--train", str(toy_files[0]), "--test", str(bad)])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("skdlies: error:") and "bad.h5" in err and "Traceback" not in err


def _leaf_commands(parser, prefix=()):
    """Every runnable command, as tuples of words, e.g. ("aftershocks", "build")."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _leaf_commands(sub, (*prefix, name))
            return
    yield prefix


def test_help_has_an_example_of_every_command(capsys):
    from skdlies._cli import build_parser

    leaves = list(_leaf_commands(build_parser()))
    assert ("aftershocks", "evaluate") in leaves and ("demo",) in leaves and len(leaves) == 5
    with pytest.raises(SystemExit):
        main(["--help"])
    top = capsys.readouterr().out
    for words in leaves:
        assert f"  skdlies {' '.join(words)}" in top, f"no example of {words} in --help"
        with pytest.raises(SystemExit) as exc:
            main([*words, "--help"])
        assert exc.value.code == 0
        own = capsys.readouterr().out
        assert "example:" in own and f"skdlies {' '.join(words)}" in own
        assert "--quiet" in own and "--debug" in own


def test_quiet_and_debug_before_or_after_the_command():
    from skdlies._cli import build_parser

    parser = build_parser()
    for argv in (["--quiet", "--debug", "demo"], ["demo", "--quiet", "--debug"],
                 ["aftershocks", "--quiet", "--debug", "demo"],
                 ["autoencoders", "--debug", "--quiet", "demo"]):
        args = parser.parse_args(argv)
        assert args.quiet and args.debug
    args = parser.parse_args(["demo"])
    assert not args.quiet and not args.debug


def test_progress_only_on_a_terminal_and_without_quiet(monkeypatch):
    import argparse

    from skdlies._cli import _progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert not _progress(argparse.Namespace(quiet=False))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert _progress(argparse.Namespace(quiet=False))
    assert not _progress(argparse.Namespace(quiet=True))


def test_evaluate_shows_epoch_progress_on_a_terminal(toy_files, monkeypatch, capsys):
    train, test = toy_files
    argv = ["aftershocks", "evaluate", "--train", str(train), "--test", str(test),
            "--max-epochs", "2"]
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(argv) == 0
    assert "training AftershockNet" in capsys.readouterr().err
    assert main([*argv, "--quiet"]) == 0
    assert "training AftershockNet" not in capsys.readouterr().err


def test_unexpected_error_is_one_line_or_a_traceback_with_debug(monkeypatch, capsys):
    from skdlies.aftershocks import _demo

    def broken(*args, **kwargs):
        raise RuntimeError("the solver diverged\non step 3")

    monkeypatch.setattr(_demo, "run_demo", broken)
    assert main(["aftershocks", "demo", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("skdlies: error: RuntimeError: the solver diverged on step 3")
    assert "--debug" in err
    with pytest.raises(RuntimeError, match="diverged"):
        main(["aftershocks", "demo", "--debug"])


def test_interrupt_exits_130(monkeypatch, capsys):
    from skdlies.aftershocks import _demo

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_demo, "run_demo", interrupted)
    assert main(["aftershocks", "demo"]) == 130
    assert capsys.readouterr().err == "skdlies: interrupted\n"


def _patched_build(monkeypatch, tmp_path):
    """A folder of two (empty) FSP files read as the small test model, on a small grid."""
    import datetime

    from skdlies.aftershocks import _build
    from skdlies.aftershocks._grid import grid_cells
    from skdlies.datasets import SlipModel

    patches = pd.DataFrame({
        "segment": [1], "lat": [35.0], "lon": [-117.0], "x_km": [0.0], "y_km": [0.0],
        "depth_km": [0.0], "strike": [0.0], "dip": [90.0], "rake": [180.0], "slip_m": [1.0],
        "length_km": [10.0], "width_km": [10.0],
    })

    def read_fsp(path):
        return SlipModel(tag=path.stem, name="Test", date=datetime.date(2001, 3, 14),
                         hypocentre=(35.0, -117.0, 5.0), mw=6.0, moment=None, strike=0.0,
                         dip=90.0, rake=180.0, n_segments=1, patches=patches)

    monkeypatch.setattr(_build, "read_fsp", read_fsp)
    monkeypatch.setattr(_build, "grid_cells",
                        lambda c, **k: grid_cells(c, cell_km=5.0, radius_km=15.0, n_layers=2,
                                                  layer_km=5.0))
    srcmod = tmp_path / "srcmod"
    srcmod.mkdir()
    for tag in ("s2001TESTAA01DOEx", "s2001TESTBB01DOEx"):
        (srcmod / f"{tag}.fsp").touch()
    return srcmod


def test_build_without_catalog_is_stresses_only(monkeypatch, tmp_path, capsys):
    from skdlies.datasets import load_devries

    srcmod = _patched_build(monkeypatch, tmp_path)
    out = tmp_path / "cells.h5"
    assert main(["--quiet", "aftershocks", "build", "--srcmod", str(srcmod), "--out",
                 str(out)]) == 0
    captured = capsys.readouterr()
    assert "stresses only" in captured.err and "2 built" in captured.out
    frame, groups = load_devries(out)
    assert set(groups) == {"s2001TESTAA01DOEx", "s2001TESTBB01DOEx"}
    assert frame["aftershocksyn"].sum() == 0 and frame["stresses_full_xy"].abs().max() > 0


def test_build_with_an_uncovering_catalog_fails_in_one_line(monkeypatch, tmp_path, capsys):
    srcmod = _patched_build(monkeypatch, tmp_path)
    catalog = tmp_path / "comcat.csv"
    catalog.write_text("time,latitude,longitude,depth,mag\n"
                       "2005-01-01T00:00:00.000Z,35.0,-117.0,5.0,4.0\n"
                       "2006-01-01T00:00:00.000Z,35.5,-116.5,5.0,4.0\n")
    code = main(["--quiet", "aftershocks", "build", "--srcmod", str(srcmod), "--catalog",
                 str(catalog), "--out", str(tmp_path / "cells.h5")])
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert "No slip model could be built" in err and "\n" not in err
    assert "(2 x skipped: no origin time)" in err  # why
    assert not (tmp_path / "cells.h5").exists()


@pytest.mark.parametrize("argv, message", [
    (["aftershocks", "build", "--srcmod", "s", "--out", "o", "--limit", "0"],
     "argument --limit: 0 is below the minimum 1"),
    (["aftershocks", "demo", "--faults", "2"], "argument --faults: 2 is below the minimum 3"),
    (["aftershocks", "evaluate", "--train", "a", "--test", "b", "--max-epochs", "x"],
     "argument --max-epochs: 'x' is not an integer"),
])
def test_counts_out_of_range_are_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and message in capsys.readouterr().err


def test_catalog_format_prefix():
    from skdlies._cli import _catalog_source

    assert _catalog_source("jma:japan.csv") == ("japan.csv", "jma")
    assert _catalog_source("japan.csv") == ("japan.csv", "auto")
    assert _catalog_source("C:/data/neic.csv") == ("C:/data/neic.csv", "auto")  # not a format


def test_warnings_are_one_line_each(monkeypatch, capsys):
    import warnings

    from skdlies import _cli

    def run(args):
        warnings.warn("a model\nwas odd", UserWarning, stacklevel=1)

    monkeypatch.setattr(_cli, "_every_demo", run)
    assert main(["demo"]) == 0
    assert capsys.readouterr().err == "skdlies: warning: a model was odd\n"


def _no_work(*args, **kwargs):
    raise AssertionError("work started before --out was checked")


@pytest.mark.parametrize("argv", [["demo"], ["autoencoders", "demo"], ["aftershocks", "demo"]])
def test_demo_out_is_checked_before_any_training(argv, monkeypatch, tmp_path, capsys):
    from skdlies.aftershocks import _demo as shock_demo
    from skdlies.autoencoders import _demo

    monkeypatch.setattr(_demo, "run_demo", _no_work)
    monkeypatch.setattr(shock_demo, "run_demo", _no_work)
    a_file = tmp_path / "afile"
    a_file.write_text("")
    for out, message in [(a_file, "is not a folder."),
                         (a_file / "sub", f"is not a folder (its parent '{a_file}' is a file)")]:
        assert main([*argv, "--out", str(out)]) == 1
        err = capsys.readouterr().err
        assert err.startswith("skdlies: error: --out ") and message in err, err
        assert str(out) in err and err.count("\n") == 1


def test_out_expands_the_home_folder_and_creates_nothing_early(monkeypatch, tmp_path):
    from skdlies.autoencoders import _demo

    seen = []
    monkeypatch.setattr(_demo, "run_demo", lambda out, **kw: seen.append(out) or {})
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["autoencoders", "demo", "--out", "~/figures/ae"]) == 0
    assert seen == [tmp_path / "figures" / "ae"]
    assert not (tmp_path / "figures").exists()  # the check made nothing; the demo would


def test_evaluate_and_build_check_out_first(toy_files, monkeypatch, tmp_path, capsys):
    from skdlies.aftershocks import _build, _workflow

    monkeypatch.setattr(_workflow, "evaluate_files", _no_work)
    monkeypatch.setattr(_build, "build_dataset", _no_work)
    a_file = tmp_path / "afile"
    a_file.write_text("")
    train, test = toy_files
    assert main(["aftershocks", "evaluate", "--train", str(train), "--test", str(test),
                 "--out", str(a_file)]) == 1
    assert "--out '" in capsys.readouterr().err
    srcmod = tmp_path / "srcmod"
    srcmod.mkdir()
    (srcmod / "s2001TESTAA01DOEx.fsp").touch()
    assert main(["aftershocks", "build", "--srcmod", str(srcmod), "--out", str(tmp_path)]) == 1
    assert "is a folder; give a file name" in capsys.readouterr().err


def test_build_srcmod_is_a_folder_or_one_file(monkeypatch, tmp_path, capsys):
    from skdlies.aftershocks import _build

    built = []
    monkeypatch.setattr(_build, "build_dataset",
                        lambda files, out, **kw: built.append(files) or {"s": "built"})
    assert main(["aftershocks", "build", "--srcmod", str(tmp_path / "nope"),
                 "--out", str(tmp_path / "c.h5")]) == 1
    assert f"--srcmod '{tmp_path / 'nope'}' not found" in capsys.readouterr().err
    assert main(["aftershocks", "build", "--srcmod", str(tmp_path),
                 "--out", str(tmp_path / "c.h5")]) == 1
    assert "holds no *.fsp file" in capsys.readouterr().err
    one = tmp_path / "s2001TESTAA01DOEx.fsp"
    one.touch()
    assert main(["--quiet", "aftershocks", "build", "--srcmod", str(one),
                 "--out", str(tmp_path / "c.h5")]) == 0
    assert built == [[one]]


def test_a_repeated_warning_is_shown_once(monkeypatch, capsys):
    import warnings

    from skdlies import _cli

    def run(args):
        for _ in range(4):  # e.g. one units warning per scorer
            warnings.warn("stresses in MPa?", UserWarning, stacklevel=1)
        warnings.warn("another", UserWarning, stacklevel=1)

    monkeypatch.setattr(_cli, "_every_demo", run)
    assert main(["demo"]) == 0
    err = capsys.readouterr().err
    assert err == "skdlies: warning: stresses in MPa?\nskdlies: warning: another\n"


def test_version_and_demo_defaults(capsys):
    import skdlies
    from skdlies._cli import build_parser

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out == f"skdlies {skdlies.__version__}\n"
    parser = build_parser()
    assert parser.parse_args(["demo"]).out == "skdlies-demo"
    assert parser.parse_args(["autoencoders", "demo"]).out == "skdlies-demo/autoencoders"
    assert parser.parse_args(["aftershocks", "demo"]).out == "skdlies-demo/aftershocks"


def test_built_in_demos_run_on_one_torch_thread(monkeypatch, tmp_path):
    import torch

    from skdlies.autoencoders import _demo

    threads = []
    monkeypatch.setattr(_demo, "run_demo",
                        lambda *a, **k: threads.append(torch.get_num_threads()) or {})
    before = torch.get_num_threads()
    assert main(["autoencoders", "demo", "--out", str(tmp_path)]) == 0
    assert threads == [1] and torch.get_num_threads() == before
