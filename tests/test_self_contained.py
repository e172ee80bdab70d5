"""The project stands on its own: no tracked file points at a file outside the repository."""

import re
import subprocess

from workflow_helpers import REPO

# An upper-case Markdown file named anywhere (README.md, CHANGELOG.md ...) must be one the
# repository holds; and nothing may point into a folder beside the checkout.
CITED_DOC = re.compile(r"\b([A-Z][A-Z_]*\.md)\b")
BESIDE_THE_CHECKOUT = re.compile(r"\.\./(?!\.)[a-z]+/")
BINARY = (".npz", ".png", ".pdf", ".gz")


def _tracked():
    out = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    return [name for name in out.split() if (REPO / name).is_file() and not name.endswith(BINARY)]


def test_no_tracked_file_cites_a_file_outside_the_repository():
    names = _tracked()
    present = {name.rsplit("/", 1)[-1] for name in names}
    found = []
    for name in names:
        text = (REPO / name).read_text(errors="ignore")
        found += [f"{name}: {doc}" for doc in set(CITED_DOC.findall(text)) if doc not in present]
        found += [f"{name}: {m}" for m in set(BESIDE_THE_CHECKOUT.findall(text))
                  if not (REPO / name).parent.joinpath(m).resolve().is_relative_to(REPO)]  # fmt: skip
    assert not found, found
