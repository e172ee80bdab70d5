"""The network polarization matrix E and its Gram matrix E^T E.

Row ``(i, k)`` of E holds, for every basis generator ``A_ab``, the directional
derivative of output ``k`` at sample ``x_i`` along the tangent ``A_ab . x_i``.
Every generator the network is invariant to lies in the null space of E. With an
action on the outputs too, the row is that derivative less output ``k`` of the
tangent ``A_ab . f(x_i)``: the null space then holds the generators the network is
equivariant to.
"""

from __future__ import annotations

import torch
from torch.func import jvp, vjp, vmap

from ._checks import check_tensor
from ._modes import eval_mode
from .actions import generator_basis

__all__ = ["polarization_matrix", "polarization_gram"]

_OUTPUTS = ("each", "sum")
_MODES = ("auto", "forward", "reverse")


def _output_function(model, x_shape, outputs: str, normalize: bool):
    """Map a batch to a 2-D tensor ``(N, K)`` of the outputs LieGG looks at."""

    def f(x):
        y = model(x.reshape(x_shape))
        y = y.reshape(y.shape[0], -1)
        if normalize:
            y = y / y.norm(dim=1, keepdim=True)
        if outputs == "sum":
            y = y.sum(dim=1, keepdim=True)
        return y

    return f


def _chunk_rows(f, x, tangents, mode, n_out):
    """Rows of E for one chunk: tensor of shape ``(N, K, D)``."""
    n_gen = tangents.shape[0]
    if mode == "forward":
        # x is not batched under vmap, so the primal pass runs once and only the
        # D tangent passes are batched.
        out = vmap(lambda t: jvp(f, (x,), (t,))[1])(tangents)  # (D, N, K)
        return out.permute(1, 2, 0)
    if n_out == 1:
        grads = _input_gradient(f, x)[None]
    else:
        y, pullback = vjp(f, x)
        cotangents = torch.eye(n_out, dtype=y.dtype, device=y.device)
        cotangents = cotangents[:, None, :].expand(n_out, *y.shape)  # (K, N, K)
        (grads,) = vmap(pullback)(cotangents)  # (K, N, *x)
    grads = grads.reshape(n_out, x.shape[0], -1)
    return torch.einsum("knf,dnf->nkd", grads, tangents.reshape(n_gen, x.shape[0], -1))


def _input_gradient(f, x):
    """The gradient of ``f``'s one output (a regression, or the summed logits) for each sample
    of ``x``: one plain backward pass. ``torch.func.vjp`` gives the same numbers, but its
    first pullback in a process imports ``torch._dynamo`` (2-3 s of every extraction job),
    and ``vmap`` over a single cotangent is about 1.2x slower for a CNN."""
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        y = f(x)
        if not y.requires_grad:  # an output that does not depend on x (or on anything)
            return torch.zeros_like(x)
        (grad,) = torch.autograd.grad(y, x, torch.ones_like(y), allow_unused=True)
    return torch.zeros_like(x) if grad is None else grad


def _pick_mode(mode, n_gen, n_out):
    """Forward mode costs one pass per generator, reverse mode one per output."""
    if mode == "auto":
        return "forward" if n_gen <= n_out else "reverse"
    return mode


def n_generators(action) -> int:
    """``D``, the number of generators an action's tangents are given for."""
    basis = generator_basis(action)
    return action.dim**2 if basis is None else len(basis)


def _check_action(action, x):
    if not (hasattr(action, "dim") and callable(getattr(action, "tangents", None))):
        raise TypeError(
            f"action must have `dim` and `tangents(x)` (see liegg.Action), got {type(action).__name__}"
        )
    basis = generator_basis(action)
    if basis is not None and (basis.ndim != 3 or basis.shape[1:] != (action.dim, action.dim)):
        raise ValueError(f"{action!r}.basis must have shape (D, {action.dim}, {action.dim}), got {tuple(basis.shape)}")
    if basis is not None:
        # The generators are read back as combinations of the basis: only an orthonormal one
        # keeps their norms, biases and angles what they are in matrix space.
        flat = basis.reshape(len(basis), -1)
        if not torch.allclose(flat @ flat.T, torch.eye(len(basis), dtype=flat.dtype), atol=1e-6):
            raise ValueError(
                f"{action!r}.basis is not orthonormal in the Frobenius inner product; "
                "orthonormalise it first (liegg.algebra_basis(basis, dim) does)"
            )
    n_gen = n_generators(action)
    tangents = action.tangents(x[:1])
    if tangents.shape != (n_gen, *x[:1].shape):
        raise ValueError(
            f"{action!r}.tangents gave shape {tuple(tangents.shape)} for one sample of shape "
            f"{tuple(x[:1].shape)}; expected ({n_gen}, *x.shape)"
        )


