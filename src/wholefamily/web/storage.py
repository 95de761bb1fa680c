"""Where `collectstatic` puts the static files: WhiteNoise's hashed, compressed copies,
with the `import` lines of JavaScript modules pointed at the hashed names too (so
`app.js` loads the hashed GOV.UK Frontend module, cached for good like the rest)."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    support_js_module_import_aggregation = True
