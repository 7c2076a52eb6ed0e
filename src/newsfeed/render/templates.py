"""Jinja2 templates: the site's templates/ folder first, then the packaged defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from newsfeed.errors import RenderError

if TYPE_CHECKING:
    import jinja2


def _packaged() -> Path:
    """The default templates: newsfeed/templates in an installed wheel (setup.py copies the
    repository's templates/ there), else templates/ of the source checkout (editable installs)."""
    here = Path(__file__).resolve()
    installed = here.parent.parent / "templates"
    return installed if installed.is_dir() else here.parents[3] / "templates"


PACKAGED = _packaged()


@lru_cache(maxsize=8)
def environment(site_templates: Path) -> jinja2.Environment:
    import jinja2  # not at import: publish reads PACKAGED on every run, and most runs render nothing

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(site_templates), str(PACKAGED)]),
        autoescape=jinja2.select_autoescape(("html", "xml", "html.j2")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_template(site_templates: Path, name: str, **context) -> str:
    return render_loaded(load_template(site_templates, name), **context)


def load_template(site_templates: Path, name: str) -> jinja2.Template:
    """The template by name, looked up once by a caller rendering it many times (each lookup
    checks the file on disk again: 1.2 s of a 10,000-page publish's feed pages)."""
    import jinja2

    try:
        return environment(site_templates).get_template(name)
    except jinja2.TemplateNotFound:
        raise RenderError(
            f"template {name!r} not found in {site_templates} nor in {PACKAGED}; restore it or reinstall newsfeed"
        ) from None
    except jinja2.TemplateError as exc:
        raise _explained(name, exc) from None


def render_loaded(template: jinja2.Template, **context) -> str:
    import jinja2

    try:
        return template.render(**context)
    except jinja2.TemplateError as exc:
        raise _explained(template.name, exc) from None


def _explained(name: str, exc: Exception) -> RenderError:
    where = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
    return RenderError(f"template {name!r}{where}: {exc}; fix the template")
