# Reference random-effects fits and effect sizes from R's metafor for data sets and edge cases that
# tests/data/metafor_visible.json does not cover: larger published meta-analyses (k = 14 to 48), a
# data set with tau² near zero, subsets with k = 2 and k = 3, a homogeneous set (Q < df), huge
# heterogeneity, a study with a tiny variance, very unequal variances, negative effects, and fits at
# level = 0.90. The record format of each fit is that of the shared generator (reference/metafor/
# generate.R) plus `level`, and `warnings` / `error` where metafor warns or stops.
#
# Usage (from the repository root):
#   Rscript tests/data/generate_fits_extra.R tests/data/metafor_fits_extra.json
# Needs: apt-get install -y --no-install-recommends r-base-core r-cran-metafor r-cran-jsonlite
# The output path (first argument) is required: the script writes that one file and nothing else.
# With Debian bookworm's R 4.2.2 / metafor 3.8-1 it reproduces the committed JSON byte for byte.
suppressPackageStartupMessages({ library(metafor); library(jsonlite) })
out <- commandArgs(trailingOnly = TRUE)[1]

methods <- c("EE", "DL", "REML", "PM", "ML", "HE", "SJ", "EB", "HS")
tests <- c("z", "knha")

# Evaluate expr, collecting warning messages; an error is returned as a condition object.
capture <- function(expr) {
  warns <- character(0)
  value <- withCallingHandlers(tryCatch(expr, error = function(e) e),
                               warning = function(w) {
                                 warns <<- c(warns, conditionMessage(w))
                                 invokeRestart("muffleWarning")
                               })
  list(value = value, warnings = warns)
}

# On an error (Fisher scoring not converging), the fit is repeated with threshold = 1e-8 and
# recorded under `retry`.
fit_record <- function(yi, vi, method, test, level, threshold = 1e-12) {
  res <- capture(rma(yi, vi, method = method, test = test, level = 100 * level,
                     control = list(maxiter = 1000, threshold = threshold)))
  fit <- res$value
  if (inherits(fit, "error")) {
    rec <- list(method = method, test = test, level = level, k = length(yi), error = conditionMessage(fit))
    if (threshold < 1e-8) {
      rec$retry <- fit_record(yi, vi, method, test, level, threshold = 1e-8)
      rec$retry$threshold <- 1e-8
    }
    return(rec)
  }
  p <- predict(fit)
  rec <- list(method = method, test = test, level = level, k = fit$k,
              estimate = as.numeric(fit$beta), se = fit$se, stat = fit$zval, pval = fit$pval,
              ci_lb = fit$ci.lb, ci_ub = fit$ci.ub,
              pi_lb = if (is.null(p$pi.lb)) NA else p$pi.lb, pi_ub = if (is.null(p$pi.ub)) NA else p$pi.ub,
              tau2 = fit$tau2, i2 = fit$I2, h2 = fit$H2, q = fit$QE, q_df = fit$k - 1, q_p = fit$QEp)
  if (length(res$warnings)) rec$warnings <- res$warnings
  if (method != "EE") {
    ci <- capture(confint(fit))
    if (!inherits(ci$value, "error")) {
      r <- ci$value$random
      rec$tau2_ci_lb <- r["tau^2", "ci.lb"]; rec$tau2_ci_ub <- r["tau^2", "ci.ub"]
      rec$i2_ci_lb <- r["I^2(%)", "ci.lb"]; rec$i2_ci_ub <- r["I^2(%)", "ci.ub"]
    } else rec$confint_error <- conditionMessage(ci$value)
    if (length(ci$warnings)) rec$confint_warnings <- ci$warnings
  }
  if (method %in% c("DL", "REML") && fit$k >= 3) {
    l1 <- capture(leave1out(fit))
    if (!inherits(l1$value, "error")) {
      rec$leave1out <- list(estimate = as.numeric(l1$value$estimate), se = as.numeric(l1$value$se),
                            tau2 = as.numeric(l1$value$tau2), i2 = as.numeric(l1$value$I2))
    } else rec$leave1out_error <- conditionMessage(l1$value)
    if (length(l1$warnings)) rec$leave1out_warnings <- l1$warnings
  }
  rec
}

