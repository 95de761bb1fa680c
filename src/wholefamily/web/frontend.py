"""Build the web app's front end from its npm packages: GOV.UK Frontend and the
Ministry of Justice's design system (`@ministryofjustice/frontend`: sub navigation,
timeline, badges, sortable tables, filters), which builds on it.

`make setup` runs `npm ci` and then `python -m wholefamily.web.frontend`, which
copies each package's compiled CSS, JavaScript (an ES module each), fonts and images
into `web/static/govuk/` and `web/static/moj/` (not committed), pointing the CSS's
asset paths at where WhiteNoise serves them and dropping source-map comments (the
maps are not copied).
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Package:
    name: str  # as npm names it
    dist: str  # the folder of compiled files inside the package
    css: str
    js: str
    out: str  # the folder under web/static/

    @property
    def static(self) -> Path:
        return HERE / "static" / self.out


PACKAGES = (
    Package(
        "govuk-frontend", "dist/govuk", "govuk-frontend.min.css", "govuk-frontend.min.js", "govuk"
    ),
    Package(
        "@ministryofjustice/frontend", "moj", "moj-frontend.min.css", "moj-frontend.min.js", "moj"
    ),
)
STATIC = PACKAGES[0].static  # GOV.UK Frontend's folder (the templates' base)


def _without_map(text: str, marker: str) -> str:
    return text.split(marker)[0]


def build_package(node_modules: Path, p: Package) -> Path:
    dist = node_modules / p.name / p.dist
    if not (dist / p.css).is_file():
        raise SystemExit(f"{dist} has no {p.css}: run `npm ci` first")
    if p.static.exists():
        shutil.rmtree(p.static)
    p.static.mkdir(parents=True)
    css = (dist / p.css).read_text(encoding="utf-8")
    css = css.replace("url(/assets/", f"url(/static/{p.out}/assets/")
    (p.static / p.css).write_text(_without_map(css, "/*# sourceMappingURL"), encoding="utf-8")
    js = (dist / p.js).read_text(encoding="utf-8")
    (p.static / p.js).write_text(_without_map(js, "//# sourceMappingURL"), encoding="utf-8")
    shutil.copytree(dist / "assets", p.static / "assets")
    return p.static


def build(node_modules: Path) -> list[Path]:
    return [build_package(node_modules, p) for p in PACKAGES]


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    for folder in build(root / "node_modules"):
        print(f"Front end built into {folder}")
