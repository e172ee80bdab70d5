"""Rotation MNIST: LieGG with the image action against hand computations and
exactly invariant functions, the rotated digits, the CNN, best-accuracy training."""

from pathlib import Path

import pytest
import torch

import liegg
from liegg import (
    ImageAction,
    gaussian_blur,
    generator_similarity,
    pixel_coordinates,
    polarization_matrix,
    rotate_images,
    spectrum,
)
from liegg.study import datasets, models, training
from liegg.study.columns import CONVOLUTIONAL_ARCHS
from liegg.study.datasets import make_data, make_rotated_digits
from liegg.study.mnist import MnistDataError
from liegg.study.models import CNN, ResNet
from liegg.study.tasks import get_task

DIGITS = Path(__file__).resolve().parents[1] / "data" / "mnist" / "digits.npz"
SMALL_DIGITS = dict(n_val=10, n_test=10, seed=0, rotate=True, blur_sigma=1.5)
ROTATION = torch.tensor([[0.0, -1.0], [1.0, 0.0]]) / 2**0.5


def smooth_images(n, side, dtype):
    """Random sums of Gaussian blobs: smooth, with no symmetry of their own."""
    u = pixel_coordinates(side, side, dtype=dtype)
    centres = 0.5 * (torch.rand(n, 4, 2, dtype=dtype) - 0.5)
    widths = 0.02 + 0.04 * torch.rand(n, 4, 1, 1, dtype=dtype)
    d2 = (u[0] - centres[..., 0, None, None]) ** 2 + (u[1] - centres[..., 1, None, None]) ** 2
    return torch.exp(-d2 / widths).sum(dim=1)


def weighted_sums(weights):
    """A model ``I -> (sum_u w_k(u) I(u))_k`` for images (N, H, W)."""
    return lambda x: torch.einsum("khw,nhw->nk", weights.to(x.dtype), x.reshape(len(x), *weights.shape[1:]))


def radial_weights(side, dtype):
    u = pixel_coordinates(side, side, dtype=dtype)
    r2 = (u**2).sum(dim=0)
    return torch.stack([torch.exp(-r2 / 0.15), r2 * torch.exp(-r2 / 0.1), torch.cos(4 * r2) * torch.exp(-r2 / 0.3)])


def test_radial_weights_give_the_rotation_generator(dtype):
    side = 40
    model = weighted_sums(radial_weights(side, dtype))
    x = smooth_images(64, side, dtype)
    sp = spectrum(polarization_matrix(model, x, ImageAction(), outputs="each", normalize=True).double())
    assert float(generator_similarity(sp.generators[:1], ROTATION.double())) >= 0.99
    assert sp.variances[0] < 1e-3 * sp.variances[1]


def test_weights_that_depend_on_x_give_no_rotation(dtype):
    """Weights g_k(x) are invariant to shearing y by x and (after normalising)
    to scaling y, not to rotations: the null space is span(A_10, A_11)."""
    side = 40
    x_coord = pixel_coordinates(side, side, dtype=dtype)[0]
    weights = torch.stack(
        [torch.exp(-(x_coord**2) / 0.2), x_coord * torch.exp(-(x_coord**2) / 0.1), torch.cos(3 * x_coord)]
    )
    x = smooth_images(64, side, dtype)
    sp = spectrum(polarization_matrix(weighted_sums(weights), x, ImageAction(), normalize=True).double())
    assert float(generator_similarity(sp.generators[:1], ROTATION.double())) < 0.75
    assert float(liegg.symmetry_bias(sp.generators[:1])) > 0.6
    assert float(sp.generators[0, 0].norm()) < 0.05  # no x row: lies in span(A_10, A_11)


def hand_rows(model, x, action, outputs, normalize):
    """Reverse-mode rows: one backward pass per output, then sum_u dPhi/dI * tangent."""
    x = x.clone().requires_grad_(True)
    y = model(x)
    if normalize:
        y = y / y.norm(dim=1, keepdim=True)
    targets = [y.sum(dim=1)] if outputs == "sum" else [y[:, k] for k in range(y.shape[1])]
    tangents = action.tangents(x.detach()).reshape(4, len(x), -1)
    rows = []
    for target in targets:
        (g,) = torch.autograd.grad(target.sum(), x, retain_graph=True)
        rows.append(torch.einsum("nf,dnf->nd", g.reshape(len(x), -1), tangents))
    return torch.stack(rows, dim=1).reshape(-1, 4)


