"""Tests for ``load_mnist`` and ``get_data_home`` (offline: a local HTTP server)."""

from __future__ import annotations

import hashlib
import http.server
import io
import re
import socket
import threading
from pathlib import Path

import numpy as np
import pooch
import pytest

import skdlies.datasets._mnist as mnist_mod
from skdlies.datasets import DownloadError, get_data_home, load_mnist

N_TRAIN, N_TEST = 20, 10


def make_arrays(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, N_TRAIN, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (N_TEST, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, N_TEST, dtype=np.uint8),
    }


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Server:
    """A local HTTP server: ``routes`` maps URL paths to bytes, others give 404."""

    def __init__(self) -> None:
        self.routes: dict[str, bytes] = {}
        self.hits: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits.append(self.path)
                body = server.routes.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never reach the real URL nor a user's cache; talk to 127.0.0.1 directly."""
    monkeypatch.delenv("SKDLIES_DATA", raising=False)
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    monkeypatch.setattr(mnist_mod, "MNIST_URL", "http://127.0.0.1:9/unreachable/mnist.npz")


@pytest.fixture
def server():
    srv = Server()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()
    srv.thread.join(timeout=5)


@pytest.fixture
def served(server: Server, monkeypatch: pytest.MonkeyPatch):
    """A good fake ``mnist.npz`` served at MNIST_URL, with MNIST_SHA256 set to its hash."""
    arrays = make_arrays()
    data = npz_bytes(arrays)
    server.routes["/mnist.npz"] = data
    monkeypatch.setattr(mnist_mod, "MNIST_URL", server.url("/mnist.npz"))
    monkeypatch.setattr(mnist_mod, "MNIST_SHA256", sha256(data))
    return server, arrays, data


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    path.write_bytes(npz_bytes(arrays))
    return path


# --- get_data_home ------------------------------------------------------------------------


def test_data_home_precedence(tmp_path, monkeypatch):
    monkeypatch.setattr(pooch, "os_cache", lambda name: tmp_path / f"os-cache-{name}")
    assert get_data_home() == tmp_path / "os-cache-skdlies"
    assert (tmp_path / "os-cache-skdlies").is_dir()
    monkeypatch.setenv("SKDLIES_DATA", str(tmp_path / "env" / "deep"))
    assert get_data_home() == tmp_path / "env" / "deep"
    assert (tmp_path / "env" / "deep").is_dir()
    assert get_data_home(tmp_path / "arg") == tmp_path / "arg"
    assert (tmp_path / "arg").is_dir()


