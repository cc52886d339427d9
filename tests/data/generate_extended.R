# Round-2 reference values from R metafor: meta-regression, small-study effects (regtest, ranktest,
# trimfill), influence diagnostics, cumulative meta-analysis and GOSH.
# Usage: Rscript tests/data/generate_extended.R tests/data/metafor_extended.json
# Needs: apt-get install -y --no-install-recommends r-base-core r-cran-metafor r-cran-jsonlite r-cran-clubsandwich
suppressPackageStartupMessages({ library(metafor); library(jsonlite); library(clubSandwich) })
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
ctrl <- list(maxiter = 1000, threshold = 1e-12)
num <- function(x) as.numeric(x)

metareg <- function(id, desc, yi, vi, X, method = "REML", test = "z") {
  # X: named list of numeric moderator vectors; intercept added as in metafor.
  M <- as.matrix(as.data.frame(X))
  fit <- rma(yi, vi, mods = M, method = method, test = test, control = ctrl)
  list(id = id, kind = "meta_regression", description = desc, method = method, test = test,
       input = list(yi = num(yi), vi = num(vi), mods = X),
       result = list(k = fit$k, p = fit$p, coef_names = c("intrcpt", names(X)),
                     beta = num(fit$beta), se = num(fit$se), stat = num(fit$zval), pval = num(fit$pval),
                     ci_lb = num(fit$ci.lb), ci_ub = num(fit$ci.ub),
                     qm = fit$QM, qm_df = fit$QMdf, qm_p = fit$QMp, qe = fit$QE, qe_df = fit$k - fit$p,
                     qe_p = fit$QEp, tau2 = fit$tau2, i2 = fit$I2, h2 = fit$H2,
                     r2 = if (is.null(fit$R2)) NA else fit$R2))
}

small_study <- function(id, desc, yi, vi, method = "REML") {
  fit <- rma(yi, vi, method = method, control = ctrl)
  eg <- regtest(fit)                      # model = "rma", predictor = "sei"
  rk <- ranktest(fit)
  tf <- trimfill(fit)                      # estimator L0, side chosen by metafor
  list(id = id, kind = "small_study_effects", description = desc, method = method,
       input = list(yi = num(yi), vi = num(vi)),
       egger = list(stat = eg$zval, pval = eg$pval, df = if (is.null(eg$dfs)) NA else eg$dfs,
                    limit_estimate = num(eg$est), limit_ci_lb = num(eg$ci.lb), limit_ci_ub = num(eg$ci.ub)),
       rank = list(tau = rk$tau, pval = rk$pval),
       trimfill = list(k0 = tf$k0, side = tf$side, se_k0 = tf$se.k0, estimate = num(tf$beta), se = tf$se,
                       ci_lb = tf$ci.lb, ci_ub = tf$ci.ub, tau2 = tf$tau2, k = tf$k,
                       filled_yi = num(tf$yi[tf$fill]), filled_vi = num(tf$vi[tf$fill])))
}

influence_case <- function(id, desc, yi, vi, method = "REML", test = "z", order = NULL) {
  fit <- rma(yi, vi, method = method, test = test, control = ctrl)
  inf <- influence(fit)$inf
  rec <- list(id = id, kind = "influence_cumulative", description = desc, method = method, test = test,
              input = list(yi = num(yi), vi = num(vi), order = order),
              influence = list(rstudent = num(inf$rstudent), dffits = num(inf$dffits), cook_d = num(inf$cook.d),
                               cov_r = num(inf$cov.r), tau2_del = num(inf$tau2.del), qe_del = num(inf$QE.del),
                               hat = num(inf$hat), weight = num(inf$weight), influential = as.logical(inf$inf == "*")))
  if (!is.null(order)) {
    cu <- cumul(fit, order = order)
    rec$cumulative <- list(estimate = num(cu$estimate), se = num(cu$se), ci_lb = num(cu$ci.lb),
                           ci_ub = num(cu$ci.ub), pval = num(cu$pval), tau2 = num(cu$tau2), i2 = num(cu$I2),
                           order = num(order))
  }
  rec
}

