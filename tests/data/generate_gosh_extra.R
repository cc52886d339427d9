# Reference GOSH results (metafor's gosh(), Olkin, Dahabreh & Trikalinos 2012) beyond the REML case of
# tests/data/metafor_extended.json: the DL and EE fast paths of gosh() (closed-form fits in
# metafor:::.profile.rma.uni; I² = max(0, 100 (Q - df)/Q)), the other estimators (refitted by rma.uni()
# on each subset), other data sets with k = 6 to 10, subsets where tau² sits at 0 and huge heterogeneity.
# Every case enumerates all 2^k - 1 non-empty subsets (subsets = 2^k, so that metafor does not sample).
# Record format: that of the `gosh` kind of metafor_extended.json (mask bit i-1 set when study i is in
# the subset; rows sorted by mask; k, estimate, tau2, i2, qe per subset; R's NA, a failed fit, as null),
# plus `threshold`, the control$threshold of the fit (gosh() refits every subset with the fit's control).
#
# Usage (from the repository root):
#   Rscript tests/data/generate_gosh_extra.R tests/data/metafor_gosh_extra.json
# Needs: apt-get install -y --no-install-recommends r-base-core r-cran-metafor r-cran-jsonlite
# The output path (first argument) is required: the script writes that one file and nothing else.
suppressPackageStartupMessages({ library(metafor); library(jsonlite) })
out <- commandArgs(trailingOnly = TRUE)[1]
num <- function(x) as.numeric(x)

cases <- list()
add <- function(id, description, yi, vi, method, threshold = 1e-12) {
  yi <- num(yi); vi <- num(vi)
  fit <- rma(yi, vi, method = method, control = list(maxiter = 1000, threshold = threshold))
  g <- gosh(fit, subsets = 2^length(yi), progbar = FALSE)  # all non-empty subsets
  mask <- apply(g$incl, 1, function(r) sum(2^(which(r) - 1)))  # study i -> bit i-1
  o <- order(mask)
  cases[[length(cases) + 1]] <<- list(
    id = id, kind = "gosh", description = description, method = method, threshold = threshold,
    input = list(yi = yi, vi = vi),
    result = list(mask = num(mask[o]), k = num(g$res$k[o]), estimate = num(g$res$estimate[o]),
                  tau2 = num(g$res$tau2[o]), i2 = num(g$res$I2[o]), qe = num(g$res$QE[o])))
}

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
b8 <- bcg[1:8, ]
for (m in c("DL", "EE", "REML", "ML", "PM", "HE", "SJ", "EB", "HS"))
  add(paste0("bcg8_", tolower(m)), sprintf("BCG log RR (dat.bcg), studies 1-8, %s", m), b8$yi, b8$vi, m)
b10 <- bcg[4:13, ]
add("bcg10_dl", "BCG log RR (dat.bcg), studies 4-13 (k=10), DL", b10$yi, b10$vi, "DL")
add("bcg10_reml", "BCG log RR (dat.bcg), studies 4-13 (k=10), REML", b10$yi, b10$vi, "REML")
neg <- list(yi = c(-0.85, -0.32, -1.40, -0.51, -0.66, -2.05, -0.12, -0.95),
            vi = c(0.040, 0.020, 0.110, 0.035, 0.060, 0.300, 0.015, 0.080))
add("negative_effects_dl", "All effects negative, moderate heterogeneity (k=8), DL", neg$yi, neg$vi, "DL")
add("negative_effects_reml", "All effects negative, moderate heterogeneity (k=8), REML", neg$yi, neg$vi, "REML")
homo <- list(yi = c(0.30, 0.31, 0.29, 0.30, 0.32, 0.28, 0.75), vi = c(0.05, 0.04, 0.06, 0.05, 0.03, 0.07, 0.02))
add("near_homogeneous_reml", "Nearly homogeneous effects (k=7): tau² = 0 in most subsets, REML", homo$yi, homo$vi, "REML")
add("near_homogeneous_dl", "Nearly homogeneous effects (k=7): tau² = 0 in most subsets, DL", homo$yi, homo$vi, "DL")
huge <- list(yi = c(-300, 250, 10, 800, -650, 90), vi = c(4, 9, 1, 16, 2, 5))
# tau² ~ 1e5 here: a change of 1e-12 is below its spacing of doubles, so Fisher scoring meets threshold =
# 1e-12 only by chance (metafor fails on 25 of the 63 subsets, differently from any other implementation);
# with threshold = 1e-8 every subset converges.
add("huge_heterogeneity_reml", "Effects spread over hundreds of units with small variances (k=6), REML, threshold 1e-8",
    huge$yi, huge$vi, "REML", threshold = 1e-8)

doc <- list(generator = sprintf("R %s.%s, metafor %s", R.version$major, R.version$minor,
                                as.character(packageVersion("metafor"))),
            conventions = list(
              gosh = "rma(yi, vi, method, control = list(maxiter = 1000, threshold)); gosh(fit, subsets = 2^k): all non-empty subsets; mask bit i-1 = study i included; rows sorted by mask; null = NA (failed fit)"),
            cases = cases)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), out)
cat("wrote", length(cases), "cases to", out, "\n")
