"""The ``skdlies`` command line."""

from __future__ import annotations

import json
import subprocess
import sys

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


def test_demo_writes_every_figure_and_metrics(tmp_path, monkeypatch):
    """The README's main job, on the built-in digits, with the epochs cut for speed."""
    from skdlies.autoencoders import _demo

    real_classes = {name: getattr(_demo, name) for name in
                    ("DenseAutoencoder", "ConvAutoencoder", "VariationalAutoencoder")}
    for name, cls in real_classes.items():
        monkeypatch.setattr(_demo, name, lambda _cls=cls, **kw: _cls(max_epochs=2, **kw))
    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([
        "conv_reconstructions.png", "dense_reconstructions.png", "denoising.png",
        "metrics.json", "vae_latent_scatter.png", "vae_manifold.png", "vae_samples.png",
    ])
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert 0 < metrics["dense_test_mse"] < 0.2 and metrics["vae_test_elbo"] < 0


def test_module_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "skdlies", "--help"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "autoencoders" in result.stdout
