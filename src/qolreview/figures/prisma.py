"""PRISMA 2020 flow diagram (Page et al. 2021, BMJ 372:n71; template for new reviews with searches of
databases, registers and other sources) and export to the CSV template of the PRISMA2020 R package
(Haddaway et al. 2022, Campbell Syst Rev 18:e1230) so the diagram can be redrawn in R.

Counts come only from the ``prisma`` table (box, n, detail). A box whose count is missing reads
"n = not reported"; the diagram never derives a count the table does not contain.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from qolreview.figures import layout, style
from qolreview.figures.captions import Captioned
from qolreview.formatting import MISSING, is_missing, whole_count
from qolreview.parquet_io import write_csv
from qolreview.tables import PrismaCounts
from qolreview.workbook.spec import PRISMA_BOXES

OTHER_BOXES = (
    "website_results",
    "organisation_results",
    "citations_results",
    "other_sought_reports",
    "other_notretrieved_reports",
    "other_assessed",
    "other_excluded",
)

# (data, node, box, description, boxtext) rows of the PRISMA2020 package's CSV template, in its order.
TEMPLATE: tuple[tuple[str, str, str, str, str], ...] = (
    ("NA", "node4", "prevstud", "Grey title box; Previous studies", "Previous studies"),
    (
        "previous_studies",
        "node5",
        "box1",
        "Studies included in previous version of review",
        "Studies included in previous version of review",
    ),
    (
        "previous_reports",
        "NA",
        "box1",
        "Reports of studies included in previous version of review",
        "Reports of studies included in previous version of review",
    ),
    (
        "NA",
        "node6",
        "newstud",
        "Yellow title box; Identification of new studies via databases and registers",
        "Identification of new studies via databases and registers",
    ),
    ("database_results", "node7", "box2", "Records identified from: Databases", "Databases"),
    ("database_specific_results", "NA", "box2", "Records identified from: specific databases", "Specific Databases"),
    ("register_results", "NA", "box2", "Records identified from: Registers", "Registers"),
    ("register_specific_results", "NA", "box2", "Records identified from: specific registers", "Specific Registers"),
    (
        "NA",
        "node16",
        "othstud",
        "Grey title box; Identification of new studies via other methods",
        "Identification of new studies via other methods",
    ),
    ("website_results", "node17", "box11", "Records identified from: Websites", "Websites"),
    ("organisation_results", "NA", "box11", "Records identified from: Organisations", "Organisations"),
    ("citations_results", "NA", "box11", "Records identified from: Citation searching", "Citation searching"),
    ("duplicates", "node8", "box3", "Duplicate records", "Duplicate records"),
    (
        "excluded_automatic",
        "NA",
        "box3",
        "Records marked as ineligible by automation tools",
        "Records marked as ineligible by automation tools",
    ),
    ("excluded_other", "NA", "box3", "Records removed for other reasons", "Records removed for other reasons"),
    ("records_screened", "node9", "box4", "Records screened (databases and registers)", "Records screened"),
    ("records_excluded", "node10", "box5", "Records excluded (databases and registers)", "Records excluded"),
    (
        "dbr_sought_reports",
        "node11",
        "box6",
        "Reports sought for retrieval (databases and registers)",
        "Reports sought for retrieval",
    ),
    (
        "dbr_notretrieved_reports",
        "node12",
        "box7",
        "Reports not retrieved (databases and registers)",
        "Reports not retrieved",
    ),
    ("other_sought_reports", "node18", "box12", "Reports sought for retrieval (other)", "Reports sought for retrieval"),
    ("other_notretrieved_reports", "node19", "box13", "Reports not retrieved (other)", "Reports not retrieved"),
    (
        "dbr_assessed",
        "node13",
        "box8",
        "Reports assessed for eligibility (databases and registers)",
        "Reports assessed for eligibility",
    ),
    (
        "dbr_excluded",
        "node14",
        "box9",
        "Reports excluded (databases and registers): reasons as 'Reason, n; Reason, n'",
        "Reports excluded",
    ),
    (
        "other_assessed",
        "node20",
        "box14",
        "Reports assessed for eligibility (other)",
        "Reports assessed for eligibility",
    ),
    (
        "other_excluded",
        "node21",
        "box15",
        "Reports excluded (other): reasons as 'Reason, n; Reason, n'",
        "Reports excluded",
    ),
    ("new_studies", "node15", "box10", "New studies included in review", "New studies included in review"),
    ("new_reports", "NA", "box10", "Reports of new included studies", "Reports of new included studies"),
    ("total_studies", "node22", "box16", "Total studies included in review", "Total studies included in review"),
    ("total_reports", "NA", "box16", "Reports of total included studies", "Reports of total included studies"),
    ("NA", "node1", "identification", "Blue identification box", "Identification"),
    ("NA", "node2", "screening", "Blue screening box", "Screening"),
    ("NA", "node3", "included", "Blue included box", "Included"),
)
TITLES = (
    "Identification of new studies via databases and registers",
    "Identification of new studies via other methods",
)
PHASES = (("Identification", 0, 0), ("Screening", 1, 3), ("Included", 4, 4))
"""Phase labels of the left-hand column and the first and last box rows they span."""
LINESPACING = 1.2
INDENT = "    "
NBSP = "\u00a0"
BOX_PAD_IN = 0.06
"""Space between a box's outline and its text."""
BOX_GAP_IN = 0.16
"""Space between neighbouring boxes."""
DOWN_ARROWS = (
    ("identified", "records_screened"),
    ("records_screened", "dbr_sought_reports"),
    ("dbr_sought_reports", "dbr_assessed"),
    ("dbr_assessed", "included"),
)
"""Arrows down the databases-and-registers column, (from, to)."""
RIGHT_ARROWS = (
    ("identified", "removed"),
    ("records_screened", "records_excluded"),
    ("dbr_sought_reports", "dbr_notretrieved_reports"),
    ("dbr_assessed", "dbr_excluded"),
)
"""Arrows from the databases-and-registers column to the boxes of removed and excluded records."""
_Extent = tuple[float, float, float, float]
"""A box's left, top, width and height in inches."""


