"""Risk of bias: tidy judgements per study, tool and domain; Newcastle-Ottawa ratings; robvis tables.

Tools and judgement scales:

- ROBINS-I (Sterne et al. 2016, BMJ 355:i4919): domains D1-D7 and overall, judged Low / Moderate /
  Serious / Critical / No information.
- RoB 2 (Sterne et al. 2019, BMJ 366:l4898): domains D1-D5 and overall, judged Low / Some concerns / High.
- Newcastle-Ottawa Scale (Wells et al.): stars per section (selection 0-4, comparability 0-2, outcome
  0-3), converted to Good / Fair / Poor with the AHRQ standards (thresholds from the configuration).

A study of ``studies`` without any judgement appears with the judgement "Not assessed", never as low risk.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from qolreview.provenance import join_cells, merge_cells
from qolreview.tables import RiskOfBias

NOT_ASSESSED = "Not assessed"
ROBVIS_MISSING = "No information"
"""robvis has no "not assessed" level; its "No information" level stands in for it in the robvis tables."""

TOOL_DOMAINS: dict[str, tuple[str, ...]] = {
    "ROBINS-I": ("D1", "D2", "D3", "D4", "D5", "D6", "D7"),
    "RoB2": ("D1", "D2", "D3", "D4", "D5"),
    "NOS": ("selection", "comparability", "outcome"),
}
TOOL_JUDGEMENTS: dict[str, tuple[str, ...]] = {
    "ROBINS-I": ("Low", "Moderate", "Serious", "Critical", "No information"),
    "RoB2": ("Low", "Some concerns", "High"),
    "NOS": ("Good", "Fair", "Poor"),
}
NOS_MAX_STARS: dict[str, int] = {"selection": 4, "comparability": 2, "outcome": 3}
OVERALL = "overall"


def robvis_file_stem(tool: str) -> str:
    """File-name form of a tool name: ``ROBINS-I`` -> ``robins_i``, ``NOS`` -> ``nos``."""
    return tool.lower().replace("-", "_")


def nos_rating(selection: int, comparability: int, outcome: int, thresholds: Mapping[str, Mapping[str, int]]) -> str:
    """Convert Newcastle-Ottawa stars to Good / Fair / Poor (AHRQ standards).

    Good: every section at or above ``thresholds["good"]``; Fair: every section at or above
    ``thresholds["fair"]``; Poor otherwise. With the default thresholds this is the AHRQ rule: Good =
    3-4 selection and 1-2 comparability and 2-3 outcome stars; Fair = 2 selection and 1-2 comparability
    and 2-3 outcome; Poor = 0-1 selection or 0 comparability or 0-1 outcome (McPheeters et al. 2012,
    AHRQ Technical Review 23, appendix on quality assessment).
    """
    stars = {"selection": selection, "comparability": comparability, "outcome": outcome}
    for section, value in stars.items():
        if not 0 <= value <= NOS_MAX_STARS[section]:
            raise ValueError(f"NOS {section}: {value} stars is outside 0-{NOS_MAX_STARS[section]}")
    for rating in ("good", "fair"):
        if all(stars[s] >= thresholds[rating][s] for s in stars):
            return rating.capitalize()
    return "Poor"


def _normalise_domain(tool: str, domain: str) -> str:
    text = str(domain).strip()
    if text.lower() == OVERALL:
        return OVERALL
    allowed = TOOL_DOMAINS[tool]
    for name in allowed:
        if text.lower() == name.lower():
            return name
    raise ValueError(f"{tool}: unknown domain {domain!r} (expected one of {', '.join(allowed)} or overall)")


def _normalise_judgement(tool: str, judgement: str) -> str:
    text = str(judgement).strip()
    for name in TOOL_JUDGEMENTS[tool]:
        if text.lower() == name.lower():
            return name
    raise ValueError(f"{tool}: unknown judgement {judgement!r}")


def _nos_stars(value: object, section: str) -> int:
    text = str(value).strip().split()[0]
    try:
        stars = float(text)
    except ValueError as err:
        raise ValueError(f"NOS {section}: judgement {value!r} is not a number of stars") from err
    if not stars.is_integer():
        raise ValueError(f"NOS {section}: {value!r} is not a whole number of stars")
    return int(stars)


def _labels(studies: pd.DataFrame) -> pd.Series:
    label = studies["label"] if "label" in studies.columns else pd.Series(pd.NA, index=studies.index)
    return label.fillna(studies["study_id"]).set_axis(studies["study_id"])


def tidy_risk_of_bias(
    rob: pd.DataFrame, studies: pd.DataFrame, nos_thresholds: Mapping[str, Mapping[str, int]]
) -> pd.DataFrame:
    """Long table of judgements: one row per study x tool x domain, plus an overall row per study and tool.

    NOS sections keep their stars (``stars``; ``judgement`` reads e.g. "3 stars") and gain a computed
    ``overall`` row (Good / Fair / Poor, ``stars`` = total); with a section missing the overall rating is
    "Not assessed". A study without any row in ``rob`` gets one ``overall`` row "Not assessed" under the
    tool named in ``studies.rob_tool`` (or "none").
    """
    labels = _labels(studies)
    rows: list[dict[str, object]] = []
    for _, r in rob.iterrows():
        tool = str(r["tool"])
        if tool not in TOOL_DOMAINS:
            raise ValueError(f"unknown risk-of-bias tool {tool!r}")
        domain = _normalise_domain(tool, r["domain"])
        support = r.get("support")
        base = {
            "study_id": r["study_id"],
            "tool": tool,
            "domain": domain,
            "support": None if pd.isna(support) else str(support),
            "source_cells": join_cells(r.get(c) for c in ("cell_judgement", "cell_support")),
        }
        if tool == "NOS":
            if domain == OVERALL:
                raise ValueError(f"{r['study_id']}: the NOS overall rating is computed, not entered")
            stars = _nos_stars(r["judgement"], domain)
            rows.append({**base, "judgement": f"{stars} stars", "stars": stars})
        else:
            rows.append({**base, "judgement": _normalise_judgement(tool, r["judgement"]), "stars": None})
    tidy = pd.DataFrame(rows, columns=[c for c in RiskOfBias.columns() if c != "label"])
    if tidy.duplicated(["study_id", "tool", "domain"]).any():
        dupes = tidy.loc[tidy.duplicated(["study_id", "tool", "domain"], keep=False), ["study_id", "tool", "domain"]]
        raise ValueError(f"duplicate risk-of-bias judgements:\n{dupes.to_string(index=False)}")

    overall_rows: list[dict[str, object]] = []
    for study_id, nos in tidy[tidy["tool"] == "NOS"].groupby("study_id", sort=True):
        stars = dict(zip(nos["domain"], nos["stars"], strict=True))
        complete = all(s in stars for s in NOS_MAX_STARS)
        judgement = (
            nos_rating(int(stars["selection"]), int(stars["comparability"]), int(stars["outcome"]), nos_thresholds)
            if complete
            else NOT_ASSESSED
        )
        overall_rows.append(
            {
                "study_id": study_id,
                "tool": "NOS",
                "domain": OVERALL,
                "judgement": judgement,
                "stars": int(sum(stars.values())) if complete else None,
                "support": "AHRQ conversion of the Newcastle-Ottawa stars"
                if complete
                else "Newcastle-Ottawa section(s) missing: " + ", ".join(s for s in NOS_MAX_STARS if s not in stars),
                "source_cells": merge_cells(nos["source_cells"]),
            }
        )
    assessed = set(tidy["study_id"])
    for _, s in studies.sort_values("study_id").iterrows():
        if s["study_id"] in assessed:
            continue
        tool = s.get("rob_tool")
        overall_rows.append(
            {
                "study_id": s["study_id"],
                "tool": "none" if pd.isna(tool) else str(tool),
                "domain": OVERALL,
                "judgement": NOT_ASSESSED,
                "stars": None,
                "support": "no risk-of-bias judgement recorded",
                "source_cells": join_cells([s.get("cell_rob_tool")]),
            }
        )
    tidy = pd.concat([tidy, pd.DataFrame(overall_rows, columns=tidy.columns)], ignore_index=True)
    unknown = sorted(set(tidy["study_id"]) - set(labels.index))
    if unknown:
        raise ValueError(f"risk-of-bias judgements for studies not in `studies`: {', '.join(unknown)}")
    tidy["label"] = tidy["study_id"].map(labels)
    tidy["stars"] = tidy["stars"].astype("Int64")
    domain_order = {d: i for i, d in enumerate((*TOOL_DOMAINS["ROBINS-I"], *TOOL_DOMAINS["NOS"], OVERALL))}
    tidy = tidy.assign(_order=tidy["domain"].map(domain_order))
    tidy = tidy.sort_values(["study_id", "tool", "_order"], kind="stable").drop(columns="_order")
    return tidy[list(RiskOfBias.columns())].reset_index(drop=True)


def overall_by_study(tidy: pd.DataFrame) -> pd.Series:
    """Overall judgement per study (``study_id`` index); several tools are joined as "tool: judgement"."""
    overall = tidy[tidy["domain"] == OVERALL]
    counts = overall.groupby("study_id")["tool"].nunique()

    def one(group: pd.DataFrame) -> str:
        if counts[group.name] == 1:
            return str(group["judgement"].iloc[0])
        return "; ".join(f"{t}: {j}" for t, j in zip(group["tool"], group["judgement"], strict=True))

    return overall.groupby("study_id", sort=True)[["tool", "judgement"]].apply(one).rename("rob_overall")


def _robvis_value(judgements: pd.DataFrame, tool: str, domain: str) -> str:
    """One robvis cell: a study's judgement (NOS: stars) in ``domain``, "No information" when there is none."""
    if domain not in judgements.index:
        return ROBVIS_MISSING
    if tool == "NOS" and domain != OVERALL:
        return str(int(judgements.at[domain, "stars"]))
    judgement = str(judgements.at[domain, "judgement"])
    return ROBVIS_MISSING if judgement == NOT_ASSESSED else judgement


