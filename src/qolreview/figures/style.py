"""The single style module of the figures: sizes, fonts, palettes, glyphs and labels.

Every colour, size and label used by a figure comes from here, except the names of domains and comparisons
(:mod:`qolreview.labels`, shared with the report). Widths follow common journal columns
(single 8.5 cm, double 17.5 cm). The risk-of-bias colours follow the Cochrane / robvis convention
(McGuinness & Higgins 2021, Res Synth Methods 12:55-61); the colour-blind-safe option uses the
ColorBrewer YlOrBr sequential scheme (Harrower & Brewer 2003) for ordered judgements and the
Okabe-Ito palette (Okabe & Ito 2008) for categories.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from qolreview.formatting import NR_LABEL  # noqa: F401  (the figures' label of a count not reported)
from qolreview.synthesis.risk_of_bias import NOT_ASSESSED

Width = Literal["single", "double"]
Palette = Literal["cochrane", "colourblind"]

CM_PER_INCH = 2.54
WIDTH_CM: dict[str, float] = {"single": 8.5, "double": 17.5}

FONT = "DejaVu Sans"
"""The figures' font (shipped with matplotlib): every layout measurement uses its metrics."""
SVG_FONT_FALLBACK = "Verdana"
"""Named after :data:`FONT` in the SVG files' ``font-family``, for viewers without DejaVu Sans: Bitstream Vera, from
which DejaVu Sans derives, was drawn to Verdana's proportions, so measured layouts still fit."""

RC: dict[str, object] = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT, SVG_FONT_FALLBACK],
    "text.parse_math": False,
    "text.usetex": False,
    "svg.hashsalt": "qolreview",
    "svg.fonttype": "none",
    "axes.unicode_minus": False,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "lines.linewidth": 0.8,
    "path.simplify": False,
    "figure.dpi": 100,
}
"""rcParams applied while a figure is built and saved: a fixed font and SVG hash salt (deterministic files); SVG
text kept as ``<text>`` elements (``svg.fonttype`` "none": a third of the size of text drawn as paths and faster
to write, and the words stay text, searchable in a browser and editable in a vector editor), whose ``font-family``
reads "'DejaVu Sans', 'Verdana', sans-serif" (matplotlib's SVG backend expands the generic family into
``font.sans-serif``); and every text drawn literally, never as mathtext or TeX (``text.parse_math``,
``text.usetex``; matplotlib's "Text rendering with LaTeX" and mathtext guides), because labels, instruments and
moderators come from the workbook (a label ``$\\foo$`` would otherwise fail to draw). Symbols such as τ² are
written as Unicode text."""

DPI = 300


@dataclass(frozen=True)
class Fonts:
    """Font sizes in points."""

    base: float
    small: float
    title: float


FONTS: dict[str, Fonts] = {"single": Fonts(6.0, 5.0, 7.0), "double": Fonts(7.0, 6.0, 8.0)}

LINE_HEIGHT = 1.45
"""Row pitch of a one-line table row, in multiples of the base font size."""

CHAR_WIDTH_EM = 0.6
"""Conservative mean DejaVu Sans character width in em, used to wrap text to a column width."""

MARGIN_IN = 0.08
AXIS_BAND_IN = 0.78
"""Space under a forest plot for the x axis, its tick labels, the scale label and the favours labels."""

# Forest plot: column widths as fractions of the figure width (label, n, plot, effect text, weight, rob).
FOREST_COLUMNS: dict[str, dict[str, float]] = {
    "single": {"label": 0.25, "n": 0.06, "plot": 0.21, "effect": 0.28, "weight": 0.13, "rob": 0.07},
    "double": {"label": 0.27, "n": 0.06, "plot": 0.38, "effect": 0.17, "weight": 0.07, "rob": 0.05},
}
SQUARE_AREA_PT2 = (6.0, 64.0)
"""Smallest and largest study square area (pt^2); area is proportional to the weight (metafor forest())."""
UNWEIGHTED_SQUARE_PT2 = 16.0
DIAMOND_HALF_HEIGHT = 0.32
"""Half height of a pooled diamond in row units."""
CLIP_ARROW_SIZE = 4.0
ROB_DOT_PT2 = 42.0

