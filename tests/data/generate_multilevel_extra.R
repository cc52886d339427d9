# Reference values for the correlated-and-hierarchical-effects (CHE) working model with CR2
# cluster-robust inference (Pustejovsky & Tipton 2022), beyond the one case (assink2016_che) of
# tests/data/metafor_extended.json: other data sets, two values of rho and rho = 0, level = 0.90,
# one effect per cluster (the two variance components are then not separately identified), mixed
# cluster sizes, and estimates on the boundary (sigma2_between or sigma2_within at 0).
#
# Every case is fitted exactly as tests/data/generate_extended.R fits `assink2016_che`:
#   V   <- vcalc(vi, cluster = cluster, obs = obs, rho = rho)
#   fit <- rma.mv(yi, V, random = ~ 1 | cluster / obs, method = "REML", level = 100 * level)
#   rob <- robust(fit, cluster = cluster, clubSandwich = TRUE)   # CR2, Satterthwaite df
# with metafor's default optimiser settings (nlminb), so the variance components carry nlminb's
# stopping tolerance (compare at 1e-5 relative; a boundary estimate is nlminb's last step towards 0,
# e.g. 1e-12, not 0).
#
# Usage (from the repository root):
#   Rscript tests/data/generate_multilevel_extra.R tests/data/metafor_multilevel_extra.json
# Needs: apt-get install -y --no-install-recommends r-base-core r-cran-metafor r-cran-jsonlite r-cran-clubsandwich
# The output path (first argument) is required: the script writes that one file and nothing else.
suppressPackageStartupMessages({ library(metafor); library(jsonlite); library(clubSandwich) })
out <- commandArgs(trailingOnly = TRUE)[1]
if (is.na(out)) stop("usage: Rscript tests/data/generate_multilevel_extra.R OUTPUT.json")

# Evaluate expr, collecting warning messages.
capture <- function(expr) {
  warns <- character(0)
  value <- withCallingHandlers(expr, warning = function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  list(value = value, warnings = warns)
}

cases <- list()
add <- function(id, description, yi, vi, cluster, obs, rho, level = 0.95) {
  yi <- as.numeric(yi); vi <- as.numeric(vi)
  cluster <- as.character(cluster); obs <- as.character(obs)
  res <- capture({
    V <- vcalc(vi, cluster = cluster, obs = obs, rho = rho)
    fit <- rma.mv(yi, V, random = ~ 1 | cluster / obs, method = "REML", level = 100 * level)
    rob <- robust(fit, cluster = cluster, clubSandwich = TRUE)
    list(fit = fit, rob = rob)
  })
  fit <- res$value$fit; rob <- res$value$rob
  # Total I² of the multilevel model (metafor's "I^2 for multilevel and multivariate models"; Nakagawa &
  # Santos 2012), the robust prediction interval, and each cluster's share of the row-sum weights.
  W <- solve(fit$V); X <- model.matrix(fit)
  P <- W - W %*% X %*% solve(t(X) %*% W %*% X) %*% t(X) %*% W
  i2 <- 100 * sum(fit$sigma2) / (sum(fit$sigma2) + (fit$k - fit$p) / sum(diag(P)))
  pred <- predict(rob)
  weights <- tapply(weights(fit, type = "rowsum"), factor(cluster, levels = unique(cluster)), sum)
  rec <- list(id = id, kind = "che_rve", description = description,
              input = list(yi = yi, vi = vi, cluster = cluster, obs = obs, rho = rho, level = level),
              k = fit$k, n_clusters = length(unique(cluster)),
              model = list(estimate = as.numeric(fit$beta), se = fit$se, ci_lb = fit$ci.lb, ci_ub = fit$ci.ub,
                           pval = fit$pval, sigma2_between = fit$sigma2[1], sigma2_within = fit$sigma2[2],
                           qe = fit$QE, qe_df = fit$k - fit$p, qe_p = fit$QEp, i2 = i2,
                           weights = as.numeric(weights)),
              robust = list(se = rob$se, df = rob$dfs, ci_lb = rob$ci.lb, ci_ub = rob$ci.ub, pval = rob$pval,
                            pi_lb = pred$pi.lb, pi_ub = pred$pi.ub))
  if (length(res$warnings)) rec$warnings <- res$warnings
  cases[[length(cases) + 1]] <<- rec
}

# Konstantopoulos (2011): 56 schools (obs) in 11 districts (cluster), standardised mean differences.
k11 <- dat.konstantopoulos2011
add("konstantopoulos2011_rho06", "Modified school calendars (dat.konstantopoulos2011): 56 schools in 11 districts, rho = 0.6",
    k11$yi, k11$vi, k11$district, k11$school, 0.6)
add("konstantopoulos2011_rho08", "dat.konstantopoulos2011, rho = 0.8",
    k11$yi, k11$vi, k11$district, k11$school, 0.8)
add("konstantopoulos2011_rho06_l90", "dat.konstantopoulos2011, rho = 0.6, level = 0.90",
    k11$yi, k11$vi, k11$district, k11$school, 0.6, level = 0.90)

# Assink & Wibbelink (2016): 100 effects in 17 studies, as in metafor_extended.json but rho = 0 and 0.8.
a16 <- dat.assink2016
add("assink2016_rho0", "Assink 2016 delinquency, 100 effects in 17 studies, rho = 0 (diagonal V)",
    a16$yi, a16$vi, a16$study, a16$esid, 0)
add("assink2016_rho08", "Assink 2016 delinquency, rho = 0.8", a16$yi, a16$vi, a16$study, a16$esid, 0.8)

# One effect per cluster: V is diagonal and sigma2_between, sigma2_within enter the model only through
# their sum; nlminb, started at equal values, keeps them (nearly) equal.
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
add("bcg_single_obs", "BCG log risk ratios (dat.bcg), 13 trials as clusters with one effect each, rho = 0.6",
    bcg$yi, bcg$vi, bcg$trial, rep(1, nrow(bcg)), 0.6)

# Credé et al. (2010): 97 correlations (Fisher z) in 68 studies, most with a single effect.
c10 <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.crede2010)
add("crede2010_mixed", "Class attendance (dat.crede2010), Fisher z: 97 effects in 68 studies (most with one), rho = 0.6",
    c10$yi, c10$vi, c10$studyid, ave(seq_along(c10$studyid), c10$studyid, FUN = seq_along), 0.6)

