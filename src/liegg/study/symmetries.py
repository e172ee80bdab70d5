"""How LieGG reads a network trained on each task: the group action on its
inputs and the Lie algebra of the symmetry known to be in its data."""

from __future__ import annotations

from dataclasses import dataclass

from ..actions import ImageAction, VectorAction

__all__ = ["Symmetry", "SYMMETRIES", "get_symmetry", "task_action"]


@dataclass(frozen=True)
class Symmetry:
    """The action and the true algebra of one task.

    Attributes
    ----------
    action : liegg.Action
        For :func:`liegg.analyze`.
    algebra : str or Tensor
        The algebra of the symmetry known to be in the data (see
        :func:`liegg.algebra_basis`).
    """

    action: object
    algebra: object


SYMMETRIES = {
    "o5": Symmetry(action=VectorAction(5), algebra="so"),  # so(5) acting on both 5-vectors
    "rotmnist": Symmetry(action=ImageAction(), algebra="so"),  # so(2) acting on pixel coordinates
}


def get_symmetry(task: str) -> Symmetry:
    """The symmetry of a task by name.

    Examples
    --------
    >>> get_symmetry("o5").action
    VectorAction(dim=5)
    """
    if task not in SYMMETRIES:
        raise ValueError(f"no symmetry is known for task {task!r}; known: {sorted(SYMMETRIES)}")
    return SYMMETRIES[task]


def task_action(task: str, options: dict | None = None):
    """The task's action, with the options of ``liegg.action`` in the config.

    Examples
    --------
    >>> task_action("rotmnist", {"centre": "authors"}).centre
    'authors'
    """
    action = get_symmetry(task).action
    if options:
        if not hasattr(action, "with_options"):
            raise ValueError(f"the action of task {task!r} takes no options; remove liegg.action")
        action = action.with_options(**options)
    return action
