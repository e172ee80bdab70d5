"""Tests for liegg.study.mnist: the embedded digits, IDX files, and the download path.

Downloads run for real against an http.server bound to 127.0.0.1 that serves
IDX files built from the embedded digits.
"""

from __future__ import annotations

import hashlib
import http.server
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from liegg.study.mnist import (
    STANDARD_FILES,
    MnistDataError,
    download_mnist,
    load_downloaded,
    load_embedded,
    read_idx,
    write_idx,
)

EMBEDDED = Path(__file__).resolve().parents[1] / "data" / "mnist" / "digits.npz"
CLASS_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
TIMEOUT = 5


@pytest.fixture(scope="module")
def embedded() -> tuple[np.ndarray, np.ndarray]:
    return load_embedded(EMBEDDED)


# --------------------------------------------------------------------------- #
# Embedded digits
# --------------------------------------------------------------------------- #
def test_embedded_shapes_and_counts(embedded):
    images, labels = embedded
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.int64
    assert np.bincount(labels).tolist() == CLASS_COUNTS
    # Digit-file order: all 0s, then all 1s, ...
    assert np.all(np.diff(labels) >= 0)


def test_embedded_images_are_real_digits(embedded):
    images, labels = embedded
    assert images.min() == 0 and images.max() == 255
    class_means = [images[labels == d].mean() for d in range(10)]
    # A "1" lights far fewer pixels than a "0"; digits are centred, so the
    # 2-pixel frame is nearly all background while the middle is not.
    assert class_means[1] < class_means[0]
    frame = np.ones((28, 28), dtype=bool)
    frame[2:-2, 2:-2] = False
    assert images[:, frame].mean() < 1 < 50 < images[:, 7:21, 7:21].mean()
    assert (images > 0).mean(axis=(1, 2)).min() > 0.02


def _copy_embedded(tmp_path: Path) -> Path:
    copy = tmp_path / "digits.npz"
    shutil.copyfile(EMBEDDED, copy)
    return copy


