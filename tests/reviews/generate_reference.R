# Reference values for the three reviews of tests/reviews/ (test_other_reviews.py), computed with metafor on the
# published data each review's workbook transcribes:
#
#   normand1999      dat.normand1999 (metadat): length of hospital stay (days) under specialist and routine
#                    care; escalc "SMD" and "MD" (group 1 = specialist care). Lower is better, so yi is negated,
#                    as the pipeline signs effects (positive = better, here a shorter stay).
#   morris2008       the treatment groups of Morris (2008), from metafor's analysis example "morris2008" (not in
#                    metadat 1.2.0): escalc "SMCR" (m1i = post, m2i = pre, sd1i = pre SD, ri reported) and "MC"
#                    (sd1i = post SD, sd2i = pre SD).
#   baskerville2012  dat.baskerville2012 (metadat): standardised mean differences with their SEs, entered by
#                    the generic inverse variance method: escalc("GEN", yi = smd, sei = se).
#
# Each analysis: the studies' yi and vi, and rma(yi, vi, method = "REML", test = "knha") (the pipeline's
# defaults, synthesis.method and synthesis.test) iterated to threshold 1e-12: estimate, se, ci, pi (predict),
# tau2, i2, q, q_p.
#
# Usage (from the repository root):
#   Rscript tests/reviews/generate_reference.R tests/reviews/reference.json
# Needs: apt-get install -y --no-install-recommends r-base-core r-cran-metafor r-cran-jsonlite
# (r-cran-metafor brings metadat). The output path (first argument) is required: the script writes that one
# file and nothing else.
suppressPackageStartupMessages({ library(metafor); library(metadat); library(jsonlite) })
out <- commandArgs(trailingOnly = TRUE)[1]
if (is.na(out)) stop("usage: Rscript generate_reference.R <output.json>")
num <- function(x) as.numeric(x)

analysis <- function(es, sign = 1) {
  yi <- sign * num(es$yi)
  vi <- num(es$vi)
  fit <- rma(yi, vi, method = "REML", test = "knha", control = list(maxiter = 1000, threshold = 1e-12))
  p <- predict(fit)
  list(k = fit$k, yi = yi, vi = vi, estimate = num(fit$b), se = fit$se, pval = fit$pval, ci_lb = fit$ci.lb,
       ci_ub = fit$ci.ub, pi_lb = p$pi.lb, pi_ub = p$pi.ub, tau2 = fit$tau2, i2 = fit$I2, q = fit$QE,
       q_p = fit$QEp)
}

n99 <- dat.normand1999
two_group <- function(measure) {
  escalc(measure = measure, m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = n99)
}
normand1999 <- list(SMD = analysis(two_group("SMD"), sign = -1), MD = analysis(two_group("MD"), sign = -1))

morris <- data.frame(m_pre = c(30.6, 23.5, 0.5, 53.4, 35.6), m_post = c(38.5, 26.8, 0.7, 75.9, 36.0),
                     sd_pre = c(15.0, 3.1, 0.1, 14.5, 4.7), sd_post = c(11.6, 4.1, 0.1, 4.4, 4.6),
                     ni = c(20, 50, 9, 10, 14), ri = c(0.47, 0.64, 0.77, 0.89, 0.44))
morris2008 <- list(
  SMCR = analysis(escalc(measure = "SMCR", m1i = m_post, m2i = m_pre, sd1i = sd_pre, ni = ni, ri = ri,
                         data = morris)),
  MC = analysis(escalc(measure = "MC", m1i = m_post, m2i = m_pre, sd1i = sd_post, sd2i = sd_pre, ni = ni, ri = ri,
                       data = morris)))

baskerville2012 <- list(SMD = analysis(escalc(measure = "GEN", yi = smd, sei = se, data = dat.baskerville2012)))

doc <- list(generator = sprintf("R %s.%s, metafor %s, metadat %s", R.version$major, R.version$minor,
                                as.character(packageVersion("metafor")), as.character(packageVersion("metadat"))),
            conventions = list(
              sign = "positive = better: normand1999 (lower is better) negated",
              fits = "rma(yi, vi, method = 'REML', test = 'knha', control = list(maxiter = 1000, threshold = 1e-12))"),
            reviews = list(normand1999 = normand1999, morris2008 = morris2008, baskerville2012 = baskerville2012))
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), out)
cat("wrote 3 reviews to", out, "\n")
