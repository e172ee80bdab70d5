"""Which samples a run trains on, and which ones LieGG reads."""

from __future__ import annotations

import torch

__all__ = ["training_subset", "liegg_samples"]


def training_subset(data: dict, n_train: int | None) -> dict:
    """The first ``n_train`` training samples; validation and test unchanged.

    Smaller training sets of one dataset are nested, and every size is
    scored on the same held-out samples.

    Examples
    --------
    >>> data = {"x_train": torch.arange(5), "y_train": torch.arange(5), "x_val": torch.arange(2)}
    >>> sub = training_subset(data, 3)
    >>> sub["x_train"].tolist(), sub["x_val"].tolist()
    ([0, 1, 2], [0, 1])
    """
    if n_train is None:
        return data
    available = len(data["x_train"])
    if not 1 <= n_train <= available:
        raise ValueError(
            f"n_train {n_train} asks for more training samples than the dataset's {available}; "
            "lower training.n_train or raise dataset.n_samples"
        )
    return {k: v[:n_train] if k.endswith("_train") else v for k, v in data.items()}


def liegg_samples(data: dict, spec: dict) -> torch.Tensor:
    """The samples of ``spec["liegg"]["split"]`` (``all``, ``train``, ``val``
    or ``test``); ``train`` is the part of the training split the run was
    trained on (``spec["training"]["n_train"]``).

    Examples
    --------
    >>> data = {f"x_{s}": torch.zeros(n, 2) for s, n in (("train", 5), ("val", 2), ("test", 3))}
    >>> spec = {"training": {"n_train": 4}, "liegg": {"split": "train"}}
    >>> len(liegg_samples(data, spec)), len(liegg_samples(data, {"liegg": {"split": "all"}}))
    (4, 10)
    """
    data = training_subset(data, spec.get("training", {}).get("n_train"))
    split = spec["liegg"]["split"]
    if split == "all":
        return torch.cat([data["x_train"], data["x_val"], data["x_test"]])
    return data[f"x_{split}"]
