"""MNIST digits: the embedded 10 000-digit subset and the full IDX download.

The repository ships ``data/mnist/digits.npz`` (10 000 real MNIST digits, see
``data/mnist/README.md``), which :func:`load_embedded` reads offline after
checking its sha256. Users who are online can fetch the full 70 000-digit
dataset with :func:`download_mnist` and read it with :func:`load_downloaded`.

Only NumPy and the standard library are used, so importing this module does
not pull in torch.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import tempfile
import urllib.request
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

__all__ = [
    "DEFAULT_MIRRORS",
    "EMBEDDED_SHA256",
    "STANDARD_FILES",
    "MnistDataError",
    "download_mnist",
    "load_downloaded",
    "load_embedded",
    "read_idx",
    "write_idx",
]

EMBEDDED_SHA256 = "0217e13bd0668deb198aa7d305edbf0331eb89f8a6e7dd226e03d1aa3a9bd4ef"

STANDARD_FILES = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

# A tuple so that the default argument of download_mnist cannot be mutated.
DEFAULT_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

SIDE = 28
N_CLASSES = 10
_EMBEDDED_FIX = (
    "restore it with `git checkout -- data/mnist/digits.npz` "
    "or regenerate with `python data/mnist/build_embedded.py`"
)
_DOWNLOAD_FIX = "delete it and run download_mnist() again"
# IDX header: two zero bytes, a dtype code, the number of dimensions.
_IDX_UBYTE = 0x08
_SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "t10k": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


class MnistDataError(ValueError):
    """A missing, corrupted or malformed MNIST file, or a failed download."""


# --------------------------------------------------------------------------- #
# Checksums
# --------------------------------------------------------------------------- #
def _file_digest(path: Path, algorithm: str) -> str:
    """Return the hex digest of the file at ``path``."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _has_md5(path: Path, md5: str) -> bool:
    """Return whether ``path`` is a file whose md5 is ``md5``."""
    return path.is_file() and _file_digest(path, "md5") == md5


# --------------------------------------------------------------------------- #
# Embedded digits
# --------------------------------------------------------------------------- #
def _embedded_error(path: Path, problem: str) -> MnistDataError:
    """Build the error for a bad embedded file, with the fix appended."""
    return MnistDataError(f"{path}: {problem}; {_EMBEDDED_FIX}")


def _check_embedded_sha256(path: Path) -> None:
    """Raise unless ``path`` exists and has sha256 :data:`EMBEDDED_SHA256`."""
    if not path.is_file():
        raise _embedded_error(path, "file not found")
    digest = _file_digest(path, "sha256")
    if digest != EMBEDDED_SHA256:
        raise _embedded_error(path, f"sha256 is {digest}, expected {EMBEDDED_SHA256}")


def _validate_images_labels(images: np.ndarray, labels: np.ndarray) -> str | None:
    """Return what is wrong with an images/labels pair, or None if nothing.

    Expects images uint8 (N, 28, 28) and labels of an integer dtype (N,) in 0..9.
    """
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (SIDE, SIDE):
        return f"images are {images.dtype} {images.shape}, expected uint8 (N, {SIDE}, {SIDE})"
    if not np.issubdtype(labels.dtype, np.integer) or labels.shape != images.shape[:1]:
        return f"labels are {labels.dtype} {labels.shape}, expected integers ({len(images)},)"
    if labels.size and (labels.min() < 0 or labels.max() >= N_CLASSES):
        return f"labels span {labels.min()}..{labels.max()}, expected 0..{N_CLASSES - 1}"
    return None