def test_truncated_embedded_copy_raises(tmp_path):
    copy = _copy_embedded(tmp_path)
    data = copy.read_bytes()
    copy.write_bytes(data[: len(data) // 2])
    with pytest.raises(MnistDataError, match="sha256") as info:
        load_embedded(copy)
    assert str(copy) in str(info.value)
    assert "build_embedded.py" in str(info.value)


def test_flipped_byte_in_embedded_copy_raises(tmp_path):
    copy = _copy_embedded(tmp_path)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    with pytest.raises(MnistDataError, match="sha256") as info:
        load_embedded(copy)
    assert str(copy) in str(info.value)


def test_missing_embedded_file_raises(tmp_path):
    missing = tmp_path / "digits.npz"
    with pytest.raises(MnistDataError, match="not found") as info:
        load_embedded(missing)
    assert str(missing) in str(info.value)


@pytest.mark.parametrize(
    ("arrays", "problem"),
    [
        ({"images": np.zeros((3, 28, 28), np.float32), "labels": np.zeros(3, np.uint8)}, "images are"),
        ({"images": np.zeros((3, 28, 28), np.uint8), "labels": np.zeros(4, np.uint8)}, "labels are"),
        ({"images": np.zeros((3, 28, 28), np.uint8), "labels": np.full(3, 10, np.uint8)}, "labels span"),
        ({"images": np.zeros((3, 28, 28), np.uint8)}, "cannot read"),
        ({"images": np.zeros((3, 28, 28), np.uint8), "labels": np.array([None] * 3)}, "cannot read"),
    ],
)
def test_embedded_content_is_validated(tmp_path, monkeypatch, arrays, problem):
    # Accept this file's checksum so that the content checks behind it run.
    path = tmp_path / "digits.npz"
    np.savez(path, **arrays)
    monkeypatch.setattr("liegg.study.mnist.EMBEDDED_SHA256", hashlib.sha256(path.read_bytes()).hexdigest())
    with pytest.raises(MnistDataError, match=problem) as info:
        load_embedded(path)
    assert str(path) in str(info.value)


# --------------------------------------------------------------------------- #
# IDX files
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("name", ["x-idx3-ubyte.gz", "x-idx3-ubyte"])
def test_idx_round_trip(tmp_path, embedded, name):
    images = embedded[0][::500]
    write_idx(tmp_path / name, images)
    np.testing.assert_array_equal(read_idx(tmp_path / name), images)


def test_idx_labels_round_trip(tmp_path, embedded):
    labels = embedded[1][::37].astype(np.uint8)
    write_idx(tmp_path / "l.gz", labels)
    np.testing.assert_array_equal(read_idx(tmp_path / "l.gz"), labels)


def test_write_idx_is_byte_reproducible(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a.gz", array)
    write_idx(tmp_path / "b.gz", array)
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()


def test_write_idx_rejects_non_uint8(tmp_path):
    with pytest.raises(ValueError, match="uint8"):
        write_idx(tmp_path / "a.gz", np.zeros(3, dtype=np.int64))


def _idx_bytes(tmp_path: Path, array: np.ndarray) -> bytes:
    write_idx(tmp_path / "plain", array)
    return (tmp_path / "plain").read_bytes()


@pytest.mark.parametrize(
    ("mangle", "problem"),
    [
        (lambda b: b[:-5], "truncated"),
        (lambda b: b[:6], "truncated"),
        (lambda b: b + b"\x00", "trailing"),
        (lambda b: b"\x01" + b[1:], "magic"),
        (lambda b: b[:2] + b"\x0d" + b[3:], "dtype code 0x0d"),
        (lambda b: b"", "magic"),
    ],
)
def test_malformed_idx_raises(tmp_path, mangle, problem):
    data = mangle(_idx_bytes(tmp_path, np.ones((4, 5, 6), dtype=np.uint8)))
    bad = tmp_path / "bad-idx3-ubyte"
    bad.write_bytes(data)
    with pytest.raises(MnistDataError, match=problem) as info:
        read_idx(bad)
    assert str(bad) in str(info.value)


def test_truncated_gzip_idx_raises(tmp_path):
    write_idx(tmp_path / "a.gz", np.ones((50, 28, 28), dtype=np.uint8))
    data = (tmp_path / "a.gz").read_bytes()
    (tmp_path / "a.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(MnistDataError, match="a.gz"):
        read_idx(tmp_path / "a.gz")


def test_missing_idx_raises(tmp_path):
    with pytest.raises(MnistDataError, match="nothing.gz"):
        read_idx(tmp_path / "nothing.gz")


# --------------------------------------------------------------------------- #
# Download against a loopback HTTP server
# --------------------------------------------------------------------------- #
class _Handler(http.server.BaseHTTPRequestHandler):
    """Serve ``server.routes`` (path -> bytes); 404 for anything else."""

    def do_GET(self):
        self.server.requests.append(self.path)
        body = self.server.routes.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture(scope="module")
def idx_files(embedded, tmp_path_factory) -> dict[str, bytes]:
    """Gzipped IDX bytes of 600 'train' and 100 't10k' digits drawn from the embedded set."""
    images, labels = embedded
    picks = np.random.default_rng(0).permutation(len(labels))[:700]
    parts = {
        "train-images-idx3-ubyte.gz": images[picks[:600]],
        "train-labels-idx1-ubyte.gz": labels[picks[:600]].astype(np.uint8),
        "t10k-images-idx3-ubyte.gz": images[picks[600:]],
        "t10k-labels-idx1-ubyte.gz": labels[picks[600:]].astype(np.uint8),
    }
    folder = tmp_path_factory.mktemp("idx")
    for name, array in parts.items():
        write_idx(folder / name, array)
    return {name: (folder / name).read_bytes() for name in parts}


@pytest.fixture(scope="module")
def checksums(idx_files) -> dict[str, str]:
    return {name: hashlib.md5(data).hexdigest() for name, data in idx_files.items()}


@pytest.fixture
def server(idx_files, monkeypatch):
    """A loopback server: /good/ serves the files, /bad/ corrupted copies, /empty/ 404s."""
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.requests = []
    httpd.routes = {f"/good/{name}": data for name, data in idx_files.items()}
    httpd.routes.update({f"/bad/{name}": data[:-1] + b"!" for name, data in idx_files.items()})
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=TIMEOUT)


def test_download_and_load_round_trip(tmp_path, server, checksums, idx_files, embedded):
    dest = download_mnist(tmp_path / "mnist", [server.base + "good/"], checksums, timeout=TIMEOUT)
    assert sorted(p.name for p in dest.iterdir()) == sorted(checksums)
    train_images, train_labels, test_images, test_labels = load_downloaded(dest, checksums)
    assert train_images.shape == (600, 28, 28) and test_images.shape == (100, 28, 28)
    assert train_labels.dtype == test_labels.dtype == np.int64
    picks = np.random.default_rng(0).permutation(10000)[:700]
    images, labels = embedded
    np.testing.assert_array_equal(np.concatenate([train_images, test_images]), images[picks])
    np.testing.assert_array_equal(np.concatenate([train_labels, test_labels]), labels[picks])


def test_second_mirror_used_after_404(tmp_path, server, checksums):
    mirrors = [server.base + "empty/", server.base + "good/"]
    download_mnist(tmp_path, mirrors, checksums, timeout=TIMEOUT)
    for name in checksums:
        assert f"/empty/{name}" in server.requests and f"/good/{name}" in server.requests
        assert (tmp_path / name).read_bytes() == server.routes[f"/good/{name}"]


def test_corrupted_download_raises_and_leaves_nothing(tmp_path, server, checksums):
    mirrors = [server.base + "empty/", server.base + "bad/"]
    with pytest.raises(MnistDataError) as info:
        download_mnist(tmp_path, mirrors, checksums, timeout=TIMEOUT)
    message = str(info.value)
    first = next(iter(checksums))
    assert str(tmp_path / first) in message
    assert f"{server.base}empty/{first}: HTTP Error 404" in message
    assert f"{server.base}bad/{first}: md5 is" in message
    assert list(tmp_path.iterdir()) == []


def test_present_files_are_not_downloaded_again(tmp_path, server, checksums, idx_files):
    for name, data in idx_files.items():
        (tmp_path / name).write_bytes(data)
    download_mnist(tmp_path, [server.base + "good/"], checksums, timeout=TIMEOUT)
    assert server.requests == []


def test_wrong_local_file_is_replaced(tmp_path, server, checksums, idx_files):
    name = next(iter(checksums))
    (tmp_path / name).write_bytes(b"stale")
    download_mnist(tmp_path, [server.base + "good/"], {name: checksums[name]}, timeout=TIMEOUT)
    assert server.requests == [f"/good/{name}"]
    assert (tmp_path / name).read_bytes() == idx_files[name]


def test_load_downloaded_checks_md5(tmp_path, checksums, idx_files):
    for name, data in idx_files.items():
        (tmp_path / name).write_bytes(data)
    name = next(iter(checksums))
    (tmp_path / name).write_bytes(idx_files[name][:-1] + b"!")
    with pytest.raises(MnistDataError, match="md5") as info:
        load_downloaded(tmp_path, checksums)
    assert str(tmp_path / name) in str(info.value)


def test_standard_files_are_the_four_idx_files():
    assert sorted(STANDARD_FILES) == sorted(
        f"{split}-{kind}-idx{n}-ubyte.gz" for split in ("train", "t10k") for kind, n in (("images", 3), ("labels", 1))
    )
