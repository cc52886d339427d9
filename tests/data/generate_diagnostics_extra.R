# Reference influence diagnostics (metafor's influence.rma.uni) and cumulative meta-analyses
# (cumul.rma.uni) beyond the single REML/z case `bcg_influence` of tests/data/metafor_extended.json:
# every tau² estimator x z/Knapp-Hartung test on one data set, DL/EE on other data sets, studies that
# metafor flags as influential (by DFFITS, Cook's distance, hat value or DFBETAS), k = 2 (leave-one-out
# fits of a single study), a Knapp-Hartung leave-one-out fit with zero residual heterogeneity (infinite
# DFFITS), cumulative orders with ties, decreasing order and level = 0.90.
#
# Usage (from the repository root):
#   Rscript tests/data/generate_diagnostics_extra.R tests/data/metafor_diagnostics_extra.json
# Needs: apt-get install -y --no-install-recommends r-base-core r-cran-metafor r-cran-jsonlite
# The output path (first argument) is required: the script writes that one file and nothing else.
#
# Record of each case (`kind` = "influence_cumulative"): `method`, `test`, `level`; `input` {yi, vi,
# order (the sort key passed to cumul(), null for the input order), decreasing}; `influence` (one value
# per study, input order: rstudent, dffits, cook_d, cov_r, tau2_del, qe_del, hat, weight in percent,
# influential = metafor's "*" flag); `cumulative` (one value per step: added = 0-based input position of
# the study added at that step, k, estimate, se, stat, pval, ci_lb, ci_ub, q, q_p, tau2 (null for EE, as
# metafor drops it), i2, h2); `warnings` issued by rma(). Numbers at 15 significant digits; non-finite
# values as the strings "Inf", "-Inf", "NaN" and R's NA as "NA".
suppressPackageStartupMessages({ library(metafor); library(jsonlite) })
out <- commandArgs(trailingOnly = TRUE)[1]
ctrl <- list(maxiter = 1000, threshold = 1e-12)
num <- function(x) as.numeric(x)

case <- function(id, desc, yi, vi, method = "REML", test = "z", level = 0.95, order = NULL,
                 decreasing = FALSE) {
  yi <- num(yi); vi <- num(vi)
  warns <- character(0)
  fit <- withCallingHandlers(rma(yi, vi, method = method, test = test, level = 100 * level, control = ctrl),
                             warning = function(w) {
                               warns <<- c(warns, conditionMessage(w))
                               invokeRestart("muffleWarning")
                             })
  inf <- influence(fit)$inf
  key <- if (is.null(order)) seq_along(yi) else order
  cu <- suppressWarnings(cumul(fit, order = key, decreasing = decreasing))
  rec <- list(id = id, kind = "influence_cumulative", description = desc, method = method, test = test,
              level = level, input = list(yi = yi, vi = vi, order = order, decreasing = decreasing),
              influence = list(rstudent = num(inf$rstudent), dffits = num(inf$dffits), cook_d = num(inf$cook.d),
                               cov_r = num(inf$cov.r), tau2_del = num(inf$tau2.del), qe_del = num(inf$QE.del),
                               hat = num(inf$hat), weight = num(inf$weight),
                               influential = as.logical(inf$inf == "*")),
              cumulative = list(added = order(key, decreasing = decreasing) - 1, k = seq_along(yi),
                                estimate = num(cu$estimate), se = num(cu$se),
                                stat = num(if (is.null(cu$zval)) cu$tval else cu$zval), pval = num(cu$pvals),
                                ci_lb = num(cu$ci.lb), ci_ub = num(cu$ci.ub), q = num(cu$Q), q_p = num(cu$Qp),
                                tau2 = if (is.null(cu$tau2)) NULL else num(cu$tau2), i2 = num(cu$I2),
                                h2 = num(cu$H2)))
  if (length(warns)) rec$warnings <- unique(warns)
  rec
}

cases <- list()
add <- function(rec) cases[[length(cases) + 1]] <<- rec

# Normand (1999), Hedges' g, k = 9; study 3 is flagged under every estimator. Cumulative by total
# sample size (no ties): every estimator x test.
n99 <- escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
              data = dat.normand1999)
for (m in c("EE", "DL", "REML", "PM", "ML", "HE", "SJ", "EB", "HS")) for (t in c("z", "knha"))
  add(case(sprintf("normand1999_%s_%s", tolower(m), t),
           sprintf("dat.normand1999 Hedges' g, k=9, %s/%s; cumulative by n1i + n2i", m, t),
           n99$yi, n99$vi, m, t, order = n99$n1i + n99$n2i))