def _table(df: pd.DataFrame) -> dict[str, dict[str, object]]:
    unknown = sorted(set(df["box"]) - set(PRISMA_BOXES))
    if unknown:
        raise ValueError(f"PRISMA: unknown box keys {unknown}")
    return {r["box"]: r for r in df.to_dict("records")}


def parse_detail(detail: object) -> list[tuple[str, int | None]]:
    """Split "reason, n; reason, n" into (reason, n) pairs; an item without a count keeps n = None."""
    if is_missing(detail) or not str(detail).strip():
        return []
    items = []
    for part in str(detail).split(";"):
        match = re.fullmatch(r"\s*(.*?)\s*,\s*(\d+)\s*", part)
        if match:
            items.append((match.group(1), int(match.group(2))))
        elif part.strip():
            items.append((part.strip(), None))
    return items


def _wrap_line(line: str, max_in: float, size: float) -> list[str]:
    """Wrap one box line to the measured box width; reason lines and continuations are indented."""
    indent = INDENT if line.startswith(" ") else ""
    lead = layout.line_width_in(indent, size)
    room = max_in - lead - layout.line_width_in("  ", size)
    glued = re.sub(
        r"\(n = [^)]*\)",
        lambda m: (
            m.group(0).replace(" ", NBSP)  # keep a count on one line if it fits
            if layout.line_width_in(m.group(0), size) <= room
            else m.group(0)
        ),
        line.strip(),
    )
    return [indent + part.replace(NBSP, " ") for part in layout.wrap(glued, max_in - lead, size, indent="  ")]


def _n(rows: Mapping[str, Mapping[str, object]], box: str) -> str:
    return f"n = {_count(rows, box)}"


