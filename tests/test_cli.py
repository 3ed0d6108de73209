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