def _check_outputs(n_out, normalize):
    if normalize and n_out == 1:
        raise ValueError(
            "normalize=True with a model of one output: y / |y| is +1 or -1 whatever the input, "
            "so every row of E is zero and every generator would look like a symmetry; "
            "use normalize=False for a regression model (normalize is for the logits of a classifier)"
        )


def _check_output_action(action, output_action, outputs, normalize, model, x):
    """An output action must act by the same generators, on outputs it can take."""
    if outputs != "each" or normalize:
        raise ValueError(
            "output_action needs outputs='each' and normalize=False: equivariance relates every output "
            "to its transformed input, and a sum or a normalisation of the outputs is not acted on"
        )
    if not (hasattr(output_action, "dim") and callable(getattr(output_action, "tangents", None))):
        raise TypeError(f"output_action must have `dim` and `tangents(y)` (see liegg.Action), got {output_action!r}")
    basis_in, basis_out = generator_basis(action), generator_basis(output_action)
    same = action.dim == output_action.dim and (basis_in is None) == (basis_out is None)
    if same and basis_in is not None:
        same = basis_in.shape == basis_out.shape and torch.allclose(basis_in.double(), basis_out.double())
    if not same:
        raise ValueError(
            f"the output action {output_action!r} must act by the same generators as the input action "
            f"{action!r} (same dim and basis)"
        )
    y = model(x[:1])
    try:
        tangents = output_action.tangents(y)
    except ValueError as err:
        shape = tuple(y.shape)
        raise ValueError(f"the output action must act on the model's outputs, of shape {shape}: {err}") from err
    if tangents.shape != (n_generators(action), *y.shape):
        raise ValueError(
            f"{output_action!r}.tangents gave shape {tuple(tangents.shape)} for the outputs of one sample, of "
            f"shape {tuple(y.shape)}; it must act on the model's outputs"
        )


def _equivariance_rows(model, chunk, action, output_action, rows):
    """Rows of E less the outputs' own tangents, in the input tangents' units: ``(N, K, D)``."""
    y = model(chunk)
    t_out = output_action.tangents(y).reshape(rows.shape[2], len(chunk), -1).permute(1, 2, 0)
    # Image tangents are per pixel: a derivative along t over tangent_scale (1 for vectors).
    ratio = getattr(action, "tangent_scale", lambda _: 1.0)(chunk) / getattr(
        output_action, "tangent_scale", lambda _: 1.0
    )(y)
    return rows - ratio * t_out.to(rows.dtype)


def _iter_rows(model, x, action, outputs, normalize, chunk_size, mode, output_action=None, moved=None):
    """Blocks of rows of E, chunk by chunk. With ``output_action``, ``moved`` (a list) receives
    the sum of squares of the input term alone, the scale of the outputs' change."""
    check_tensor(x, "x", min_ndim=2)
    if outputs not in _OUTPUTS:
        raise ValueError(f"outputs must be one of {_OUTPUTS}, got {outputs!r}")
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")
    _check_action(action, x)
    with eval_mode(model), torch.no_grad():
        n_gen = n_generators(action)
        # One sample tells the number of outputs K; the rows are for K of them, or for their sum.
        n_each = _output_function(model, x[:1].shape, "each", False)(x[:1]).shape[1]
        _check_outputs(n_each, normalize)
        n_out = 1 if outputs == "sum" else n_each
        mode = _pick_mode(mode, n_gen, n_out)
        if output_action is not None:
            _check_output_action(action, output_action, outputs, normalize, model, x)
        for chunk in x.split(chunk_size):
            f = _output_function(model, chunk.shape, outputs, normalize)
            rows = _chunk_rows(f, chunk, action.tangents(chunk), mode, n_out)
            if output_action is not None:
                if moved is not None:
                    moved.append(float(rows.double().pow(2).sum()))
                rows = _equivariance_rows(model, chunk, action, output_action, rows)
            yield rows.reshape(-1, n_gen)


