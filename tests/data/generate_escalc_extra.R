# Reference effect sizes from R's metafor::escalc for cases that tests/data/metafor_visible.json does not
# cover: log odds ratios and risk differences, zero cells, tiny samples, negative pre-post correlations,
# and effects reported directly as an estimate with a standard error or a confidence interval.
# It also records a few base-R quantile computations used by the data conversions.
#
# Usage (from the repository root):
#   Rscript tests/data/generate_escalc_extra.R tests/data/metafor_escalc_extra.json
# Needs: apt-get install -y --no-install-recommends r-base-core r-cran-metafor r-cran-jsonlite
# The output path (first argument) is required: the script writes that one file and nothing else.
# With Debian bookworm's R 4.2.2 / metafor 3.8-1 it reproduces the committed JSON byte for byte.
suppressPackageStartupMessages({ library(metafor); library(jsonlite) })
out <- commandArgs(trailingOnly = TRUE)[1]

cases <- list()
add_case <- function(id, description, measure, input, es) {
  cases[[length(cases) + 1]] <<- list(id = id, description = description, measure = measure,
                                      input = input, yi = as.numeric(es$yi), vi = as.numeric(es$vi))
}

# 2x2 tables, given as events and group sizes (bi = n1i - ai, di = n2i - ci); escalc defaults
# add = 1/2, to = "only0", drop00 = FALSE.
two_by_two <- function(id, description, measure, d) {
  es <- escalc(measure = measure, ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i)
  add_case(id, description, measure, d, es)
}
bcg <- with(dat.bcg, list(ai = tpos, n1i = tpos + tneg, ci = cpos, n2i = cpos + cneg))
for (m in c("RR", "OR", "RD"))
  two_by_two(paste0("bcg_", tolower(m)), "BCG vaccine trials (dat.bcg, Colditz 1994), k=13", m, bcg)
zeros <- list(ai  = c(0, 3, 0, 10, 7, 0, 25),
              n1i = c(20, 25, 15, 10, 30, 8, 60),
              ci  = c(4, 0, 0, 6, 12, 12, 25),
              n2i = c(20, 25, 15, 12, 12, 30, 60))
for (m in c("RR", "OR", "RD"))
  two_by_two(paste0("zero_cells_", tolower(m)),
             "Constructed tables with a zero cell in each position, a double-zero table and no zeros", m, zeros)

# Two-group means: tiny groups (n1 + n2 - 2 <= 1 gives NA for SMD), equal means, huge groups.
two_group <- list(m1i  = c(1.5, 10, 3.2, -4, 50.25, 0, 12.5, 7),
                  sd1i = c(1, 2.5, 0.8, 3, 10, 1, 4.1, 2),
                  n1i  = c(2, 2, 3, 5, 10000, 40, 12, 1),
                  m2i  = c(0.5, 12, 3.2, -1, 50, 0.3, 9, 6),
                  sd2i = c(1.2, 2, 1.1, 2, 10.5, 1.4, 6.3, 2),
                  n2i  = c(2, 1, 2, 5, 9000, 35, 30, 2))
for (m in c("MD", "SMD")) {
  es <- escalc(measure = m, m1i = two_group$m1i, sd1i = two_group$sd1i, n1i = two_group$n1i,
               m2i = two_group$m2i, sd2i = two_group$sd2i, n2i = two_group$n2i)
  add_case(paste0("two_group_edge_", tolower(m)), "Two-group means with tiny, unbalanced and huge groups",
           m, two_group, es)
}

# Single-group pre-post: m1i = follow-up, m2i = baseline; negative, zero and near-one correlations;
# n = 2 gives NA for the standardised measures (bias correction undefined).
pre_post <- list(m_pre   = c(10, 45.2, 3.1, 60, 0.52, 20, 33),
                 m_post  = c(12, 40.1, 3.9, 61.5, 0.61, 26, 30),
                 sd_pre  = c(2, 11.3, 0.9, 14, 0.21, 5, 8),
                 sd_post = c(2.6, 9.8, 1.2, 13.1, 0.19, 7, 8.5),
                 ni      = c(15, 42, 3, 120, 27, 2, 9),
                 ri      = c(-0.5, -0.9, 0, 0.99, 0.35, 0.6, -0.2))