def load_embedded(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Load the embedded MNIST digits after verifying their checksum.

    The sha256 of the file is checked against :data:`EMBEDDED_SHA256` before
    anything is parsed, and the file is read with ``allow_pickle=False``.

    Parameters
    ----------
    path : str or os.PathLike
        The ``digits.npz`` file, normally ``data/mnist/digits.npz``.

    Returns
    -------
    images : np.ndarray, uint8, shape (N, 28, 28)
        Pixel intensities 0..255, row-major; N = 10 000, ordered by class.
    labels : np.ndarray, int64, shape (N,)
        Digit classes 0..9.

    Raises
    ------
    MnistDataError
        If the file is missing, its sha256 differs, or its arrays are malformed.
    """
    path = Path(path)
    _check_embedded_sha256(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            images, labels = npz["images"], npz["labels"]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise _embedded_error(path, f"cannot read arrays 'images' and 'labels' ({exc})") from exc
    problem = _validate_images_labels(images, labels)
    if problem:
        raise _embedded_error(path, problem)
    return images, labels.astype(np.int64)


# --------------------------------------------------------------------------- #
# IDX files
# --------------------------------------------------------------------------- #
def _read_maybe_gzipped(path: Path) -> bytes:
    """Return the bytes of ``path``, decompressed if it is gzip."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == _GZIP_MAGIC
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as f:
        return f.read()


def _parse_idx(data: bytes) -> np.ndarray:
    """Parse the bytes of an uncompressed IDX file; raise ValueError if malformed."""
    if len(data) < 4 or data[:2] != b"\x00\x00":
        raise ValueError("missing IDX magic number (expected two zero bytes first)")
    dtype_code, ndim = data[2], data[3]
    if dtype_code != _IDX_UBYTE:
        raise ValueError(f"unsupported IDX dtype code 0x{dtype_code:02x}, only 0x08 (ubyte)")
    header_len = 4 + 4 * ndim
    if ndim == 0 or len(data) < header_len:
        raise ValueError(f"header declares {ndim} dimensions but is truncated or empty")
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    expected = header_len + int(np.prod(shape))
    if len(data) != expected:
        state = "truncated" if len(data) < expected else "has trailing bytes"
        raise ValueError(f"{state}: {len(data)} bytes, expected {expected} for shape {shape}")
    return np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(shape).copy()


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file of unsigned bytes, gzipped or plain.

    Parameters
    ----------
    path : str or os.PathLike
        An IDX file such as ``train-images-idx3-ubyte.gz``.

    Returns
    -------
    np.ndarray, uint8, shape given by the file's header
        E.g. (60000, 28, 28) for training images, (60000,) for labels.

    Raises
    ------
    MnistDataError
        If the file is missing, not valid gzip, truncated, or not a ubyte IDX file.
    """
    path = Path(path)
    try:
        return _parse_idx(_read_maybe_gzipped(path))
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        raise MnistDataError(f"{path}: not a readable IDX file ({exc}); {_DOWNLOAD_FIX}") from exc


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file, gzipped when ``path`` ends in ``.gz``.

    The gzip header carries no name or timestamp, so equal arrays give equal bytes.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file.
    array : np.ndarray, uint8, any shape with 1 to 255 dimensions
        Data to store, row-major.
    """
    array = np.asarray(array)
    if array.dtype != np.uint8 or not 1 <= array.ndim <= 255:
        raise ValueError(f"IDX needs a uint8 array with 1..255 dimensions, got {array.dtype} {array.shape}")
    header = bytes([0, 0, _IDX_UBYTE, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = header + np.ascontiguousarray(array).tobytes()
    with open(path, "wb") as f:
        if str(path).endswith(".gz"):
            with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as gz:
                gz.write(payload)
        else:
            f.write(payload)


# --------------------------------------------------------------------------- #
# Download
# --------------------------------------------------------------------------- #
def _download_verified(url: str, target: Path, md5: str, timeout: float) -> None:
    """Fetch ``url`` into ``target`` only if its md5 matches.

    The data goes to a temp file next to ``target``, which is renamed into
    place on success and deleted on any failure, so ``target`` is never
    half-written.
    """
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.md5()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != md5:
            raise MnistDataError(f"md5 is {digest.hexdigest()}, expected {md5}")
        tmp.chmod(0o644)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _download_one(name: str, dest_dir: Path, mirrors: Sequence[str], md5: str, timeout: float) -> None:
    """Download ``name`` from the first mirror that serves the right bytes."""
    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + name
        try:
            _download_verified(url, dest_dir / name, md5, timeout)
            return
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # OSError covers URLError/HTTPError and timeouts; ValueError bad URLs and md5.
            failures.append(f"  {url}: {exc}")
    tried = "\n".join(failures) or "  (no mirrors given)"
    raise MnistDataError(f"{dest_dir / name}: could not download a copy with md5 {md5}; tried:\n{tried}")


def download_mnist(
    dest_dir: str | os.PathLike,
    mirrors: Sequence[str] = DEFAULT_MIRRORS,
    checksums: Mapping[str, str] = STANDARD_FILES,
    timeout: float = 30,
) -> Path:
    """Download the MNIST IDX files into ``dest_dir``, verifying their md5.

    A file already present with the right md5 is kept without any request.
    Otherwise the mirrors are tried in order; a file is moved to its final
    name only once its md5 matches, so nothing half-written is left behind.

    Parameters
    ----------
    dest_dir : str or os.PathLike
        Folder for the files; created if missing.
    mirrors : sequence of str
        Base URLs; ``mirror + filename`` is fetched.
    checksums : mapping of str to str
        Filename -> expected md5 hex digest; defaults to the four standard files.
    timeout : float
        Seconds allowed for connecting and for each read.

    Returns
    -------
    pathlib.Path
        ``dest_dir``.

    Raises
    ------
    MnistDataError
        If some file could not be fetched with the right md5 from any mirror;
        the message names the file, each URL tried and why it failed.
    """
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    for name, md5 in checksums.items():
        if not _has_md5(dest_dir / name, md5):
            _download_one(name, dest_dir, mirrors, md5, timeout)
    return dest_dir


def _load_split(dest_dir: Path, split: str, checksums: Mapping[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Read one split ('train' or 't10k'); labels become int64."""
    paths = [dest_dir / name for name in _SPLIT_FILES[split]]
    for path in paths:
        if path.name in checksums and not _has_md5(path, checksums[path.name]):
            raise MnistDataError(f"{path}: missing or md5 differs from {checksums[path.name]}; {_DOWNLOAD_FIX}")
    images, labels = (read_idx(p) for p in paths)
    problem = _validate_images_labels(images, labels)
    if problem:
        raise MnistDataError(f"{dest_dir}: {split} split: {problem}; {_DOWNLOAD_FIX}")
    return images, labels.astype(np.int64)


def load_downloaded(
    dest_dir: str | os.PathLike,
    checksums: Mapping[str, str] = STANDARD_FILES,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load MNIST files fetched by :func:`download_mnist`.

    Parameters
    ----------
    dest_dir : str or os.PathLike
        Folder holding the four ``*-idx?-ubyte.gz`` files.
    checksums : mapping of str to str
        Filename -> expected md5; each listed file is verified before parsing.

    Returns
    -------
    train_images : np.ndarray, uint8, shape (60000, 28, 28)
    train_labels : np.ndarray, int64, shape (60000,)
    test_images : np.ndarray, uint8, shape (10000, 28, 28)
    test_labels : np.ndarray, int64, shape (10000,)
        Sizes are those of the standard files; the arrays follow whatever the
        files hold.

    Raises
    ------
    MnistDataError
        If a file is missing, fails its md5, or is malformed.
    """
    dest_dir = Path(dest_dir)
    train_images, train_labels = _load_split(dest_dir, "train", checksums)
    test_images, test_labels = _load_split(dest_dir, "t10k", checksums)
    return train_images, train_labels, test_images, test_labels