def _detail_lines(rows: Mapping[str, Mapping[str, object]], box: str) -> list[str]:
    return [
        f"{INDENT}{reason} (n = {n if n is not None else MISSING})"
        for reason, n in parse_detail(rows.get(box, {}).get("detail"))
    ]


def _with_reasons(head: str, reasons: list[str]) -> list[str]:
    """A count line followed by its reasons; the colon introduces reasons only when there are some."""
    return [f"{head}:", *reasons] if reasons else [head]


@dataclass
class _Box:
    key: str
    lines: list[str]
    col: int
    row: int


def _boxes(rows: Mapping[str, Mapping[str, object]], other: bool) -> list[_Box]:
    included = "total" if any(k in rows for k in ("total_studies", "total_reports")) else "new"
    boxes = [
        _Box(
            "identified",
            [
                "Records identified from:",
                f"Databases ({_n(rows, 'database_results')})",
                *_detail_lines(rows, "database_results"),
                f"Registers ({_n(rows, 'register_results')})",
                *_detail_lines(rows, "register_results"),
            ],
            0,
            0,
        ),
        _Box(
            "removed",
            [
                "Records removed before screening:",
                f"Duplicate records removed ({_n(rows, 'duplicates')})",
                f"Records marked as ineligible by automation tools ({_n(rows, 'excluded_automatic')})",
                f"Records removed for other reasons ({_n(rows, 'excluded_other')})",
            ],
            1,
            0,
        ),
        _Box("records_screened", [f"Records screened ({_n(rows, 'records_screened')})"], 0, 1),
        _Box(
            "records_excluded",
            [f"Records excluded ({_n(rows, 'records_excluded')})", *_detail_lines(rows, "records_excluded")],
            1,
            1,
        ),
        _Box("dbr_sought_reports", [f"Reports sought for retrieval ({_n(rows, 'dbr_sought_reports')})"], 0, 2),
        _Box(
            "dbr_notretrieved_reports",
            [
                f"Reports not retrieved ({_n(rows, 'dbr_notretrieved_reports')})",
                *_detail_lines(rows, "dbr_notretrieved_reports"),
            ],
            1,
            2,
        ),
        _Box("dbr_assessed", [f"Reports assessed for eligibility ({_n(rows, 'dbr_assessed')})"], 0, 3),
        _Box(
            "dbr_excluded",
            _with_reasons(f"Reports excluded ({_n(rows, 'dbr_excluded')})", _detail_lines(rows, "dbr_excluded")),
            1,
            3,
        ),
        _Box(
            "included",
            [
                f"Studies included in review ({_n(rows, f'{included}_studies')})",
                f"Reports of included studies ({_n(rows, f'{included}_reports')})",
            ],
            0,
            4,
        ),
    ]
    if other:
        boxes += [
            _Box(
                "other_identified",
                [
                    "Records identified from:",
                    f"Websites ({_n(rows, 'website_results')})",
                    f"Organisations ({_n(rows, 'organisation_results')})",
                    f"Citation searching ({_n(rows, 'citations_results')})",
                ],
                2,
                0,
            ),
            _Box("other_sought_reports", [f"Reports sought for retrieval ({_n(rows, 'other_sought_reports')})"], 2, 2),
            _Box(
                "other_notretrieved_reports",
                [
                    f"Reports not retrieved ({_n(rows, 'other_notretrieved_reports')})",
                    *_detail_lines(rows, "other_notretrieved_reports"),
                ],
                3,
                2,
            ),
            _Box("other_assessed", [f"Reports assessed for eligibility ({_n(rows, 'other_assessed')})"], 2, 3),
            _Box(
                "other_excluded",
                _with_reasons(
                    f"Reports excluded ({_n(rows, 'other_excluded')})", _detail_lines(rows, "other_excluded")
                ),
                3,
                3,
            ),
        ]
    return boxes


