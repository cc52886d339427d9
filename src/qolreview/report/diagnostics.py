"""The report's section on small-study effects, meta-regression, influence, cumulative meta-analysis and GOSH:
what each found where it ran, and one sentence why where it did not (PRISMA 2020 items 13f, 14, 20d, 21).
Study labels, analysis titles and configured names reach the Markdown through
:func:`qolreview.report.markup.escape_markdown`."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from qolreview.formatting import estimate_with_ci, plural, report_number, report_p_statement
from qolreview.labels import slug, study_labels
from qolreview.report.analyses import analysis_title, pooled_analyses
from qolreview.report.data import ReportData
from qolreview.report.figure_files import Figures
from qolreview.report.markup import escape_markdown, markdown_table
from qolreview.report.wording import join_words, lower_first


def not_run_reason(meta: pd.DataFrame, min_studies: int, what: str, handbook: str = "") -> str:
    """Why a method ran on no analysis (``what`` reads e.g. "Meta-regression was not run"): nothing was pooled,
    or the largest pooled analysis has too few studies."""
    pooled = pooled_analyses(meta)
    if pooled.empty:
        return f"{what}: no analysis was pooled.\n"
    largest = int(pooled["k"].max())
    source = f" ({handbook})" if handbook else ""
    return (
        f"{what}: the largest pooled analysis has {plural(largest, 'study')}, fewer than the "
        f"{min_studies} required{source}.\n"
    )


def _titles(data: ReportData) -> Mapping[str, str]:
    return {row["analysis_id"]: analysis_title(row, data.domain_names) for _, row in data["meta_analyses"].iterrows()}


def failures_sentence(data: ReportData, method: str, what: str) -> str:
    """The analyses (and moderators) for which ``method`` could not be computed, with the engine's reason;
    empty when it never failed. ``what`` reads e.g. "Egger's test and trim-and-fill"."""
    failures = data[f"{method}_failures"]
    if failures.empty:
        return ""
    titles = _titles(data)
    items = [
        f"{titles.get(row.analysis_id, row.analysis_id)}{'' if pd.isna(row.moderator) else f' on {row.moderator}'} "
        f"({row.reason})"
        for row in failures.itertuples(index=False)
    ]
    return escape_markdown(f"{what} could not be computed for {join_words(items)}.") + "\n"


def small_study_section(data: ReportData, figs: Figures) -> str:
    """Egger's test, the rank correlation test and trim-and-fill per analysis, with the funnel plots."""
    tests, settings = data["small_study_effects"], data.config["synthesis"]["small_study_effects"]
    failed = failures_sentence(data, "small_study_effects", "The small-study tests")
    if tests.empty:
        return failed or not_run_reason(
            data["meta_analyses"],
            settings["min_studies"],
            "Small-study effects were not assessed",
            "Cochrane Handbook 13.3.5.4",
        )
    titles = _titles(data)
    tests_of = data["meta_analyses"].set_index("analysis_id")["test"].to_dict()
    table = pd.DataFrame(
        {
            "Analysis": tests["analysis_id"].map(titles),
            "Studies": tests["k"].map(lambda k: report_number(k, 0)),
            "Egger's test": [
                f"{'z' if tests_of.get(aid) == 'z' else 't'} = {report_number(z)}, {report_p_statement(p)}"
                for aid, z, p in zip(tests["analysis_id"], tests["egger_stat"], tests["egger_pval"], strict=True)
            ],
            "Rank correlation": [
                f"Kendall's τ = {report_number(t)}, {report_p_statement(p)}"
                for t, p in zip(tests["rank_tau"], tests["rank_pval"], strict=True)
            ],
            "Trim-and-fill": [
                f"{plural(k0, 'study', 'studies')} filled on the {side}; adjusted {estimate_with_ci(e, lb, ub)}"
                for k0, side, e, lb, ub in zip(
                    tests["k0"],
                    tests["side"],
                    tests["filled_estimate"],
                    tests["filled_ci_lb"],
                    tests["filled_ci_ub"],
                    strict=True,
                )
            ],
        }
    )
    parts = [
        "Funnel-plot asymmetry was examined with Egger's regression test, the rank correlation test and "
        f"trim-and-fill for the {plural(len(tests), 'pooled analysis', 'pooled analyses')} with at least "
        f"{settings['min_studies']} studies (@tbl-small-study). Asymmetry can have causes other than reporting "
        "bias, such as heterogeneity or chance (Cochrane Handbook 13.3.5).\n",
        markdown_table(table, "Small-study effects.", "tbl-small-study"),
        failed,
    ]
    parts += [figs.markdown(f"funnel-{slug(aid)}", f"fig-funnel-{i + 1}") for i, aid in enumerate(tests["analysis_id"])]
    return "\n".join(parts)


