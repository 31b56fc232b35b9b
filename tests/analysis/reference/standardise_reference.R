# Predicted margins standardised to the weighted case mix (analysis.casemix, standardise_to = "population").
# Per outcome: glm (binomial or gaussian) on region + sex + age_group + health over the regions with at least
# 30 respondents with the outcome (for the logistic model, not all or none positive); each modelled region's
# value = sum_i w_i predict(fit, region = u)_i / sum_i w_i over ALL respondents with the outcome (w: weight);
# its SE = sqrt(g' V g), g = sum_i w_i f'(eta_i) x_i(u) / sum_i w_i, V = vcov(fit).
# Run: Rscript tests/analysis/reference/standardise_reference.R (from the repository root).
here <- "tests/analysis/reference"
data <- read.csv(file.path(here, "standardise.csv"), colClasses = c(region = "character"))
out <- list()
for (outcome in c("positive", "score")) {
  logistic <- outcome == "positive"
  d <- data[!is.na(data[[outcome]]), ]
  n <- table(d$region)
  pos <- tapply(d[[outcome]], d$region, sum)
  keep <- names(n)[n >= 30]
  if (logistic) keep <- keep[pos[keep] > 0 & pos[keep] < n[keep]]
  fitted <- d[d$region %in% keep, ]
  for (v in c("region", "sex", "age_group", "health")) fitted[[v]] <- factor(fitted[[v]])
  fit <- glm(as.formula(paste(outcome, "~ region + sex + age_group + health")), data = fitted,
             family = if (logistic) binomial() else gaussian())
  V <- vcov(fit)
  w <- d$weight / sum(d$weight)
  for (u in levels(fitted$region)) {
    nd <- d
    nd$region <- factor(u, levels = levels(fitted$region))
    for (v in c("sex", "age_group", "health")) nd[[v]] <- factor(nd[[v]], levels = levels(fitted[[v]]))
    X <- model.matrix(delete.response(terms(fit)), nd)
    eta <- drop(X %*% coef(fit))
    mu <- if (logistic) plogis(eta) else eta
    slope <- if (logistic) mu * (1 - mu) else rep(1, length(mu))
    g <- colSums(w * slope * X)
    out[[length(out) + 1]] <- data.frame(outcome = outcome, region = u, estimate = sum(w * mu),
                                         se = sqrt(drop(t(g) %*% V %*% g)))
  }
}
write.csv(do.call(rbind, out), file.path(here, "standardise_reference.csv"), row.names = FALSE)
