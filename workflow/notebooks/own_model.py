# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # LieGG on your own model
#
# Which transformations of its inputs has a network learned to ignore? This notebook asks a
# model of its own, outside the workflow: it makes data, trains a small network on a CPU,
# calls `liegg.analyze`, plots the spectrum and moves points along the learned generator.
# Only `torch`, `matplotlib` and the core `liegg` package are used
# (`pip install -e .` is enough; the workflow's extras are not needed).
#
# **The task.** Points `x` in the plane, and a target that depends on their distance from
# the origin alone, `y = sin(2|x|) + |x|^2 / 4`. Its symmetry is the rotations, SO(2), whose
# algebra so(2) is spanned by one generator, `[[0, -1], [1, 0]]`. The network is never told.

# %%
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

import liegg  # noqa: E402

torch.manual_seed(0)
# Two threads by hand. The workflow gives this notebook one core (OMP_NUM_THREADS): beside
# another job, a second thread makes the training 1.5 x slower, not faster.
torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", min(2, os.cpu_count() or 1))))
# The workflow's rule sets the number of training steps (the smoke config: a few); by hand, 3000.
steps = int(os.environ.get("LIEGG_TUTORIAL_STEPS", "3000"))
figure = os.environ.get("LIEGG_TUTORIAL_FIGURE", "own_model.png")

# %% [markdown]
# ## Data and model
# 4000 points uniform in the disk of radius 2; a three-layer MLP with Swish activations.

# %%
radius = 2 * torch.rand(4000).sqrt()
angle = 2 * torch.pi * torch.rand(4000)
x = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)


def target(points):
    r = points.norm(dim=1, keepdim=True)
    return torch.sin(2 * r) + r**2 / 4


y = target(x)
model = torch.nn.Sequential(
    torch.nn.Linear(2, 64), torch.nn.SiLU(), torch.nn.Linear(64, 64), torch.nn.SiLU(), torch.nn.Linear(64, 1)
)

# %% [markdown]
# ## Training
# Full-batch Adam; a few seconds on a laptop CPU.

# %%
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
for step in range(steps):
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    if step % 500 == 0 or step == steps - 1:
        print(f"step {step:5d}  training MSE {loss.item():.2e}")

# %% [markdown]
# ## What did it learn?
# `liegg.VectorAction(2)` lets gl(2) act on the points: four generators, `e_00, e_01, e_10,
# e_11`. `liegg.analyze` builds the polarization matrix (how the output changes along each
# generator at every point), takes its spectrum and, given the algebra we expect, measures
# how far the most invariant generators are from it.

# %%
result = liegg.analyze(model, x, liegg.VectorAction(2), algebra="so")
print("relative symmetry variances:", [f"{v:.2e}" for v in result.relative_variances.tolist()])
print("most invariant generator h1:\n", result.generators[0].numpy().round(3))
print(f"subspace bias to so(2): {result.subspace_bias:.3f}")
print(f"angle to so(2): {torch.rad2deg(result.principal_angles.max()).item():.2f} degrees")
print(f"gap lambda_2 / lambda_1: {(result.variances[1] / result.variances[0]).item():.0f}")

# %% [markdown]
# A small first variance, far below the other three, whose generator is skew-symmetric
# (bias near 0): the network has learned the rotations. An untrained network has no such
# direction:

# %%
untrained = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.SiLU(), torch.nn.Linear(64, 1))
fresh = liegg.analyze(untrained, x, liegg.VectorAction(2), algebra="so")
print("untrained relative variances:", [f"{v:.2e}" for v in fresh.relative_variances.tolist()])
print(f"untrained subspace bias to so(2): {fresh.subspace_bias:.3f}")

# %% [markdown]
# ## Following the generator
# `liegg.expm(h1, t)` is the group element `exp(t h1)`. Applied to a point for t in
# [0, 2 pi / |h1|], it traces the orbit of the learned symmetry: a circle, along which the
# model's output should stay constant.

# %%
h1 = result.generators[0].to(torch.float32)
t = torch.linspace(0, 2 * torch.pi / float(torch.linalg.eigvals(h1).imag.abs().max()), 200)
start = torch.tensor([1.2, 0.4])
orbit = liegg.expm(h1, t) @ start  # (200, 2)
with torch.no_grad():
    along = model(orbit).squeeze(1)
    spread = model(x).std().item()
print(f"output along the orbit varies by {(along.max() - along.min()).item():.3f} "
      f"(the output's standard deviation over the data: {spread:.3f})")

# %%
grid = torch.linspace(-2, 2, 121)
gx, gy = torch.meshgrid(grid, grid, indexing="xy")
with torch.no_grad():
    surface = model(torch.stack([gx.flatten(), gy.flatten()], dim=1)).reshape(gx.shape)
fig, (ax_spec, ax_flow) = plt.subplots(1, 2, figsize=(8.0, 3.4))
labels = [f"h{i + 1}" for i in range(4)]
ax_spec.semilogy(range(1, 5), result.relative_variances, "o-", label="trained")
ax_spec.semilogy(range(1, 5), fresh.relative_variances, "s--", color="0.5", label="untrained")
ax_spec.set_xticks(range(1, 5), labels)
ax_spec.set_ylabel(r"$\lambda_i$ / mean $\lambda$")
ax_spec.set_title("LieGG spectrum")
ax_spec.legend()
ax_flow.contourf(gx, gy, surface, levels=20, cmap="viridis")
ax_flow.streamplot(gx.numpy(), gy.numpy(), *(torch.einsum("ab,bhw->ahw", h1, torch.stack([gx, gy])).numpy()),
                   color="w", density=0.6, linewidth=0.6)
ax_flow.plot(orbit[:, 0], orbit[:, 1], color="tab:red", lw=2, label=r"$\exp(t h_1)\,x_0$")
ax_flow.set_aspect("equal")
ax_flow.set_title("model output, the flow of h1 and one orbit")
ax_flow.legend(loc="lower right")
fig.tight_layout()
fig.savefig(figure, format="png", dpi=150, metadata={"Software": "liegg"})  # no date: same bytes each run
print("figure saved")  # not its path: the workflow writes it under a temporary name

# %% [markdown]
# ## Your own model
# Swap in your network and data: `liegg.analyze(model, x, action, algebra=...)` takes any
# callable from a batch to outputs. `action` says how generators move an input:
# `liegg.VectorAction(d)` for inputs made of d-vectors, `liegg.ImageAction()` for images
# (gl(2) on pixel coordinates), `liegg.AffineImageAction()` to include translations. `algebra`
# is what you expect, by name (`"so"`, `"so(1,3)"`, `"sl"`, `"scale"`, `"so+scale"`) or as a
# tensor of generators; leave it out to see the spectrum alone. For a classifier, pass
# `normalize=True` (L2-normalised logits).
