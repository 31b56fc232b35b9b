# Reference values for tests/analysis/test_mode.py: mode of response as a case-mix variable.
# Rscript tests/analysis/reference/mode_reference.R   (R 4.x; stats::glm only)
# Reads mode_model_frame.csv (make_mode_data.py) and writes mode_reference.csv: per region and
# outcome, the recycled-prediction adjusted value (mean prediction over all the pathway's
# respondents with the region set to that region) and its delta-method standard error, for
#   glm(positive ~ region + age_group + sex + self_rated_health + education + mode, binomial)
#   glm(score    ~ region + age_group + sex + self_rated_health + education + mode, gaussian)
# and the same models without mode (to show that the term changes the adjusted values).
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
d <- read.csv(file.path(here, "mode_model_frame.csv"), colClasses = "character")
d$score <- as.numeric(d$score); d$positive <- as.numeric(d$positive)
for (v in c("region", "age_group", "sex", "self_rated_health", "education", "mode")) d[[v]] <- factor(d[[v]])
rows <- list()
for (with_mode in c(TRUE, FALSE)) {
  terms <- c("region", "age_group", "sex", "self_rated_health", "education", if (with_mode) "mode")
  for (outcome in c("positive", "score")) {
    f <- as.formula(paste(outcome, "~", paste(terms, collapse = " + ")))
    fit <- glm(f, family = if (outcome == "positive") binomial() else gaussian(), data = d)
    for (r in levels(d$region)) {
      nd <- d; nd$region <- factor(r, levels = levels(d$region))
      X <- model.matrix(delete.response(terms(fit)), nd)
      eta <- drop(X %*% coef(fit))
      mu <- if (outcome == "positive") plogis(eta) else eta
      slope <- if (outcome == "positive") mu * (1 - mu) else rep(1, length(mu))
      g <- colMeans(slope * X)
      scale <- if (outcome == "positive") 100 else 1
      rows[[length(rows) + 1]] <- data.frame(
        with_mode = with_mode, outcome = outcome, region = r, n = sum(d$region == r),
        estimate = scale * mean(mu), se = scale * sqrt(drop(t(g) %*% vcov(fit) %*% g)),
        mode_coefficient = if (with_mode) unname(coef(fit)["modeweb"]) else NA
      )
    }
  }
}
write.csv(do.call(rbind, rows), file.path(here, "mode_reference.csv"), row.names = FALSE)
