# Reference values for tests/analysis/test_estimates.py (two-phase variance, intervals, design effect).
# Rscript tests/analysis/reference/twophase_reference.R   (R 4.x, survey 4.1-1)
# Writes twophase_reference.csv.
#
# Phase 1: stratified simple random sampling without replacement of n_h invited from N_h per
# pathway x region (fpc = N_h). Phase 2: within each weighting cell the respondents are a simple
# random subsample of the cell's invited persons not known to be ineligible (fpc computed by
# twophase from phase 1). The ineligible (deceased, screened out) are out of the target
# population: each stratum's ineligible form a phase-2 stratum of their own, observed whole
# (their values are known: they belong to no domain), so they add no phase-2 variance and count
# with value 0 in phase 1.
library(survey)
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
d <- read.csv(file.path(here, "twophase.csv"), colClasses = c(region = "character"))
d$stratum <- paste(d$pathway, d$region)
d$phase2 <- ifelse(d$group == "ineligible", paste(d$stratum, "ineligible"), d$wcell)
d$observed <- d$group != "nonrespondent"
design_of <- function(data) {
  twophase(id = list(~1, ~1), strata = list(~stratum, ~phase2), fpc = list(~N_h, NULL), subset = ~observed,
           data = data)
}
des <- design_of(d)
# the one-phase design of the same respondents with their final weights, for svyciprop's formula
r <- d[d$group == "respondent", ]
r$weight <- weights(des)[d$group[d$observed] == "respondent"]
one <- svydesign(ids = ~1, strata = ~wcell, weights = ~weight, data = r)
rows <- list()
add <- function(level, group, variable, design, rdesign) {
  f <- as.formula(paste0("~", variable))
  m <- svymean(f, design, na.rm = TRUE)
  est <- as.numeric(coef(m)); se <- as.numeric(SE(m))
  # design effect against simple random sampling without replacement of the group's n respondents
  # with a value from the weighted population (svymean's deff = TRUE; computed here by its formula,
  # as svymean.twophase2 counts every phase-2 row of a domain in n)
  y <- rdesign$variables[[variable]]; w <- weights(rdesign); has <- !is.na(y) & w > 0
  n <- sum(has); N <- sum(w[has]); ybar <- sum(w[has] * y[has]) / N
  vsrs <- (N - n) / (N * n) * n / (n - 1) * sum(w[has] * (y[has] - ybar)^2) / N
  # design degrees of freedom of the group: respondents - weighting cells with respondents
  df <- nrow(rdesign$variables) - length(unique(rdesign$variables$wcell))
  q <- qt(0.975, df)
  if (variable == "positive") {
    # svyciprop(method = "logit") on the one-phase design gives the interval's form; here with the
    # two-phase standard error: expit(logit(p) -/+ t(df) se / (p (1 - p)))
    lower <- plogis(qlogis(est) - q * se / (est * (1 - est)))
    upper <- plogis(qlogis(est) + q * se / (est * (1 - est)))
  } else {
    lower <- est - q * se; upper <- est + q * se
  }
  rows[[length(rows) + 1]] <<- data.frame(level = level, group = group, variable = variable, estimate = est,
                                          se = se, df = df, lower = lower, upper = upper,
                                          deff = se^2 / vsrs, row.names = NULL)
}
# Each stratum as a design of its own: survey 4.1-1's twophase2 gives a stratum's domain a slightly
# different variance (up to 0.6 %) when other phase-1 strata are in the design, although strata are
# sampled independently; the tests check the domains spanning several strata against the
# Horvitz-Thompson double sum over pairs of respondents instead (test_estimates.py).
for (v in c("score", "positive")) {
  for (g in sort(unique(d$stratum))) {
    add("stratum", g, v, design_of(d[d$stratum == g, ]), subset(one, r$stratum == g))
  }
}
out <- do.call(rbind, rows)
# svyciprop's own logit interval on the one-phase design, to show the form above is its formula
p1 <- svyciprop(~positive, one, method = "logit", df = degf(one), na.rm = TRUE)
m1 <- svymean(~positive, one, na.rm = TRUE)
q1 <- qt(0.975, degf(one))
p <- as.numeric(coef(m1)); check <- plogis(qlogis(p) + c(-1, 1) * q1 * as.numeric(SE(m1)) / (p * (1 - p)))
stopifnot(max(abs(as.numeric(attr(p1, "ci")) - check)) < 1e-8)
write.csv(out, file.path(here, "twophase_reference.csv"), row.names = FALSE)

# The final weights twophase() gives the respondents, 1 / (pi1 pi2) = N_h/n_h x n_c/m_c: the
# post-stratification weights with the targets from the eligible part of the frame.
write.csv(data.frame(row = which(d$group == "respondent"), weight = r$weight),
          file.path(here, "twophase_weights.csv"), row.names = FALSE)
