# Reference weights for tests/analysis/test_raking.py (raking to sex and age group, with trimming).
# Rscript tests/analysis/reference/raking_reference.R   (R 4.x, survey 4.1-1); writes raking_reference.csv.
# Per stratum: the respondents with their design weights, calibrated by raking to the design-weight
# totals of the eligible invited by sex and by age group (calibrate(calfun = "raking")); then with the
# adjustment factor bounded at 1.8 x the median untrimmed factor (bounds = c(0, cap)).
library(survey)
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
d <- read.csv(file.path(here, "raking.csv"), colClasses = c(region = "character"))
d$row <- seq_len(nrow(d))
out <- list()
for (s in sort(unique(d$region))) {
  f <- d[d$region == s, ]
  e <- f[f$eligible == "True", ]
  r <- f[f$respondent == "True", ]
  r$sex <- factor(r$sex); r$age_group <- factor(r$age_group)
  des <- svydesign(ids = ~1, weights = ~design_weight, data = r)
  mm <- model.matrix(~sex + age_group, data = transform(e, sex = factor(sex, levels(r$sex)),
                                                      age_group = factor(age_group, levels(r$age_group))))
  population <- colSums(mm * e$design_weight)
  raked <- calibrate(des, ~sex + age_group, population = population, calfun = "raking", epsilon = 1e-13, maxit = 500)
  g <- weights(raked) / r$design_weight
  cap <- 1.8 * median(g)
  trimmed <- calibrate(des, ~sex + age_group, population = population, calfun = "raking", bounds = c(0, cap),
                       epsilon = 1e-13, maxit = 500)
  stopifnot(max(weights(trimmed) / r$design_weight) <= cap * (1 + 1e-9))
  out[[s]] <- data.frame(row = r$row, raked = weights(raked), trimmed = weights(trimmed))
}
write.csv(do.call(rbind, out), file.path(here, "raking_reference.csv"), row.names = FALSE)
