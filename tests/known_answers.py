"""Functions whose symmetry algebra is known exactly, one per named algebra and action.

Each case is an analytic function, samples in float64, the action on them and
the algebra it is invariant to (of known dimension k): LieGG must return
exactly k directions of zero variance, spanning that algebra. Run this file to
print the table (algebra, dimension, variance gap, largest bias); the tests in
test_known_answers.py check every row.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from liegg import AffineImageAction, VectorAction, algebra_basis, analyze, sl_basis
from liegg.study.datasets import minkowski


@dataclass(frozen=True)
class Case:
    name: str
    function: object
    samples: object  # generator -> x
    action: object
    algebra: object
    dim: int
    normalize: bool = False
    output_action: object = None  # equivariance: the outputs transform too


def lorentz_products(x):
    """The three Minkowski products of two four-vectors: invariant to so(1,3), 6 of 16."""
    p, q = x[:, :4], x[:, 4:]
    return torch.stack([minkowski(p, p), minkowski(p, q), minkowski(q, q)], dim=1)


def norms_and_triple_product(x):
    """Norms of three 3-vectors and their triple product: invariant to so(3), 3 of 9
    (the triple product changes sign under a reflection, so not to O(3))."""
    a, b, c = x[:, :3], x[:, 3:6], x[:, 6:]
    return torch.stack([a.norm(dim=1), b.norm(dim=1) * c.norm(dim=1),
                        (a * torch.linalg.cross(b, c)).sum(dim=1)], dim=1)  # fmt: skip


def determinant(x):
    """det of two 2-vectors: invariant to sl(2), 3 of 4."""
    return (x[:, 0] * x[:, 3] - x[:, 1] * x[:, 2])[:, None]


def ratio(x):
    """A ratio of two coordinates: invariant to the scaling alone, 1 of 4."""
    return (x[:, 0] / x[:, 1])[:, None]


def conformal(x):
    """The ratio of two norms and the cosine between two 2-vectors: invariant to
    rotations and scalings, so+scale, 2 of 4."""
    a, b = x[:, :2], x[:, 2:]
    na, nb = a.norm(dim=1), b.norm(dim=1)
    return torch.stack([na / nb, (a * b).sum(dim=1) / (na * nb)], dim=1)


def gaussian(n, features):
    def draw(gen):
        return torch.randn(n, features, generator=gen, dtype=torch.float64)

    return draw


def uniform(n, features, low, high):
    """Samples away from zero, where a ratio stays of moderate size."""

    def draw(gen):
        return low + (high - low) * torch.rand(n, features, generator=gen, dtype=torch.float64)

    return draw


SIZE = 24


def bordered_images(n=200, size=SIZE, channels=None, width=None):
    """Smooth random images that are exactly zero on a two-pixel border: the central
    differences inside then equal the periodic ones, which the discrete Fourier
    transform diagonalises. ``(n, size, size)``, or ``(n, channels, size, width)``
    (each channel its own blobs)."""
    height, width = size, size if width is None else width

    def draw(gen):
        shape = (n, 1 if channels is None else channels)
        yy, xx = torch.meshgrid(torch.linspace(-1, 1, height, dtype=torch.float64),
                                torch.linspace(-1, 1, width, dtype=torch.float64), indexing="ij")  # fmt: skip
        images = torch.zeros(*shape, height, width, dtype=torch.float64)
        for _ in range(3):
            centre = (torch.rand(*shape, 2, 1, 1, generator=gen, dtype=torch.float64) - 0.5) * 0.8
            spread = 0.1 + 0.15 * torch.rand(*shape, 2, 1, 1, generator=gen, dtype=torch.float64)
            dx = (xx - centre[..., 0, :, :]) / spread[..., 0, :, :]
            dy = (yy - centre[..., 1, :, :]) / spread[..., 1, :, :]
            images += torch.exp(-(dx**2 + dy**2) / 2)
        mask = torch.zeros(height, width, dtype=torch.float64)
        mask[2:-2, 2:-2] = 1
        images = images * mask
        return images[:, 0] if channels is None else images

    return draw


def power_spectrum(x):
    """|DFT|^2 at a few low frequencies (of every channel): invariant to (discrete)
    translations, 2 of 6."""
    f = torch.fft.fft2(x)
    picks = [(0, 1), (1, 0), (1, 1), (1, 2), (2, 1), (2, 3)]
    return torch.stack([f[..., i, j].abs() ** 2 for i, j in picks], dim=-1).reshape(len(x), -1)


def mass(x):
    """The total intensity: invariant to every area-preserving affine map, sl(2) and
    the translations, 5 of 6 (not to the scaling)."""
    return x.sum(dim=(1, 2))[:, None]


def mixed_masses(x):
    """Functions that mix the total intensities M_c of three channels: invariant to
    sl(2) and the translations, 5 of 6, as the mass of one channel is."""
    m = x.sum(dim=(2, 3))
    return torch.stack([m[:, 0] + 2 * m[:, 1] - m[:, 2], m[:, 0] * m[:, 1], (m[:, 1] + m[:, 2]) ** 2], dim=1)


def radial_scaling(x):
    """g(|x|) x on R^3: equivariant to rotations, so(3), 3 of 9 (to no scaling, and
    invariant to nothing)."""
    return torch.tanh(x.norm(dim=1, keepdim=True)) * x


def channel_mixer(x):
    """The same 4 x 3 mixing of the channels at every pixel: equivariant to every affine
    map of the plane, 6 of 6."""
    mix = torch.tensor([[1.0, -2.0, 0.5], [0.3, 0.7, -1.1], [2.0, 0.1, 0.4], [-0.6, 1.5, 0.9]], dtype=x.dtype)
    return torch.einsum("oc,nchw->nohw", mix, x)


def _translations():
    basis = torch.zeros(2, 3, 3, dtype=torch.float64)
    basis[0, 0, 2] = basis[1, 1, 2] = 1.0
    return basis


def _sl2_and_translations():
    sl2 = torch.zeros(3, 3, 3, dtype=torch.float64)
    sl2[:, :2, :2] = sl_basis(2, dtype=torch.float64)
    return [sl2, _translations()]


CASES = [
    Case("so(3) on three 3-vectors", norms_and_triple_product, gaussian(400, 9), VectorAction(3), "so", 3),
    Case("so(1,3) on two four-vectors", lorentz_products, gaussian(400, 8), VectorAction(4), "so(1,3)", 6),
    Case("sl(2) on two 2-vectors", determinant, gaussian(400, 4), VectorAction(2), "sl", 3),
    Case("scale on one 2-vector", ratio, uniform(400, 2, 1.0, 2.0), VectorAction(2), "scale", 1),
    Case("so+scale on two 2-vectors", conformal, gaussian(400, 4), VectorAction(2), "so+scale", 2),
    Case("translations on images", power_spectrum, bordered_images(), AffineImageAction(), _translations(), 2),
    Case("sl(2)+translations on images", mass, bordered_images(), AffineImageAction(), _sl2_and_translations(), 5),
    Case("translations on 3-channel 20x28 images", power_spectrum, bordered_images(channels=3, size=20, width=28),
         AffineImageAction(), _translations(), 2),
    Case("sl(2)+translations on 3-channel 20x28 images, channels mixed", mixed_masses,
         bordered_images(channels=3, size=20, width=28), AffineImageAction(), _sl2_and_translations(), 5),
    Case("equivariant: so(3) of g(|x|) x", radial_scaling, gaussian(400, 3), VectorAction(3), "so", 3,
         output_action=VectorAction(3)),
    Case("equivariant: affine of a channel mixer, 3 to 4 channels, 20x28", channel_mixer,
         bordered_images(n=50, channels=3, size=20, width=28), AffineImageAction(), AffineImageAction().basis, 6,
         output_action=AffineImageAction()),
]


def run(case: Case, seed: int = 0):
    x = case.samples(torch.Generator().manual_seed(seed))
    return analyze(case.function, x, case.action, algebra=case.algebra, rtol=1e-10, normalize=case.normalize,
                   output_action=case.output_action)


def table_row(case: Case) -> dict:
    """What the known-answer table reports of one case."""
    result = run(case)
    v, k = result.variances, case.dim
    d = result.generators.shape[-1]
    return {
        "algebra": case.name,
        "dim": f"{len(algebra_basis(case.algebra, d))} of {len(v)}",
        "invariant found": result.n_invariant,
        # equivariance: against the mean change of the outputs along the generators (analyze's scale)
        "largest null variance / largest": float(v[k - 1] / v[-1]),
        "largest null variance / mean change": float(result.relative_variances[k - 1]),
        "gap": float(v[k] / v[k - 1]) if k < len(v) and float(v[k - 1]) > 0 else float("inf"),
        "subspace bias": result.subspace_bias,
        "largest bias of the k": float(result.bias[:k].max()),
    }


def main():
    for title, cases, left_out in (
        ("Invariance", [c for c in CASES if c.output_action is None], "largest null variance / mean change"),
        ("Equivariance", [c for c in CASES if c.output_action is not None], "largest null variance / largest"),
    ):
        rows = [{k: v for k, v in table_row(case).items() if k != left_out} for case in cases]
        keys = list(rows[0])
        print(f"\n{title}\n\n| " + " | ".join(keys) + " |")
        print("|" + "---|" * len(keys))
        for row in rows:
            cells = [f"{v:.2e}" if isinstance(v, float) else str(v) for v in row.values()]
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