def test_data_home_expands_user(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_data_home("~/skd") == tmp_path / "skd"
    assert (tmp_path / "skd").is_dir()


# --- download and cache -------------------------------------------------------------------


def test_download_then_cache(served, tmp_path):
    server, arrays, data = served
    cache = tmp_path / "cache"
    bunch = load_mnist(data_home=cache)
    assert server.hits == ["/mnist.npz"]
    assert (cache / "mnist.npz").read_bytes() == data
    assert bunch.images.shape == (N_TRAIN, 28, 28)
    assert bunch.data.shape == (N_TRAIN, 784)
    assert bunch.images.dtype == bunch.data.dtype == np.float32
    assert bunch.target.dtype == np.int64
    assert 0.0 <= bunch.data.min() and bunch.data.max() <= 1.0
    np.testing.assert_allclose(bunch.images, arrays["x_train"] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(bunch.target, arrays["y_train"])
    assert np.shares_memory(bunch.data, bunch.images)
    assert bunch.feature_names[0] == "pixel_0" and bunch.feature_names[-1] == "pixel_783"
    assert len(bunch.feature_names) == 784
    np.testing.assert_array_equal(bunch.target_names, np.arange(10))
    assert "MNIST" in bunch.DESCR

    X, y = load_mnist("test", data_home=cache, return_X_y=True)  # from the cache
    assert server.hits == ["/mnist.npz"]
    assert X.shape == (N_TEST, 784) and y.shape == (N_TEST,)
    np.testing.assert_array_equal(y, arrays["y_test"])


def test_env_var_is_honoured(served, tmp_path, monkeypatch):
    server, _, data = served
    monkeypatch.setenv("SKDLIES_DATA", str(tmp_path / "from-env"))
    X, _ = load_mnist(return_X_y=True)
    assert (tmp_path / "from-env" / "mnist.npz").read_bytes() == data
    assert X.shape == (N_TRAIN, 784)
    load_mnist(return_X_y=True)
    assert len(server.hits) == 1


def test_cached_file_with_wrong_hash_is_replaced(served, tmp_path):
    server, _, data = served
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "mnist.npz").write_bytes(b"stale or corrupt")
    load_mnist(data_home=cache)
    assert len(server.hits) == 1
    assert (cache / "mnist.npz").read_bytes() == data


def test_corrupted_download_is_not_kept(served, tmp_path):
    server, _, data = served
    server.routes["/mnist.npz"] = data[: len(data) // 2]  # hash no longer matches
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match=r"(?s)Could not download MNIST.*hash.*path=") as info:
        load_mnist(data_home=cache)
    assert mnist_mod.MNIST_URL in str(info.value)
    assert isinstance(info.value, OSError)
    assert isinstance(info.value.__cause__, ValueError)
    assert list(cache.iterdir()) == []  # neither mnist.npz nor a temporary file


def test_http_404(served, tmp_path):
    server, _, _ = served
    server.routes.clear()
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match=r"(?s)Could not download MNIST.*404.*path=") as info:
        load_mnist(data_home=cache)
    assert mnist_mod.MNIST_URL in str(info.value)
    assert info.value.__cause__ is not None
    assert list(cache.iterdir()) == []


def test_connection_refused(tmp_path, monkeypatch):
    with socket.socket() as sock:  # a port with nobody listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/mnist.npz"
    monkeypatch.setattr(mnist_mod, "MNIST_URL", url)
    with pytest.raises(OSError, match=re.escape(url)) as info:
        load_mnist(data_home=tmp_path / "cache")
    assert isinstance(info.value, DownloadError)
    assert "path=" in str(info.value)
    assert not (tmp_path / "cache" / "mnist.npz").exists()


def test_no_download_with_empty_cache(server, tmp_path, monkeypatch):
    monkeypatch.setattr(mnist_mod, "MNIST_URL", server.url("/mnist.npz"))
    cache = tmp_path / "cache"
    expected = re.escape(str(cache / "mnist.npz"))
    with pytest.raises(FileNotFoundError, match=rf"(?s){expected}.*path=.*byte-identical copy"):
        load_mnist(data_home=cache, download_if_missing=False)
    assert server.hits == []


def test_no_download_uses_valid_cache(served, tmp_path):
    server, arrays, data = served
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "mnist.npz").write_bytes(data)
    _, y = load_mnist("test", data_home=cache, download_if_missing=False, return_X_y=True)
    np.testing.assert_array_equal(y, arrays["y_test"])
    assert server.hits == []


def test_no_download_rejects_corrupt_cache(served, tmp_path):
    server, _, data = served
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "mnist.npz").write_bytes(data[:-10])
    with pytest.raises(ValueError, match="does not match the expected SHA-256"):
        load_mnist(data_home=cache, download_if_missing=False)
    assert server.hits == []


# --- explicit path ------------------------------------------------------------------------


def test_explicit_path_subsets(tmp_path):
    arrays = make_arrays(1)
    file = write_npz(tmp_path / "my.npz", arrays)
    train = load_mnist(path=file)
    test = load_mnist("test", path=str(file))
    both = load_mnist("all", path=file)
    assert len(train.target) == N_TRAIN and len(test.target) == N_TEST
    assert both.images.shape == (N_TRAIN + N_TEST, 28, 28)
    np.testing.assert_array_equal(both.target, np.r_[arrays["y_train"], arrays["y_test"]])
    np.testing.assert_array_equal(both.data, np.r_[train.data, test.data])
    assert both.data.max() <= 1.0 and both.data.dtype == np.float32


