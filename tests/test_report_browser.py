"""The embedded default's rendered report in headless Chromium: no console errors, images load, TOC links resolve."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import PipelineRun
from test_render_browser import CHECK_SCRIPT, _browser


@pytest.mark.e2e
@pytest.mark.skipif(_browser() is None, reason="no headless Chromium on the PATH (install the 'chromium' package)")
def test_default_report_in_headless_chromium(pipeline: Callable[[str], PipelineRun], tmp_path: Path) -> None:
    document = (pipeline("default").results / "report" / "review.html").read_text(encoding="utf-8")
    checked = tmp_path / "checked.html"
    checked.write_text(document.replace("<head>", "<head>\n" + CHECK_SCRIPT, 1), encoding="utf-8")
    command = [
        _browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--dump-dom", checked.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    match = re.search(r'<pre id="render-check">(.*?)</pre>', result.stdout, re.S)
    assert match, f"the check script did not run:\n{result.stderr[-2000:]}"
    report = json.loads(match.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    assert report["errors"] == []
    images = report["images"]
    assert len(images) == document.count('src="data:image/') and len(images) >= 5
    assert [image["alt"] for image in images if not (image["complete"] and image["width"] > 0)] == []
    toc = report["toc"]
    assert len(toc) >= 10
    assert [entry["id"] for entry in toc if not entry["found"]] == []