# In eval mode, as LieGG evaluates them: the CNN's batch normalisation then uses its
# running statistics instead of the batch's.
MODELS = {
    "mlp": lambda: models.MLP(144, 5, width=16, depth=2).eval(),
    "cnn": lambda: CNN(144, 5, width=4, depth=2, kernel_size=3).eval(),
}
LAYOUTS = {"nhw": lambda x: x, "n1hw": lambda x: x[:, None], "flat": lambda x: x.reshape(len(x), -1)}


@pytest.mark.parametrize("arch", sorted(MODELS))
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("outputs", ["each", "sum"])
@pytest.mark.parametrize("normalize", [False, True])
def test_rows_match_reverse_mode_hand_computation(arch, layout, outputs, normalize, dtype):
    model = MODELS[arch]().to(dtype)
    x = LAYOUTS[layout](smooth_images(6, 12, dtype))
    action = ImageAction()
    E = polarization_matrix(model, x, action, outputs=outputs, normalize=normalize, chunk_size=4)
    expected = hand_rows(model, x, action, outputs, normalize)
    assert E.shape == (6 * (5 if outputs == "each" else 1), 4)
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    torch.testing.assert_close(E, expected, atol=tol, rtol=tol)


def test_cnn_rows_are_per_image_whatever_the_mode_and_chunks():
    """Batch normalisation in training mode would mix the images of a chunk; LieGG
    evaluates in eval mode, so each row belongs to its image alone, and the caller's
    mode comes back."""
    torch.manual_seed(0)
    net = CNN(144, 5, width=4, depth=2, kernel_size=3)
    net(smooth_images(32, 12, torch.float32) * 3 + 1)  # running statistics away from 0 and 1
    x = smooth_images(6, 12, torch.float32)
    rows = {chunk: polarization_matrix(net, x, ImageAction(), chunk_size=chunk) for chunk in (1, 6)}
    assert net.training
    torch.testing.assert_close(rows[1], rows[6], atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(rows[6], hand_rows(net.eval(), x, ImageAction(), "each", False), atol=1e-5, rtol=1e-5)


def authors_rows(model, data):
    """The authors' formula, written out: forward differences without the last
    row and column, coordinates (row, col) / (H // 2) - 1, one backward pass of
    the summed outputs to the input."""
    n, h, w = data.shape
    d_row = data[:, 1:, :-1] - data[:, :-1, :-1]
    d_col = data[:, :-1, 1:] - data[:, :-1, :-1]
    grad_image = torch.stack([d_row, d_col], -1)
    x = data.reshape(n, -1).clone().requires_grad_(True)
    out = model(x)
    out.backward(torch.ones_like(out))
    d_f = x.grad.reshape(n, h, w)[:, :-1, :-1]
    rows, cols = torch.meshgrid(torch.arange(h - 1), torch.arange(w - 1), indexing="ij")
    xy = torch.stack([rows, cols], -1).to(data.dtype) / (h // 2) - 1
    c = d_f[..., None, None] * grad_image[..., None] * xy[None, :, :, None, :]
    return c.reshape(n, -1, 2, 2).sum(1).reshape(n, 4)


def test_authors_switch_reproduces_their_formula(dtype):
    model = models.MLP(196, 4, width=8, depth=2).to(dtype)
    x = smooth_images(5, 14, dtype)
    action = ImageAction(centre="authors", difference="forward")
    E = polarization_matrix(model, x, action, outputs="sum")
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    torch.testing.assert_close(-E, authors_rows(model, x), atol=tol, rtol=tol)  # their sign is +


def test_rotated_digits_are_seeded_rotated_then_blurred():
    digits = torch.randint(0, 256, (30, 12, 12), dtype=torch.uint8)
    labels = torch.arange(30) % 10
    a = make_rotated_digits(digits, labels, 20, 4, 4, seed=3, blur_sigma=1.0)
    b = make_rotated_digits(digits, labels, 20, 4, 4, seed=3, blur_sigma=1.0)
    for key in a:
        torch.testing.assert_close(a[key], b[key])
    assert [len(a[f"x_{s}"]) for s in ("train", "val", "test")] == [12, 4, 4]
    angles = torch.cat([a["angle_train"], a["angle_val"], a["angle_test"]])
    assert angles.min() >= 0 and angles.max() < 360 and angles.std() > 50
    # Recover the digit of the first sample from its label and check the recipe.
    candidates = [i for i in range(30) if labels[i] == a["y_train"][0]]
    recipes = [
        gaussian_blur(rotate_images(digits[i : i + 1].double() / 255, a["angle_train"][:1].double()), 1.0)
        for i in candidates
    ]
    assert min(float((r[0].float() - a["x_train"][0]).abs().max()) for r in recipes) < 1e-5


def test_upright_control_has_zero_angles():
    digits = torch.randint(0, 256, (10, 8, 8), dtype=torch.uint8)
    data = make_rotated_digits(digits, torch.arange(10), 10, 2, 2, seed=0, rotate=False, blur_sigma=0.0)
    assert float(data["angle_train"].abs().max()) == 0
    assert torch.equal(data["x_train"] * 255, data["x_train"].mul(255).round())  # untouched pixels


def test_rotmnist_task_reads_the_embedded_digits():
    task = get_task("rotmnist")
    data = make_data("rotmnist", n_samples=100, source="embedded", digits=DIGITS, **SMALL_DIGITS)
    assert data["x_train"].shape == (80, 28, 28) and data["y_train"].dtype == torch.int64
    mean, std, _, _ = task.standardize(data["x_train"], data["y_train"])
    assert mean.ndim == 0 and std.ndim == 0  # one scalar each: keeps the rotation symmetry
    with pytest.raises(ValueError, match="only 10000 digits"):
        make_data("rotmnist", n_samples=20000, source="embedded", digits=DIGITS, **SMALL_DIGITS)


def test_download_source_checks_the_files(tmp_path):
    files = [
        tmp_path / name
        for name in (
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
        )
    ]
    for f in files:
        f.write_bytes(b"not mnist")
    with pytest.raises(MnistDataError, match="md5"):
        make_data("rotmnist", n_samples=100, source="download", mnist_files=[str(f) for f in files], **SMALL_DIGITS)


def test_cnn_depth_width_kernel():
    net = models.build_model({"arch": "cnn", "depth": 4, "width": 6, "kernel_size": 5}, 784, 10)
    assert len(net.convs) == 4 and net.convs[1].weight.shape == (6, 6, 5, 5)
    assert net(torch.rand(3, 1, 28, 28)).shape == (3, 10)
    deep = CNN(64, 3, width=2, depth=6, kernel_size=3)  # pooling stops at 1 pixel
    assert deep(torch.rand(2, 8, 8)).shape == (2, 3)
    with pytest.raises(ValueError, match="odd"):
        CNN(784, 10, width=4, depth=2, kernel_size=4)


def test_best_accuracy_epoch_is_kept():
    torch.manual_seed(0)
    x, y = torch.randn(200, 6), torch.randint(0, 3, (200,))
    xv, yv = torch.randn(60, 6), torch.randint(0, 3, (60,))
    model = models.MLP(6, 3, width=8, depth=1)
    options = dict(batch_size=50, lr=0.05, weight_decay=0.0, seed=0, monitor="accuracy")
    result = training.fit(model, (x, y), (xv, yv), loss="cross_entropy", epochs=8, **options)
    accuracies = [h["val_accuracy"] for h in result.history]
    assert result.best_epoch >= 1
    assert accuracies.index(max(accuracies)) == result.best_epoch - 1  # the first best epoch
    # The model ends holding that epoch's weights.
    assert training.evaluate(model, xv, yv, "cross_entropy")["accuracy"] == max(accuracies)
    with pytest.raises(ValueError, match="monitor"):
        training.fit(model, (x, y), (xv, yv), loss="mse", epochs=1, **options)


def test_coloured_digits_are_the_grey_ones_painted_pixel_by_pixel():
    digits = torch.randint(0, 256, (30, 12, 12), dtype=torch.uint8)
    labels = torch.arange(30) % 10
    grey = make_rotated_digits(digits, labels, 20, 4, 4, seed=3, blur_sigma=1.0)
    rgb = make_rotated_digits(digits, labels, 20, 4, 4, seed=3, blur_sigma=1.0, colour=True)
    for split in ("train", "val", "test"):
        # The colours are drawn last: the digits, angles and labels are those of the grey set.
        assert torch.equal(rgb[f"y_{split}"], grey[f"y_{split}"])
        assert torch.equal(rgb[f"angle_{split}"], grey[f"angle_{split}"])
        x, colours = rgb[f"x_{split}"], rgb[f"colours_{split}"]
        assert x.shape == (len(grey[f"x_{split}"]), 3, 12, 12) and colours.shape == (len(x), 2, 3)
        ink, background = colours[:, 0, :, None, None], colours[:, 1, :, None, None]
        painted = background + grey[f"x_{split}"][:, None] * (ink - background)
        torch.testing.assert_close(x, painted, atol=1e-6, rtol=0)
        # A full-value ink on a background darker in every channel: the brightest stands out by 0.6 or more.
        assert torch.allclose(colours[:, 0].max(dim=1).values, torch.ones(len(x)))
        assert bool((colours[:, 1] <= datasets.BACKGROUND_SHADE * colours[:, 0]).all())
    assert float(rgb["colours_train"][:, 0].std(dim=0).min()) > 0.1  # the inks differ from digit to digit


def test_colouring_commutes_with_rotating():
    """The painting is one affine map of the intensity for all pixels, so rotating a painted
    digit paints the rotated digit (inside the disk the rotation keeps in the image)."""
    x = smooth_images(4, 24, torch.float64)
    angles = torch.tensor([30.0, 75.0, 140.0, 260.0], dtype=torch.float64)
    painted, colours = datasets.colour_digits(x, torch.Generator().manual_seed(1))
    again, _ = datasets.colour_digits(rotate_images(x, angles), torch.Generator().manual_seed(1))
    rotated = torch.stack([rotate_images(painted[:, c], angles) for c in range(3)], dim=1)
    inside = (pixel_coordinates(24, 24, dtype=torch.float64) ** 2).sum(dim=0) < 0.8
    torch.testing.assert_close(rotated[..., inside], again[..., inside], atol=1e-12, rtol=0)
    assert float((rotated - again).abs().max()) > 0.01  # the corners, which rotation fills, do differ


def test_resnet_on_colour_images():
    net = models.build_model({"arch": "resnet", "depth": 2, "width": 6, "kernel_size": 3}, 3 * 784, 10, in_channels=3)
    assert isinstance(net, ResNet) and len(net.blocks) == 2
    assert net.stem[0].weight.shape == (6, 3, 3, 3) and net.head.in_features == 6 * 3 * 3  # 28 -> 14 -> 7 -> 3
    x = torch.rand(4, 3, 28, 28)
    torch.testing.assert_close(net(x), net(x.reshape(4, -1)))  # flattened inputs are the same images
    grey = CNN(784, 10, width=4, depth=2, kernel_size=3)
    colour = CNN(3 * 784, 10, width=4, depth=2, kernel_size=3, in_channels=3)
    assert grey.convs[0].weight.shape == (4, 1, 3, 3) and colour.convs[0].weight.shape == (4, 3, 3, 3)
    with pytest.raises(ValueError, match="not 3 square channels"):
        ResNet(784, 10, width=4, depth=1, kernel_size=3, in_channels=3)
    with pytest.raises(ValueError, match="odd"):
        ResNet(784, 10, width=4, depth=1, kernel_size=2)
    with pytest.raises(ValueError, match="unknown architecture 'vit'"):
        models.build_model({"arch": "vit", "depth": 1, "width": 4}, 784, 10)


def test_the_convolutional_architectures_are_the_ones_the_config_names():
    assert tuple(models.CONVOLUTIONAL) == CONVOLUTIONAL_ARCHS
