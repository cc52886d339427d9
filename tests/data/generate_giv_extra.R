# Reference values for effects entered by the generic inverse variance method (an estimate with its SE or CI),
# mean changes with an SE but no number of participants, and analyses in the instrument's own units (MD, MC):
#
#   contrasts   one contrast row each (statistic, estimate, se, ci_low, ci_high, ci_level) and escalc's yi, vi:
#               escalc("GEN", yi, sei) with sei = se, or (ci_high - ci_low) / (2 * qnorm(1 - (1 - level) / 2));
#               ratios (rr, or, hr) on the log scale: yi = log(estimate), sei from the log limits (Cochrane
#               Handbook 6.3.2); log_* statistics are already on the log scale
#   mc_se       mean changes with an SE: escalc("MC", m1i = change, m2i = 0, sd1i = se * sqrt(ni), sd2i = 0,
#               ni, ri = 0), whose vi = se^2 whatever ni; and with a 95% CI: escalc("GEN", sei = width / (2 z))
#   two_group   four studies' final values on a 0-100 scale: escalc "MD" and "SMD", and rma() of each
#   pre_post    four arms' changes (mean, SD, n) and one arm's change with an SE only: escalc "MC" (m1i = change,
#               m2i = 0, sd1i = SD, sd2i = 0, ri = 0) and "SMCC" of the four, and rma() of the five MCs and
#               of the four SMCCs
#
# rma() fits: method REML with test knha (the pipeline's defaults) and method DL with test z, iterated to
# threshold 1e-12 (as generate_visible.R; metafor's default 1e-5 stops REML short of the engine's precision);
# estimate, se, ci, pi (predict), tau2, i2, q, q_p.
#
# Usage (from the repository root):
#   Rscript tests/data/generate_giv_extra.R tests/data/metafor_giv_extra.json
# Needs: apt-get install -y --no-install-recommends r-base-core r-cran-metafor r-cran-jsonlite
# The output path (first argument) is required: the script writes that one file and nothing else.
# With Debian bookworm's R 4.2.2 / metafor 3.8-1 it reproduces the committed JSON byte for byte.
suppressPackageStartupMessages({ library(metafor); library(jsonlite) })
out <- commandArgs(trailingOnly = TRUE)[1]
if (is.na(out)) stop("usage: Rscript generate_giv_extra.R <output.json>")
num <- function(x) as.numeric(x)
z_of <- function(level) qnorm(1 - (1 - level / 100) / 2)

# Contrasts -------------------------------------------------------------------------------------------------
contrasts <- list()
contrast <- function(id, statistic, estimate, se = NA, ci_low = NA, ci_high = NA, ci_level = NA) {
  level <- if (is.na(ci_level)) 95 else ci_level
  ratio <- statistic %in% c("rr", "or", "hr")
  yi <- if (ratio) log(estimate) else estimate
  sei <- if (!is.na(se) && !ratio) se else if (ratio) {
    (log(ci_high) - log(ci_low)) / (2 * z_of(level))
  } else {
    (ci_high - ci_low) / (2 * z_of(level))
  }
  es <- escalc(measure = "GEN", yi = yi, sei = sei)
  contrasts[[length(contrasts) + 1]] <<- list(
    id = id, statistic = statistic, estimate = estimate, se = se, ci_low = ci_low, ci_high = ci_high,
    ci_level = ci_level, yi = num(es$yi), vi = num(es$vi))
}
contrast("md_se", "md", 4.2, se = 1.35)
contrast("md_ci95", "md", -3.1, ci_low = -5.21, ci_high = -1.02)
contrast("ls_md_ci90", "ls_md", 2.75, ci_low = 0.4, ci_high = 5.1, ci_level = 90)
contrast("smd_ci99", "smd", 0.31, ci_low = 0.02, ci_high = 0.6, ci_level = 99)
contrast("rr_ci95", "rr", 0.72, ci_low = 0.55, ci_high = 0.94)
contrast("or_ci95", "or", 1.85, ci_low = 1.12, ci_high = 3.06)
contrast("hr_ci95", "hr", 0.64, ci_low = 0.47, ci_high = 0.87)
contrast("hr_ci90", "hr", 1.21, ci_low = 0.98, ci_high = 1.5, ci_level = 90)
contrast("log_or_se", "log_or", 0.42, se = 0.17)
contrast("log_rr_ci95", "log_rr", -0.25, ci_low = -0.51, ci_high = 0.01)
contrast("log_hr_se", "log_hr", -0.36, se = 0.12)

