"""Transcription of the embedded default review (Cheng et al. 2025) into ``raw/extraction.xlsx``.

Run from the project root: ``.venv/bin/python raw/transcription/cheng2025.py [output.xlsx]``.

Every row is literal data below. The numbers were transcribed from the evidence records next to this
script: ``outcomes_seen.csv`` (every number seen in a public source, with its URL and a verbatim quote) and
``studies_candidates.csv`` (what is known about each candidate study). Nothing is computed: a value that no
source reports is left empty, and no risk-of-bias judgement or PRISMA count is made up. The tests
(``tests/workbook/test_default_review_transcription.py``) check every number of the workbook against those
records and that this script reproduces the committed workbook byte for byte.

How the evidence records map to the workbook:

- statistics: ``mean_change`` -> ``change_mean``, ``sd_change`` -> ``change_sd``, ``pct_change`` ->
  ``pct_change``, ``pct_any_problem`` -> ``pct_with_problem`` (``pct_any_problem_baseline`` at timepoint
  ``baseline``), response/remission percentages (``pct``, ``risk_per_100``) -> ``pct_responders`` with
  subscale ``response``/``remission`` and the definition in ``notes``; between-arm statistics go to
  ``contrasts`` (``ls_mean_difference`` -> ``ls_md``; risk and percentage differences -> ``rd``, in
  percentage points).
- timepoints as the sources word them: ASPIRE ``day 25``; TRANSFORM-2 ``day 28`` (the records' 4 weeks);
  Hopwood ``week 16``; Liang ``9 months``.
- evidence status: ``seen`` -> ``seen``; ``seen (registry results copy)`` -> ``seen`` (provenance in the
  source's notes); ``seen (column label inferred)`` and the restored minus signs -> ``seen_inferred``.
- subscales and instruments use the canonical names of ``config/instruments.yaml``; the wording of the
  source is kept in ``notes`` where it differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from qolreview.workbook.writer import write_workbook

OUTPUT = Path(__file__).resolve().parents[1] / "extraction.xlsx"

# --------------------------------------------------------------------------------------------------------
# sources: one row per distinct URL and quote. `accessed` is empty unless the evidence records give a date.
# --------------------------------------------------------------------------------------------------------

_REVIEW = (
    "Cheng MCH, Dri CE, Ballum H, Valentino K, Cheung W, Teopiz KM, Wong S, McIntyre RS. The Effects of "
    "Ketamine and Esketamine on Measures of Quality of Life in Major Depressive Disorder and "
    "Treatment-Resistant Depression: A Systematic Review. J Affect Disord. 2025;382:438-442. "
    "doi:10.1016/j.jad.2025.04.119"
)
_REVIEW_ABSTRACT_NOTE = (
    "Review abstract (PubMed 40274121): databases PubMed, Scopus, Web of Science, Medline and "
    "clinicaltrials.gov, inception to 30 Sep 2024; risk of bias with ROBINS-I and the "
    "Newcastle-Ottawa Scale; five studies; QoL instruments WHOQOL-BREF, AQoL-8D and EQ-5D-5L. "
    "No verbatim text of the abstract was transcribed. Second mirror: "
    "https://suppr.wilddata.cn/browses/detail/pubmed/40274121"
)
_REGISTRY_URL = (
    "https://github.com/mahmood726-cyber/meta-harness/blob/533473813ad2f2cc253343f5e2ec6e8886d764ac/"
    "cache/esketamine-trd-madrs/records.json"
)
_REGISTRY_CITATION = "ClinicalTrials.gov NCT02418585 (TRANSFORM-2), posted results"
_REGISTRY_NOTE = (
    "Copy of the ClinicalTrials.gov posted results (API JSON) of NCT02418585 cached in a public "
    "GitHub repository; `accessed` is the fetch date in the file header (fetched_utc 2026-09-11). "
    "Original: https://clinicaltrials.gov/study/NCT02418585?tab=results (not opened directly). "
    "Registry results may differ from the analysis of Jamieson 2023."
)
_REGISTRY_ACCESSED = "2026-09-11"

SOURCES: list[dict[str, object]] = [
    {
        "source_id": "cheng2025_abstract",
        "citation": f"{_REVIEW} (abstract, PubMed mirror)",
        "url": "https://m.booksci.cn/literature/143873923.htm",
        "quote": None,
        "accessed": None,
        "notes": _REVIEW_ABSTRACT_NOTE,
    },
    {
        "source_id": "cheng2025_lay_summary",
        "citation": "Mid City TMS: lay summary of Cheng et al. 2025 (clinic blog)",
        "url": "https://www.midcitytms.com/ketamine-improve-quality-of-life-depression",
        "quote": "five studies with a total of 1,688 adults ... up to 20% improvement across all QoL dimensions ... "
        "moderate at best",
        "accessed": None,
        "notes": "The 'up to 20%' is attributed to Hopwood 2024; Hopwood's abstract reports >10% on AQoL-8D, and 20.4% "
        "is its WPAI activity impairment (see the claims sheet).",
    },
    {
        "source_id": "cheng2025_lay_summary_liang",
        "citation": "Mid City TMS: lay summary of Cheng et al. 2025 (clinic blog), on Liang et al. 2024",
        "url": "https://www.midcitytms.com/ketamine-improve-quality-of-life-depression",
        "quote": "even after nine months, repeated ketamine infusions led to sustained quality-of-life benefits",
        "accessed": None,
        "notes": None,
    },
    {
        "source_id": "hopwood2024_abstract",
        "citation": "Hopwood M, Scott EM, Codyre D, Barton D, Puig A, King J, Joks G, Hickie IB. A real-world study "
        "examining the impact of esketamine nasal spray in people living with major depressive disorder "
        "in Australia and New Zealand. Psychiatry Res Commun. 2024. doi:10.1016/j.psycom.2024.100177 "
        "(abstract, mirror)",
        "url": "https://m.booksci.cn/literature/141239695.htm",
        "quote": "After 16-weeks on esketamine, participants showed improvement of greater than 10% across all "
        "dimensions of AQoL-8D, HAM-D scores decreased 8.0 points, and activity impairment decreased 20.4% "
        "as measured by WPAI.",
        "accessed": None,
        "notes": "Second mirror: https://m.booksci.cn/literaturecn/141239695.htm",
    },
    {
        "source_id": "aspire_abstract",
        "citation": "Jamieson C, Canuso CM, Ionescu DF, Lane R, Qiu X, Rozjabek H, Molero P, Fu DJ. Effects of "
        "esketamine on patient-reported outcomes in major depressive disorder with active suicidal "
        "ideation and intent: a pooled analysis of two randomized phase 3 trials (ASPIRE I and ASPIRE II). "
        "Qual Life Res. 2023;32(11):3053-3061. doi:10.1007/s11136-023-03451-9 (abstract)",
        "url": "https://ouci.dntb.gov.ua/works/4vk6OqVl",
        "quote": "Pooled data for esketamine + SOC (n = 226; mean age: 40.5 years, 59.3% females) and placebo + SOC "
        "(n = 225; mean age: 39.6 years, 62.2% females) were analyzed. Mean ± SD change from baseline to "
        "day 25, esketamine + SOC vs placebo + SOC (least-square mean difference [95% CI] based on MMRM): "
        "BHS total score, − 7.4 ± 6.7 vs − 6.8 ± 6.5 [− 1.0 (− 2.23, 0.21)]; QLDS score, − 14.4 ± 11.5 vs "
        "− 12.2 ± 10.8 [− 3.1 (− 5.21, − 1.02)].",
        "accessed": None,
        "notes": "Other mirrors: https://mijn.bsl.nl/effects-of-esketamine-on-patient-reported-outcomes-in-major-depr/"
        "25769386 and https://ignite-sd.com/clinical/show_json/122744. The EQ-5D-5L relative risks are "
        "truncated in every mirror seen.",
    },
    {
        "source_id": "transform2_abstract",
        "citation": "Jamieson C, Popova V, Daly E, Cooper K, Drevets WC, Rozjabek HM, Singh J. Assessment of "
        "health-related quality of life and health status in patients with treatment-resistant "
        "depression treated with esketamine nasal spray plus an oral antidepressant. Health Qual Life "
        "Outcomes. 2023;21(1):40. doi:10.1186/s12955-023-02113-1 (abstract, PubMed 37158911 mirror)",
        "url": "https://questionsmedicales.fr/article/37158911",
        "quote": "The full analysis set included 223 patients (ESK + AD: 114; AD + PBO: 109; mean [SD] age: 45.7 "
        "[11.89]). At Day 28, a lower percentage of patients reported impairment in the ESK + AD vs. AD + PBO "
        "group in all five EQ-5D-5L dimensions: mobility (10.6% vs. 25.0%), self-care (13.5% vs. 32.0%), "
        "usual activities (51.9% vs. 72.0%), pain/discomfort (35.6% vs. 54.0%), and [truncated]",
        "accessed": None,
        "notes": "The abstract is truncated before the fifth dimension (anxiety/depression). Another mirror "
        "(https://pesquisa.bvsalud.org/bvsms/resource/pt/mdl-37158911) stops at 'The full analysis set "
        "included 223 patients (E'.",
    },
    {
        "source_id": "transform2_popova2019",
        "citation": "Popova V, et al. Am J Psychiatry. 2019 (TRANSFORM-2 primary report), text copy",
        "url": "https://melakarnets.com/proxy/index.php?q=https%3A%2F%2Fwww.scribd.com%2Fdocument%2F786233715%2F"
        "Popova-et-al-2019-TRANSFORM-2",
        "quote": "plus antidepressant was significantly greater than with antidepressant plus placebo at day 28 "
        "(difference of least square means=24.0, SE=1.69, 95% CI=27.31, 20.64)",
        "accessed": None,
        "notes": "The text copy lost its minus signs: '24.0' = -4.0, '27.31' = -7.31, '20.64' = -0.64.",
    },
    {
        "source_id": "transform2_benefit_risk",
        "citation": "Benefit-risk analysis of esketamine nasal spray, Clin Pharmacol Ther 2020 (PMC7894501), Table 1",
        "url": "https://pmc.ncbi.nlm.nih.gov/articles/PMC7894501/table/cpt2024-tbl-0001",
        "quote": "TRANSFORM‐2 | 69.3 | 52 | 17.3 (4.01–30.60) | ... TRANSFORM‐2 | 52.5 | 31 | 21.5 (8.17–34.78) | ... "
        "TRANSFORM‐2: esketamine + AD, n = 114; AD + placebo, n = 109.",
        "accessed": None,
        "notes": "Secondary source. Rows: MADRS response (>=50% reduction) and remission (MADRS <= 12), per 100 "
        "patients, and their differences.",
    },
    {
        "source_id": "transform2_jnj_pain_table",
        "citation": "Janssen Medical Information: Use of SPRAVATO in pain (table citing Jamieson 2023)",
        "url": "https://jnjmedicalconnect.com/products/spravato/medical-content/use-of-spravato-in-pain",
        "quote": "EQ-5D-5L Individual Dimension of Pain/Discomfort - Percentage of Patients Reporting Impairment in "
        "SPRAVATO+Oral AD and PBO+Oral AD Groups in TRANSFORM-2 | 68.5 | 52.3 | 35.6 | 74.3 | 59.6 | 54.0 | "
        "-7.4 (-20.6 to 5.9) | -18.4 (-31.8 to -5.0)",
        "accessed": None,
        "notes": "The table's column labels did not render; the assignment (baseline, intermediate visit, day 28 per "
        "arm, then the two differences) is inferred: the day-28 values 35.6/54.0 match the abstract, and "
        "52.3-59.6 = -7.3 and 35.6-54.0 = -18.4 match the two listed differences. The intermediate visit's "
        "day is not visible.",
    },
    {
        "source_id": "transform2_registry_index",
        "citation": f"{_REGISTRY_CITATION}: EQ-5D-5L health status index",
        "url": _REGISTRY_URL,
        "quote": '"Change From Baseline in EQ 5D-5L-Health Status Index to End of Double-blind Induction Phase (Day '
        '28)" ... "Health Status Index range is -0.148 - 0.949, is anchored at 0 (dead) and 1 (full '
        'health)." denoms OG000 111, OG001 105; OG000 value 0.288 spread 0.2317; OG001 value 0.231 spread '
        "0.2506 (paramType MEAN, dispersionType Standard Deviation)",
        "accessed": _REGISTRY_ACCESSED,
        "notes": _REGISTRY_NOTE,
    },
    {
        "source_id": "transform2_registry_vas",
        "citation": f"{_REGISTRY_CITATION}: EQ-VAS",
        "url": _REGISTRY_URL,
        "quote": '"Change From Baseline in EQ 5D-5L- European Quality of Life - Visual Analogue Scale (EQ-VAS) to End '
        'of Double-blind Induction Phase (Day 28)" denoms 111/105; OG000 value 29.1 spread 26.32; OG001 '
        "value 20.9 spread 26.60 (MEAN, Standard Deviation)",
        "accessed": _REGISTRY_ACCESSED,
        "notes": _REGISTRY_NOTE,
    },
    {
        "source_id": "transform2_registry_sum_score",
        "citation": f"{_REGISTRY_CITATION}: EQ-5D-5L sum score",
        "url": _REGISTRY_URL,
        "quote": '"Change From Baseline in EQ 5D-5L- Sum Score to End of Double-blind Induction Phase (Day 28)" ... '
        '"Sum score ranges from 0 to 100 ... Higher score indicates worst health state." denoms 111/105; '
        "OG000 value -23.2 spread 16.64; OG001 value -17.1 spread 19.66",
        "accessed": _REGISTRY_ACCESSED,
        "notes": _REGISTRY_NOTE,
    },
    {
        "source_id": "transform2_registry_sds_mmrm",
        "citation": f"{_REGISTRY_CITATION}: SDS total, MMRM",
        "url": _REGISTRY_URL,
        "quote": '"Change From Baseline in Sheehan Disability Scale (SDS) Total Score up to Day 28 of Double-blind '
        'Induction Phase- MMRM Analysis" denoms 86/85; OG000 -13.6 (8.31); OG001 -9.4 (8.43)',
        "accessed": _REGISTRY_ACCESSED,
        "notes": _REGISTRY_NOTE,
    },
    {
        "source_id": "transform2_registry_sds_locf",
        "citation": f"{_REGISTRY_CITATION}: SDS total, ANCOVA (LOCF)",
        "url": _REGISTRY_URL,
        "quote": '"Change From Baseline in Sheehan Disability Scale (SDS) Total Score up to Endpoint (Double-blind '
        'Induction Phase [Day 28])- ANCOVA Analysis" (LOCF endpoint) denoms 95/89; OG000 -12.5 (8.85); '
        "OG001 -9.3 (8.39)",
        "accessed": _REGISTRY_ACCESSED,
        "notes": _REGISTRY_NOTE,
    },
    {
        "source_id": "transform2_registry_sds_response",
        "citation": f"{_REGISTRY_CITATION}: SDS response and remission",
        "url": _REGISTRY_URL,
        "quote": '"Percentage of Participants in Response (SDS Total Score <=12 and Individual Item Scores Each <=4) '
        'at the End of 4-Week Double-blind Induction Phase (Day 28)" denoms 86/86: 57.0 vs 39.5; '
        '"Percentage of Participants in Remission (SDS Total Score <=6 and Individual Item Scores Each <=2)" '
        "denoms 86/86: 39.5 vs 20.9",
        "accessed": _REGISTRY_ACCESSED,
        "notes": _REGISTRY_NOTE,
    },
]

# --------------------------------------------------------------------------------------------------------
# studies: the five studies of the review. rob_tool stays empty for all: the review used ROBINS-I and the
# Newcastle-Ottawa Scale, but which study got which tool is not known.
# --------------------------------------------------------------------------------------------------------

STUDIES: list[dict[str, object]] = [
    {
        "study_id": "hopwood2024",
        "label": "Hopwood 2024",
        "year": 2024,
        "citation": "Hopwood M, Scott EM, Codyre D, et al. Psychiatry Res Commun. 2024",
        "doi": "10.1016/j.psycom.2024.100177",
        # "non-randomised, unblinded, single-arm real-world study": no comparator group, hence single_arm.
        "design": "single_arm",
        "country": "Australia; New Zealand",
        # MDD with no response to >= 2 antidepressants is treatment-resistant depression by definition.
        "population": "TRD",
        "n_total": 105,
        "age_mean": 38.7,
        "female_pct": 59.0,
        "follow_up_weeks": 16,
        "funding": "not_reported",
        "rob_tool": None,
        "inclusion_status": "confirmed",
        "trial": None,
        "source_id": "hopwood2024_abstract",
        "notes": "Confirmed: the only AQoL-8D study, matching the review abstract and its lay summary. Non-randomised, "
        "unblinded, single-arm real-world study of participants in an esketamine early access program "
        "(coded single_arm: there is no comparator group). Population: MDD with no response to at least "
        "two antidepressants and no neurostimulation in the current episode, i.e. TRD by the usual "
        "definition (failure of two or more antidepressants). Age 38.7 (SD 14.6) years, 59.0% female, "
        "mean MDD duration 7.2 years (SD 4.2), about half with 3-5 prior therapies (abstract page; not in "
        "the quote). Funding statement not seen. Lay summary's 'up to 20%' is likely the WPAI activity "
        "impairment (-20.4%), not AQoL-8D (>10%).",
    },
    {
        "study_id": "liang2024",
        "label": "Liang 2024",
        "year": 2024,
        "citation": "Liang et al. 2024 (publication not identified)",
        "doi": None,
        "design": None,
        "country": None,
        "population": None,
        "n_total": None,
        "age_mean": None,
        "female_pct": None,
        "follow_up_weeks": None,
        "funding": "not_reported",
        "rob_tool": None,
        "inclusion_status": "provisional",
        "trial": None,
        "source_id": "cheng2025_lay_summary_liang",
        "notes": "Named only in the review's lay summary (repeated IV ketamine infusions; quality-of-life benefit "
        "sustained at nine months); the publication was not identified. Design left empty: the review's "
        "use of the Newcastle-Ottawa Scale suggests a cohort, which is not verified. Population (MDD or TRD "
        "per the review's scope), sample size and follow-up in weeks are not reported. Possibly the cohort "
        "of Li W, Zhou Y, ... McIntyre RS, Ning Y. J Affect Disord 2022;300:172-178 (Guangzhou; ketamine "
        "three times a week over 12 days; 9-month naturalistic follow-up with PHQ-9 and GAF, not WHOQOL): "
        "unverified.",
    },
    {
        "study_id": "jamieson2023_transform2",
        "label": "Jamieson 2023 (TRANSFORM-2)",
        "year": 2023,
        "citation": "Jamieson C, Popova V, Daly E, et al. Health Qual Life Outcomes. 2023;21(1):40",
        "doi": "10.1186/s12955-023-02113-1",
        "design": "post_hoc_rct",
        "country": None,
        "population": "TRD",
        "n_total": 223,
        "age_mean": 45.7,
        "female_pct": None,
        "follow_up_weeks": 4,
        "funding": "industry",
        "rob_tool": None,
        "inclusion_status": "provisional",
        "trial": "TRANSFORM-2 (NCT02418585)",
        "source_id": "transform2_abstract",
        "notes": "Likely included (the main esketamine EQ-5D-5L HRQoL paper before the search cut-off), not "
        "confirmed. Post hoc analysis of the phase 3 randomised, double-blind, active-controlled, flexibly "
        "dosed 4-week TRANSFORM-2 trial: 236 enrolled, 227 randomised, 9 excluded for GCP violations, full "
        "analysis set 223. TRD, aged 18-64. Multicentre (39 outpatient referral centres per Popova 2019); "
        "countries not seen. Funding: all authors are Janssen employees (affiliations); funding statement "
        "not seen. Arm sizes 114/109 from the abstract and PMC7894501; PMC8061126 lists 114/114 for the "
        "same trial.",
    },
    {
        "study_id": "jamieson2023_aspire",
        "label": "Jamieson 2023 (ASPIRE I/II)",
        "year": 2023,
        "citation": "Jamieson C, Canuso CM, Ionescu DF, et al. Qual Life Res. 2023;32(11):3053-3061",
        "doi": "10.1007/s11136-023-03451-9",
        "design": "post_hoc_rct",
        "country": None,
        "population": "MDSI",
        "n_total": 451,
        "age_mean": None,
        "female_pct": None,
        "follow_up_weeks": 3.57,
        "funding": "industry",
        "rob_tool": None,
        "inclusion_status": "provisional",
        "trial": "ASPIRE I and ASPIRE II (ASPIRE II: NCT03097133)",
        "source_id": "aspire_abstract",
        "notes": "Likely included (EQ-5D-5L dimensions in MDD), not confirmed. Pooled post hoc analysis of two phase 3 "
        "double-blind placebo-controlled RCTs; MDD with active suicidal ideation with intent, aged 18-64. "
        "Age and sex reported by arm only (40.5 vs 39.6 years; 59.3% vs 62.2% female), so the study-level "
        "cells are empty. Follow-up: day 25, end of the double-blind phase (3.57 weeks). Funding: Janssen "
        "Research & Development, LLC. ASPIRE I registration not seen. The review abstract lists WHOQOL-BREF, "
        "AQoL-8D and EQ-5D-5L only: whether the review extracted QLDS is unknown.",
    },
    {
        "study_id": "study5_unidentified",
        "label": "Unidentified study 5",
        "year": None,
        "citation": "Fifth included study (esketamine, EQ-5D-5L; not identified)",
        "doi": None,
        "design": None,
        "country": None,
        "population": None,
        "n_total": None,
        "age_mean": None,
        "female_pct": None,
        "follow_up_weeks": None,
        "funding": "not_reported",
        "rob_tool": None,
        "inclusion_status": "provisional",
        "trial": None,
        "source_id": "cheng2025_abstract",
        "notes": "The review includes five studies; the fifth was not identified. No source attributes any result to "
        "it (the lay summary's EQ-5D findings are for 'other esketamine studies'), so it has no arms and no "
        "outcomes. Hypothesis, not adopted: SUSTAIN-2 (Wajs et al. 2020, NCT02497287), which makes the total "
        "of 1,688 only if Liang 2024 had 107 participants; alternative ESCAPE-TRD (its HRQoL paper is outside "
        "the search window). The 105 + 223 + 451 = 779 participants of the other studies leave 909 for "
        "Liang 2024 and this study.",
    },
]

# --------------------------------------------------------------------------------------------------------
# arms
# --------------------------------------------------------------------------------------------------------

ARMS: list[dict[str, object]] = [
    {
        "study_id": "hopwood2024",
        "arm_id": "esketamine",
        "label": "Esketamine nasal spray",
        "role": "intervention",
        "drug": "esketamine",
        "route": "IN",
        "dose": None,
        "schedule": "16 weeks or longer",
        "n_arm": 105,
        "source_id": "hopwood2024_abstract",
        "notes": "Single arm. Participants received esketamine for 16 weeks or longer; dose and dosing schedule not "
        "reported.",
    },
    {
        "study_id": "jamieson2023_transform2",
        "arm_id": "esk_ad",
        "label": "ESK+AD",
        "role": "intervention",
        "drug": "esketamine",
        "route": "IN",
        "dose": "56 or 84 mg",
        "schedule": "twice weekly for 4 weeks (days 1, 4, 8, 11, 15, 18, 22, 25)",
        "n_arm": 114,
        "source_id": "transform2_abstract",
        "notes": "Esketamine nasal spray plus a newly initiated oral antidepressant (duloxetine, escitalopram, "
        "sertraline or venlafaxine XR). Dose and schedule from the trial description (studies_candidates.csv), "
        "not from the quoted abstract.",
    },
    {
        "study_id": "jamieson2023_transform2",
        "arm_id": "ad_pbo",
        "label": "AD+PBO",
        "role": "comparator",
        "drug": "placebo",
        "route": "IN",
        "dose": None,
        "schedule": None,
        "n_arm": 109,
        "source_id": "transform2_abstract",
        "notes": "Placebo nasal spray plus a newly initiated oral antidepressant; schedule not stated in the sources "
        "seen.",
    },
    {
        "study_id": "jamieson2023_aspire",
        "arm_id": "esk_soc",
        "label": "Esketamine + SOC",
        "role": "intervention",
        "drug": "esketamine",
        "route": "IN",
        "dose": None,
        "schedule": None,
        "n_arm": 226,
        "source_id": "aspire_abstract",
        "notes": "Esketamine nasal spray plus comprehensive standard of care; double-blind treatment through day 25. "
        "Dose and schedule not reported in the sources seen.",
    },
    {
        "study_id": "jamieson2023_aspire",
        "arm_id": "pbo_soc",
        "label": "Placebo + SOC",
        "role": "comparator",
        "drug": "placebo",
        "route": "IN",
        "dose": None,
        "schedule": None,
        "n_arm": 225,
        "source_id": "aspire_abstract",
        "notes": "Placebo nasal spray plus comprehensive standard of care.",
    },
    {
        "study_id": "liang2024",
        "arm_id": "ketamine_iv",
        "label": "Repeated IV ketamine infusions",
        "role": "intervention",
        "drug": "ketamine",
        "route": "IV",
        "dose": None,
        "schedule": "repeated infusions",
        "n_arm": None,
        "source_id": "cheng2025_lay_summary_liang",
        "notes": "Racemic ketamine, intravenous, per the lay summary; dose, schedule details and n not reported.",
    },
]

# --------------------------------------------------------------------------------------------------------
# outcomes: one row per arm x instrument x subscale x timepoint, statistics as reported.
# --------------------------------------------------------------------------------------------------------


def _outcome(
    study_id: str,
    arm_id: str,
    instrument: str,
    subscale: str,
    timepoint: str,
    source_id: str,
    evidence_status: str,
    notes: str,
    **stats: object,
) -> dict[str, object]:
    return {
        "study_id": study_id,
        "arm_id": arm_id,
        "instrument": instrument,
        "subscale": subscale,
        "timepoint": timepoint,
        **stats,
        "source_id": source_id,
        "evidence_status": evidence_status,
        "notes": notes,
    }


_HOP = ("hopwood2024", "esketamine")
_HOP_N = "n = participants described (105); n analysed at week 16 not reported."
_T2_EQ5D = (
    "Percentage reporting impairment (level 2-5) at day 28. n = full-analysis-set arm size; per-dimension "
    "denominators not stated. Anxiety/depression is cut off in the abstract."
)
_T2_PAIN_SAME = " The same value is in the Janssen medical-information table (transform2_jnj_pain_table)."
_T2_JNJ = "Column labels of the source table did not render; the column assignment is inferred (see the source)."
_ASPIRE = "Mean ± SD change from baseline to day 25 (MMRM). n = pooled analysed set; n with day-25 data not reported."

OUTCOMES: list[dict[str, object]] = [
    # Hopwood 2024 (abstract): AQoL-8D "improvement of greater than 10% across all dimensions".
    _outcome(
        *_HOP,
        "AQoL-8D",
        "all dimensions",
        "week 16",
        "hopwood2024_abstract",
        "seen",
        f"Lower bound only: per-dimension percentages and scores not reported. {_HOP_N}",
        n=105,
        pct_change=10,
        direction_reported="improved",
        value_qualifier=">",
    ),
    _outcome(
        *_HOP,
        "HAM-D",
        "total",
        "week 16",
        "hopwood2024_abstract",
        "seen",
        f"'HAM-D scores decreased 8.0 points'; SD and CI not reported. Depression severity. {_HOP_N}",
        n=105,
        change_mean=-8.0,
    ),
    _outcome(
        *_HOP,
        "WPAI",
        "activity impairment",
        "week 16",
        "hopwood2024_abstract",
        "seen",
        f"'activity impairment decreased 20.4%'. Productivity, not a QoL instrument; likely the source of "
        f"the lay summary's 'up to 20%'. {_HOP_N}",
        n=105,
        pct_change=-20.4,
    ),
    # ASPIRE I/II pooled (abstract), day 25. QLDS: lower is better.
    _outcome(
        "jamieson2023_aspire",
        "esk_soc",
        "QLDS",
        "total",
        "day 25",
        "aspire_abstract",
        "seen",
        f"{_ASPIRE} Lower QLDS = better QoL.",
        n=226,
        change_mean=-14.4,
        change_sd=11.5,
    ),
    _outcome(
        "jamieson2023_aspire",
        "pbo_soc",
        "QLDS",
        "total",
        "day 25",
        "aspire_abstract",
        "seen",
        f"{_ASPIRE} Lower QLDS = better QoL.",
        n=225,
        change_mean=-12.2,
        change_sd=10.8,
    ),
    _outcome(
        "jamieson2023_aspire",
        "esk_soc",
        "BHS",
        "total",
        "day 25",
        "aspire_abstract",
        "seen",
        f"{_ASPIRE} Beck Hopelessness Scale (patient-reported, not QoL).",
        n=226,
        change_mean=-7.4,
        change_sd=6.7,
    ),
    _outcome(
        "jamieson2023_aspire",
        "pbo_soc",
        "BHS",
        "total",
        "day 25",
        "aspire_abstract",
        "seen",
        f"{_ASPIRE} Beck Hopelessness Scale (patient-reported, not QoL).",
        n=225,
        change_mean=-6.8,
        change_sd=6.5,
    ),
    # TRANSFORM-2 (abstract): % reporting any problem per EQ-5D-5L dimension at day 28.
    _outcome(
        "jamieson2023_transform2",
        "esk_ad",
        "EQ-5D-5L",
        "mobility",
        "day 28",
        "transform2_abstract",
        "seen",
        _T2_EQ5D,
        n=114,
        pct_with_problem=10.6,
    ),
    _outcome(
        "jamieson2023_transform2",
        "ad_pbo",
        "EQ-5D-5L",
        "mobility",
        "day 28",
        "transform2_abstract",
        "seen",
        _T2_EQ5D,
        n=109,
        pct_with_problem=25.0,
    ),
    _outcome(
        "jamieson2023_transform2",
        "esk_ad",
        "EQ-5D-5L",
        "self-care",
        "day 28",
        "transform2_abstract",
        "seen",
        _T2_EQ5D,
        n=114,
        pct_with_problem=13.5,
    ),
    _outcome(
        "jamieson2023_transform2",
        "ad_pbo",
        "EQ-5D-5L",
        "self-care",
        "day 28",
        "transform2_abstract",
        "seen",
        _T2_EQ5D,
        n=109,
        pct_with_problem=32.0,
    ),
    _outcome(
        "jamieson2023_transform2",
        "esk_ad",
        "EQ-5D-5L",
        "usual activities",
        "day 28",
        "transform2_abstract",
        "seen",
        _T2_EQ5D,
        n=114,
        pct_with_problem=51.9,
    ),
    _outcome(
        "jamieson2023_transform2",
        "ad_pbo",
        "EQ-5D-5L",
        "usual activities",
        "day 28",
        "transform2_abstract",
        "seen",
        _T2_EQ5D,
        n=109,
        pct_with_problem=72.0,
    ),
    _outcome(
        "jamieson2023_transform2",
        "esk_ad",
        "EQ-5D-5L",
        "pain/discomfort",
        "day 28",
        "transform2_abstract",
        "seen",
        _T2_EQ5D + _T2_PAIN_SAME,
        n=114,
        pct_with_problem=35.6,
    ),
    _outcome(
        "jamieson2023_transform2",
        "ad_pbo",
        "EQ-5D-5L",
        "pain/discomfort",
        "day 28",
        "transform2_abstract",
        "seen",
        _T2_EQ5D + _T2_PAIN_SAME,
        n=109,
        pct_with_problem=54.0,
    ),
    # TRANSFORM-2 pain/discomfort time course (Janssen table; columns inferred).
    _outcome(
        "jamieson2023_transform2",
        "esk_ad",
        "EQ-5D-5L",
        "pain/discomfort",
        "baseline",
        "transform2_jnj_pain_table",
        "seen_inferred",
        f"{_T2_JNJ} First column assumed to be baseline.",
        n=114,
        pct_with_problem=68.5,
    ),
    _outcome(
        "jamieson2023_transform2",
        "ad_pbo",
        "EQ-5D-5L",
        "pain/discomfort",
        "baseline",
        "transform2_jnj_pain_table",
        "seen_inferred",
        f"{_T2_JNJ} First column assumed to be baseline.",
        n=109,
        pct_with_problem=74.3,
    ),
    _outcome(
        "jamieson2023_transform2",
        "esk_ad",
        "EQ-5D-5L",
        "pain/discomfort",
        "not reported",
        "transform2_jnj_pain_table",
        "seen_inferred",
        f"{_T2_JNJ} Intermediate visit between baseline and day 28; its day is not visible in the source.",
        n=114,
        pct_with_problem=52.3,
    ),
    _outcome(
        "jamieson2023_transform2",
        "ad_pbo",
        "EQ-5D-5L",
        "pain/discomfort",
        "not reported",
        "transform2_jnj_pain_table",
        "seen_inferred",
        f"{_T2_JNJ} Intermediate visit between baseline and day 28; its day is not visible in the source.",
        n=109,
        pct_with_problem=59.6,
    ),
    # TRANSFORM-2, ClinicalTrials.gov posted results (registry copy): mean (SD) change to day 28.
    _outcome(
        "jamieson2023_transform2",
        "esk_ad",
        "EQ-5D-5L",
        "index",
        "day 28",
        "transform2_registry_index",
        "seen",
        "Reported as 'EQ 5D-5L-Health Status Index' (range -0.148 to 0.949). Registry results; n = evaluable.",
        n=111,
        change_mean=0.288,
        change_sd=0.2317,
    ),
    _outcome(
        "jamieson2023_transform2",
        "ad_pbo",
        "EQ-5D-5L",
        "index",
        "day 28",
        "transform2_registry_index",
        "seen",
        "Reported as 'EQ 5D-5L-Health Status Index' (range -0.148 to 0.949). Registry results; n = evaluable.",
        n=105,
        change_mean=0.231,
        change_sd=0.2506,
    ),
    _outcome(
        "jamieson2023_transform2",
        "esk_ad",
        "EQ-VAS",
        "VAS",
        "day 28",
        "transform2_registry_vas",
        "seen",
        "EQ-VAS 0-100. Registry results; n = evaluable.",
        n=111,
        change_mean=29.1,
        change_sd=26.32,
    ),
    _outcome(
        "jamieson2023_transform2",
        "ad_pbo",
        "EQ-VAS",
        "VAS",
        "day 28",
        "transform2_registry_vas",
        "seen",
        "EQ-VAS 0-100. Registry results; n = evaluable.",
        n=105,
        change_mean=20.9,
        change_sd=26.6,
    ),
    _outcome(
        "jamieson2023_transform2",
        "esk_ad",
        "EQ-5D-5L",
        "sum score",
        "day 28",
        "transform2_registry_sum_score",
        "seen",
        "Sum score 0-100, higher = worse health state. Registry results; n = evaluable.",
        n=111,
        change_mean=-23.2,
        change_sd=16.64,
    ),
    _outcome(
        "jamieson2023_transform2",
        "ad_pbo",
        "EQ-5D-5L",
        "sum score",
        "day 28",
        "transform2_registry_sum_score",
        "seen",
        "Sum score 0-100, higher = worse health state. Registry results; n = evaluable.",
        n=105,
        change_mean=-17.1,
        change_sd=19.66,
    ),
    # SDS total: the MMRM (observed values) analysis is tabulated; the registry's ANCOVA LOCF endpoint
    # analysis has the same arm, subscale and timepoint, so its numbers are kept in notes.
    _outcome(
        "jamieson2023_transform2",
        "esk_ad",
        "SDS",
        "total",
        "day 28",
        "transform2_registry_sds_mmrm",
        "seen",
        "Functioning, not QoL. MMRM analysis (observed values) up to day 28. The registry's ANCOVA LOCF "
        "endpoint analysis (transform2_registry_sds_locf): -12.5 (SD 8.85), n 95.",
        n=86,
        change_mean=-13.6,
        change_sd=8.31,
    ),
    _outcome(
        "jamieson2023_transform2",
        "ad_pbo",
        "SDS",
        "total",
        "day 28",
        "transform2_registry_sds_mmrm",
        "seen",
        "Functioning, not QoL. MMRM analysis (observed values) up to day 28. The registry's ANCOVA LOCF "
        "endpoint analysis (transform2_registry_sds_locf): -9.3 (SD 8.39), n 89.",
        n=85,
        change_mean=-9.4,
        change_sd=8.43,
    ),
    _outcome(
        "jamieson2023_transform2",
        "esk_ad",
        "SDS",
        "response",
        "day 28",
        "transform2_registry_sds_response",
        "seen",
        "Response: SDS total <= 12 and every item <= 4. Functioning, not QoL.",
        n=86,
        pct_responders=57.0,
    ),
    _outcome(
        "jamieson2023_transform2",
        "ad_pbo",
        "SDS",
        "response",
        "day 28",
        "transform2_registry_sds_response",
        "seen",
        "Response: SDS total <= 12 and every item <= 4. Functioning, not QoL.",
        n=86,
        pct_responders=39.5,
    ),
    _outcome(
        "jamieson2023_transform2",
        "esk_ad",
        "SDS",
        "remission",
        "day 28",
        "transform2_registry_sds_response",
        "seen",
        "Remission: SDS total <= 6 and every item <= 2. Functioning, not QoL.",
        n=86,
        pct_responders=39.5,
    ),
    _outcome(
        "jamieson2023_transform2",
        "ad_pbo",
        "SDS",
        "remission",
        "day 28",
        "transform2_registry_sds_response",
        "seen",
        "Remission: SDS total <= 6 and every item <= 2. Functioning, not QoL.",
        n=86,
        pct_responders=20.9,
    ),
    # TRANSFORM-2 MADRS response/remission per 100 patients (benefit-risk analysis, secondary source).
    _outcome(
        "jamieson2023_transform2",
        "esk_ad",
        "MADRS",
        "response",
        "day 28",
        "transform2_benefit_risk",
        "seen",
        "Response: >= 50% reduction in MADRS total. Reported per 100 patients.",
        n=114,
        pct_responders=69.3,
    ),
    _outcome(
        "jamieson2023_transform2",
        "ad_pbo",
        "MADRS",
        "response",
        "day 28",
        "transform2_benefit_risk",
        "seen",
        "Response: >= 50% reduction in MADRS total. Reported per 100 patients.",
        n=109,
        pct_responders=52.0,
    ),
    _outcome(
        "jamieson2023_transform2",
        "esk_ad",
        "MADRS",
        "remission",
        "day 28",
        "transform2_benefit_risk",
        "seen",
        "Remission: MADRS <= 12 (definition of this table). Reported per 100 patients.",
        n=114,
        pct_responders=52.5,
    ),
    _outcome(
        "jamieson2023_transform2",
        "ad_pbo",
        "MADRS",
        "remission",
        "day 28",
        "transform2_benefit_risk",
        "seen",
        "Remission: MADRS <= 12 (definition of this table). Reported per 100 patients.",
        n=109,
        pct_responders=31.0,
    ),
    # Liang 2024: known only from the review's lay summary, in words.
    _outcome(
        "liang2024",
        "ketamine_iv",
        "WHOQOL-BREF",
        "overall QoL item",
        "9 months",
        "cheng2025_lay_summary_liang",
        "reported_in_summary",
        "Sustained quality-of-life benefit at nine months, in words only. Instrument inferred: WHOQOL-BREF is "
        "the only instrument of the review not matched to another study; the subscale is not reported.",
        direction_reported="improved",
    ),
]

# --------------------------------------------------------------------------------------------------------
# contrasts: between-arm results as reported. Risk differences are in percentage points.
# --------------------------------------------------------------------------------------------------------

CONTRASTS: list[dict[str, object]] = [
    {
        "study_id": "jamieson2023_aspire",
        "arm_id": "esk_soc",
        "comparator_arm_id": "pbo_soc",
        "instrument": "QLDS",
        "subscale": "total",
        "timepoint": "day 25",
        "statistic": "ls_md",
        "estimate": -3.1,
        "se": None,
        "ci_low": -5.21,
        "ci_high": -1.02,
        "p_value": None,
        "source_id": "aspire_abstract",
        "n": 451,
        "evidence_status": "seen",
        "notes": "Least-squares mean difference (MMRM) in change from baseline; lower QLDS = better QoL.",
    },
    {
        "study_id": "jamieson2023_aspire",
        "arm_id": "esk_soc",
        "comparator_arm_id": "pbo_soc",
        "instrument": "BHS",
        "subscale": "total",
        "timepoint": "day 25",
        "statistic": "ls_md",
        "estimate": -1.0,
        "se": None,
        "ci_low": -2.23,
        "ci_high": 0.21,
        "p_value": None,
        "source_id": "aspire_abstract",
        "n": 451,
        "evidence_status": "seen",
        "notes": "Least-squares mean difference (MMRM) in change from baseline.",
    },
    {
        "study_id": "jamieson2023_transform2",
        "arm_id": "esk_ad",
        "comparator_arm_id": "ad_pbo",
        "instrument": "MADRS",
        "subscale": "total",
        "timepoint": "day 28",
        "statistic": "ls_md",
        "estimate": -4.0,
        "se": 1.69,
        "ci_low": -7.31,
        "ci_high": -0.64,
        "p_value": None,
        "source_id": "transform2_popova2019",
        "n": None,
        "evidence_status": "seen_inferred",
        "notes": "Popova et al. 2019 (parent trial), not the HRQoL paper. Minus signs restored: the text copy reads "
        "'24.0', '27.31', '20.64'. n of the analysis not reported.",
    },
    {
        "study_id": "jamieson2023_transform2",
        "arm_id": "esk_ad",
        "comparator_arm_id": "ad_pbo",
        "instrument": "MADRS",
        "subscale": "response",
        "timepoint": "day 28",
        "statistic": "rd",
        "estimate": 17.3,
        "se": None,
        "ci_low": 4.01,
        "ci_high": 30.6,
        "p_value": None,
        "source_id": "transform2_benefit_risk",
        "n": 223,
        "evidence_status": "seen",
        "notes": "Risk difference in percentage points (per 100 patients). Response: >= 50% reduction in MADRS total.",
    },
    {
        "study_id": "jamieson2023_transform2",
        "arm_id": "esk_ad",
        "comparator_arm_id": "ad_pbo",
        "instrument": "MADRS",
        "subscale": "remission",
        "timepoint": "day 28",
        "statistic": "rd",
        "estimate": 21.5,
        "se": None,
        "ci_low": 8.17,
        "ci_high": 34.78,
        "p_value": None,
        "source_id": "transform2_benefit_risk",
        "n": 223,
        "evidence_status": "seen",
        "notes": "Risk difference in percentage points (per 100 patients). Remission: MADRS <= 12.",
    },
    {
        "study_id": "jamieson2023_transform2",
        "arm_id": "esk_ad",
        "comparator_arm_id": "ad_pbo",
        "instrument": "EQ-5D-5L",
        "subscale": "pain/discomfort",
        "timepoint": "day 28",
        "statistic": "rd",
        "estimate": -18.4,
        "se": None,
        "ci_low": -31.8,
        "ci_high": -5.0,
        "p_value": None,
        "source_id": "transform2_jnj_pain_table",
        "n": 223,
        "evidence_status": "seen_inferred",
        "notes": "Difference in the percentage reporting impairment (ESK+AD minus AD+PBO), percentage points; column "
        "assignment inferred. The table's intermediate-visit difference, -7.4 (-20.6 to 5.9), is left out "
        "because its day is unknown.",
    },
]

# --------------------------------------------------------------------------------------------------------
# prisma: only the number of included studies is known; every other box is absent.
# --------------------------------------------------------------------------------------------------------

PRISMA: list[dict[str, object]] = [
    {"box": "total_studies", "n": 5, "detail": None, "source_id": "cheng2025_abstract"},
]

# --------------------------------------------------------------------------------------------------------
# claims: statements of the lay summary, checked against the data by the report's claims check.
# --------------------------------------------------------------------------------------------------------

CLAIMS: list[dict[str, object]] = [
    {
        "claim_id": "lay_hopwood_up_to_20pct",
        "statement": "up to 20% improvement across all QoL dimensions",
        "source_id": "cheng2025_lay_summary",
        "study_id": "hopwood2024",
        "instrument": "AQoL-8D",
        "subscale": "all dimensions",
        "quantity": "pct_change",
        "claimed_value": 20,
        "value_qualifier": "<=",
        "claimed_direction": None,
        "notes": "Said of Hopwood 2024.",
    },
    {
        "claim_id": "lay_total_participants",
        "statement": "five studies with a total of 1,688 adults",
        "source_id": "cheng2025_lay_summary",
        "study_id": None,
        "instrument": None,
        "subscale": None,
        "quantity": "n_total",
        "claimed_value": 1688,
        "value_qualifier": None,
        "claimed_direction": None,
        "notes": None,
    },
    {
        "claim_id": "lay_number_of_studies",
        "statement": "five studies with a total of 1,688 adults",
        "source_id": "cheng2025_lay_summary",
        "study_id": None,
        "instrument": None,
        "subscale": None,
        "quantity": "n_studies",
        "claimed_value": 5,
        "value_qualifier": None,
        "claimed_direction": None,
        "notes": None,
    },
    {
        "claim_id": "lay_liang_sustained",
        "statement": "even after nine months, repeated ketamine infusions led to sustained quality-of-life benefits",
        "source_id": "cheng2025_lay_summary_liang",
        "study_id": "liang2024",
        "instrument": "WHOQOL-BREF",
        "subscale": None,
        "quantity": "direction",
        "claimed_value": None,
        "value_qualifier": None,
        "claimed_direction": "improved",
        "notes": "Instrument inferred, as in outcomes.",
    },
]

WORKBOOK: dict[str, list[dict[str, object]]] = {
    "studies": STUDIES,
    "arms": ARMS,
    "outcomes": OUTCOMES,
    "contrasts": CONTRASTS,
    "risk_of_bias": [],  # no judgement is known
    "prisma": PRISMA,
    "sources": SOURCES,
    "claims": CLAIMS,
}


def main(path: Path = OUTPUT) -> None:
    """Write the workbook to ``path``."""
    write_workbook(path, WORKBOOK)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT)