def meta_regression_section(data: ReportData, figs: Figures) -> str:
    """Meta-regression coefficients per analysis and moderator, with the bubble plots."""
    table, settings = data["meta_regression"], data.config["synthesis"]["meta_regression"]
    if not settings["moderators"]:
        return "Meta-regression was not run: no moderator was named (`synthesis.meta_regression.moderators`).\n"
    failed = failures_sentence(data, "meta_regression", "Meta-regression")
    if table.empty:
        return failed or not_run_reason(
            data["meta_analyses"], settings["min_studies"], "Meta-regression was not run", "Cochrane Handbook 10.11.5.1"
        )
    titles = _titles(data)
    shown = pd.DataFrame(
        {
            "Analysis": table["analysis_id"].map(titles),
            "Moderator": table["moderator"],
            "Coefficient": table["coefficient"],
            "Estimate (95% CI)": [
                estimate_with_ci(e, lb, ub)
                for e, lb, ub in zip(table["estimate"], table["ci_lb"], table["ci_ub"], strict=True)
            ],
            "p": table["pval"].map(report_p_statement),
            "Studies": table["k"].map(lambda k: report_number(k, 0)),
            "R² (%)": table["r2"].map(lambda v: report_number(v, 1)),
        }
    )
    models = table[["analysis_id", "moderator"]].drop_duplicates()
    moderators = escape_markdown(join_words(list(settings["moderators"])))
    parts = [
        f"Each pooled analysis with at least {settings['min_studies']} studies was regressed on "
        f"{moderators}, one moderator at a time (@tbl-meta-regression). "
        "Associations across studies are observational and can be confounded (Cochrane Handbook 10.11.4).\n",
        markdown_table(shown, "Meta-regression coefficients.", "tbl-meta-regression"),
        failed,
    ]
    parts += [
        figs.markdown(f"bubble-{slug(aid)}-{slug(mod)}", f"fig-bubble-{i + 1}")
        for i, (aid, mod) in enumerate(models.itertuples(index=False))
    ]
    return "\n".join(parts)


def influence_section(data: ReportData, figs: Figures) -> str:
    """Influential studies per analysis, with the influence and Baujat plots, and the cumulative meta-analyses."""
    config = data.config["synthesis"]
    influence, cumul = data["influence"], data["cumulative"]
    meta = data["meta_analyses"]
    failed = {
        method: failures_sentence(data, method, what)
        for method, what in (("influence", "Influence diagnostics"), ("cumulative", "Cumulative meta-analysis"))
    }
    parts = [failed["influence"]]
    if influence.empty:
        if not failed["influence"]:
            parts.append(not_run_reason(meta, config["influence"]["min_studies"], "Influence diagnostics were not run"))
    else:
        labels = study_labels(data["studies"])
        titles = _titles(data)
        lines = []
        for aid, rows in influence.groupby("analysis_id", sort=True):
            flagged = [labels.get(s, s) for s in rows.loc[rows["influential"].astype(bool), "study_id"]]
            found = (
                f"{join_words(flagged)} {'was' if len(flagged) == 1 else 'were'} flagged as influential"
                if flagged
                else "no study was flagged as influential"
            )
            lines.append(f"{titles.get(aid, aid)}: {found}.")
        parts.append(
            escape_markdown(
                "Influence diagnostics (Viechtbauer & Cheung 2010) flag a study whose removal changes the pooled "
                "estimate, its precision or the heterogeneity markedly. " + " ".join(lines)
            )
            + "\n"
        )
        for i, aid in enumerate(sorted(influence["analysis_id"].unique())):
            parts += [
                figs.markdown(f"influence-{slug(aid)}", f"fig-influence-{i + 1}"),
                figs.markdown(f"baujat-{slug(aid)}", f"fig-baujat-{i + 1}"),
            ]
    parts.append(failed["cumulative"])
    if cumul.empty:
        if not failed["cumulative"]:
            parts.append(
                not_run_reason(meta, config["cumulative"]["min_studies"], "Cumulative meta-analysis was not run")
            )
    else:
        order = escape_markdown(config["cumulative"]["order_by"])
        parts.append(f"Cumulative meta-analyses add the studies in order of {order}.\n")
        parts += [
            figs.markdown_pages(f"cumulative-{slug(aid)}", f"fig-cumulative-{i + 1}")
            for i, aid in enumerate(sorted(cumul["analysis_id"].unique()))
        ]
    return "\n".join(part for part in parts if part)


def gosh_section(data: ReportData, figs: Figures) -> str:
    """The GOSH plots of the pooled analyses with enough studies, or why there are none."""
    config, gosh = data.config["synthesis"], data["gosh"]
    parts = [failures_sentence(data, "gosh", "The GOSH analysis")]
    if gosh.empty:
        if not parts[0]:
            parts.append(
                not_run_reason(data["meta_analyses"], config["gosh"]["min_studies"], "GOSH analysis was not run")
            )
    else:
        parts.append(
            escape_markdown(
                "GOSH plots (Olkin, Dahabreh & Trikalinos 2012) show the pooled estimate and I² of the model fitted "
                f"to subsets of the studies ({lower_first(_gosh_extent(gosh, config['gosh']['max_subsets']))})."
            )
            + "\n"
        )
        parts += [
            figs.markdown(f"gosh-{slug(aid)}", f"fig-gosh-{i + 1}")
            for i, aid in enumerate(sorted(gosh["analysis_id"].unique()))
        ]
    return "\n".join(part for part in parts if part)


def _gosh_extent(gosh: pd.DataFrame, max_subsets: int) -> str:
    sampled = (gosh.groupby("analysis_id").size() >= max_subsets).any()
    return (
        f"A seeded random sample of {report_number(max_subsets, 0)} subsets where there are more"
        if sampled
        else "Every subset"
    )