INK = "#000000"
MUTED = "#595959"
ZERO_LINE = "#7F7F7F"
SUBTLE_FILL = "#F2F2F2"
POOLED_FILL = "#000000"
SUBGROUP_FILL = "#7F7F7F"

# Risk of bias ----------------------------------------------------------------------------------------

ROB_ORDER = (
    "Low",
    "Moderate",
    "Serious",
    "Critical",
    "No information",
    "Not assessed",
)
"""Canonical order of ROBINS-I judgements (Sterne et al. 2016), then "Not assessed"."""
NOS_ORDER = ("Good", "Fair", "Poor", "Not assessed")
"""Newcastle-Ottawa overall ratings (AHRQ conversion), then "Not assessed"."""
ROB2_ORDER = ("Low", "Some concerns", "High", "No information", "Not assessed")

_ROB_EQUIVALENT = {
    "Good": "Low",
    "Fair": "Moderate",
    "Poor": "Serious",
    "Some concerns": "Moderate",
    "High": "Serious",
}

ROB_PALETTES: dict[str, dict[str, str]] = {
    "cochrane": {
        "Low": "#02C100",
        "Moderate": "#E2DF07",
        "Serious": "#BF0000",
        "Critical": "#820000",
        "No information": "#4EA1F7",
        "Not assessed": "#BDBDBD",
    },
    "colourblind": {
        "Low": "#FED98E",
        "Moderate": "#FE9929",
        "Serious": "#D95F0E",
        "Critical": "#993404",
        "No information": "#9ECAE1",
        "Not assessed": "#BDBDBD",
    },
}
ROB_SYMBOLS = {
    "Low": "+",
    "Moderate": "\u2212",
    "Serious": "\u00d7",
    "Critical": "!",
    "No information": "?",
    "Not assessed": "",
}
ROB_DOMAIN_NAMES: dict[str, dict[str, str]] = {
    "ROBINS-I": {
        "D1": "Bias due to confounding",
        "D2": "Bias in selection of participants",
        "D3": "Bias in classification of interventions",
        "D4": "Bias due to deviations from intended interventions",
        "D5": "Bias due to missing data",
        "D6": "Bias in measurement of outcomes",
        "D7": "Bias in selection of the reported result",
        "overall": "Overall risk of bias",
    },
    "RoB2": {
        "D1": "Bias arising from the randomisation process",
        "D2": "Bias due to deviations from intended interventions",
        "D3": "Bias due to missing outcome data",
        "D4": "Bias in measurement of the outcome",
        "D5": "Bias in selection of the reported result",
        "overall": "Overall risk of bias",
    },
    "NOS": {
        "selection": "Selection",
        "comparability": "Comparability",
        "outcome": "Outcome / exposure",
        "overall": "Overall quality (AHRQ standards)",
    },
}
"""Domain names of ROBINS-I (Sterne et al. 2016), RoB 2 (Sterne et al. 2019) and the Newcastle-Ottawa Scale."""
STAR_PALETTE = ("#F7F7F7", "#D9D9D9", "#BDBDBD", "#969696", "#737373")
"""Newcastle-Ottawa section stars 0-4: light to dark grey (stars are counts, not judgements)."""


def rob_colour(judgement: str, palette: Palette) -> str:
    """Colour of a risk-of-bias judgement; NOS and RoB 2 ratings map onto the ROBINS-I scale."""
    key = _ROB_EQUIVALENT.get(judgement, judgement)
    return ROB_PALETTES[palette].get(key, ROB_PALETTES[palette][NOT_ASSESSED])


def rob_symbol(judgement: str) -> str:
    """Symbol printed inside a traffic-light circle."""
    return ROB_SYMBOLS.get(_ROB_EQUIVALENT.get(judgement, judgement), "")


def edp_colour(judgement: str, palette: Palette) -> str:
    """Colour of an effect-direction arrow: its risk-of-bias colour, black (full contrast) when not assessed."""
    return INK if judgement == NOT_ASSESSED else rob_colour(judgement, palette)