# Raudenbush (1985), k = 19: study 10 flagged (DFFITS and Cook's distance); cumulative by year (ties).
r85 <- dat.raudenbush1985
add(case("raudenbush1985_reml_z", "dat.raudenbush1985, k=19, REML/z; cumulative by year (ties)",
         r85$yi, r85$vi, "REML", "z", order = r85$year))
add(case("raudenbush1985_dl_knha_l90", "dat.raudenbush1985, DL/knha, level 0.90; cumulative by year, decreasing",
         r85$yi, r85$vi, "DL", "knha", level = 0.90, order = r85$year, decreasing = TRUE))
# Bangert-Drowns (2004), k = 48: study 46 flagged (DFFITS); cumulative by year (many ties).
b04 <- dat.bangertdrowns2004
add(case("bangertdrowns2004_dl_z", "dat.bangertdrowns2004, k=48, DL/z; cumulative by year", b04$yi, b04$vi,
         "DL", "z", order = b04$year))
add(case("bangertdrowns2004_reml_knha", "dat.bangertdrowns2004, REML/knha; cumulative by year", b04$yi, b04$vi,
         "REML", "knha", order = b04$year))
# BCG trials (log RR as in metafor_extended.json): EE flags studies 4, 6, 8; DL/knha none.
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
add(case("bcg_ee_z", "dat.bcg log RR, EE/z; cumulative by year", bcg$yi, bcg$vi, "EE", "z", order = bcg$year))
add(case("bcg_dl_knha", "dat.bcg log RR, DL/knha; cumulative by year, decreasing", bcg$yi, bcg$vi, "DL", "knha",
         order = bcg$year, decreasing = TRUE))
add(case("bcg_ml_z_ablat", "dat.bcg log RR, ML/z; cumulative by absolute latitude (ties)", bcg$yi, bcg$vi,
         "ML", "z", order = bcg$ablat))
# Constructed cases.
tiny <- list(yi = c(0.1, 0.5, 0.3, 0.9, 0.45), vi = c(1e-8, 0.05, 0.02, 0.1, 0.04))
add(case("tiny_variance_reml_z", "One study with vi = 1e-8 (|DFFITS| about 1370, flagged); cumulative in input order",
         tiny$yi, tiny$vi, "REML", "z"))
add(case("tiny_variance_dl_knha", "One study with vi = 1e-8, DL/knha", tiny$yi, tiny$vi, "DL", "knha"))
add(case("k2_reml_z", "k = 2: leave-one-out fits of a single study (test z, tau² 0, Q 0); both flagged",
         c(0.2, 0.5), c(0.01, 0.03), "REML", "z"))
add(case("k2_reml_knha", "k = 2, REML/knha (the single-study fits use test z)", c(0.2, 0.5), c(0.01, 0.03),
         "REML", "knha", order = c(2, 1)))
add(case("knha_zero_rss", "REML/knha, two equal effects: leaving out study 3 gives s2w = 0 (Inf DFFITS)",
         c(1, 1, 1.5), c(0.1, 0.2, 0.3), "REML", "knha"))
add(case("homogeneous_ee", "Equal effects, EE/z: Q = 0 at every cumulative step (I² 0, H² 0)",
         c(1, 1, 1, 1), c(0.1, 0.2, 0.3, 0.4), "EE", "z"))
add(case("homogeneous_reml_z", "Equal effects, REML/z: zero residuals", c(1, 1, 1, 1), c(0.1, 0.2, 0.3, 0.4),
         "REML", "z", order = c(3, 1, 4, 1)))

doc <- list(generator = sprintf("R %s.%s, metafor %s", R.version$major, R.version$minor,
                                as.character(packageVersion("metafor"))),
            conventions = list(
              fit = "rma(yi, vi, method, test, level = 100 * level, control = list(maxiter = 1000, threshold = 1e-12))",
              influence = "influence(fit)$inf: rstudent, dffits, cook.d, cov.r, tau2.del, QE.del, hat, weight (%), inf == '*'",
              cumulative = "cumul(fit, order = key, decreasing): key = input.order, or 1..k when null; added = order(key, decreasing = decreasing) - 1 (ties keep input order)",
              numbers = "15 significant digits; non-finite as 'Inf', '-Inf', 'NaN'; NA as 'NA'; NULL (no order, EE tau2) as null"),
            cases = cases)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, na = "string", null = "null", pretty = TRUE), out)
cat("wrote", length(cases), "cases to", out, "\n")
