"""The columns known before a run (liegg.study.columns) against the code that writes them."""

import torch

from liegg.study.columns import CANDIDATE_NAMES, candidate_names, finite_labels
from liegg.study.finite_checks import finite_families
from liegg.study.symmetries import SHIFTED_DIGITS, SYMMETRIES, get_symmetry


def test_the_candidate_names_are_those_of_the_symmetries():
    assert {task: tuple(s.candidates) for task, s in SYMMETRIES.items()} == {
        task: names for task, names in CANDIDATE_NAMES.items() if task != "rotmnist_shifted"}
    assert tuple(SHIFTED_DIGITS.candidates) == candidate_names("rotmnist", {"translate": 4})


def test_the_finite_labels_are_those_of_the_finite_check():
    digits = torch.zeros(1, 28, 28)
    cases = (("rotmnist", {}, digits), ("rotmnist", {"translate": 4}, digits),
             ("o5", {}, torch.zeros(1, 10)), ("lorentz", {}, torch.zeros(1, 16)))  # fmt: skip
    for task, dataset, x in cases:
        symmetry = get_symmetry(task, dataset)
        families = finite_families(task, symmetry.action, symmetry.candidates, x)
        labels = {name: tuple(magnitudes) for name, (_, _, magnitudes) in families.items()}
        assert {**labels, "learned": finite_labels(task, dataset)["learned"]} == finite_labels(task, dataset)