@dataclass(frozen=True)
class _Grid:
    """Widths of the diagram in inches: fonts, figure, phase column and box columns, and the line height."""

    font: style.Fonts
    fig_w: float
    n_cols: int
    phase_w: float
    box_w: float
    line_in: float

    @classmethod
    def of(cls, width: style.Width, other: bool) -> _Grid:
        """The grid of a width preset: two box columns, four when there are boxes for other methods."""
        font = style.fonts(width)
        fig_w = style.width_in(width)
        line_in = layout.height_in(1, font.small, LINESPACING)
        phase_w = layout.height_in(1, font.small) + 2 * BOX_PAD_IN
        n_cols = 4 if other else 2
        box_w = (fig_w - 2 * style.MARGIN_IN - phase_w - BOX_GAP_IN * n_cols) / n_cols
        return cls(font, fig_w, n_cols, phase_w, box_w, line_in)

    @property
    def title_w(self) -> float:
        """Width of a title box, which spans two box columns."""
        return 2 * self.box_w + BOX_GAP_IN

    @property
    def col_x(self) -> list[float]:
        """Left edge of each box column."""
        x0 = style.MARGIN_IN + self.phase_w + BOX_GAP_IN
        return [x0 + c * (self.box_w + BOX_GAP_IN) for c in range(self.n_cols)]

    def title_lines(self, text: str) -> list[str]:
        """A title wrapped to the inside of its box."""
        return layout.wrap(text, self.title_w - 2 * BOX_PAD_IN, self.font.small, bold=True)


@dataclass(frozen=True)
class _Heights:
    """Heights in inches: the title boxes, each row of boxes, the top of each row and the figure."""

    title_h: float
    row_h: list[float]
    tops: list[float]

    @classmethod
    def of(cls, boxes: list[_Box], grid: _Grid, other: bool) -> _Heights:
        """Each row as tall as its tallest box, raised so each phase box fits its rotated label."""
        heights = [max(len(b.lines) * grid.line_in + 2 * BOX_PAD_IN for b in boxes if b.row == r) for r in range(5)]
        for name, first, last in PHASES:  # a phase box is at least as tall as its rotated label
            span = sum(heights[first : last + 1]) + BOX_GAP_IN * (last - first)
            heights[last] += max(0.0, layout.line_width_in(name, grid.font.small, True) + 2 * BOX_PAD_IN - span)
        title_lines = grid.title_lines(TITLES[0])
        if other:
            title_lines = max(title_lines, grid.title_lines(TITLES[1]), key=len)
        title_h = max(2, len(title_lines)) * grid.line_in + 2 * BOX_PAD_IN
        tops = [style.MARGIN_IN + title_h + BOX_GAP_IN]
        for h in heights:
            tops.append(tops[-1] + h + BOX_GAP_IN)
        return cls(title_h, heights, tops)

    @property
    def fig_h(self) -> float:
        """Figure height: the rows and a margin below the last one."""
        return self.tops[-1] + style.MARGIN_IN


def prisma_flow(df: pd.DataFrame, *, width: style.Width = "double") -> Captioned:
    """Draw the PRISMA 2020 flow diagram from the ``prisma`` table (box, n, detail)."""
    rows = _table(df)
    other = any(k in rows for k in OTHER_BOXES)
    grid = _Grid.of(width, other)
    boxes = _wrap_boxes(_boxes(rows, other), grid)
    heights = _Heights.of(boxes, grid, other)

    with style.context():
        fig, ax = style.inch_canvas(grid.fig_w, heights.fig_h)
        _draw_titles(ax, grid, heights, other)
        _draw_phases(ax, grid, heights)
        geometry = _draw_boxes(ax, grid, heights, boxes)
        _draw_arrows(ax, geometry, other)
    return Captioned(fig, _caption(rows), _alt(rows, other))


def _wrap_boxes(boxes: list[_Box], grid: _Grid) -> list[_Box]:
    """The boxes with their lines wrapped to the inside of a box."""
    for box in boxes:
        box.lines = [w for line in box.lines for w in _wrap_line(line, grid.box_w - 2 * BOX_PAD_IN, grid.font.small)]
    return boxes


