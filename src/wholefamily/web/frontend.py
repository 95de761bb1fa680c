"""Build the web app's front end from the GOV.UK Frontend npm package.

`make setup` runs `npm ci` and then `python -m wholefamily.web.frontend`,
which copies the package's compiled CSS, JavaScript, fonts and images into
`web/static/govuk/` (not committed), pointing the CSS's asset paths at
where WhiteNoise serves them.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static" / "govuk"
URL = "/static/govuk/assets/"


def build(node_modules: Path) -> Path:
    dist = node_modules / "govuk-frontend" / "dist" / "govuk"
    if not (dist / "govuk-frontend.min.css").is_file():
        raise SystemExit(f"{dist} has no govuk-frontend.min.css: run `npm ci` first")
    if STATIC.exists():
        shutil.rmtree(STATIC)
    STATIC.mkdir(parents=True)
    css = (dist / "govuk-frontend.min.css").read_text(encoding="utf-8")
    css = css.replace("url(/assets/", f"url({URL}")
    css = css.split("/*# sourceMappingURL")[0]
    (STATIC / "govuk-frontend.min.css").write_text(css, encoding="utf-8")
    js = (dist / "govuk-frontend.min.js").read_text(encoding="utf-8")
    (STATIC / "govuk-frontend.min.js").write_text(js.split("//# sourceMappingURL")[0])
    shutil.copytree(dist / "assets", STATIC / "assets")
    return STATIC


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    print(f"GOV.UK Frontend built into {build(root / 'node_modules')}")