# Mean changes with an SE (no n) ----------------------------------------------------------------------------
mc <- list(change = c(6.4, -2.1, 11.8), se = c(1.9, 0.8, 3.05), ni = c(25, 140, 9))
zero <- rep(0, length(mc$change))
es <- escalc(measure = "MC", m1i = mc$change, m2i = zero, sd1i = mc$se * sqrt(mc$ni), sd2i = zero, ni = mc$ni,
             ri = zero)
mc_ci <- list(change = c(5.0, -1.4), ci_low = c(1.2, -2.9), ci_high = c(8.8, 0.1))
es_ci <- escalc(measure = "GEN", yi = mc_ci$change, sei = (mc_ci$ci_high - mc_ci$ci_low) / (2 * qnorm(0.975)))
mc_se <- list(se = c(mc, list(yi = num(es$yi), vi = num(es$vi))),
              ci = c(mc_ci, list(yi = num(es_ci$yi), vi = num(es_ci$vi))))

# Pooled models in raw units (and their standardised twins) ---------------------------------------------------
fits <- function(yi, vi) {
  lapply(list(c("REML", "knha"), c("DL", "z")), function(mt) {
    fit <- rma(yi, vi, method = mt[1], test = mt[2], control = list(maxiter = 1000, threshold = 1e-12))
    p <- predict(fit)
    list(method = mt[1], test = mt[2], estimate = num(fit$b), se = fit$se, ci_lb = fit$ci.lb, ci_ub = fit$ci.ub,
         pi_lb = p$pi.lb, pi_ub = p$pi.ub, tau2 = fit$tau2, i2 = fit$I2, q = fit$QE, q_p = fit$QEp)
  })
}
model <- function(es) list(yi = num(es$yi), vi = num(es$vi), fits = fits(es$yi, es$vi))

final <- list(m1i = c(62.5, 55.0, 71.2, 48.9), sd1i = c(18.2, 21.5, 15.9, 20.3), n1i = c(48, 110, 35, 72),
              m2i = c(55.1, 51.3, 60.4, 47.2), sd2i = c(19.0, 22.8, 17.1, 18.7), n2i = c(50, 104, 33, 70))
md <- escalc(measure = "MD", m1i = final$m1i, sd1i = final$sd1i, n1i = final$n1i,
             m2i = final$m2i, sd2i = final$sd2i, n2i = final$n2i)
smd <- escalc(measure = "SMD", m1i = final$m1i, sd1i = final$sd1i, n1i = final$n1i,
              m2i = final$m2i, sd2i = final$sd2i, n2i = final$n2i)
two_group <- list(input = final, md = model(md), smd = model(smd))

change <- list(change = c(12.4, 8.9, 15.2, 6.1), sd = c(14.8, 12.1, 17.5, 10.4), ni = c(40, 95, 28, 61),
               only_se = list(change = 9.7, se = 2.6))
zero <- rep(0, length(change$change))
mcs <- escalc(measure = "MC", m1i = change$change, m2i = zero, sd1i = change$sd, sd2i = zero, ni = change$ni,
              ri = zero)
smcc <- escalc(measure = "SMCC", m1i = change$change, m2i = zero, sd1i = change$sd, sd2i = zero, ni = change$ni,
               ri = zero)
all_mc <- list(yi = c(num(mcs$yi), change$only_se$change), vi = c(num(mcs$vi), change$only_se$se^2))
pre_post <- list(input = change, mc = list(yi = all_mc$yi, vi = all_mc$vi, fits = fits(all_mc$yi, all_mc$vi)),
                 smcc = model(smcc))

doc <- list(generator = sprintf("R %s.%s, metafor %s", R.version$major, R.version$minor,
                                as.character(packageVersion("metafor"))),
            conventions = list(
              gen = "escalc(measure = 'GEN', yi, sei); sei from a CI: width / (2 * qnorm(1 - (1 - level) / 2))",
              ratios = "rr, or, hr: yi = log(estimate), sei from log(ci_low), log(ci_high)",
              mc = "escalc(measure = 'MC', m1i = change, m2i = 0, sd1i, sd2i = 0, ni, ri = 0)",
              fits = "rma(yi, vi, method, test, control = list(maxiter = 1000, threshold = 1e-12)); pi from predict()"),
            contrasts = contrasts, mc_se = mc_se, two_group = two_group, pre_post = pre_post)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), out)
cat("wrote", length(contrasts), "contrasts and 2 pooled data sets to", out, "\n")