def _rect(ax: Axes, x: float, y: float, w: float, h: float, fill: str, gid: str) -> None:
    """A filled box with a thin outline."""
    ax.add_patch(Rectangle((x, y), w, h, facecolor=fill, edgecolor=style.INK, linewidth=0.6, gid=gid))


def _centred(ax: Axes, x: float, y: float, w: float, h: float, text: str, size: float, rotate: bool = False) -> None:
    """Bold title text centred in a box (turned 90 degrees for the phase labels)."""
    ax.text(
        x + w / 2,
        y + h / 2,
        text,
        ha="center",
        va="center",
        fontsize=size,
        fontweight="bold",
        rotation=90 if rotate else 0,
        gid="prisma-title",
    )


def _draw_titles(ax: Axes, grid: _Grid, heights: _Heights, other: bool) -> None:
    """The coloured title boxes over the databases-and-registers columns and the other-methods columns."""
    titles = [(TITLES[0], 0, style.PRISMA_FILL["title_main"])]
    if other:
        titles.append((TITLES[1], 2, style.PRISMA_FILL["title_other"]))
    col_x = grid.col_x
    for text, col, fill in titles:
        _rect(ax, col_x[col], style.MARGIN_IN, grid.title_w, heights.title_h, fill, "prisma-title-box")
        lines = "\n".join(grid.title_lines(text))
        _centred(ax, col_x[col], style.MARGIN_IN, grid.title_w, heights.title_h, lines, grid.font.small)


def _draw_phases(ax: Axes, grid: _Grid, heights: _Heights) -> None:
    """The phase boxes of the left-hand column, each over its rows, with their rotated labels."""
    tops = heights.tops
    for name, first, last in PHASES:
        y, h = tops[first], tops[last] + heights.row_h[last] - tops[first]
        _rect(ax, style.MARGIN_IN, y, grid.phase_w, h, style.PRISMA_FILL["phase"], "prisma-phase")
        _centred(ax, style.MARGIN_IN, y, grid.phase_w, h, name, grid.font.small, rotate=True)


def _draw_boxes(ax: Axes, grid: _Grid, heights: _Heights, boxes: list[_Box]) -> dict[str, _Extent]:
    """Every count box with its text; returns each box's extent for the arrows."""
    geometry = {}
    col_x = grid.col_x
    for box in boxes:
        x, y, h = col_x[box.col], heights.tops[box.row], len(box.lines) * grid.line_in + 2 * BOX_PAD_IN
        if box.col in (0, 2):  # the main boxes fill their row, so the arrows down line up
            h = heights.row_h[box.row] if box.row != 0 else h
        geometry[box.key] = (x, y, grid.box_w, h)
        _rect(ax, x, y, grid.box_w, h, style.PRISMA_FILL["box"], f"prisma-box-{box.key}")
        ax.text(
            x + BOX_PAD_IN,
            y + BOX_PAD_IN,
            "\n".join(box.lines),
            ha="left",
            va="top",
            fontsize=grid.font.small,
            linespacing=LINESPACING,
            gid=f"prisma-text-{box.key}",
        )
    return geometry


def _arrow(ax: Axes, a: tuple[float, float], b: tuple[float, float]) -> None:
    """A straight arrow from point ``a`` to point ``b``."""
    ax.annotate(
        "",
        xy=b,
        xytext=a,
        arrowprops={
            "arrowstyle": "-|>",
            "color": style.INK,
            "lw": 0.6,
            "shrinkA": 0,
            "shrinkB": 0,
            "mutation_scale": 6,
        },
    )


def _down(ax: Axes, geometry: Mapping[str, _Extent], a: str, b: str) -> None:
    """An arrow from the bottom centre of box ``a`` down to the top of box ``b``."""
    xa, ya, wa, ha = geometry[a]
    _arrow(ax, (xa + wa / 2, ya + ha), (xa + wa / 2, geometry[b][1]))