gosh_case <- function(id, desc, yi, vi, method = "REML") {
  fit <- rma(yi, vi, method = method, control = ctrl)
  g <- gosh(fit, subsets = 2^length(yi), progbar = FALSE)  # all non-empty subsets
  incl <- g$incl
  mask <- apply(incl, 1, function(r) sum(2^(which(r) - 1)))  # study i -> bit i-1
  o <- order(mask)
  list(id = id, kind = "gosh", description = desc, method = method,
       input = list(yi = num(yi), vi = num(vi)),
       result = list(mask = num(mask[o]), k = num(g$res$k[o]), estimate = num(g$res$estimate[o]),
                     tau2 = num(g$res$tau2[o]), i2 = num(g$res$I2[o]), qe = num(g$res$QE[o])))
}

che_case <- function(id, desc, yi, vi, cluster, obs, rho) {
  # Correlated and hierarchical effects (Pustejovsky & Tipton 2022): V from vcalc with a constant
  # within-study sampling correlation rho, a three-level model, and CR2 robust inference.
  V <- vcalc(vi, cluster = cluster, obs = obs, rho = rho)
  fit <- rma.mv(yi, V, random = ~ 1 | cluster / obs, method = "REML")
  rob <- robust(fit, cluster = cluster, clubSandwich = TRUE)
  list(id = id, kind = "che_rve", description = desc,
       input = list(yi = num(yi), vi = num(vi), cluster = as.character(cluster), obs = as.character(obs), rho = rho),
       model = list(estimate = num(fit$beta), se = fit$se, ci_lb = fit$ci.lb, ci_ub = fit$ci.ub, pval = fit$pval,
                    sigma2_between = fit$sigma2[1], sigma2_within = fit$sigma2[2]),
       robust = list(se = rob$se, df = rob$dfs, ci_lb = rob$ci.lb, ci_ub = rob$ci.ub, pval = rob$pval))
}

cases <- list(); add <- function(x) cases[[length(cases) + 1]] <<- x
{
  b <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
  add(metareg("bcg_ablat", "BCG log RR on absolute latitude (Colditz 1994), k=13", b$yi, b$vi, list(ablat = b$ablat)))
  add(metareg("bcg_ablat_year_knha", "BCG log RR on latitude and year, Knapp-Hartung", b$yi, b$vi,
              list(ablat = b$ablat, year = b$year), test = "knha"))
  add(metareg("bcg_alloc_dl", "BCG log RR on allocation (random vs other), DL", b$yi, b$vi,
              list(random = as.numeric(b$alloc == "random")), method = "DL"))
  add(small_study("bcg_small_study", "BCG log RR: Egger, rank correlation, trim-and-fill", b$yi, b$vi))
  add(influence_case("bcg_influence", "BCG log RR: influence diagnostics and cumulative by year", b$yi, b$vi,
                     order = b$year))
  n <- escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat.normand1999)
  a <- dat.assink2016
  add(che_case("assink2016_che", "Assink 2016 delinquency, 100 effects in 17 studies, rho = 0.6",
               a$yi, a$vi, a$study, a$esid, 0.6))
  add(gosh_case("normand1999_gosh", "Normand 1999 Hedges g: all 511 subsets (GOSH)", n$yi, n$vi))
}
doc <- list(generator = sprintf("R %s.%s, metafor %s", R.version$major, R.version$minor,
                                as.character(packageVersion("metafor"))),
            conventions = list(
              meta_regression = "rma(yi, vi, mods = matrix, method, test); coef order: intercept then mods as listed; qm is the F statistic under knha (qm_df = c(m, k-p))",
              egger = "regtest(rma fit) defaults: model 'rma', predictor 'sei'; limit estimate = intercept",
              trimfill = "trimfill(fit) defaults: estimator L0, side chosen by metafor (Egger-type test on the fit)",
              influence = "influence.rma.uni: cook.d, dffits, cov.r, tau2.del, QE.del, hat, weight (%), inf flag",
              cumulative = "cumul(fit, order = year): ties keep input order",
              che_rve = "V = vcalc(vi, cluster, obs, rho); rma.mv(yi, V, random = ~ 1 | cluster/obs, REML); robust(fit, cluster, clubSandwich = TRUE): CR2 with Satterthwaite df",
              gosh = "gosh(fit) over all non-empty subsets; mask bit i-1 = study i included; rows sorted by mask"),
            cases = cases)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), out)
cat("wrote", length(cases), "cases to", out, "\n")
