"""Download faults: a local 127.0.0.1 server that misbehaves in each of the ways a real one can.

Each fault must give a clear :class:`~skdlies.datasets.DownloadError` naming the URL,
within a bounded time (``DOWNLOAD_TIMEOUT`` is cut to a fraction of a second here; the
``timeout`` marks only guard against a hang), and must never leave a bad or partial
file in the cache folder. Every remote file of the package must have a pinned SHA-256.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import io
import pkgutil
import re
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

import skdlies
import skdlies.datasets
import skdlies.datasets._mnist as mnist_mod
from skdlies.datasets import DownloadError, load_mnist

pytestmark = pytest.mark.timeout(60)


def npz_bytes(seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    np.savez(buf, x_train=rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
             y_train=rng.integers(0, 10, 6, dtype=np.uint8),
             x_test=rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
             y_test=rng.integers(0, 10, 3, dtype=np.uint8))
    return buf.getvalue()


GOOD = npz_bytes()
GOOD_SHA256 = hashlib.sha256(GOOD).hexdigest()


class FaultyServer:
    """A tiny HTTP/1.0 server on 127.0.0.1; ``mode`` says how it answers each request.

    - ``"good"``: the good file; ``"corrupt"``: the same length, one byte flipped;
    - ``"404"``: Not Found; ``"silent"``: accepts, reads the request, never answers;
    - ``"stall"``: headers and half the body, then nothing (connection kept open);
    - ``"cut"``: headers and half the body, then closes the connection.
    """

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.requests = 0
        self.release = threading.Event()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.threads: list[threading.Thread] = []
        self.accepting = threading.Thread(target=self._accept, daemon=True)
        self.accepting.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/mnist.npz"

    def _accept(self) -> None:
        while not self.release.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._answer, args=(conn,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            self.requests += 1
            body = GOOD
            if self.mode == "corrupt":
                body = bytearray(GOOD)
                body[len(body) // 2] ^= 0xFF
                body = bytes(body)
            if self.mode == "404":
                conn.sendall(b"HTTP/1.0 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found")
                return
            if self.mode == "silent":
                self.release.wait(30)
                return
            head = f"HTTP/1.0 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            if self.mode in ("good", "corrupt"):
                conn.sendall(head + body)
                return
            conn.sendall(head + body[: len(body) // 2])
            if self.mode == "stall":
                self.release.wait(30)

    def close(self) -> None:
        self.release.set()
        for thread in self.threads:
            thread.join(timeout=5)
        self.accepting.join(timeout=5)
        self.sock.close()


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch):
    """``serve(mode)`` starts a FaultyServer and points MNIST_URL and MNIST_SHA256 at it."""
    servers: list[FaultyServer] = []
    monkeypatch.delenv("SKDLIES_DATA", raising=False)
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    monkeypatch.setattr(mnist_mod, "DOWNLOAD_TIMEOUT", 0.5)
    monkeypatch.setattr(mnist_mod, "MNIST_SHA256", GOOD_SHA256)

    def start(mode: str) -> FaultyServer:
        server = FaultyServer(mode)
        servers.append(server)
        monkeypatch.setattr(mnist_mod, "MNIST_URL", server.url)
        return server

    yield start
    for server in servers:
        server.close()


def test_good_file_is_downloaded_and_kept(serve, tmp_path):
    server = serve("good")
    cache = tmp_path / "cache"
    X, y = load_mnist("test", data_home=cache, return_X_y=True)
    assert X.shape == (3, 784) and y.shape == (3,)
    assert [p.name for p in cache.iterdir()] == ["mnist.npz"]
    assert (cache / "mnist.npz").read_bytes() == GOOD
    load_mnist(data_home=cache)  # from the cache: no second request
    assert server.requests == 1


@pytest.mark.parametrize(
    ("mode", "pattern"),
    [
        ("corrupt", r"(?i)hash"),
        ("404", r"404"),
        ("silent", r"timed out.*the server sent nothing for 0\.5 s"),
        ("stall", r"timed out.*the server sent nothing for 0\.5 s"),
        ("cut", r"(?i)connection broken|incomplete"),
    ],
)
def test_fault_gives_clear_error_and_no_file(serve, tmp_path, mode, pattern):
    server = serve(mode)
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match=pattern) as info:
        load_mnist(data_home=cache)
    message = str(info.value)
    assert message.startswith("Could not download MNIST from " + server.url)
    assert str(cache) in message and "path=" in message  # where, and how to work around it
    assert info.value.__cause__ is not None
    assert server.requests == 1  # no silent retries
    assert list(cache.iterdir()) == []  # neither mnist.npz nor a temporary file


@pytest.mark.parametrize("mode", ["corrupt", "stall", "cut"])
def test_fault_keeps_nothing_and_a_later_good_download_works(serve, tmp_path, mode):
    cache = tmp_path / "cache"
    serve(mode)
    with pytest.raises(DownloadError):
        load_mnist(data_home=cache)
    assert list(cache.iterdir()) == []
    serve("good")
    _, y = load_mnist("test", data_home=cache, return_X_y=True)
    assert y.shape == (3,)
    assert [p.name for p in cache.iterdir()] == ["mnist.npz"]


def test_partial_file_in_cache_is_never_used(serve, tmp_path):
    """A half file left by another tool is refused offline and replaced online."""
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "mnist.npz").write_bytes(GOOD[: len(GOOD) // 2])
    server = serve("good")
    with pytest.raises(ValueError, match="does not match the expected SHA-256"):
        load_mnist(data_home=cache, download_if_missing=False)
    assert server.requests == 0
    load_mnist(data_home=cache)
    assert (cache / "mnist.npz").read_bytes() == GOOD


def test_timeout_is_a_module_constant_read_at_call_time(serve, tmp_path, monkeypatch):
    seen = []
    real = mnist_mod.pooch.HTTPDownloader

    def spy(**kwargs):
        seen.append(kwargs.get("timeout"))
        return real(**kwargs)

    monkeypatch.setattr(mnist_mod.pooch, "HTTPDownloader", spy)
    monkeypatch.setattr(mnist_mod, "DOWNLOAD_TIMEOUT", 7.5)
    serve("good")
    load_mnist(data_home=tmp_path)
    assert seen == [7.5]
    assert 0 < skdlies.datasets._mnist.DOWNLOAD_TIMEOUT


# -- every remote file has a pinned SHA-256 ----------------------------------------------------


def dataset_modules():
    for info in pkgutil.iter_modules(skdlies.datasets.__path__):
        yield importlib.import_module(f"skdlies.datasets.{info.name}")


def test_every_url_constant_has_a_pinned_sha256():
    urls = {}
    for module in dataset_modules():
        for name, value in vars(module).items():
            if name.endswith("_URL") and isinstance(value, str):
                urls[f"{module.__name__}.{name}"] = value
                sha = getattr(module, name[: -len("_URL")] + "_SHA256", None)
                assert isinstance(sha, str) and re.fullmatch(r"[0-9a-f]{64}", sha), (
                    f"{module.__name__}.{name} has no pinned 64-hex-digit SHA-256"
                )
    assert "skdlies.datasets._mnist.MNIST_URL" in urls


def test_every_download_call_passes_a_known_hash():
    """No ``pooch.retrieve``/``Pooch`` download in the package goes without a hash."""
    root = Path(skdlies.__file__).parent
    calls = 0
    for file in root.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(), str(file))):
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func)
            if name.endswith(("retrieve", "urlretrieve", "urlopen", "requests.get")):
                calls += 1
                hashes = [k for k in node.keywords if k.arg == "known_hash"]
                assert hashes and not (isinstance(hashes[0].value, ast.Constant)
                                       and hashes[0].value.value is None), (
                    f"{file.relative_to(root)}:{node.lineno}: {name}(...) without known_hash"
                )
    assert calls >= 1