def _right(ax: Axes, geometry: Mapping[str, _Extent], a: str, b: str) -> None:
    """An arrow from the middle of box ``a``'s right side across to box ``b``."""
    xa, ya, wa, ha = geometry[a]
    _arrow(ax, (xa + wa, ya + ha / 2), (geometry[b][0], ya + ha / 2))


def _draw_arrows(ax: Axes, geometry: Mapping[str, _Extent], other: bool) -> None:
    """The arrows: down each column, right to the exclusions, and from other methods into the included box."""
    for a, b in DOWN_ARROWS:
        _down(ax, geometry, a, b)
    for a, b in RIGHT_ARROWS:
        _right(ax, geometry, a, b)
    if other:
        _down(ax, geometry, "other_identified", "other_sought_reports")
        _down(ax, geometry, "other_sought_reports", "other_assessed")
        _right(ax, geometry, "other_sought_reports", "other_notretrieved_reports")
        _right(ax, geometry, "other_assessed", "other_excluded")
        xo, yo, wo, ho = geometry["other_assessed"]
        xi, yi, wi, hi = geometry["included"]
        ax.plot([xo + wo / 2, xo + wo / 2], [yo + ho, yi + hi / 2], color=style.INK, linewidth=0.6)
        _arrow(ax, (xo + wo / 2, yi + hi / 2), (xi + wi, yi + hi / 2))


def _count(rows: Mapping[str, Mapping[str, object]], box: str, missing: str = MISSING) -> str:
    return whole_count(rows.get(box, {}).get("n"), missing)


def _caption(rows: Mapping[str, Mapping[str, object]]) -> str:
    included = "total_studies" if "total_studies" in rows else "new_studies"
    return (
        "PRISMA 2020 flow diagram. Records from databases: "
        + _count(rows, "database_results")
        + "; from registers: "
        + _count(rows, "register_results")
        + "; records screened: "
        + _count(rows, "records_screened")
        + "; reports assessed for eligibility: "
        + _count(rows, "dbr_assessed")
        + "; studies included: "
        + _count(rows, included)
        + "."
    )


def _alt(rows: Mapping[str, Mapping[str, object]], other: bool) -> str:
    reasons = parse_detail(rows.get("dbr_excluded", {}).get("detail"))
    text = (
        "Flow diagram from identification through screening to inclusion"
        + (", with a second column for records found by other methods" if other else "")
        + ". "
        + _caption(rows).removeprefix("PRISMA 2020 flow diagram. ")
    )
    if reasons:
        text += " Reports excluded: " + "; ".join(f"{r} ({n if n is not None else MISSING})" for r, n in reasons) + "."
    return text


def write_prisma_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write the counts in the PRISMA2020 package's CSV template layout (columns data, node, box,
    description, boxtext, tooltips, url, n). Missing counts are written as NA; database/register
    breakdowns and exclusion reasons go in the ``*_specific_results`` and ``*_excluded`` rows as text."""
    rows = _table(df)

    def n_value(data: str) -> str:
        if data.endswith("_specific_results"):
            detail = rows.get(data.replace("_specific", ""), {}).get("detail")
            return "NA" if is_missing(detail) or not str(detail).strip() else str(detail)
        if data in ("dbr_excluded", "other_excluded"):
            detail = rows.get(data, {}).get("detail")
            if not is_missing(detail) and parse_detail(detail):
                return str(detail)
        return "NA" if data == "NA" else _count(rows, data, "NA")

    out = pd.DataFrame(
        [
            (
                data,
                node,
                box,
                desc,
                text,
                desc if node != "NA" else "NA",
                f"{data if data != 'NA' else box}.html" if node != "NA" else "NA",
                n_value(data),
            )
            for data, node, box, desc, text in TEMPLATE
        ],
        columns=list(PrismaCounts.columns()),
    )
    write_csv(out, path, PrismaCounts)
    return Path(path)