def polarization_matrix(
    model,
    x: torch.Tensor,
    action,
    outputs: str = "each",
    normalize: bool = False,
    chunk_size: int = 1024,
    mode: str = "auto",
    output_action=None,
) -> torch.Tensor:
    r"""Network polarization matrix E of ``model`` at samples ``x``.

    Parameters
    ----------
    model : callable
        Maps a tensor of the shape of ``x`` (any leading batch size) to outputs
        of shape ``(N, K)`` or ``(N, ...)``. An ``nn.Module`` is evaluated in eval
        mode and restored afterwards.
    x : Tensor of shape ``(N, ...)``
        Samples; the dtype of E is the dtype of the model's outputs.
    action : object with ``dim`` and ``tangents(x) -> (d*d, *x.shape)``
        For example :class:`liegg.VectorAction`.
    outputs : {"each", "sum"}
        ``"each"``: one row per sample and output (``N*K`` rows, sample-major).
        ``"sum"``: one row per sample for :math:`\sum_k \Phi_k` (the authors' code).
    normalize : bool
        L2-normalise the outputs of each sample before differentiating
        (for classifiers, so that rescaling the logits does not count).
    chunk_size : int
        Samples per chunk; memory grows with it, not with ``N``.
    mode : {"auto", "forward", "reverse"}
        Forward-mode JVPs (one per generator) or reverse-mode VJPs (one per
        output); ``"auto"`` picks whichever needs fewer passes.
    output_action : :class:`liegg.Action`, optional
        How the same generators act on the outputs (images to images, vectors
        to vectors): each row then holds ``df(x) . (A x) - A f(x)``, zero for
        every generator ``f`` is equivariant to. It acts on the model's
        outputs as the model returns them (``outputs="each"``, no
        normalisation). Image actions' tangents are per pixel: the output's
        are rescaled to the input's units when the sizes differ.

    Returns
    -------
    Tensor of shape ``(rows, D)``: ``D = d*d``, or the number of generators
    in the action's ``basis`` when it has one.

    Examples
    --------
    >>> from liegg import VectorAction
    >>> norm_sq = lambda x: (x ** 2).sum(dim=1, keepdim=True)   # O(2)-invariant
    >>> E = polarization_matrix(norm_sq, torch.randn(5, 2), VectorAction(2))
    >>> E.shape
    torch.Size([5, 4])
    >>> rotation = torch.tensor([0.0, -1.0, 1.0, 0.0])   # vec of so(2)'s generator
    >>> bool((E @ rotation).abs().max() < 1e-6)           # lies in the null space
    True
    """
    blocks = list(_iter_rows(model, x, action, outputs, normalize, chunk_size, mode, output_action))
    return torch.cat(blocks)


def polarization_gram(
    model,
    x: torch.Tensor,
    action,
    outputs: str = "each",
    normalize: bool = False,
    chunk_size: int = 1024,
    mode: str = "auto",
    output_action=None,
    moved: list | None = None,
) -> tuple[torch.Tensor, int]:
    """Gram matrix ``E^T E`` accumulated over chunks in float64.

    Same arguments as :func:`polarization_matrix`; memory does not grow with N.
    With ``output_action``, a list ``moved`` receives, per chunk, the sum of
    squares of the input term ``df(x) . (A x)`` alone (:func:`liegg.analyze`
    measures equivariance against it).

    Returns
    -------
    gram : Tensor of shape ``(d*d, d*d)``, float64
    rows : int
        Number of rows of E that were accumulated.

    Examples
    --------
    >>> from liegg import VectorAction
    >>> f = lambda x: (x ** 2).sum(dim=1, keepdim=True)
    >>> gram, rows = polarization_gram(f, torch.randn(10, 2), VectorAction(2), chunk_size=3)
    >>> gram.shape, gram.dtype, rows
    (torch.Size([4, 4]), torch.float64, 10)
    """
    gram, rows = None, 0
    for block in _iter_rows(model, x, action, outputs, normalize, chunk_size, mode, output_action, moved):
        block = block.to(torch.float64)
        gram = block.T @ block if gram is None else gram + block.T @ block
        rows += block.shape[0]
    return gram, rows
