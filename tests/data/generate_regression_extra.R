# Reference meta-regressions and Egger tests from R's metafor, beyond the three meta-regressions and the
# one Egger test of tests/data/metafor_extended.json: every tau² estimator x z/Knapp-Hartung test on
# one model, categorical moderators (character columns: treatment coding, reference = first level in
# sorted order, coefficient names `namelevel`), many moderators (p = 11), tau² truncated at 0, an
# intercept-only model whose tau² is 0 (R² = 0), the minimum k = p + 1, level = 0.90, and regtest()
# with several estimators and tests.
#
# Usage (from the repository root):
#   Rscript tests/data/generate_regression_extra.R tests/data/metafor_regression_extra.json
# Needs: apt-get install -y --no-install-recommends r-base-core r-cran-metafor r-cran-jsonlite
# The output path (first argument) is required: the script writes that one file and nothing else.
# Factor levels of character moderators are sorted by R in the running locale; the committed file was
# written in the C.UTF-8 locale (code-point order, the order of Python's sorted()).
suppressPackageStartupMessages({ library(metafor); library(jsonlite) })
out <- commandArgs(trailingOnly = TRUE)[1]
ctrl <- list(maxiter = 1000, threshold = 1e-12)
num <- function(x) as.numeric(x)
methods <- c("EE", "DL", "REML", "PM", "ML", "HE", "SJ", "EB", "HS")

# Evaluate expr, collecting warning messages.
capture <- function(expr) {
  warns <- character(0)
  value <- withCallingHandlers(expr, warning = function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  list(value = value, warnings = warns)
}

# X: named list of moderator vectors (numeric or character), fitted with the formula ~ x1 + x2 + ...
# so that character moderators become treatment-coded factors as in model.matrix(); an empty list
# fits the intercept-only model.
metareg <- function(id, desc, yi, vi, X, method = "REML", test = "z", level = 0.95) {
  if (length(X)) {
    dat <- data.frame(X, stringsAsFactors = FALSE)
    f <- as.formula(paste("~", paste(names(X), collapse = " + ")))
    res <- capture(rma(yi, vi, mods = f, data = dat, method = method, test = test, level = 100 * level,
                       control = ctrl))
  } else {
    res <- capture(rma(yi, vi, method = method, test = test, level = 100 * level, control = ctrl))
  }
  fit <- res$value
  rec <- list(id = id, kind = "meta_regression", description = desc, method = method, test = test,
              level = level, input = list(yi = num(yi), vi = num(vi), mods = if (length(X)) X else setNames(list(), character(0))),
              result = list(k = fit$k, p = fit$p, coef_names = rownames(fit$beta),
                            beta = num(fit$beta), se = num(fit$se), stat = num(fit$zval), pval = num(fit$pval),
                            ci_lb = num(fit$ci.lb), ci_ub = num(fit$ci.ub),
                            qm = fit$QM, qm_df = fit$QMdf, qm_p = fit$QMp, qe = fit$QE, qe_df = fit$k - fit$p,
                            qe_p = fit$QEp, tau2 = fit$tau2, i2 = fit$I2, h2 = fit$H2,
                            r2 = if (is.null(fit$R2)) NA else fit$R2))
  if (length(res$warnings)) rec$warnings <- res$warnings
  rec
}

egger <- function(id, desc, yi, vi, method = "REML", test = "z", level = 0.95) {
  res <- capture({
    fit <- rma(yi, vi, method = method, test = test, level = 100 * level, control = ctrl)
    regtest(fit)                         # model = "rma", predictor = "sei"
  })
  eg <- res$value
  rec <- list(id = id, kind = "egger", description = desc, method = method, test = test, level = level,
              input = list(yi = num(yi), vi = num(vi)),
              result = list(k = length(yi), stat = eg$zval, pval = eg$pval, df = if (is.null(eg$dfs)) NA else eg$dfs,
                            limit_estimate = num(eg$est), limit_ci_lb = num(eg$ci.lb), limit_ci_ub = num(eg$ci.ub)))
  if (length(res$warnings)) rec$warnings <- res$warnings
  rec
}

cases <- list(); add <- function(x) cases[[length(cases) + 1]] <<- x

b <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
for (m in methods) for (t in c("z", "knha")) {
  add(metareg(sprintf("bcg_ablat_year_%s_%s", m, t), sprintf("BCG log RR on latitude and year, %s, test %s", m, t),
              b$yi, b$vi, list(ablat = b$ablat, year = b$year), method = m, test = t))
}
add(metareg("bcg_alloc_factor", "BCG log RR on allocation (3 levels, character), REML",
            b$yi, b$vi, list(alloc = b$alloc)))
add(metareg("bcg_ablat_alloc_knha90", "BCG log RR on latitude and allocation, REML, Knapp-Hartung, level 0.90",
            b$yi, b$vi, list(ablat = b$ablat, alloc = b$alloc), test = "knha", level = 0.90))
add(metareg("bcg_alloc_factor_ee", "BCG log RR on allocation (character), EE (R² from weighted lm)",
            b$yi, b$vi, list(alloc = b$alloc), method = "EE"))
add(metareg("bcg_intercept_only", "BCG log RR, intercept-only model (no moderators), REML",
            b$yi, b$vi, list()))
add(metareg("bcg_intercept_only_knha", "BCG log RR, intercept-only model, DL, Knapp-Hartung",
            b$yi, b$vi, list(), method = "DL", test = "knha"))
add(metareg("bcg_min_k", "BCG first 4 trials on latitude and year (k = p + 1), REML, Knapp-Hartung",
            b$yi[1:4], b$vi[1:4], list(ablat = b$ablat[1:4], year = b$year[1:4]), test = "knha"))

r <- dat.raudenbush1985
add(metareg("raudenbush_weeks_c", "Raudenbush 1985 SMD on min(weeks, 3): tau² truncated at 0, REML",
            r$yi, r$vi, list(weeks_c = pmin(r$weeks, 3))))
add(metareg("raudenbush_weeks_c_ml", "Raudenbush 1985 SMD on min(weeks, 3), ML",
            r$yi, r$vi, list(weeks_c = pmin(r$weeks, 3)), method = "ML"))
add(metareg("raudenbush_setting_tester_ml", "Raudenbush 1985 SMD on setting and tester (character), ML",
            r$yi, r$vi, list(setting = r$setting, tester = r$tester), method = "ML"))

mo <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.molloy2014)
add(metareg("molloy_age_quality_design_knha", "Molloy 2014 Fisher z on age, quality and design (character), REML, knha",
            mo$yi, mo$vi, list(meanage = mo$meanage, quality = mo$quality, design = mo$design), test = "knha"))
