# Reference values for ratio measures shown on their natural scale (summary of findings, forest plots): the
# pooled log risk, odds or hazard ratio of an event back-transformed by metafor's predict(fit, transf = exp), and the
# absolute risks per 1,000 of a summary-of-findings table (Cochrane Handbook 14.1.5): the assumed comparator
# risk (ACR) is the median comparator-arm risk of the studies; the intervention risk is ACR x RR,
# ACR x OR / (1 - ACR + ACR x OR), or 1 - (1 - ACR)^HR, applied to the estimate and to each confidence limit.
#
# Each case: id, description, measure, event (adverse: fewer is better, so the pipeline stores the log ratio
# with its sign flipped; favourable: stored as it is), input {ai, n1i, ci, n2i} (events and group sizes,
# intervention then comparator), yi and vi (escalc, the event's own log ratios; for HR given as reported),
#   fit     = rma(yi, vi, method = "REML", test = "knha", control = list(maxiter = 1000, threshold = 1e-12)):
#             estimate, ci_lb, ci_ub, pi_lb, pi_ub (log scale)
#   ratio   = predict(fit, transf = exp): pred, ci_lb, ci_ub, pi_lb, pi_ub
#   acr     = median(ci / n2i)
#   risk    = intervention risk at pred, ci_lb and ci_ub (RR: capped at 1)
#
# Usage (from the repository root):
#   Rscript tests/data/generate_ratios_extra.R tests/data/metafor_ratios_extra.json
# Needs: apt-get install -y --no-install-recommends r-base-core r-cran-metafor r-cran-jsonlite
# The output path (first argument) is required: the script writes that one file and nothing else.
suppressPackageStartupMessages({ library(metafor); library(jsonlite) })
out <- commandArgs(trailingOnly = TRUE)[1]
if (is.na(out)) stop("usage: Rscript generate_ratios_extra.R <output.json>")
num <- function(x) as.numeric(x)

cases <- list()
corresponding <- function(measure, acr, ratio) {
  switch(measure, RR = pmin(1, acr * ratio), OR = acr * ratio / (1 - acr + acr * ratio), HR = 1 - (1 - acr)^ratio)
}
add <- function(id, description, measure, event, d) {
  es <- if (measure == "HR") list(yi = d$yi, vi = d$vi) else
    escalc(measure = measure, ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i)
  fit <- rma(es$yi, es$vi, method = "REML", test = "knha", control = list(maxiter = 1000, threshold = 1e-12))
  p <- predict(fit, transf = exp)
  acr <- median(d$ci / d$n2i)
  ratio <- c(p$pred, p$ci.lb, p$ci.ub)
  risk <- corresponding(measure, acr, ratio)
  cases[[length(cases) + 1]] <<- list(
    id = id, description = description, measure = measure, event = event, input = d,
    yi = num(es$yi), vi = num(es$vi),
    fit = list(estimate = num(fit$b), ci_lb = fit$ci.lb, ci_ub = fit$ci.ub,
               pi_lb = predict(fit)$pi.lb, pi_ub = predict(fit)$pi.ub),
    ratio = list(pred = num(p$pred), ci_lb = num(p$ci.lb), ci_ub = num(p$ci.ub),
                 pi_lb = num(p$pi.lb), pi_ub = num(p$pi.ub)),
    acr = acr, risk = num(risk))
}

problems <- list(ai = c(12, 20, 8, 30, 15), n1i = c(60, 80, 40, 100, 50),
                 ci = c(22, 31, 14, 45, 21), n2i = c(58, 82, 41, 98, 52))
add("adverse_rr", "Five studies of an adverse event (participants with a problem), risk ratio", "RR", "adverse",
    problems)
add("adverse_or", "The same five studies, odds ratio", "OR", "adverse", problems)
responders <- list(ai = c(40, 33, 61), n1i = c(70, 60, 90), ci = c(52, 20, 38), n2i = c(68, 61, 88))
add("favourable_rr", "Three studies of a favourable event (responders) with a high comparator risk, risk ratio",
    "RR", "favourable", responders)
deterioration <- list(yi = log(c(0.71, 0.85, 0.62, 0.93)), vi = c(0.031, 0.052, 0.044, 0.027),
                      n1i = c(90, 60, 75, 120), ci = c(30, 22, 28, 47), n2i = c(88, 61, 74, 118))
add("adverse_hr", "Four reported hazard ratios of an adverse event (time to deterioration), comparator risks",
    "HR", "adverse", deterioration)

doc <- list(generator = sprintf("R %s.%s, metafor %s", R.version$major, R.version$minor,
                                as.character(packageVersion("metafor"))),
            conventions = list(
              fit = paste("rma(yi, vi, method = 'REML', test = 'knha',",
                          "control = list(maxiter = 1000, threshold = 1e-12)) on the event's log ratios"),
              ratio = "predict(fit, transf = exp)",
              acr = "median(ci / n2i)",
              risk = paste("RR: pmin(1, acr * ratio); OR: acr * ratio / (1 - acr + acr * ratio);",
                           "HR: 1 - (1 - acr)^ratio; at pred, ci.lb, ci.ub")),
            cases = cases)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), out)
cat("wrote", length(cases), "cases to", out, "\n")