es <- escalc(measure = "MC", m1i = pre_post$m_post, m2i = pre_post$m_pre, sd1i = pre_post$sd_post,
             sd2i = pre_post$sd_pre, ni = pre_post$ni, ri = pre_post$ri)
add_case("pre_post_edge_mc", "Pre-post means with negative, zero and near-one correlations", "MC", pre_post, es)
es <- escalc(measure = "SMCC", m1i = pre_post$m_post, m2i = pre_post$m_pre, sd1i = pre_post$sd_post,
             sd2i = pre_post$sd_pre, ni = pre_post$ni, ri = pre_post$ri)
add_case("pre_post_edge_smcc", "Pre-post means with negative, zero and near-one correlations", "SMCC", pre_post, es)
es <- escalc(measure = "SMCR", m1i = pre_post$m_post, m2i = pre_post$m_pre, sd1i = pre_post$sd_pre,
             ni = pre_post$ni, ri = pre_post$ri)
add_case("pre_post_edge_smcr", "Pre-post means with negative, zero and near-one correlations", "SMCR", pre_post, es)

# Effects reported directly (measure GEN): with a standard error, or with a confidence interval whose
# half-width is converted to a standard error with the normal quantile; ratios on the log scale.
gen_se <- list(estimate = c(0.42, -1.3, 0, 5.5), se = c(0.11, 0.6, 0.25, 2.1))
es <- escalc(measure = "GEN", yi = gen_se$estimate, sei = gen_se$se)
add_case("gen_se", "Estimates reported with a standard error", "GEN", gen_se, es)
gen_ci <- list(estimate = c(3.2, -0.45, 1.1), ci_low = c(1.1, -0.9, 0.2), ci_high = c(5.3, 0, 2.0),
               level = c(0.95, 0.95, 0.90))
es <- escalc(measure = "GEN", yi = gen_ci$estimate,
             sei = (gen_ci$ci_high - gen_ci$ci_low) / (2 * qnorm(1 - (1 - gen_ci$level) / 2)))
add_case("gen_ci", "Differences reported with a confidence interval", "GEN", gen_ci, es)
gen_ratio <- list(estimate = c(0.75, 2.4, 1.05), ci_low = c(0.60, 1.2, 0.81), ci_high = c(0.94, 4.8, 1.36),
                  level = c(0.95, 0.95, 0.99))
es <- escalc(measure = "GEN", yi = log(gen_ratio$estimate),
             sei = (log(gen_ratio$ci_high) - log(gen_ratio$ci_low)) / (2 * qnorm(1 - (1 - gen_ratio$level) / 2)))
add_case("gen_ratio_ci", "Ratios reported with a confidence interval (log scale)", "GEN", gen_ratio, es)

# Base-R quantile computations behind the conversions (Cochrane Handbook 6.5.2.2; Wan et al. 2014).
ci_sd <- list(ci_low = c(3.10, 1.2, -4.5, 20), ci_high = c(4.10, 2.8, 1.5, 31), n = c(25, 59, 60, 200),
              level = c(0.95, 0.95, 0.95, 0.90))
crit <- ifelse(ci_sd$n < 60, qt(1 - (1 - ci_sd$level) / 2, ci_sd$n - 1), qnorm(1 - (1 - ci_sd$level) / 2))
wan <- list(median = c(52, 0.7, 18), q1 = c(44, 0.55, 12), q3 = c(61, 0.8, 27), n = c(30, 12, 250))
conversions <- list(
  sd_from_ci = c(ci_sd, list(sd = sqrt(ci_sd$n) * (ci_sd$ci_high - ci_sd$ci_low) / (2 * crit))),
  mean_sd_from_median_iqr = c(wan, list(
    mean = (wan$q1 + wan$median + wan$q3) / 3,
    sd = (wan$q3 - wan$q1) / (2 * qnorm((0.75 * wan$n - 0.125) / (wan$n + 0.25))))))

doc <- list(generator = sprintf("R %s.%s, metafor %s", R.version$major, R.version$minor,
                                as.character(packageVersion("metafor"))),
            conventions = "escalc defaults: add = 1/2, to = 'only0', drop00 = FALSE, vtype = 'LS'; +-Inf and NaN recoded to NA (null)",
            cases = cases, conversions = conversions)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), out)
cat("wrote", length(cases), "cases to", out, "\n")