def test_explicit_path_skips_cache_and_hash(tmp_path, monkeypatch):
    monkeypatch.setenv("SKDLIES_DATA", str(tmp_path / "cache"))
    file = write_npz(tmp_path / "my.npz", make_arrays())
    load_mnist(path=file)
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (lambda a: a.pop("y_test"), r"lacks the key\(s\) \['y_test'\]"),
        (
            lambda a: a.update(x_train=np.zeros((N_TRAIN, 27, 27), np.uint8)),
            r"'x_train' has shape \(20, 27, 27\), expected \(n, 28, 28\)",
        ),
        (
            lambda a: a.update(x_train=np.zeros((N_TRAIN, 784), np.uint8)),
            r"'x_train' has shape \(20, 784\)",
        ),
        (
            lambda a: a.update(x_train=a["x_train"].astype(np.float32)),
            r"'x_train' has dtype float32, expected uint8",
        ),
        (
            lambda a: a.update(y_train=a["y_train"][:-1]),
            r"'y_train' has shape \(19,\), expected \(20,\)",
        ),
        (
            lambda a: a["y_train"].__setitem__(3, 11),
            r"'y_train' has labels in \[\d+, 11\], expected labels 0\.\.9",
        ),
        (
            lambda a: a.update(y_train=a["y_train"].astype(np.float64)),
            r"'y_train' has dtype float64, expected integers",
        ),
    ],
)
def test_explicit_path_bad_layout(tmp_path, change, pattern):
    arrays = make_arrays()
    change(arrays)
    file = write_npz(tmp_path / "bad.npz", arrays)
    with pytest.raises(ValueError, match=re.escape(str(file)) + ".*" + pattern):
        load_mnist("all", path=file)


def test_explicit_path_truncated(tmp_path):
    data = npz_bytes(make_arrays())
    file = tmp_path / "cut.npz"
    file.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=re.escape(str(file)) + ".*corrupt or truncated"):
        load_mnist(path=file)


@pytest.mark.parametrize(
    "content",
    [b"", b"definitely not an npz file", "npy"],
    ids=["empty", "garbage", "npy"],
)
def test_explicit_path_not_an_npz(tmp_path, content):
    file = tmp_path / "weird.npz"
    if content == "npy":
        with file.open("wb") as fh:
            np.save(fh, np.zeros(3))
    else:
        file.write_bytes(content)
    with pytest.raises(ValueError, match=re.escape(str(file)) + ".*corrupt or truncated"):
        load_mnist(path=file)


def test_explicit_path_pickled_object_is_refused(tmp_path):
    arrays = make_arrays()
    arrays["x_train"] = np.array([object()] * N_TRAIN, dtype=object)
    file = write_npz(tmp_path / "pickled.npz", arrays)
    with pytest.raises(ValueError, match=re.escape(str(file)) + ".*(?i:pickle)"):
        load_mnist(path=file)


def test_explicit_path_missing(tmp_path):
    file = tmp_path / "nowhere" / "mnist.npz"
    with pytest.raises(FileNotFoundError, match=re.escape(str(file))):
        load_mnist(path=file)


def test_explicit_path_is_a_folder(tmp_path):
    with pytest.raises(IsADirectoryError, match=re.escape(str(tmp_path))):
        load_mnist(path=tmp_path)


@pytest.mark.parametrize("subset", ["training", "TRAIN", "", None])
def test_invalid_subset(tmp_path, subset):
    file = write_npz(tmp_path / "my.npz", make_arrays())
    with pytest.raises(ValueError, match=r"subset must be one of \['train', 'test', 'all'\]"):
        load_mnist(subset, path=file)
