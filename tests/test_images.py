"""Image coordinates, resampling by group elements, blur, and the image action."""

import math

import pytest
import torch

from liegg import (
    AffineImageAction,
    ImageAction,
    expm,
    gaussian_blur,
    pixel_coordinates,
    rotate_images,
    transform_images,
)

J = [[0.0, -1.0], [1.0, 0.0]]


def smooth_function(x, y):
    """An anisotropic, off-centre smooth image in centred coordinates."""
    return torch.exp(-((x - 0.3) ** 2 / 0.08 + (y + 0.1) ** 2 / 0.05)) + 0.5 * torch.exp(
        -((x + 0.2) ** 2 + (y - 0.35) ** 2) / 0.06
    )


def smooth_image(height, width, dtype):
    u = pixel_coordinates(height, width, dtype=dtype)
    return smooth_function(u[0], u[1])


def exact_rotation_derivative(height, width, dtype):
    """d/dt f(exp(-tJ) u) at t = 0, by autograd on the analytic image."""
    u = pixel_coordinates(height, width, dtype=dtype).requires_grad_(True)
    (grad,) = torch.autograd.grad(smooth_function(u[0], u[1]).sum(), u)
    ju = torch.einsum("ab,bhw->ahw", torch.tensor(J, dtype=dtype), u.detach())
    return -(grad * ju).sum(dim=0)


def relative_error(a, b):
    return float((a - b).norm() / b.norm())


@pytest.mark.parametrize("shape", [(64, 64), (64, 56)])
def test_rotation_tangent_is_the_first_order_change(shape, dtype):
    """J . tangents, times the coordinate scale, is d/dt of the rotated image."""
    height, width = shape
    image = smooth_image(height, width, dtype)[None]
    tangents = ImageAction().tangents(image)  # (4, 1, H, W)
    scale = (max(height, width) - 1) / 2
    predicted = scale * torch.einsum("d,dnhw->nhw", torch.tensor(J, dtype=dtype).flatten(), tangents)[0]
    exact = exact_rotation_derivative(height, width, dtype)
    assert relative_error(predicted, exact) < 0.03
    # Grid sampling by a small rotation either way (central difference in the angle).
    eps = 0.01
    j = torch.tensor(J, dtype=dtype)
    sampled = (transform_images(image, expm(j, eps)) - transform_images(image, expm(j, -eps)))[0] / (2 * eps)
    assert relative_error(sampled, exact) < 0.03
    assert relative_error(sampled, predicted) < 0.01


def test_finite_differences_converge_with_resolution():
    errors = []
    for side in (32, 64, 128):
        image = smooth_image(side, side, torch.float64)[None]
        tangents = ImageAction().tangents(image)
        predicted = (side - 1) / 2 * (tangents[2] - tangents[1])[0]  # J = A_10 - A_01
        errors.append(relative_error(predicted, exact_rotation_derivative(side, side, torch.float64)))
    assert errors[0] / errors[1] > 3 and errors[1] / errors[2] > 3  # second order


def test_quarter_turn_moves_pixels_counter_clockwise(dtype):
    image = torch.rand(2, 7, 7, dtype=dtype)
    turned = transform_images(image, torch.tensor(J, dtype=dtype))
    torch.testing.assert_close(turned, torch.rot90(image, 1, dims=(-2, -1)), atol=1e-5, rtol=0)
    torch.testing.assert_close(rotate_images(image, 90.0), turned)


def test_rotation_there_and_back_is_close_to_identity(dtype):
    image = smooth_image(48, 48, dtype)[None].expand(3, 48, 48)
    angles = torch.tensor([10.0, 33.0, 250.0], dtype=dtype)
    back = rotate_images(rotate_images(image, angles), -angles)
    assert relative_error(back, image) < 0.02


def test_non_square_rotation_keeps_distances(dtype):
    image = torch.zeros(9, 15, dtype=dtype)
    image[4, 7 + 4] = 1.0  # 4 pixels right of the centre
    turned = transform_images(image, torch.tensor(J, dtype=dtype))
    assert (turned > 0.5).nonzero().tolist() == [[0, 7]]  # 4 pixels above it


def test_expm_of_so2_is_a_rotation(dtype):
    theta = torch.tensor([0.0, 0.3, math.pi], dtype=dtype)
    g = expm(torch.tensor(J, dtype=dtype), theta)
    c, s = torch.cos(theta), torch.sin(theta)
    expected = torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)
    torch.testing.assert_close(g, expected)


