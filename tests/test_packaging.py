"""The templates exist once, in templates/; the build puts that folder into the package."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from newsfeed.render.templates import PACKAGED

REPO = Path(__file__).resolve().parent.parent


def test_the_repository_has_one_copy_of_the_templates():
    assert not (REPO / "src" / "newsfeed" / "templates").exists()
    assert PACKAGED == REPO / "templates"  # a source checkout reads them where they are
    assert {"digest.html", "digest.txt", "digest.css", "digest-archive.html", "index.html", "feed-page.html"} <= {p.name for p in PACKAGED.iterdir()}


def test_a_build_puts_templates_and_data_into_the_package(tmp_path):
    """What `pip install .` packs: setup.py's build step, run from a copy of the project."""
    project = tmp_path / "newsfeed"
    project.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy2(REPO / name, project / name)
    shutil.copytree(REPO / "templates", project / "templates")
    shutil.copytree(REPO / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    built = tmp_path / "lib"
    done = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(built)], cwd=project, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    package = built / "newsfeed"
    names = sorted(p.name for p in (REPO / "templates").iterdir())
    assert sorted(p.name for p in (package / "templates").iterdir()) == names
    for name in names:
        assert (package / "templates" / name).read_bytes() == (REPO / "templates" / name).read_bytes(), name
    assert (package / "data" / "aggregators.toml").is_file()
    assert (package / "render" / "templates.py").is_file()
