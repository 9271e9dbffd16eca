"""README's layout table matches the tree (issue 12): every top-level directory of the project is in it, and
every path it names exists. A new app without a row, or a row left behind by a move, fails the build."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_PROJECT = {"var", "node_modules"}  # run-time data and tools, not the project's layout


def layout_paths():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    return {name.rstrip("/") for cell in first_cells for name in re.findall(r"`([^`]+)`", cell)}


def test_every_top_level_directory_has_a_row():
    directories = {p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".")} - NOT_PROJECT
    assert directories - layout_paths() == set()


def test_every_path_in_the_table_exists():
    assert {path for path in layout_paths() if not (ROOT / path).exists()} == set()
