# Reference values from R's metafor for the rank correlation test (ranktest) and trim-and-fill
# (trimfill), beyond the single case of metafor_extended.json: every tau² estimator, the filled side
# on the right and on the left, k0 = 0, the R0/Q0 estimators and a given side, ties (in vi, in the
# standardised deviates, in yi and in |yi - estimate|), k = 2 and 3, equal variances, strong
# asymmetry (tiny exact p-values) and k = 60, 170 and 171 (the largest k with R's exact Kendall
# p-value is 170; at 171 cor.test returns NaN).
#
# Each case: id, description, method, side (requested; null = chosen by metafor), estimator,
# input {yi, vi};
#   rank        = ranktest(fit)                (tau, pval; null = NA)
#   rank_approx = ranktest(fit, exact = FALSE) (tau, pval: the normal approximation)
#   trimfill    = trimfill(fit, side, estimator): k0, side, se_k0, estimate, se, ci_lb, ci_ub, tau2, k,
#                 filled_yi, filled_vi (arrays, the filled studies in metafor's order)
#   or trimfill_error = the message when trimfill() stops; *_warnings = warning messages issued.
# fit = rma(yi, vi, method = method, control = list(maxiter = 1000, threshold = 1e-12)); trimfill()
# passes no control to the models it fits itself (rma.uni defaults: threshold 1e-5, maxiter 100).
#
# Usage (from the repository root):
#   Rscript tests/data/generate_small_study_extra.R tests/data/metafor_small_study_extra.json
# Needs: apt-get install -y --no-install-recommends r-base-core r-cran-metafor r-cran-jsonlite
# The output path (first argument) is required: the script writes that one file and nothing else.
suppressPackageStartupMessages({ library(metafor); library(jsonlite) })
out <- commandArgs(trailingOnly = TRUE)[1]
if (is.na(out)) stop("usage: Rscript generate_small_study_extra.R <output.json>")
ctrl <- list(maxiter = 1000, threshold = 1e-12)
num <- function(x) as.numeric(x)

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

rank_record <- function(res) {
  r <- res$value
  list(tau = num(r$tau), pval = num(r$pval))
}

small_study <- function(id, desc, yi, vi, method = "REML", side = NULL, estimator = "L0") {
  fit <- rma(yi, vi, method = method, control = ctrl)
  rk <- capture(ranktest(fit))
  rka <- capture(ranktest(fit, exact = FALSE))
  tf <- capture(if (is.null(side)) trimfill(fit, estimator = estimator)
                else trimfill(fit, side = side, estimator = estimator))
  rec <- list(id = id, description = desc, method = method, side = if (is.null(side)) NA else side,
              estimator = estimator, input = list(yi = I(num(yi)), vi = I(num(vi))),
              rank = rank_record(rk), rank_approx = rank_record(rka))
  if (length(rk$warnings)) rec$rank_warnings <- rk$warnings
  t <- tf$value
  if (inherits(t, "error")) {
    rec$trimfill_error <- conditionMessage(t)
  } else {
    rec$trimfill <- list(k0 = t$k0, side = t$side, se_k0 = t$se.k0, estimate = num(t$beta), se = t$se,
                         ci_lb = t$ci.lb, ci_ub = t$ci.ub, tau2 = t$tau2, k = t$k,
                         filled_yi = I(num(t$yi[t$fill])), filled_vi = I(num(t$vi[t$fill])))
  }
  if (length(tf$warnings)) rec$trimfill_warnings <- tf$warnings
  rec
}

cases <- list(); add <- function(x) cases[[length(cases) + 1]] <<- x
methods <- c("EE", "DL", "REML", "ML", "PM", "HE", "SJ", "EB", "HS")

# Published data sets.
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
for (m in methods)
  add(small_study(paste0("bcg_", tolower(m)), "BCG log RR (dat.bcg), k=13: filled on the right", bcg$yi, bcg$vi, m))