def test_blur_of_a_point_is_the_normalised_gaussian(dtype):
    image = torch.zeros(21, 21, dtype=dtype)
    image[10, 10] = 1.0
    out = gaussian_blur(image, 1.5)
    offsets = torch.arange(-10, 11, dtype=dtype)
    kernel = torch.exp(-0.5 * (offsets / 1.5) ** 2)
    kernel = kernel / kernel[offsets.abs() <= 6].sum()
    kernel[offsets.abs() > 6] = 0  # truncated at 4 sigma
    torch.testing.assert_close(out, kernel[:, None] * kernel[None, :])
    assert gaussian_blur(image, 0.0) is image


def test_coordinates_of_the_action():
    true = ImageAction().coordinates(28, 28)
    assert true[0].min() == -1 and true[0].max() == 1 and true[1, 0, 0] == 1  # y up
    authors = ImageAction(centre="authors").coordinates(28, 28)
    # Their origin is pixel (14, 14); the true centre is (13.5, 13.5).
    assert authors[0, 14, 0] == 0 and authors[1, 0, 14] == 0 and authors[0, 0, 0] == -1


def test_tangents_do_not_depend_on_the_input_layout(dtype):
    x = torch.rand(3, 10, 10, dtype=dtype)
    action = ImageAction()
    reference = action.tangents(x)
    torch.testing.assert_close(action.tangents(x[:, None]), reference[:, :, None])
    torch.testing.assert_close(action.tangents(x.reshape(3, 100)), reference.reshape(4, 3, 100))
    flat = ImageAction(image_shape=(5, 20)).tangents(x.reshape(3, 100))
    torch.testing.assert_close(flat, ImageAction().tangents(x.reshape(3, 5, 20)).reshape(4, 3, 100))


def test_authors_convention_is_a_change_of_basis_of_generators():
    h = torch.tensor(J)
    # (row, col) -> (x, y) is a rotation by -90 degrees: the rotation generator is unchanged.
    torch.testing.assert_close(ImageAction(centre="authors").generator_in_xy(h), h)
    s = torch.tensor([[1.0, 0.0], [0.0, 0.0]])  # stretch along rows = stretch along y
    torch.testing.assert_close(ImageAction(centre="authors").generator_in_xy(s), torch.tensor([[0.0, 0.0], [0.0, 1.0]]))


@pytest.mark.parametrize(
    "kwargs, message",
    [({"centre": "middle"}, "centre"), ({"difference": "backward"}, "difference")],
)
def test_bad_action_options_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ImageAction(**kwargs)
    with pytest.raises(ValueError, match="unknown ImageAction options"):
        ImageAction().with_options(center="true")


def test_bad_image_inputs_are_named():
    with pytest.raises(ValueError, match="image_shape"):
        ImageAction().tangents(torch.rand(2, 10))
    with pytest.raises(ValueError, match=r"not 3x8x8 images"):
        ImageAction(image_shape=(3, 8, 8)).tangents(torch.rand(2, 3 * 8 * 7))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        ImageAction().tangents(torch.rand(2, 3, 3, 8, 8))
    with pytest.raises(ValueError, match="image_shape must be"):
        ImageAction(image_shape=(8,))


@pytest.mark.parametrize("action", [ImageAction(), AffineImageAction()], ids=["linear", "affine"])
def test_colour_images_move_every_channel_alike(action):
    """Tangents and finite elements of (N, C, H, W) images, any H and W: those of each channel
    alone, also when flattened with image_shape=(C, H, W)."""
    x = torch.rand(2, 3, 6, 9, dtype=torch.float64)
    tangents = action.tangents(x)
    assert tangents.shape == (len(action.basis) if hasattr(action, "basis") else 4, 2, 3, 6, 9)
    for c in range(3):
        torch.testing.assert_close(tangents[:, :, c], action.tangents(x[:, c]), rtol=0, atol=0)
    flat = action.with_options(image_shape=(3, 6, 9)).tangents(x.reshape(2, -1))
    torch.testing.assert_close(flat, tangents.reshape(len(tangents), 2, -1), rtol=0, atol=0)
    g = torch.eye(action.dim, dtype=torch.float64)
    g[:2, :2] = expm(0.3 * torch.tensor(J, dtype=torch.float64))
    moved = action.act(x, g)
    for c in range(3):
        torch.testing.assert_close(moved[:, c], action.act(x[:, c], g), rtol=0, atol=0)
