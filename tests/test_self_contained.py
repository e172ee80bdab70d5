"""The project stands on its own: no tracked file points at a file outside the repository."""

import subprocess

from workflow_helpers import REPO

# Names of files that live beside a checkout, never in it (this test file itself excepted).
OUTSIDE = ("METHOD.md", "DESIGN.md", "STYLE.md", "../shared")


def test_no_tracked_file_cites_a_file_outside_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    found = []
    for name in tracked:
        path = REPO / name
        if name == "tests/test_self_contained.py" or path.suffix in (".npz", ".png", ".pdf", ".gz") or not path.is_file():
            continue
        text = path.read_text(errors="ignore")
        found += [f"{name}: {needle}" for needle in OUTSIDE if needle in text]
    assert not found, found
