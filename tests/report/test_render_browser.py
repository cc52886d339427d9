"""Open the rendered report in headless Chromium: no console errors, images load, TOC links resolve, and no
script, dialog or unsafe link comes from the document's text."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from qolreview.report.render import render_report

FEATURES = Path(__file__).parents[1] / "data" / "qmd" / "features.qmd"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")

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


def _browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def browser_check(html: str, tmp_path: Path, budget_ms: int = 5000) -> dict:
    """Open ``html`` in headless Chromium with CHECK_SCRIPT injected; return what the script recorded."""
    checked = tmp_path / "checked.html"
    checked.write_text(html.replace("<head>", "<head>\n" + CHECK_SCRIPT, 1), encoding="utf-8")
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
        f"--virtual-time-budget={budget_ms}",
        "--dump-dom",
        checked.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    match = re.search(r'<pre id="render-check">(.*?)</pre>', result.stdout, re.S)
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
