"""The rendered report in a real browser: headless Debian Chromium driven by Playwright.

No browser is downloaded: Playwright drives the system ``chromium`` (``.ci/run`` installs it with
apt). Screenshots go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from deepseek_shock import runner

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip(
            "Chromium not found: install Debian's chromium (apt-get install chromium) to run the browser "
            "test; .ci/run installs it on CI."
        )
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """A full report of the real collection, executed on the snapshot."""
    summary = runner.run_collection(
        output=tmp_path_factory.mktemp("reports"), progress=None, jobs=2
    )
    assert summary.ok, [(nb.name, nb.error) for nb in summary.notebooks if nb.status != "ok"]
    return Path(summary.output_dir)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def open_page(browser, url: str):
    """Open ``url`` and record console errors, failed requests and any non-file request."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("requestfailed", lambda req: problems.append(f"request failed: {req.url}"))
    page.on(
        "request",
        lambda req: (
            problems.append(f"network request: {req.url}")
            if not req.url.startswith(("file:", "data:"))
            else None
        ),
    )
    page.goto(url)
    page.wait_for_load_state("load")
    return page, problems


def broken_images(page) -> list[str]:
    return page.eval_on_selector_all(
        "img",
        "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))",
    )


def broken_links(page, base: Path) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
    missing = []
    for href in hrefs:
        url = urlparse(href)
        if url.scheme == "file" and not Path(unquote(url.path)).exists():
            missing.append(href)
        elif url.scheme not in ("file", "") and not href.startswith(base.as_uri()):
            missing.append(f"external link in an offline report: {href}")
    return missing


def test_index_page(browser, report):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page, problems = open_page(browser, (report / "index.html").as_uri())
    text = page.inner_text("body")
    summary = json.loads((report / "run.json").read_text())
    headlines = [h for nb in summary["notebooks"] for h in nb["headlines"]]
    assert headlines, "the notebooks published no headlines"
    for h in headlines:
        assert h["display"] in text, f"headline {h['key']} missing from the index"
    for nb in summary["notebooks"]:
        assert nb["name"] in text
    assert f"All {len(summary['notebooks'])} notebooks ran successfully" in text
    thumbnails = page.locator(".card img")
    assert thumbnails.count() == len(summary["notebooks"]), (
        "every notebook card shows its key figure"
    )
    assert broken_images(page) == []
    assert broken_links(page, report) == []
    page.screenshot(path=str(SCREENSHOTS / "index.png"), full_page=True)
    assert problems == []


def test_every_notebook_page(browser, report):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = sorted(report.glob("[0-9][0-9]_*.html"))
    assert len(pages) == len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    for html_file in pages:
        page, problems = open_page(browser, html_file.as_uri())
        assert page.locator("#ds-toc-list li").count() >= 2, (
            f"{html_file.name}: no table of contents"
        )
        code = page.locator(".jp-CodeCell .jp-Cell-inputWrapper").first
        assert not code.is_visible(), f"{html_file.name}: code is not hidden by default"
        page.click("#ds-toggle-code")
        assert code.is_visible(), f"{html_file.name}: 'Show code' does not reveal code"
        page.click("#ds-toggle-code")
        assert broken_images(page) == [], html_file.name
        assert page.locator(".jp-OutputArea-output img").count() >= 1, (
            f"{html_file.name}: no figure"
        )
        assert broken_links(page, report) == [], html_file.name
        text = page.inner_text("main")
        for raw in ("**", "$$", "\\text{", "\\frac"):
            assert raw not in text, f"{html_file.name}: unrendered markup {raw!r} in the page text"
        widest = page.evaluate(
            "Math.max(...[...document.images].map(i => i.getBoundingClientRect().width), 0)"
        )
        assert widest <= 1280, f"{html_file.name}: a figure is wider than the page"
        page.screenshot(path=str(SCREENSHOTS / f"{html_file.stem}.png"), full_page=False)
        assert problems == [], f"{html_file.name}: {problems}"
