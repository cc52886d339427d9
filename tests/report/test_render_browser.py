"""Open the rendered report in headless Chromium: no console errors, images load, TOC links resolve, and no
script, dialog or unsafe link comes from the document's text; at 1,400 px wide, under both renderers, no table cell
breaks inside a number, no table is cut off without a scrollbar, and figures are at least as wide as the text."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qolreview.report.render import render_report
from qolreview.report.render.quarto import has_papermill

FIXTURES = Path(__file__).parents[1] / "data" / "qmd"
FEATURES = FIXTURES / "features.qmd"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
WIDTH = 1400

#: Injected first in <head>: records errors and dialogs, then (on load) image states, TOC targets, the scripts and
#: unsafe links of the page and whether any other script set ``window.__pwned``, as JSON.
CHECK_SCRIPT = """<script>
(function () {
  var errors = [];
  var dialogs = [];
  ["alert", "confirm", "prompt", "print"].forEach(function (name) {
    window[name] = function (message) { dialogs.push(name + ": " + message); };
  });
  window.addEventListener("error", function (event) {
    var target = event.target || {};
    errors.push(event.message || ("failed to load " + (target.src || target.href || target.tagName)));
  }, true);
  window.addEventListener("unhandledrejection", function (event) { errors.push(String(event.reason)); });
  var consoleError = console.error;
  console.error = function () {
    errors.push(Array.prototype.join.call(arguments, " "));
    consoleError.apply(console, arguments);
  };
  window.addEventListener("load", function () {
    var images = Array.prototype.map.call(document.images, function (img) {
      return { alt: img.alt, complete: img.complete, width: img.naturalWidth };
    });
    var toc = Array.prototype.map.call(document.querySelectorAll("nav#TOC a[href^='#']"), function (a) {
      var id = decodeURIComponent(a.getAttribute("href").slice(1));
      return { id: id, found: document.getElementById(id) !== null };
    });
    var unsafe = Array.prototype.filter.call(document.querySelectorAll("[href], [src], [action]"), function (el) {
      var url = el.href || el.src || el.action;
      return typeof url === "string" && url !== "" && !/^(https?:|mailto:|file:|data:image[/])/.test(url);
    }).map(function (el) { return el.outerHTML.slice(0, 200); });
    var out = document.createElement("pre");
    out.id = "render-check";
    out.textContent = JSON.stringify({
      errors: errors, images: images, toc: toc, dialogs: dialogs, unsafe: unsafe,
      scripts: document.scripts.length, embedded: document.querySelectorAll("iframe, object, embed").length,
      pwned: window.__pwned === undefined ? null : String(window.__pwned),
    });
    document.body.appendChild(out);
  });
})();
</script>"""


#: Injected first in <head>: on load, at the window's width, records the numbers in table cells that break across
#: lines (a minus sign only where it starts a word, not the hyphen of "TRANSFORM-2"), the number cells (td.number)
#: that do, the tables wider than their box that no scrollbar reveals, and the width of each figure's image against
#: the text's (the widest paragraph outside figures, tables and boxes).
LAYOUT_SCRIPT = r"""<script>
window.addEventListener("load", function () {
  function lines(range) {
    var tops = {};
    Array.prototype.forEach.call(range.getClientRects(), function (rect) {
      if (rect.width > 0) { tops[Math.round(rect.top)] = true; }
    });
    return Object.keys(tops).length;
  }
  var broken = [];
  document.querySelectorAll("td, th").forEach(function (cell) {
    var whole = document.createRange();
    whole.selectNodeContents(cell);
    if (cell.classList.contains("number") && lines(whole) > 1) { broken.push(cell.textContent); }
    var walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var pattern = /(?<![\w.])[-\u2212]?\d[\d.,]*%?/g;
      for (var match = pattern.exec(node.data); match; match = pattern.exec(node.data)) {
        var range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        if (lines(range) > 1) { broken.push(match[0] + " in " + cell.textContent); }
      }
    }
  });
  var page = document.documentElement.clientWidth;
  var cut = [];
  document.querySelectorAll("table").forEach(function (table) {
    var box = table.parentElement;
    while (box !== document.body && getComputedStyle(box).overflowX === "visible") { box = box.parentElement; }
    var style = getComputedStyle(box).overflowX;
    var scrolls = (style === "auto" || style === "scroll") && box.scrollWidth > box.clientWidth;
    var limit = Math.min(page, box.getBoundingClientRect().right);
    if (table.getBoundingClientRect().right > limit + 1 && !scrolls) { cut.push(table.id || "a table"); }
  });
  var text = 0;
  document.querySelectorAll("p").forEach(function (p) {
    if (!p.closest("figure, table, nav, header, .callout, .quarto-float")) {
      text = Math.max(text, p.getBoundingClientRect().width);
    }
  });
  var figures = Array.prototype.map.call(document.querySelectorAll("figure img"), function (img) {
    return { alt: img.alt, width: img.getBoundingClientRect().width };
  });
  var out = document.createElement("pre");
  out.id = "layout-check";
  out.textContent = JSON.stringify({ page: page, broken: broken, cut: cut, text: text, figures: figures,
    tables: document.querySelectorAll("table").length });
  document.body.appendChild(out);
});
</script>"""


def _browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def browser_check(
    html: str, tmp_path: Path, budget_ms: int = 5000, script: str = CHECK_SCRIPT, marker: str = "render-check"
) -> dict:
    """Open ``html`` in headless Chromium, WIDTH pixels wide, with ``script`` injected; return what the script
    recorded as JSON in the element ``pre#<marker>``."""
    checked = tmp_path / "checked.html"
    checked.write_text(html.replace("<head>", "<head>\n" + script, 1), encoding="utf-8")
    command = [
        _browser(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--window-size={WIDTH},1000",
        f"--virtual-time-budget={budget_ms}",
        "--dump-dom",
        checked.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    match = re.search(rf'<pre id="{marker}">(.*?)</pre>', result.stdout, re.S)
    assert match, f"the check script did not run:\n{result.stderr[-2000:]}"
    return json.loads(match.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


@pytest.mark.skipif(_browser() is None, reason="no headless Chromium on the PATH (install the 'chromium' package)")
def test_rendered_report_in_headless_chromium(tmp_path: Path) -> None:
    out = render_report(
        FEATURES, tmp_path / "features.html", params={"n_studies": 5, "label_text": "cheng"}, renderer="builtin"
    ).html
    report = browser_check(out.read_text(encoding="utf-8"), tmp_path)
    assert report["errors"] == []
    assert len(report["images"]) == 3
    assert all(image["complete"] and image["width"] > 0 for image in report["images"]), report["images"]
    assert [entry["id"] for entry in report["toc"]] == [
        "sec-intro",
        "sec-methods",
        "plots",
        "tables",
        "other-cell-options",
    ]
    assert all(entry["found"] for entry in report["toc"])


@pytest.fixture(scope="module", params=["builtin", "quarto"])
def rendered_page(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """features.qmd rendered by each renderer (Quarto only where it is installed), from a copy of the sources."""
    if request.param == "quarto" and (shutil.which("quarto") is None or not has_papermill(sys.executable)):
        pytest.skip("quarto is not on the PATH or papermill is not installed")
    source = tmp_path_factory.mktemp(request.param)
    shutil.copy(FEATURES, source / "features.qmd")
    shutil.copy(FIXTURES / "diagram.svg", source / "diagram.svg")
    params = {"n_studies": 5, "label_text": "cheng"}
    info = render_report(
        source / "features.qmd", source / "out.html", params=params, renderer=request.param, python=sys.executable
    )
    return info.html.read_text(encoding="utf-8")


@pytest.mark.skipif(_browser() is None, reason="no headless Chromium on the PATH (install the 'chromium' package)")
def test_tables_and_figures_at_1400_px(rendered_page: str, tmp_path: Path) -> None:
    layout = browser_check(rendered_page, tmp_path, script=LAYOUT_SCRIPT, marker="layout-check")
    assert layout["page"] >= WIDTH - 20 and layout["tables"] == 3
    assert layout["broken"] == []
    assert layout["cut"] == []
    assert len(layout["figures"]) == 3 and layout["text"] > 400
    assert [figure for figure in layout["figures"] if figure["width"] < layout["text"] - 1] == []
