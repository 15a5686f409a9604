"""The browser assets are vendored, unchanged, with their licences (web/static/vendor/README.md),
and nothing the pages load points outside the application (issue 14: nothing is fetched from
outside at run time)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import web

WEB = Path(web.__file__).parent
VENDOR = WEB / "static" / "vendor"
ROW = re.compile(r"^\| `(?P<file>[^`]+)` \| (?P<name>[^|]+?) \| (?P<version>[^|]+?) \| "
                 r"`(?P<source>[^`]+)` \| `(?P<sha>[0-9a-f]{64})` \|$", re.M)
URL = re.compile(r"https?://[^\s\"'`)<>]+")
CDN_HOSTS = ("jsdelivr", "unpkg", "cdnjs", "googleapis", "gstatic", "esm.sh", "skypack")


def _table() -> list[dict]:
    return [m.groupdict() for m in ROW.finditer((VENDOR / "README.md").read_text("utf-8"))]


def test_every_vendored_file_is_listed_with_its_sha256():
    rows = _table()
    assert rows, "web/static/vendor/README.md lists no file"
    listed = {r["file"] for r in rows}
    present = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()
               and p.name != "README.md" and "LICENSES" not in p.relative_to(VENDOR).parts}
    assert present == listed, f"unlisted: {present - listed}; missing: {listed - present}"
    for r in rows:
        got = hashlib.sha256((VENDOR / r["file"]).read_bytes()).hexdigest()
        assert got == r["sha"], f"{r['file']}: SHA-256 {got}, README says {r['sha']}"


def test_every_vendored_package_has_its_licence_beside_it():
    licences = {p.name: p.read_text("utf-8") for p in (VENDOR / "LICENSES").iterdir()}
    for r in _table():
        name = f"{r['name']}-{r['version']}.LICENSE.txt"
        assert name in licences, f"no licence {name} for {r['file']}"
        assert len(licences[name]) > 200
    assert "MIT License" in licences["zxing-wasm-3.1.6.LICENSE.txt"]
    assert "Apache License" in licences["zxing-cpp.LICENSE.txt"]     # inside the .wasm


def test_htmx_is_pinned_to_2x():
    htmx = next(r for r in _table() if r["name"] == "htmx.org")
    assert htmx["version"].startswith("2.")      # htmx 4 no longer inherits hx-headers (CSRF)


def _served_text_files():
    for folder in ("static", "templates"):
        for p in (WEB / folder).rglob("*"):
            if p.is_file() and p.suffix in {".js", ".css", ".html", ".mjs"}:
                yield p


def test_our_pages_scripts_and_styles_name_no_outside_url():
    ours = [p for p in _served_text_files() if VENDOR not in p.parents]
    assert any(p.name == "camera-scan.js" for p in ours)
    found = {p.relative_to(WEB).as_posix(): URL.findall(p.read_text("utf-8")) for p in ours}
    assert {k: v for k, v in found.items() if v} == {}


def test_the_only_cdn_in_the_vendored_code_is_zxings_default_which_we_override():
    found = {}
    for p in VENDOR.rglob("*.js"):
        urls = [u for u in URL.findall(p.read_text("utf-8")) if any(h in u for h in CDN_HOSTS)]
        if urls:
            found[p.relative_to(VENDOR).as_posix()] = urls
    assert found == {"zxing-wasm/share.js":
                     ["https://fastly.jsdelivr.net/npm/zxing-wasm@3.1.6/dist/${n[1]}/${e}"]}
    camera = (WEB / "static" / "js" / "camera-scan.js").read_text("utf-8")
    # Overridden before the first read: the loader asks locateFile, which answers /static/vendor.
    assert 'const VENDOR = "/static/vendor/zxing-wasm/reader/";' in camera
    assert re.search(r"prepareZXingModule\(\{\s*overrides: \{locateFile: \(path, prefix\) => "
                     r"\(path\.endsWith\(\"\.wasm\"\) \? VENDOR \+ path", camera)
    assert (VENDOR / "zxing-wasm" / "reader" / "zxing_reader.wasm").is_file()


def test_our_scripts_are_modules_and_templates_have_no_inline_script():
    for p in _served_text_files():
        if p.suffix == ".html":
            text = p.read_text("utf-8")
            for tag in re.findall(r"<script\b[^>]*>", text):
                assert "src=" in tag, f"{p.name}: inline script {tag}"
            assert not re.search(r"\son[a-z]+=", text), f"{p.name}: inline event handler"