for (e in c("R0", "Q0"))
  add(small_study(paste0("bcg_reml_", tolower(e)), "BCG log RR, REML", bcg$yi, bcg$vi, "REML", estimator = e))
add(small_study("bcg_reml_side_left", "BCG log RR, REML, side given", bcg$yi, bcg$vi, "REML", side = "left"))
add(small_study("bcg_negated_reml", "BCG log RR negated: filled on the left", -bcg$yi, bcg$vi, "REML"))
add(small_study("bcg_negated_dl_r0", "BCG log RR negated, DL, R0", -bcg$yi, bcg$vi, "DL", estimator = "R0"))

mag <- escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.egger2001)
for (m in c("EE", "DL", "REML", "PM"))
  add(small_study(paste0("egger2001_", tolower(m)), "Magnesium trials log OR (dat.egger2001), k=16", mag$yi, mag$vi, m))
add(small_study("egger2001_reml_q0", "Magnesium trials log OR, REML, Q0", mag$yi, mag$vi, "REML", estimator = "Q0"))

hack <- dat.hackshaw1998
for (m in c("EE", "DL", "REML", "ML", "EB", "SJ"))
  add(small_study(paste0("hackshaw1998_", tolower(m)), "Passive smoking log OR (dat.hackshaw1998), k=37",
                  hack$yi, hack$vi, m))
add(small_study("hackshaw1998_reml_r0", "Passive smoking log OR, REML, R0", hack$yi, hack$vi, "REML", estimator = "R0"))

raud <- dat.raudenbush1985
for (m in c("REML", "DL", "HE", "HS"))
  add(small_study(paste0("raudenbush1985_", tolower(m)), "Teacher expectancy SMD (dat.raudenbush1985), k=19",
                  raud$yi, raud$vi, m))
leh <- dat.lehmann2018
add(small_study("lehmann2018_reml", "Red and romantic attraction SMD (dat.lehmann2018), k=81", leh$yi, leh$vi, "REML"))
add(small_study("lehmann2018_dl", "Red and romantic attraction SMD (dat.lehmann2018), k=81", leh$yi, leh$vi, "DL"))
bd <- dat.bangertdrowns2004[!is.na(dat.bangertdrowns2004$yi), ]
add(small_study("bangertdrowns2004_reml", "Writing-to-learn SMD (dat.bangertdrowns2004), k=48: ties in yi",
                bd$yi, bd$vi, "REML"))
mol <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.molloy2014)
add(small_study("molloy2014_reml", "Conscientiousness and adherence, Fisher z (dat.molloy2014), k=16: ties in vi",
                mol$yi, mol$vi, "REML"))
add(small_study("molloy2014_pm", "Conscientiousness and adherence, Fisher z, PM", mol$yi, mol$vi, "PM"))
pri <- escalc(measure = "PLO", xi = xi, ni = ni, data = dat.pritz1997)
add(small_study("pritz1997_reml", "Stroke recovery logit proportions (dat.pritz1997), k=14", pri$yi, pri$vi, "REML"))

# Constructed data.
sym_y <- 0.3 + c(-0.5, -0.2, -0.1, 0, 0.12, 0.21, 0.48)
sym_v <- c(0.20, 0.05, 0.02, 0.01, 0.021, 0.052, 0.19)
for (m in c("REML", "EE", "DL"))
  add(small_study(paste0("symmetric_", tolower(m)), "Nearly symmetric funnel: k0 = 0", sym_y, sym_v, m))
