# Reference values for tests/analysis/test_comparison.py: each region against the rest of the
# country on funnel limits widened for overdispersion (Spiegelhalter 2005), from funnel.csv.
# Rscript tests/analysis/reference/funnel_reference.R   (base R 4.x: glm, no packages)
#
# Written from the formulas, independently of the Python code:
#   adjusted value of region u = mean over all respondents with the outcome of predict(fit, region = u)
#   covariance of the adjusted values = G V G', G the gradient of those means, V = vcov(fit)
#   rest(u) = sum over the other modelled regions v of n_v theta_v / sum n_v
#   d_u = theta_u - rest(u), s_u^2 = c' Sigma c with c = e_u - (rest weights)
#   a region whose respondents are all positive is outside the model: theta_u its observed share,
#   s_u^2 = rest (1 - rest) / n_u + the rest's variance
#   z = d / s Winsorised 10 % each tail (floor(0.1 I) values each side), phi = mean(z_w^2),
#   tau^2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w), w = 1 / s^2 (0 if I phi <= I - 1 or I < 10)
#   z_D = d / sqrt(s^2 + tau^2); better / worse beyond qnorm(0.975) (band_95) and qnorm(0.999) (band)
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
data <- read.csv(file.path(here, "funnel.csv"), colClasses = c(region = "character", health = "character"))
for (column in c("region", "sex", "age_group", "health")) data[[column]] <- factor(data[[column]])

funnel <- function(outcome, logistic, scale) {
  d <- data[!is.na(data[[outcome]]), ]
  regions <- levels(droplevels(d$region))
  n <- as.numeric(table(factor(d$region, levels = regions)))
  positives <- tapply(d[[outcome]], factor(d$region, levels = regions), sum)
  shown <- n >= 30
  boundary <- if (logistic) shown & (positives == 0 | positives == n) else rep(FALSE, length(n))
  modelled <- shown & !boundary
  fitted <- droplevels(d[d$region %in% regions[modelled], ])
  formula <- as.formula(paste(outcome, "~ region + sex + age_group + health"))
  fit <- glm(formula, data = fitted, family = if (logistic) binomial() else gaussian())
  V <- vcov(fit)
  units <- levels(fitted$region)
  theta <- setNames(rep(NA_real_, length(regions)), regions)
  G <- matrix(0, length(units), length(coef(fit)))
  for (k in seq_along(units)) {
    newdata <- d
    newdata$region <- factor(units[k], levels = units)
    X <- model.matrix(delete.response(terms(fit)), newdata)
    eta <- drop(X %*% coef(fit))
    mu <- if (logistic) plogis(eta) else eta
    slope <- if (logistic) mu * (1 - mu) else rep(1, length(mu))
    theta[units[k]] <- mean(mu)
    G[k, ] <- colMeans(X * slope)
  }
  Sigma <- matrix(0, length(regions), length(regions), dimnames = list(regions, regions))
  Sigma[units, units] <- G %*% V %*% t(G)
  theta[boundary] <- (positives / n)[boundary]
  rest <- difference <- se <- setNames(rep(NA_real_, length(regions)), regions)
  for (u in which(shown)) {
    others <- modelled & seq_along(regions) != u
    a <- ifelse(others, n, 0) / sum(n[others])
    c_u <- -a
    c_u[u] <- c_u[u] + 1
    rest[u] <- sum(a * ifelse(others, theta, 0))
    difference[u] <- theta[u] - rest[u]
    variance <- drop(t(c_u) %*% Sigma %*% c_u)
    if (boundary[u]) variance <- variance + rest[u] * (1 - rest[u]) / n[u]
    se[u] <- sqrt(variance)
  }
  z <- (difference / se)[shown]
  I <- length(z)
  k <- floor(0.1 * I)
  sorted <- sort(z)
  winsorised <- pmin(pmax(z, sorted[k + 1]), sorted[I - k])
  phi <- mean(winsorised^2)
  w <- 1 / se[shown]^2
  tau2 <- if (I >= 10 && I * phi > I - 1) (I * phi - (I - 1)) / (sum(w) - sum(w^2) / sum(w)) else 0
  spread <- sqrt(se^2 + tau2)
  zD <- difference / spread
  band <- function(q) ifelse(zD > q, "better", ifelse(zD < -q, "worse", "as_expected"))
  limit <- function(x) pmin(pmax(x, 0), 1 / scale * 100) * scale
  data.frame(
    outcome = outcome, region = regions, n = n, shown = shown,
    estimate = theta * scale, rest_value = rest * scale, difference = difference * scale,
    difference_se = se * scale, z_score = zD, tau2 = tau2 * scale^2, phi = phi,
    expected_lower_95 = limit(rest - qnorm(0.975) * spread), expected_upper_95 = limit(rest + qnorm(0.975) * spread),
    expected_lower = limit(rest - qnorm(0.999) * spread), expected_upper = limit(rest + qnorm(0.999) * spread),
    band_95 = band(qnorm(0.975)), band = band(qnorm(0.999))
  )
}

result <- rbind(funnel("positive", TRUE, 100), funnel("score", FALSE, 1))
result[!result$shown, setdiff(names(result), c("outcome", "region", "n", "shown"))] <- NA
write.csv(result, file.path(here, "funnel_reference.csv"), row.names = FALSE, na = "")
print(result[, c("outcome", "region", "n", "estimate", "difference", "difference_se", "z_score", "tau2", "phi", "band_95", "band")])