cases <- list()
add <- function(id, description, yi, vi, level = 0.95) {
  yi <- as.numeric(yi); vi <- as.numeric(vi)
  fits <- list()
  for (m in methods) for (t in tests) fits[[length(fits) + 1]] <- fit_record(yi, vi, m, t, level)
  cases[[length(cases) + 1]] <<- list(id = id, description = description, level = level,
                                      effect_sizes = list(yi = yi, vi = vi), fits = fits)
}

# Published data sets (yi/vi as stored in metafor, or computed with escalc defaults).
h98 <- dat.hackshaw1998
add("hackshaw1998_logor", "Passive smoking and lung cancer (dat.hackshaw1998), log odds ratios, k=37", h98$yi, h98$vi)
add("hackshaw1998_logor_l90", "dat.hackshaw1998 at level = 0.90", h98$yi, h98$vi, level = 0.90)
r85 <- dat.raudenbush1985
add("raudenbush1985_smd", "Teacher expectancy (dat.raudenbush1985), SMD, k=19; tau² near 0 for several estimators",
    r85$yi, r85$vi)
add("raudenbush1985_smd_l90", "dat.raudenbush1985 at level = 0.90", r85$yi, r85$vi, level = 0.90)
m14 <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.molloy2014)
add("molloy2014_zcor", "Conscientiousness and medication adherence (dat.molloy2014), Fisher z, k=16", m14$yi, m14$vi)
p97 <- escalc(measure = "PLO", xi = xi, ni = ni, data = dat.pritz1997)
add("pritz1997_plo", "Proportions (dat.pritz1997), logit, k=14", p97$yi, p97$vi)
b04 <- dat.bangertdrowns2004
add("bangertdrowns2004_smd", "Writing-to-learn interventions (dat.bangertdrowns2004), SMD, k=48", b04$yi, b04$vi)
k11 <- dat.konstantopoulos2011
for (d in c(58, 11)) {
  s <- k11[k11$district == d, ]
  add(sprintf("konstantopoulos2011_d%d", d),
      sprintf("Modified school calendars (dat.konstantopoulos2011), district %d, k=%d", d, nrow(s)), s$yi, s$vi)
}
s <- k11[k11$district == 18, ]
add("konstantopoulos2011_d18_k3", "dat.konstantopoulos2011 district 18, k=3", s$yi, s$vi)
add("konstantopoulos2011_d18_k3_l90", "dat.konstantopoulos2011 district 18, k=3, level = 0.90", s$yi, s$vi, level = 0.90)

# Small k.
add("k2_heterogeneous", "Two studies of dat.hackshaw1998 with different effects (k=2)", h98$yi[c(2, 3)] * c(1, -1),
    h98$vi[c(2, 3)])
add("k2_homogeneous", "Two studies with nearly equal effects (k=2)", c(0.20, 0.21), c(0.01, 0.02))
add("k3_raudenbush", "First three studies of dat.raudenbush1985 (k=3)", r85$yi[1:3], r85$vi[1:3])

# Constructed edge cases.
add("homogeneous", "Homogeneous effects, Q < df: tau² = 0 for every estimator",
    c(0.30, 0.31, 0.29, 0.30, 0.32, 0.28), c(0.05, 0.04, 0.06, 0.05, 0.03, 0.07))
add("huge_heterogeneity", "Effects spread over hundreds of units with small variances",
    c(-300, 250, 10, 800, -650, 90), c(4, 9, 1, 16, 2, 5))
add("tiny_variance", "One study with vi = 1e-8",
    c(0.1, 0.5, 0.3, 0.9, 0.45), c(1e-8, 0.05, 0.02, 0.1, 0.04))
add("unequal_variances", "Variances from 1e-4 to 25",
    c(0.42, 0.10, 1.30, -0.25, 0.80, 0.05, 2.10), c(1e-4, 0.003, 0.05, 0.4, 2.5, 10, 25))
add("negative_effects", "All effects negative, moderate heterogeneity",
    c(-0.85, -0.32, -1.40, -0.51, -0.66, -2.05, -0.12, -0.95),
    c(0.040, 0.020, 0.110, 0.035, 0.060, 0.300, 0.015, 0.080))
