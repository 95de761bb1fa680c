"""The front end built at set-up: GOV.UK Frontend and the MOJ design system, every
asset their CSS names present where WhiteNoise serves it, and the page loading both."""

from __future__ import annotations

import re

import pytest

from wholefamily.web.frontend import HERE, PACKAGES


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.out)
def test_each_package_is_built_with_its_assets(package: object) -> None:
    from wholefamily.web.frontend import Package

    assert isinstance(package, Package)
    css = (package.static / package.css).read_text(encoding="utf-8")
    js = (package.static / package.js).read_text(encoding="utf-8")
    assert "sourceMappingURL" not in css and "sourceMappingURL" not in js
    assert "export{" in js.replace(" ", "") and "initAll" in js  # an ES module app.js imports
    urls = set(re.findall(r"url\(([^)]+)\)", css))
    assert urls, "the CSS names its fonts and images"
    for url in urls:
        url = url.strip("\"'")
        if url.startswith("data:"):
            continue
        assert url.startswith(f"/static/{package.out}/assets/"), url
        assert (HERE / url.removeprefix("/")).is_file(), f"{url} is missing"


def test_pages_load_both_front_ends(client: object) -> None:
    from django.test import Client

    assert isinstance(client, Client)
    page = client.get("/sign-in").content.decode()
    for p in PACKAGES:
        assert f"/static/{p.out}/{p.css}" in page
    app = (HERE / "static" / "app.js").read_text()
    for p in PACKAGES:
        assert f'from "./{p.out}/{p.js}"' in app


def test_dates_read_as_govuk_writes_them() -> None:
    from datetime import date, datetime

    from django.template import Context, Template

    out = Template("{{ d }}|{{ d|date }}|{{ t }}").render(
        Context({"d": date(2025, 4, 14), "t": datetime(2025, 4, 14, 13, 5)})
    )
    assert out == "14 April 2025|14 April 2025|14 April 2025, 13:05"
