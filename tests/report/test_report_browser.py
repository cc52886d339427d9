"""The embedded default's rendered report in headless Chromium: no console errors, images load, TOC links resolve."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from test_render_browser import _browser, browser_check

from conftest import PipelineRun


@pytest.mark.e2e
@pytest.mark.skipif(_browser() is None, reason="no headless Chromium on the PATH (install the 'chromium' package)")
def test_default_report_in_headless_chromium(pipeline: Callable[[str], PipelineRun], tmp_path: Path) -> None:
    document = (pipeline("default").results / "report" / "review.html").read_text(encoding="utf-8")
    report = browser_check(document, tmp_path, budget_ms=10000)
    assert report["errors"] == []
    images = report["images"]
    assert len(images) == document.count('src="data:image/') and len(images) >= 5
    assert [image["alt"] for image in images if not (image["complete"] and image["width"] > 0)] == []
    toc = report["toc"]
    assert len(toc) >= 10
    assert [entry["id"] for entry in toc if not entry["found"]] == []
