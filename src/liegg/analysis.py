"""One call for a model of one's own: which generators has it learned, and how well?"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ._modes import eval_mode
from .actions import generator_basis
from .groups import algebra_basis
from .metrics import closure_defect, principal_angles, subspace_bias, symmetry_bias
from .polarization import _output_function, polarization_gram
from .spectral import Spectrum, count_invariant, spectrum_from_gram

__all__ = ["Analysis", "DegenerateSpectrum", "analyze", "output_spread", "DEGENERATE_RTOL"]

#: A spectrum whose largest symmetry variance is at most this times the
#: variance of the outputs is degenerate (see :func:`analyze`).
DEGENERATE_RTOL = 1e-10


class DegenerateSpectrum(ValueError):
    """The model's outputs do not change on the data: every generator looks
    like a symmetry and the spectrum says nothing."""


@dataclass(frozen=True)
class Analysis:
    """What :func:`analyze` found, most invariant direction first.

    Attributes
    ----------
    variances : Tensor of shape ``(D,)``, float64
        Symmetry variances ``lambda_i = s_i**2 / rows``, ascending (``D = d*d``,
        or the size of the action's ``basis``).
    relative_variances : Tensor of shape ``(D,)``
        ``lambda_i`` divided by the mean of all ``D`` variances: free of the
        output scale, so networks whose outputs vary by different amounts
        compare (an absolute ``lambda`` is small for a network whose outputs
        barely change over the data, in every direction). With an
        ``output_action``, divided instead by the mean over the generators of
        how much the outputs change along each (the input term ``df(x) . (A x)``
        alone): a model equivariant to every generator has all of them near 0.
    generators : Tensor of shape ``(D, d, d)``
        The direction of each variance, unit Frobenius norm.
    singular_values : Tensor of shape ``(D,)``
    rows : int
        Rows of the polarization matrix.
    n_invariant : int
        Directions with ``relative_variances <= rtol`` (a warning when the gap
        around that cutoff is small, see :func:`liegg.count_invariant`).
    bias : Tensor of shape ``(D,)`` or None
        :func:`liegg.symmetry_bias` of each generator; None without an algebra.
    algebra_dim : int or None
        Dimension ``k`` of the algebra.
    subspace_bias : float or None
        :func:`liegg.subspace_bias` of the ``k`` most invariant generators: the
        block as a whole, whichever basis of it the generators are.
    principal_angles : Tensor of shape ``(k,)`` or None
        Between the span of the ``k`` most invariant generators and the algebra (radians).
    output_variance : float
        ``mean_i ||f(x_i) - mean f||^2`` of the differentiated outputs.
    closure : float
        :func:`liegg.closure_defect` of the most invariant block: the ``algebra_dim``
        generators when an algebra is given, else the ``n_invariant`` ones (0 for a block
        of fewer than two). 0 when the block is a Lie subalgebra.
    """

    variances: torch.Tensor
    relative_variances: torch.Tensor
    generators: torch.Tensor
    singular_values: torch.Tensor
    rows: int
    n_invariant: int
    bias: torch.Tensor | None
    algebra_dim: int | None
    subspace_bias: float | None
    principal_angles: torch.Tensor | None
    output_variance: float
    closure: float = 0.0

    @property
    def spectrum(self) -> Spectrum:
        """The same numbers as a :class:`liegg.Spectrum`."""
        return Spectrum(self.singular_values, self.variances, self.generators, self.rows)


@torch.no_grad()
def output_spread(f, x: torch.Tensor, chunk_size: int = 4096) -> tuple[float, float]:
    """Variance of ``f``'s outputs over the samples, and the part of it that
    float32 rounding alone can produce, in float64.

    Parameters
    ----------
    f : callable
    x : Tensor of shape ``(N, ...)``

    Returns
    -------
    variance : float
        ``mean_i ||f(x_i) - mean_j f(x_j)||^2``.
    rounding : float
        ``eps**2 * mean_i ||f(x_i)||^2`` with ``eps`` the float32 machine epsilon.

    Examples
    --------
    >>> x = torch.tensor([[1.0], [3.0]])
    >>> output_spread(torch.nn.Identity(), x)[0], output_spread(lambda v: 0 * v + 7, x)[0]
    (1.0, 0.0)
    """
    with eval_mode(f):
        y = torch.cat([f(chunk).reshape(len(chunk), -1) for chunk in x.split(chunk_size)]).to(torch.float64)
    variance = float((y - y.mean(dim=0)).pow(2).sum(dim=1).mean())
    rounding = torch.finfo(torch.float32).eps ** 2 * float(y.pow(2).sum(dim=1).mean())
    return variance, rounding


def check_degenerate(spectrum: Spectrum, variance: float, rounding: float, n_samples: int, who: str = "") -> None:
    """Raise :class:`DegenerateSpectrum` when the outputs do not change on the samples."""
    largest = float(spectrum.variances[-1])
    if variance <= rounding or largest <= DEGENERATE_RTOL * variance:
        raise DegenerateSpectrum(
            f"the outputs of the model{who} do not change on the {n_samples} samples: "
            f"largest symmetry variance {largest:.3g}, output variance {variance:.3g}; "
            "every generator looks like a symmetry, so the spectrum says nothing. The network has "
            "collapsed to a constant: check its training log and retrain it (other seed or learning rate)"
        )


def analyze(
    model,
    x: torch.Tensor,
    action,
    algebra=None,
    outputs: str = "each",
    normalize: bool = False,
    rtol: float = 1e-6,
    chunk_size: int = 1024,
    mode: str = "auto",
    output_action=None,
) -> Analysis:
    r"""Which transformations of its inputs has ``model`` learned to ignore (or, given an
    action on its outputs, to be equivariant to)?

    Builds the Gram matrix ``E^T E`` of the polarization matrix chunk by
    chunk in float64 (memory independent of ``N``), takes its spectrum and,
    given the algebra known to be in the data, measures how far the learned
    generators are from it. The model is evaluated in eval mode with no
    autograd graph; its modes and the caller's grad mode are left as they were.

    Parameters
    ----------
    model : callable
        ``(N, ...) -> (N, K)``; an ``nn.Module`` or any function.
    x : Tensor of shape ``(N, ...)``, floating point
    action : :class:`liegg.Action`
        E.g. :class:`liegg.VectorAction` or :class:`liegg.ImageAction`.
    algebra : None, str or Tensor
        The algebra known to be in the data: ``"so"`` or a spanning set
        ``(k, d, d)`` (see :func:`liegg.algebra_basis`); None skips the bias.
    outputs : {"each", "sum"}
        See :func:`liegg.polarization_matrix`.
    normalize : bool
        L2-normalise the outputs first (classifiers; refused for one output).
    rtol : float
        A direction is invariant when its relative variance is at most ``rtol``.
    chunk_size : int
    mode : {"auto", "forward", "reverse"}
    output_action : :class:`liegg.Action`, optional
        How the same generators act on the outputs (see
        :func:`liegg.polarization_matrix`): the spectrum then ranks the
        generators by how far ``f(exp(tA) x)`` departs from ``exp(tA) f(x)``,
        and ``n_invariant`` counts the equivariant directions.

    Returns
    -------
    Analysis

    Raises
    ------
    DegenerateSpectrum
        When the outputs vary over the samples no more than float32 rounding
        explains, or the largest symmetry variance is at most
        ``DEGENERATE_RTOL`` times their variance: a constant network is
        invariant to everything, and its generators would be meaningless.

    Examples
    --------
    A function of four coordinates that only sees the norm of the first three
    is invariant to rotations of those three, so(3), of dimension 3:

    >>> import torch, liegg
    >>> f = lambda x: (x[:, :3].norm(dim=1, keepdim=True) + x[:, 3:]) ** 2
    >>> x = torch.randn(500, 4, dtype=torch.float64)
    >>> result = liegg.analyze(f, x, liegg.VectorAction(4))
    >>> result.n_invariant
    3
    >>> so3 = torch.zeros(3, 4, 4, dtype=torch.float64)
    >>> so3[:, :3, :3] = liegg.so_basis(3, dtype=torch.float64)
    >>> result = liegg.analyze(f, x, liegg.VectorAction(4), algebra=so3)
    >>> bool(result.subspace_bias < 1e-6), result.bias[3].item() > 0.5, result.closure < 1e-10
    (True, True, True)
    """
    moved = []
    gram, rows = polarization_gram(model, x, action, outputs=outputs, normalize=normalize,
                                   chunk_size=chunk_size, mode=mode, output_action=output_action, moved=moved)
    spectrum = spectrum_from_gram(gram.cpu(), rows, generator_basis(action))
    f = _output_function(model, (-1, *x.shape[1:]), outputs, normalize)
    with eval_mode(model):
        variance, rounding = output_spread(f, x, chunk_size)
    if output_action is None:
        check_degenerate(spectrum, variance, rounding, len(x))
        mean = spectrum.variances.mean()
    else:
        # What the outputs' change along the generators is measured against: its mean.
        mean = torch.tensor(sum(moved) / rows / len(spectrum.variances), dtype=torch.float64)
        if variance <= rounding or float(mean) <= DEGENERATE_RTOL * variance:
            raise DegenerateSpectrum(
                f"the outputs of the model do not change on the {len(x)} samples, or not along any generator "
                f"(output variance {variance:.3g}, mean change along the generators {float(mean):.3g}): "
                "equivariance cannot be measured; check the model and the samples"
            )
    relative = spectrum.variances / mean
    bias = block_bias = angles = dim = None
    if algebra is not None:
        d = spectrum.generators.shape[-1]
        basis = algebra_basis(algebra, d, dtype=spectrum.generators.dtype)
        dim = len(basis)
        bias = symmetry_bias(spectrum.generators, algebra)
        block_bias = subspace_bias(spectrum.generators[:dim], basis)
        angles = principal_angles(spectrum.generators[:dim], basis)
    n_invariant = count_invariant(spectrum.variances, rtol, scale=mean)
    block = dim if dim is not None else n_invariant
    return Analysis(
        variances=spectrum.variances,
        relative_variances=relative,
        generators=spectrum.generators,
        singular_values=spectrum.singular_values,
        rows=rows,
        n_invariant=n_invariant,
        bias=bias,
        algebra_dim=dim,
        subspace_bias=block_bias,
        principal_angles=angles,
        output_variance=variance,
        closure=closure_defect(spectrum.generators[:block]) if block >= 2 else 0.0,
    )