add(metareg("molloy_age_pm", "Molloy 2014 Fisher z on mean age, PM", mo$yi, mo$vi, list(meanage = mo$meanage),
            method = "PM"))

bd <- dat.bangertdrowns2004
bd <- bd[complete.cases(bd[, c("yi", "vi", "grade", "length", "wic", "feedback", "info", "pers", "imag", "meta")]), ]
bx <- list(length = bd$length, grade = as.character(bd$grade), wic = bd$wic, feedback = bd$feedback,
           info = bd$info, pers = bd$pers, imag = bd$imag, meta = bd$meta)
add(metareg("bangertdrowns_many_reml", "Bangert-Drowns 2004 SMD, complete cases, 10 coefficients + intercept, REML",
            bd$yi, bd$vi, bx))
add(metareg("bangertdrowns_many_dl_knha", "Bangert-Drowns 2004 SMD, 10 coefficients + intercept, DL, knha",
            bd$yi, bd$vi, bx, method = "DL", test = "knha"))

h <- dat.hackshaw1998
add(metareg("hackshaw_year_design_eb", "Hackshaw 1998 log OR on year and design (character), EB",
            h$yi, h$vi, list(year = h$year, design = h$design), method = "EB"))
add(metareg("hackshaw_year_design_sj_knha", "Hackshaw 1998 log OR on year and design, SJ, knha",
            h$yi, h$vi, list(year = h$year, design = h$design), method = "SJ", test = "knha"))
add(metareg("hackshaw_year_design_hs", "Hackshaw 1998 log OR on year and design, HS",
            h$yi, h$vi, list(year = h$year, design = h$design), method = "HS"))

# Homogeneous constructed set: the intercept-only REML tau² is 0, hence R² = 0.
hy <- c(0.10, 0.21, 0.15, 0.12, 0.18, 0.11, 0.16)
hv <- c(0.40, 0.55, 0.30, 0.45, 0.60, 0.35, 0.50)
add(metareg("homogeneous_r2_zero", "Constructed homogeneous set (intercept-only tau² = 0), REML",
            hy, hv, list(x = c(1, 2, 3, 4, 5, 6, 7))))

add(egger("egger_bcg_dl", "BCG log RR: regtest on a DL fit", b$yi, b$vi, method = "DL"))
add(egger("egger_bcg_ee", "BCG log RR: regtest on an EE fit", b$yi, b$vi, method = "EE"))
add(egger("egger_bcg_knha", "BCG log RR: regtest on a REML fit with Knapp-Hartung (t test)", b$yi, b$vi,
          test = "knha"))
add(egger("egger_bcg_ml_90", "BCG log RR: regtest on an ML fit at level 0.90", b$yi, b$vi, method = "ML",
          level = 0.90))
add(egger("egger_hackshaw", "Hackshaw 1998 log OR: regtest on a REML fit", h$yi, h$vi))
add(egger("egger_raudenbush", "Raudenbush 1985 SMD: regtest on a REML fit", r$yi, r$vi))
add(egger("egger_molloy_pm", "Molloy 2014 Fisher z: regtest on a PM fit", mo$yi, mo$vi, method = "PM"))
add(egger("egger_bangertdrowns", "Bangert-Drowns 2004 SMD (all 48): regtest on a REML fit",
          dat.bangertdrowns2004$yi, dat.bangertdrowns2004$vi))

doc <- list(generator = sprintf("R %s.%s, metafor %s", R.version$major, R.version$minor,
                                as.character(packageVersion("metafor"))),
            conventions = list(
              meta_regression = "rma(yi, vi, mods = ~ x1 + x2 + ..., data, method, test, level, control = list(maxiter = 1000, threshold = 1e-12)); character moderators become treatment-coded factors (levels sorted in the C.UTF-8 locale, first level the reference, coefficient names namelevel); qm is the F statistic under knha (qm_df = c(m, k-p)), qm_df = c(m, NA) otherwise; r2 NA for the intercept-only model",
              egger = "regtest(rma(yi, vi, method, test, level, control)) with its defaults: model 'rma', predictor 'sei'; limit estimate = intercept; df NA for test z"),
            cases = cases)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), out)
cat("wrote", length(cases), "cases to", out, "\n")
