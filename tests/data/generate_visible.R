# Reference values from R metafor for checking the project's effect sizes and random-effects engine on
# published data sets. Usage: Rscript tests/data/generate_visible.R tests/data/metafor_visible.json
# Needs: apt-get install -y --no-install-recommends r-base-core r-cran-metafor r-cran-jsonlite
suppressPackageStartupMessages({ library(metafor); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]

methods <- c("EE", "DL", "REML", "PM", "ML", "HE", "SJ", "EB", "HS")
tests <- c("z", "knha")

fit_record <- function(yi, vi, method, test) {
  fit <- tryCatch(rma(yi, vi, method = method, test = test,
                      control = list(maxiter = 1000, threshold = 1e-12)),
                  error = function(e) NULL)
  if (is.null(fit)) return(NULL)
  p <- predict(fit)
  rec <- list(method = method, test = test, k = fit$k,
              estimate = as.numeric(fit$beta), se = fit$se, stat = fit$zval, pval = fit$pval,
              ci_lb = fit$ci.lb, ci_ub = fit$ci.ub,
              pi_lb = if (is.null(p$pi.lb)) NA else p$pi.lb, pi_ub = if (is.null(p$pi.ub)) NA else p$pi.ub,
              tau2 = fit$tau2, i2 = fit$I2, h2 = fit$H2, q = fit$QE, q_df = fit$k - 1, q_p = fit$QEp)
  if (method != "EE") {
    ci <- tryCatch(confint(fit), error = function(e) NULL)
    if (!is.null(ci)) {
      rec$tau2_ci_lb <- ci$random["tau^2", "ci.lb"]; rec$tau2_ci_ub <- ci$random["tau^2", "ci.ub"]
      rec$i2_ci_lb <- ci$random["I^2(%)", "ci.lb"]; rec$i2_ci_ub <- ci$random["I^2(%)", "ci.ub"]
    }
  }
  if (method %in% c("DL", "REML") && fit$k >= 3) {
    l1 <- leave1out(fit)
    rec$leave1out <- list(estimate = as.numeric(l1$estimate), se = as.numeric(l1$se),
                          tau2 = as.numeric(l1$tau2), i2 = as.numeric(l1$I2))
  }
  rec
}

make_case <- function(id, description, input, es) {
  fits <- list()
  for (m in methods) for (t in tests) {
    r <- fit_record(es$yi, es$vi, m, t)
    if (!is.null(r)) fits[[length(fits) + 1]] <- r
  }
  list(id = id, description = description, input = input,
       effect_sizes = list(yi = as.numeric(es$yi), vi = as.numeric(es$vi)), fits = fits)
}

two_group <- function(id, desc, d, measure) {
  es <- escalc(measure = measure, m1i = d$m1i, sd1i = d$sd1i, n1i = d$n1i,
               m2i = d$m2i, sd2i = d$sd2i, n2i = d$n2i)
  make_case(id, desc, c(list(measure = measure), as.list(d)), es)
}

pre_post <- function(id, desc, d, measure) {
  # metafor convention: m1i = post (follow-up) mean, m2i = pre (baseline) mean.
  if (measure == "SMCR") {
    es <- escalc(measure = "SMCR", m1i = d$m_post, m2i = d$m_pre, sd1i = d$sd_pre, ni = d$ni, ri = d$ri)
  } else {
    es <- escalc(measure = measure, m1i = d$m_post, m2i = d$m_pre, sd1i = d$sd_post, sd2i = d$sd_pre,
                 ni = d$ni, ri = d$ri)
  }
  make_case(id, desc, c(list(measure = measure), as.list(d)), es)
}

given <- function(id, desc, yi, vi) {
  es <- list(yi = yi, vi = vi)
  make_case(id, desc, list(measure = "GEN", yi = yi, vi = vi), es)
}

cases <- list()
add <- function(x) cases[[length(cases) + 1]] <<- x


  bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
  add(given("bcg_logrr", "BCG vaccine trials (Colditz 1994), log risk ratios, k=13",
            as.numeric(bcg$yi), as.numeric(bcg$vi)))
  n99 <- dat.normand1999
  add(two_group("normand1999_md", "Normand 1999 length of stay, raw mean difference, k=9", n99, "MD"))
  add(two_group("normand1999_smd", "Normand 1999 length of stay, Hedges g, k=9", n99, "SMD"))
  morrisT <- data.frame(m_pre = c(30.6, 23.5, 0.5, 53.4, 35.6), m_post = c(38.5, 26.8, 0.7, 75.9, 36.0),
                        sd_pre = c(15.0, 3.1, 0.1, 14.5, 4.7), sd_post = c(11.6, 4.1, 0.1, 4.4, 4.6),
                        ni = c(20, 50, 9, 10, 14), ri = c(.47, .64, .77, .89, .44))
  add(pre_post("morris2008_t_smcr", "Morris 2008 treatment arms, SMCR (pre-test SD), k=5", morrisT, "SMCR"))
  add(pre_post("morris2008_t_smcc", "Morris 2008 treatment arms, SMCC (change-score SD), k=5", morrisT, "SMCC"))
  add(pre_post("morris2008_t_mc", "Morris 2008 treatment arms, raw mean change, k=5", morrisT, "MC"))

doc <- list(generator = sprintf("R %s.%s, metafor %s", R.version$major, R.version$minor,
                                as.character(packageVersion("metafor"))),
            conventions = list(pi = "predict.rma default: normal quantile for test=z, t(k-1) for test=knha; pi uses sqrt(tau2 + se^2)",
                               smd = "escalc SMD: Hedges g with exact bias correction, vtype LS",
                               tau2_ci = "confint.rma.uni Q-profile"),
            cases = cases)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), out)
cat("wrote", length(cases), "cases to", out, "\n")