dup_y <- c(0.10, 0.10, 0.35, 0.35, 0.80, 0.80, 0.55, 0.05)
dup_v <- c(0.01, 0.01, 0.04, 0.04, 0.20, 0.20, 0.10, 0.015)
add(small_study("duplicated_reml", "Duplicated studies: ties in vi, in the deviates and in |yi - estimate|", dup_y, dup_v, "REML"))
add(small_study("duplicated_dl_r0", "Duplicated studies, DL, R0", dup_y, dup_v, "DL", estimator = "R0"))
tie_y <- c(0.2, 0.2, 0.2, 0.5, 0.9, 0.9, 1.3, 0.4, 0.1)
tie_v <- c(0.010, 0.030, 0.020, 0.050, 0.120, 0.080, 0.300, 0.040, 0.015)
add(small_study("tied_yi_reml", "Ties in yi with different vi (sort order of the filled studies)", tie_y, tie_v, "REML"))
add(small_study("tied_yi_ee", "Ties in yi with different vi, EE", tie_y, tie_v, "EE"))
add(small_study("tied_yi_negated_ml", "Ties in yi, negated, ML", -tie_y, tie_v, "ML"))
eq_y <- c(0.1, 0.4, 0.25, 0.9, -0.2, 0.6)
add(small_study("equal_vi_reml", "All vi equal: tau undefined, side cannot be chosen", eq_y, rep(0.04, 6), "REML"))
add(small_study("equal_vi_reml_side_right", "All vi equal, side given", eq_y, rep(0.04, 6), "REML", side = "right"))
add(small_study("k2_ee", "k = 2, EE: the side regression fits exactly", c(0.1, 0.5), c(0.01, 0.04), "EE"))
add(small_study("k2_reml", "k = 2, REML: metafor cannot choose the side", c(0.1, 0.5), c(0.01, 0.04), "REML"))
add(small_study("k2_reml_side_left", "k = 2, REML, side given", c(0.1, 0.5), c(0.01, 0.04), "REML", side = "left"))
add(small_study("k3_reml", "k = 3, REML", c(0.1, 0.5, 0.3), c(0.01, 0.04, 0.02), "REML"))
add(small_study("k3_dl", "k = 3, DL", c(0.1, 0.5, 0.3), c(0.01, 0.04, 0.02), "DL"))

set.seed(20240611)
v30 <- runif(30, 0.005, 0.4)
y30 <- 0.2 + 1.5 * sqrt(v30) + rnorm(30, 0, 0.05)
add(small_study("strong_asymmetry_reml", "Simulated, k = 30, effects grow with the SE: tiny exact p", y30, v30, "REML"))
add(small_study("strong_asymmetry_dl", "Simulated, k = 30, effects grow with the SE, DL", y30, v30, "DL"))
v60 <- runif(60, 0.01, 0.3)
y60 <- 0.1 + 0.4 * sqrt(v60) + rnorm(60, 0, sqrt(v60 + 0.02))
add(small_study("sim_k60_reml", "Simulated, k = 60 (exact p beyond cor.test's default n < 50)", y60, v60, "REML"))
v170 <- runif(170, 0.01, 0.3)
y170 <- -0.2 - 0.3 * sqrt(v170) + rnorm(170, 0, sqrt(v170 + 0.05))
add(small_study("sim_k170_dl", "Simulated, k = 170: the largest k with R's exact p", y170, v170, "DL"))
v171 <- runif(171, 0.01, 0.3)
y171 <- 0.3 * sqrt(v171) + rnorm(171, 0, sqrt(v171 + 0.05))
add(small_study("sim_k171_dl", "Simulated, k = 171: R's exact p is NaN (gamma(172) overflows)", y171, v171, "DL"))

doc <- list(generator = sprintf("R %s.%s, metafor %s", R.version$major, R.version$minor,
                                as.character(packageVersion("metafor"))),
            conventions = list(
              fit = "rma(yi, vi, method, control = list(maxiter = 1000, threshold = 1e-12))",
              rank = "ranktest(fit): cor.test(kendall, exact = TRUE); rank_approx: ranktest(fit, exact = FALSE); null = NA",
              trimfill = "trimfill(fit) with side (null: chosen by metafor) and estimator; its own fits use rma.uni's default control; filled_yi/filled_vi in metafor's order; trimfill_error: the message when it stops"),
            cases = cases)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), out)
cat("wrote", length(cases), "cases to", out, "\n")
