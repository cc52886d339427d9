"""Figure files: byte-identical SVG and PNG reruns and the captions file."""

from __future__ import annotations

import json
import re

from figures_data import DOMAIN_NAMES, directions, prisma, risk_of_bias
from qolreview.figures.captions import write_captions
from qolreview.figures.effect_direction import effect_direction_plot
from qolreview.figures.prisma import prisma_flow
from qolreview.figures.risk_of_bias import traffic_light_plot
from qolreview.figures.save import save_figure


def test_byte_identical_reruns_and_captions_json(tmp_path):
    table, votes = directions()
    entries = {}
    for run in ("a", "b"):
        for stem, result in (
            ("edp", effect_direction_plot(table, votes, domain_names=DOMAIN_NAMES)),
            ("prisma", prisma_flow(prisma())),
            ("rob", traffic_light_plot(risk_of_bias(), "ROBINS-I")),
        ):
            svg = save_figure(result.figure, tmp_path / run / stem)["svg"]
            entries[stem] = {"caption": result.caption, "alt": result.alt, "file": svg.name}
        write_captions(entries, tmp_path / run / "captions.json")
    for name in ("edp.svg", "edp.png", "prisma.svg", "prisma.png", "rob.svg", "rob.png", "captions.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    captions = json.loads((tmp_path / "a" / "captions.json").read_text(encoding="utf-8"))
    assert sorted(captions) == ["edp", "prisma", "rob"]
    assert captions["prisma"]["caption"].startswith("PRISMA 2020 flow diagram.")


def test_svg_text_stays_text_with_a_font_fallback(tmp_path):
    """Words in an SVG are ``<text>`` elements (searchable and editable), drawn in DejaVu Sans, else Verdana."""
    result = traffic_light_plot(risk_of_bias(), "ROBINS-I")
    labels = {text.get_text() for text in result.figure.findobj(lambda artist: hasattr(artist, "get_text"))}
    svg = save_figure(result.figure, tmp_path / "rob", formats=("svg",))["svg"].read_text(encoding="utf-8")
    drawn = set(re.findall(r"<text [^>]*>([^<]*)</text>", svg))
    plain = {label for label in labels if label and not set(label) & set("\n<>&'\"")}
    assert len(plain) > 10
    assert plain <= drawn
    assert "font-family: 'DejaVu Sans', 'Verdana', sans-serif" in svg
    assert '<use xlink:href="#DejaVuSans' not in svg
