# Reference values for tests/analysis/test_estimates.py and test_casemix.py.
# Rscript tests/analysis/reference/survey_reference.R   (R 4.x, survey 4.1-1)
# Writes survey_reference.csv (weighted means/proportions with SEs) and
# glm_reference.csv (case-mix model coefficients).
library(survey)
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
d <- read.csv(file.path(here, "design.csv"), colClasses = c(region = "character"))
d$stratum <- paste(d$pathway, d$region)
des <- svydesign(ids = ~1, strata = ~stratum, weights = ~weight, data = d)
rows <- list()
add <- function(level, group, variable, est) {
  rows[[length(rows) + 1]] <<- data.frame(level = level, group = group, variable = variable,
                                          estimate = as.numeric(coef(est)), se = as.numeric(SE(est)), row.names = NULL)
}
for (v in c("score", "positive")) {
  f <- as.formula(paste0("~", v))
  add("national", "", v, svymean(f, des, na.rm = TRUE))
  for (by in c("pathway", "region", "stratum")) {
    est <- svyby(f, as.formula(paste0("~", by)), des, svymean, na.rm = TRUE)
    rows[[length(rows) + 1]] <- data.frame(level = by, group = as.character(est[[by]]), variable = v,
                                           estimate = as.numeric(coef(est)), se = as.numeric(SE(est)), row.names = NULL)
  }
}
write.csv(do.call(rbind, rows), file.path(here, "survey_reference.csv"), row.names = FALSE)

# Case-mix models on the respondents with a score (unweighted), region + case mix.
m <- d[!is.na(d$score), ]
m$region <- relevel(factor(m$region), ref = "01")
m$age_group <- factor(m$age_group); m$sex <- factor(m$sex)
m$health <- relevel(factor(m$health), ref = "fair")
m$is_positive <- as.numeric(m$score > 50)
lin <- glm(score ~ region + age_group + sex + health, data = m)
logit <- glm(is_positive ~ region + age_group + sex + health, data = m, family = binomial)
out <- rbind(
  data.frame(model = "linear", term = names(coef(lin)), estimate = coef(lin), se = sqrt(diag(vcov(lin)))),
  data.frame(model = "logistic", term = names(coef(logit)), estimate = coef(logit), se = sqrt(diag(vcov(logit))))
)
write.csv(out, file.path(here, "glm_reference.csv"), row.names = FALSE)