add("negative_effects_l90", "All effects negative, level = 0.90",
    c(-0.85, -0.32, -1.40, -0.51, -0.66, -2.05, -0.12, -0.95),
    c(0.040, 0.020, 0.110, 0.035, 0.060, 0.300, 0.015, 0.080), level = 0.90)

# Effect sizes (escalc defaults: vtype = "LS", add = 1/2, to = "only0", drop00 = FALSE).
escalc_cases <- list()
add_es <- function(id, description, measure, input, es) {
  escalc_cases[[length(escalc_cases) + 1]] <<- list(id = id, description = description, measure = measure,
                                                    input = input, yi = as.numeric(es$yi),
                                                    vi = as.numeric(es$vi))
}
n99 <- dat.normand1999[, c("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")]
for (m in c("MD", "SMD"))
  add_es(paste0("normand1999_", tolower(m)), "Length of stay (dat.normand1999), k=9", m, as.list(n99),
         escalc(measure = m, m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = n99))
# Control arms of Morris (2008), as in metafor's own test of this example; m1i = post, m2i = pre.
morrisC <- list(m_pre = c(23.1, 24.9, 0.6, 55.7, 34.8), m_post = c(19.7, 25.3, 0.6, 60.7, 33.4),
                sd_pre = c(13.8, 4.1, 0.2, 17.3, 3.1), sd_post = c(14.8, 3.3, 0.2, 17.9, 6.9),
                ni = c(20, 42, 9, 11, 14), ri = c(.47, .64, .77, .89, .44))
for (m in c("MC", "SMCC"))
  add_es(paste0("morris2008_c_", tolower(m)), "Morris 2008 control arms, k=5", m, morrisC,
         with(morrisC, escalc(measure = m, m1i = m_post, m2i = m_pre, sd1i = sd_post, sd2i = sd_pre, ni = ni, ri = ri)))
add_es("morris2008_c_smcr", "Morris 2008 control arms, k=5", "SMCR", morrisC,
       with(morrisC, escalc(measure = "SMCR", m1i = m_post, m2i = m_pre, sd1i = sd_pre, ni = ni, ri = ri)))
bcg <- with(dat.bcg, list(ai = tpos, n1i = tpos + tneg, ci = cpos, n2i = cpos + cneg))
# dat.collins1985a: b = any bleeding (NA where not reported), d = deaths (zero and double-zero tables).
col_b <- with(dat.collins1985a, list(ai = b.xti, n1i = nti, ci = b.xci, n2i = nci))
col_d <- with(dat.collins1985a, list(ai = d.xti, n1i = nti, ci = d.xci, n2i = nci))
for (m in c("RR", "OR", "RD")) {
  for (src in list(list("bcg", "BCG vaccine trials (dat.bcg), k=13", bcg),
                   list("collins1985a_bleeding", "Collins 1985 (dat.collins1985a) bleeding, with NA and zero cells", col_b),
                   list("collins1985a_deaths", "Collins 1985 (dat.collins1985a) deaths, with zero and double-zero tables", col_d))) {
    d <- src[[3]]
    add_es(paste0(src[[1]], "_", tolower(m)), src[[2]], m, d,
           escalc(measure = m, ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i))
  }
}

doc <- list(generator = sprintf("R %s.%s, metafor %s", R.version$major, R.version$minor,
                                as.character(packageVersion("metafor"))),
            conventions = list(
              fits = "rma(yi, vi, method, test, level, control = list(maxiter = 1000, threshold = 1e-12)); predict(); confint() Q-profile; leave1out() for DL/REML with k >= 3",
              errors = "error: rma() stopped (no other fields; retry: the fit with threshold = 1e-8); warnings, confint_warnings, leave1out_warnings: messages issued",
              escalc = "escalc defaults: add = 1/2, to = 'only0', drop00 = FALSE, vtype = 'LS'; NA as null"),
            cases = cases, escalc = escalc_cases)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), out)
cat("wrote", length(cases), "fit cases and", length(escalc_cases), "escalc cases to", out, "\n")