def robvis_table(tidy: pd.DataFrame, tool: str, studies: pd.DataFrame) -> pd.DataFrame:
    """robvis wide form for one tool: ``Study, D1..Dn, Overall, Weight`` (Weight = ``n_total`` or 1).

    Studies assessed with ``tool`` or naming it in ``studies.rob_tool`` appear; a missing judgement is
    written as "No information" (robvis has no "not assessed" level). NOS columns D1-D3 hold the stars
    of selection, comparability and outcome; Overall holds the AHRQ rating.
    """
    rows = tidy[tidy["tool"] == tool]
    named = studies.loc[studies["rob_tool"] == tool, "study_id"] if "rob_tool" in studies else pd.Series()
    study_ids = sorted(set(rows["study_id"]) | set(named))
    domains = TOOL_DOMAINS[tool]
    labels = _labels(studies)
    n_total = studies.set_index("study_id")["n_total"] if "n_total" in studies else pd.Series(dtype=float)
    own = dict(tuple(rows.groupby("study_id", sort=False)))  # once: a filter per study is quadratic
    out = []
    for study_id in study_ids:
        mine = own.get(study_id, rows.iloc[0:0]).set_index("domain")
        weight = n_total.get(study_id, pd.NA)
        out.append(
            {
                "Study": labels[study_id],
                **{f"D{i}": _robvis_value(mine, tool, d) for i, d in enumerate(domains, 1)},
                "Overall": _robvis_value(mine, tool, OVERALL),
                "Weight": 1 if pd.isna(weight) else int(weight),
            }
        )
    columns = ["Study", *(f"D{i}" for i in range(1, len(domains) + 1)), "Overall", "Weight"]
    return pd.DataFrame(out, columns=columns)
