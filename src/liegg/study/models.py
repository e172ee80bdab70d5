"""Networks with no symmetry built in, and the wrapper that standardises data."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["Swish", "MLP", "CNN", "ResNet", "Standardized", "build_model", "build_from_architecture", "restore_model",
           "count_parameters"]  # fmt: skip


class Swish(nn.Module):
    """``x * sigmoid(x)`` (one fused kernel, :func:`torch.nn.functional.silu`)."""

    def forward(self, x):
        return nn.functional.silu(x)


class MLP(nn.Module):
    """Bias-free MLP: ``depth`` hidden layers of ``width`` units, Swish after each.

    Linear layers carry no bias so that a linear change of the input acts on
    the first layer alone.

    Parameters
    ----------
    in_features, out_features : int
    width : int
        Units per hidden layer.
    depth : int
        Number of hidden layers (each followed by Swish).

    Examples
    --------
    >>> MLP(10, 1, width=32, depth=2)(torch.zeros(3, 10)).shape
    torch.Size([3, 1])
    >>> count_parameters(MLP(10, 1, width=32, depth=2))
    1376
    """

    def __init__(self, in_features: int, out_features: int, width: int, depth: int):
        super().__init__()
        sizes = [in_features] + [width] * depth
        layers = []
        for n_in, n_out in zip(sizes, sizes[1:]):
            layers += [nn.Linear(n_in, n_out, bias=False), Swish()]
        layers.append(nn.Linear(sizes[-1], out_features, bias=False))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x.reshape(x.shape[0], -1))

    @property
    def n_hidden(self) -> int:
        """Number of hidden layers."""
        return (len(self.net) - 1) // 2

    def features(self, x, layer: int):
        """Activations of hidden layer ``layer`` (1-based), shape ``(N, width)``."""
        if not 1 <= layer <= self.n_hidden:
            raise ValueError(f"layer must be in 1..{self.n_hidden}, got {layer}")
        return self.net[: 2 * layer](x.reshape(x.shape[0], -1))


class _ConvNet(nn.Module):
    """What the convolutional networks share: images of ``in_channels`` square channels in,
    channels-last feature maps."""

    #: Channels-last maps and weights are what the CPU's convolution kernels run fastest
    #: on (benchmarks/cnn_speed.py measures it against the default layout).
    memory_format = torch.channels_last

    def __init__(self, in_features: int, kernel_size: int, in_channels: int):
        super().__init__()
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd and positive, got {kernel_size}")
        side = int(round((in_features / in_channels) ** 0.5))
        if in_channels * side * side != in_features:
            raise ValueError(f"{in_features} inputs are not {in_channels} square channels")
        self.in_channels, self.side = in_channels, side

    def images(self, x: torch.Tensor) -> torch.Tensor:
        """Inputs as ``(N, C, H, W)`` in channels-last memory: flattened ones as square channels,
        ``(N, H, W)`` as one channel."""
        if x.ndim == 2:
            x = x.reshape(len(x), self.in_channels, self.side, self.side)
        elif x.ndim == 3:
            x = x[:, None]
        return x.contiguous(memory_format=self.memory_format)


class CNN(_ConvNet):
    """Plain CNN for images, with no rotation equivariance built in.

    ``depth`` blocks of a ``kernel_size`` x ``kernel_size`` convolution ("same"
    zero padding, no bias), batch normalisation and Swish, each followed by
    2x2 max pooling while the image is at least 2 pixels on a side; the last
    feature map is flattened into a linear head. (Global average pooling
    instead would make the head blind to where features are, and the networks
    learn the digits far worse: test accuracy 0.25-0.70 on rotated digits;
    without batch normalisation they learn them worse too, see
    docs/reproducing.md.) In eval mode, where LieGG evaluates it, batch
    normalisation is a fixed affine map per channel, so the network stays a
    function of one image at a time.

    Parameters
    ----------
    in_features : int
        Numbers per image, ``in_channels`` square channels (used for flattened input).
    out_features : int
        Classes.
    width : int
        Channels of every conv block.
    depth : int
        Number of conv blocks.
    kernel_size : int
        Odd kernel size.
    in_channels : int
        Channels of the images (3 for RGB).

    Inputs of shape ``(N, H, W)`` (one channel), ``(N, C, H, W)`` or ``(N, C*H*W)`` (square).

    Examples
    --------
    >>> net = CNN(784, 10, width=8, depth=3, kernel_size=3)
    >>> net(torch.zeros(2, 28, 28)).shape, net(torch.zeros(2, 784)).shape
    (torch.Size([2, 10]), torch.Size([2, 10]))
    >>> count_parameters(net)   # 3 conv blocks (+ scale and shift per channel), 8 x 3 x 3 pixels -> 10
    2002
    """

    def __init__(self, in_features: int, out_features: int, width: int, depth: int, kernel_size: int,
                 in_channels: int = 1):  # fmt: skip
        super().__init__(in_features, kernel_size, in_channels)
        channels = [in_channels] + [width] * depth
        # The normalisation's shift does what a convolution bias would.
        self.convs = nn.ModuleList(
            nn.Conv2d(c_in, c_out, kernel_size, padding=kernel_size // 2, bias=False)
            for c_in, c_out in zip(channels, channels[1:])
        )
        self.norms = nn.ModuleList(nn.BatchNorm2d(width) for _ in range(depth))
        self.act = Swish()
        side = _pooled_side(self.side, depth)
        self.head = nn.Linear(width * side * side, out_features)
        self.to(memory_format=self.memory_format)

    def forward(self, x):
        x = self.images(x)
        for conv, norm in zip(self.convs, self.norms):
            x = _pool(self.act(norm(conv(x))))
        return self.head(x.flatten(1))


def _pooled_side(side: int, times: int) -> int:
    for _ in range(times):
        side = side // 2 if side >= 2 else side
    return side


def _pool(x: torch.Tensor) -> torch.Tensor:
    """2 x 2 max pooling while the maps are at least 2 pixels on a side."""
    return nn.functional.max_pool2d(x, 2) if min(x.shape[-2:]) >= 2 else x


class ResNet(_ConvNet):
    """A small ResNet-style network for images, with no rotation equivariance built in.

    A stem (a ``kernel_size`` convolution from the image's channels to ``width``, batch
    normalisation, Swish, 2 x 2 max pooling), then ``depth`` residual blocks, each
    ``x + BN(conv(Swish(BN(conv(x)))))`` followed by Swish and 2 x 2 max pooling, and a linear
    head on the flattened last map (as :class:`CNN`, whose head sees where features are).
    Convolutions have no bias; "same" zero padding.

    Parameters
    ----------
    in_features, out_features, width, depth, kernel_size, in_channels
        As :class:`CNN`; ``depth`` counts the residual blocks.

    Examples
    --------
    >>> net = ResNet(3 * 784, 10, width=8, depth=2, kernel_size=3, in_channels=3)
    >>> net(torch.zeros(2, 3, 28, 28)).shape, net(torch.zeros(2, 3 * 784)).shape
    (torch.Size([2, 10]), torch.Size([2, 10]))
    >>> count_parameters(net)   # stem 3*8*9, 2 blocks of 2 x 8*8*9, 5 norms of 2 x 8, head 8*3*3*10 + 10
    3330
    """

    def __init__(self, in_features: int, out_features: int, width: int, depth: int, kernel_size: int,
                 in_channels: int = 1):  # fmt: skip
        super().__init__(in_features, kernel_size, in_channels)

        def conv(c_in):
            return nn.Conv2d(c_in, width, kernel_size, padding=kernel_size // 2, bias=False)

        self.stem = nn.Sequential(conv(in_channels), nn.BatchNorm2d(width), Swish())
        self.blocks = nn.ModuleList(
            nn.Sequential(conv(width), nn.BatchNorm2d(width), Swish(), conv(width), nn.BatchNorm2d(width))
            for _ in range(depth)
        )
        self.act = Swish()
        side = _pooled_side(self.side, depth + 1)
        self.head = nn.Linear(width * side * side, out_features)
        self.to(memory_format=self.memory_format)

    def forward(self, x):
        x = _pool(self.stem(self.images(x)))
        for block in self.blocks:
            x = _pool(self.act(x + block(x)))
        return self.head(x.flatten(1))


class Standardized(nn.Module):
    """Standardise inputs, call ``net``, undo the target standardisation.

    ``y = net((x - x_shift) / x_scale) * y_scale + y_shift``. The statistics are
    buffers, saved with the weights. For O(5) data ``x_shift = 0`` and
    ``x_scale`` holds one value per vector, which keeps the symmetry.

    Parameters
    ----------
    net : nn.Module
    x_shift, x_scale : Tensor broadcastable to one sample's shape
    y_shift, y_scale : Tensor broadcastable to one output, or None for identity
    """

    def __init__(self, net, x_shift, x_scale, y_shift=None, y_scale=None):
        super().__init__()
        self.net = net
        self.register_buffer("x_shift", torch.as_tensor(x_shift, dtype=torch.float32))
        self.register_buffer("x_scale", torch.as_tensor(x_scale, dtype=torch.float32))
        self.register_buffer("y_shift", torch.as_tensor(0.0 if y_shift is None else y_shift, dtype=torch.float32))
        self.register_buffer("y_scale", torch.as_tensor(1.0 if y_scale is None else y_scale, dtype=torch.float32))

    def forward(self, x):
        return self.net(self.standardize(x)) * self.y_scale + self.y_shift

    def standardize(self, x):
        """The input as the wrapped network sees it."""
        return (x - self.x_shift) / self.x_scale

    def features(self, x, layer: int):
        """Activations of hidden layer ``layer`` of the wrapped network."""
        return self.net.features(self.standardize(x), layer)


def build_model(spec: dict, in_features: int, out_features: int, in_channels: int = 1) -> nn.Module:
    """Build the bare network named by ``spec["arch"]``.

    Parameters
    ----------
    spec : dict
        ``{"arch": "mlp", "depth": int, "width": int}`` or
        ``{"arch": "cnn" or "resnet", "depth": int, "width": int, "kernel_size": int}``
        (for these, ``width`` is the number of channels).
    in_features, out_features : int
    in_channels : int
        Channels of the images, for ``cnn`` and ``resnet``.

    Examples
    --------
    >>> build_model({"arch": "mlp", "depth": 1, "width": 4}, 2, 1)
    MLP(
      (net): Sequential(
        (0): Linear(in_features=2, out_features=4, bias=False)
        (1): Swish()
        (2): Linear(in_features=4, out_features=1, bias=False)
      )
    )
    """
    arch = spec.get("arch")
    if arch == "mlp":
        return MLP(in_features, out_features, width=int(spec["width"]), depth=int(spec["depth"]))
    if arch in CONVOLUTIONAL:
        return CONVOLUTIONAL[arch](
            in_features, out_features, width=int(spec["width"]), depth=int(spec["depth"]),
            kernel_size=int(spec["kernel_size"]), in_channels=in_channels,
        )  # fmt: skip
    raise ValueError(f"unknown architecture {arch!r}; known: 'mlp', {', '.join(repr(a) for a in CONVOLUTIONAL)}")


def build_from_architecture(architecture: dict) -> nn.Module:
    """The bare network of an architecture record (``model``, ``in_features``, ``out_features``
    and, for images with channels, ``in_channels``), as training saves it with the weights."""
    return build_model(architecture["model"], architecture["in_features"], architecture["out_features"],
                       architecture.get("in_channels", 1))  # fmt: skip


#: The convolutional architectures by name (liegg.study.columns.CONVOLUTIONAL_ARCHS).
CONVOLUTIONAL = {"cnn": CNN, "resnet": ResNet}


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def restore_model(architecture: dict, state_dict: dict) -> nn.Module:
    """Rebuild a trained model from its ``architecture`` record and weights (CPU, eval mode).

    Raises ValueError when the weights do not fit the architecture.
    """
    net = build_from_architecture(architecture)
    model = Standardized(net, 0.0, 1.0, 0.0, 1.0)
    # The saved statistics have the shapes of the data they came from.
    for name in ("x_shift", "x_scale", "y_shift", "y_scale"):
        if name in state_dict:
            setattr(model, name, torch.empty_like(state_dict[name]))
    try:
        model.load_state_dict(state_dict)
    except RuntimeError as err:
        raise ValueError(
            f"weights do not fit a {architecture['model']} network for task {architecture['task']}: {err}"
        ) from None
    return model.eval()