def rob_text_colour(judgement: str, palette: Palette) -> str:
    """Black or white, whichever reads better on the judgement's colour."""
    r, g, b = mpl.colors.to_rgb(rob_colour(judgement, palette))
    return INK if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "#FFFFFF"


# Categories (studies in line plots, evidence-map statuses) ------------------------------------------

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
LINESTYLES = ("-", "--", ":", "-.")
TRAJECTORY_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
TRAJECTORY_MARKER_SIZE = 3.5

EVIDENCE_STATUS_ORDER = ("effect_size", "direction_only", "not_convertible")
EVIDENCE_GLYPHS = {
    "effect_size": {"marker": "o", "colour": "#0072B2", "filled": True, "label": "Effect size computed"},
    "direction_only": {"marker": "D", "colour": "#E69F00", "filled": False, "label": "Direction only"},
    "not_convertible": {"marker": "x", "colour": "#595959", "filled": False, "label": "Reported, not convertible"},
}
EVIDENCE_MARKER_PT2 = 30.0

# Effect-direction plot (Thomson & Thomas 2013, Res Synth Methods 4:95-101) ---------------------------

EDP_GLYPHS = {
    "improved": "\u25b2",
    "worsened": "\u25bc",
    "no_clear_difference": "\u25c4\u25ba",
    "mixed": "\u25c1\u25b7",
}
"""Up: positive health impact; down: negative; sideways: no change or conflicting findings (Thomson &
Thomas 2013). Filled sideways arrows mark no clear difference, open ones mixed or conflicting results."""
EDP_LARGE_ABOVE = 300
EDP_MEDIUM_FROM = 50
"""Sample-size bins of the EDP: large > 300, medium 50-300, small < 50 (Thomson & Thomas 2013)."""
EDP_GLYPH_SCALE = {"large": 1.6, "medium": 1.2, "small": 0.85, "unknown": 0.85}
EDP_BASIS_MARKS = {"ci": "", "point_estimate_only": "*", "reported": "\u2020"}
EDP_BASIS_LABELS = {
    "point_estimate_only": "no confidence interval (no CI layer)",
    "reported": "direction as reported by the authors",
}
EDP_CI_BOX = {"boxstyle": "square,pad=0.12", "facecolor": "none", "edgecolor": INK, "linewidth": 0.5}
"""The box around an arrow whose confidence intervals exclude no effect: the CI-based layer, drawn apart from
the arrows' direction (point estimates), which alone the vote counts use (Boon & Thomson 2021)."""
EDP_CI_LABEL = "boxed: the 95% CIs of at least 70% of the results exclude no effect (CI layer; not used for counts)"
EDP_NOT_ASSESSED_LABEL = "Risk of bias not assessed"
"""Legend entry of studies without a risk-of-bias judgement, whose arrows are drawn in full-contrast black."""
EDP_DIRECTION_LABELS = {
    "improved": "Improved (positive health impact)",
    "worsened": "Worsened (negative health impact)",
    "no_clear_difference": "No clear difference (no change)",
    "mixed": "Mixed or conflicting findings",
}

# PRISMA 2020 ----------------------------------------------------------------------------------------

PRISMA_FILL = {"box": "#FFFFFF", "phase": "#9DC3E6", "title_main": "#FFD966", "title_other": "#D9D9D9"}

# Shared labels --------------------------------------------------------------------------------------

