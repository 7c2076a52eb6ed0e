"""One build step on top of pyproject.toml: the wheel's default templates are templates/.

The site's templates/ folder is the only copy of the templates in the repository. A wheel (a
non-editable `pip install .`) gets it as newsfeed/templates; a source checkout and an
editable install read templates/ itself (newsfeed.render.templates.PACKAGED).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TEMPLATES = Path(__file__).resolve().parent / "templates"


class build_py_with_templates(build_py):
    def run(self):
        super().run()
        if not getattr(self, "editable_mode", False):
            shutil.copytree(TEMPLATES, Path(self.build_lib) / "newsfeed" / "templates", dirs_exist_ok=True)


setup(cmdclass={"build_py": build_py_with_templates})
