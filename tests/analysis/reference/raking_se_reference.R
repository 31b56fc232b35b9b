# Reference means and standard errors for tests/analysis/test_raking.py under a raked design.
# Rscript tests/analysis/reference/raking_se_reference.R   (R 4.x, survey 4.1-1); writes raking_se_reference.csv.
# Data: raking.csv with an outcome made from the row number (y = (37 * row) %% 101, missing where
# row %% 7 == 0; the test makes the same). Per stratum: the respondents' design (one stratum, with
# replacement, no fpc) calibrated by raking to the eligible design-weight totals by sex and age group,
# untrimmed and with bounds = c(0, 1.8 x median untrimmed factor); svymean(~y, na.rm = TRUE).
library(survey)
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
d <- read.csv(file.path(here, "raking.csv"), colClasses = c(region = "character"))
d$row <- seq_len(nrow(d))
d$y <- ifelse(d$row %% 7 == 0, NA, (37 * d$row) %% 101)
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
  cap <- 1.8 * median(weights(raked) / r$design_weight)
  trimmed <- calibrate(des, ~sex + age_group, population = population, calfun = "raking", bounds = c(0, cap),
                       epsilon = 1e-13, maxit = 500)
  binds <- sum(weights(trimmed) / r$design_weight >= cap * (1 - 1e-9))
  for (kind in c("raked", "trimmed")) {
    m <- svymean(~y, if (kind == "raked") raked else trimmed, na.rm = TRUE)
    out[[paste(s, kind)]] <- data.frame(region = s, weights = kind, estimate = unname(coef(m)), se = unname(as.numeric(SE(m))),
                                        capped = if (kind == "trimmed") binds else 0)
  }
}
write.csv(do.call(rbind, out), file.path(here, "raking_se_reference.csv"), row.names = FALSE)