FAVOURS = ("Favours control", "Favours intervention")
"""Labels under a between-arm forest plot; the rule names the review's intervention (``review.intervention_label``)."""
FAVOURS_WITHIN_ARM = ("Worse than baseline", "Better than baseline")
"""Sides of a within-arm (pre-post) forest plot: there is no control arm to favour."""
NOT_POOLED_LABEL = "Not pooled (too few studies)"
POOLED_LABEL = "Random-effects model"
PI_LABEL = "95% prediction interval"
TEST_LABELS = {"knha": "Knapp-Hartung", "z": "z test", "t": "t test", "cr2": "CR2 robust t test"}
MODEL_LABELS = {"cr2": "CHE model"}
"""The pooling model by the analysis' ``test`` (``cr2``: correlated and hierarchical effects); any other test
is the random-effects model (``POOLED_LABEL``)."""
MEASURE_SCALES = {
    "SMD": "standardised mean difference",
    "SMCR": "standardised mean change",
    "SMCC": "standardised mean change",
    "MD": "mean difference",
    "MC": "mean change",
    "RR": "log risk ratio",
    "OR": "log odds ratio",
    "HR": "log hazard ratio",
    "RD": "risk difference",
    "GEN": "reported effect",
}
"""Scale of the harmonized effects by measure: ratios are analysed and plotted on the log scale
(Cochrane Handbook 6.4.1; metafor ``escalc`` measures "RR" and "OR" are log ratios)."""
MEASURE_COLUMN_LABELS = {"RR": "log RR", "OR": "log OR", "HR": "log HR"}
"""Header of the forest plot's estimate column when it differs from the measure code (ratios on the log scale)."""
RATIO_NAMES = {"RR": "risk ratio", "OR": "odds ratio", "HR": "hazard ratio"}
"""Ratio measures drawn back-transformed, on a log axis, when their event is known (``direction_flipped``)."""
RATIO_EVENT_WORDS = {
    -1: "of an adverse event (fewer is better)",
    1: "of a favourable event (more is better)",
    0: "oriented so that values above 1 are better",
}
"""What a back-transformed ratio counts, by the sign that took it back to its event (0: adverse and favourable
events drawn together, the adverse ones inverted)."""
INVERTED_MARK = "\u2020"
"""Mark of a forest plot row whose ratio is inverted (comparator over intervention) to be drawn beside favourable
events."""
RATIO_TICK_FAMILIES = (((1.0, 2.0, 5.0), 1), ((1.0,), 1), ((1.0,), 2), ((1.0,), 3), ((1.0,), 6), ((1.0,), 9))
"""Tick values of a log ratio axis, densest first: (mantissas, every n-th decade); the densest whose labels fit."""
VALUE_KIND_LABELS = {
    "SMD": "Standardised mean difference",
    "SMCR": "Standardised mean change",
    "SMCC": "Standardised mean change",
    "MD": "Mean difference",
    "MC": "Mean change",
    "RR": "Log risk ratio (positive = fewer with problems)",
    "OR": "Log odds ratio (positive = fewer with problems)",
    "HR": "Log hazard ratio (positive = better)",
    "RD": "Risk difference",
    "GEN": "Reported effect",
    "pct_change": "Change from baseline (%)",
}
"""Y-axis labels of the QoL-over-time panels. Harmonized effects are signed so that positive = better
quality of life; for the binary QoL outcomes (EQ-5D "any problem") that is fewer people with problems."""


def fonts(width: Width) -> Fonts:
    """Font sizes for a width preset."""
    return FONTS[width]


def width_in(width: Width) -> float:
    """Figure width in inches for a width preset."""
    return WIDTH_CM[width] / CM_PER_INCH


def row_in(width: Width) -> float:
    """Height of one text line of a table-like figure, in inches."""
    return FONTS[width].base * LINE_HEIGHT / 72.0


def chars_fitting(width_inches: float, font_pt: float) -> int:
    """How many characters fit on one line of the given width (for ``textwrap``)."""
    return max(8, int(width_inches * 72.0 / (font_pt * CHAR_WIDTH_EM)))


@contextlib.contextmanager
def context() -> Iterator[None]:
    """Apply the figure rcParams for the duration of the block."""
    with mpl.rc_context(RC):
        yield


def new_figure(width_inches: float, height_inches: float) -> Figure:
    """A Figure with an Agg canvas and no pyplot state (so nothing leaks between figures)."""
    fig = Figure(figsize=(width_inches, height_inches))
    FigureCanvasAgg(fig)
    return fig


def inch_canvas(width_inches: float, height_inches: float) -> tuple[Figure, Axes]:
    """A figure with one invisible axes covering it, in inches from the top-left corner (y grows down)."""
    fig = new_figure(width_inches, height_inches)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(0, width_inches)
    ax.set_ylim(height_inches, 0)
    return fig, ax