# Boundary: sigma2_between at 0.
k96 <- dat.kalaian1996
add("kalaian1996_between0", "SAT coaching (dat.kalaian1996): 67 effects (verbal, math) in 47 studies, rho = 0.6; sigma2_between at 0",
    k96$yi, k96$vi, k96$study, k96$outcome, 0.6)
b98 <- dat.berkey1998
add("berkey1998_between0", "Periodontal treatment (dat.berkey1998): 10 effects in 5 trials, rho = 0.6; sigma2_between at 0",
    b98$yi, b98$vi, b98$trial, b98$outcome, 0.6)

# Boundary: sigma2_within at 0 (constructed: cluster means differ, effects within a cluster nearly equal).
cl <- rep(1:8, times = c(3, 2, 4, 3, 2, 5, 3, 2))
mu <- c(0.10, 0.45, -0.20, 0.80, 0.30, 0.05, 0.60, -0.35)
off <- c(0.02, -0.01, 0.00, 0.01, -0.02, 0.03, 0.00, -0.01, 0.01, 0.02, -0.02, 0.00,
         0.01, -0.01, 0.02, 0.00, -0.03, 0.01, 0.00, 0.02, -0.01, 0.01, 0.00, -0.02)
add("constructed_within0", "Constructed: 24 effects in 8 clusters, nearly equal within clusters, rho = 0.6; sigma2_within at 0",
    mu[cl] + off, 0.02 + 0.01 * ((seq_along(cl) * 7) %% 5), cl, ave(cl, cl, FUN = seq_along), 0.6)

doc <- list(generator = sprintf("R %s.%s, metafor %s, clubSandwich %s", R.version$major, R.version$minor,
                                as.character(packageVersion("metafor")), as.character(packageVersion("clubSandwich"))),
            conventions = list(
              che_rve = "V = vcalc(vi, cluster, obs, rho); rma.mv(yi, V, random = ~ 1 | cluster/obs, method = 'REML', level = 100 * level); robust(fit, cluster, clubSandwich = TRUE): CR2 with Satterthwaite df",
              model = "estimate, se, ci_lb, ci_ub, pval: rma.mv's z test; sigma2_between, sigma2_within = fit$sigma2 (nlminb stopping tolerance); qe, qe_df, qe_p = fit$QE, k - p, fit$QEp; i2: 100 sum(sigma2) / (sum(sigma2) + (k - p) / tr(P)), P = W - WX(X'WX)^-1X'W, W = solve(fit$V); weights: weights(fit, type = 'rowsum') summed per cluster, clusters in order of first appearance",
              robust = "se, df (Satterthwaite), ci_lb, ci_ub, pval: robust.rma.mv with clubSandwich = TRUE; pi_lb, pi_ub = predict(rob)",
              input = "cluster and obs as character labels; level as a proportion"),
            cases = cases)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), out)
cat("wrote", length(cases), "cases to", out, "\n")
