# Reference estimates and standard errors of a raked round, for tests/analysis/test_raking.py.
# Rscript tests/analysis/reference/raking_round_reference.R   (R 4.x, survey 4.1-1)
# Reads raking_round_design.csv; writes raking_round_reference.csv (estimates and SEs) and
# raking_round_weights.csv (the respondents' final weights).
#
# The design, per pathway x region stratum h (strata are sampled, and raked, independently):
# phase 1 is simple random sampling without replacement of the n_h invited from the frame's N_h
# (fpc = N_h; stratum "reumatoid-artrit 12" is drawn whole). Phase 2 is response: the
# respondents are a simple random subsample of the stratum's invited persons not known to be
# ineligible (twophase computes the fpc 1 - m_h/n'_h); the ineligible (deceased, screened out)
# form a phase-2 stratum of their own, observed whole (they belong to no domain). The phase-2
# weights are then raked to the phase-1 sample's margins by sex and by age group among the eligible
# (calibrate(phase = 2, calfun = "raking"); the ineligible a category of their own in both margins,
# so their g stays 1), with bounds = c(0, 3 x the median untrimmed g of the respondents), which is
# prem's trimming (raking_trim = 3: factor final/design weight at most 3 x its median untrimmed).
# Standard errors: survey's twophase2var on the calibrated design (phase-1 part from the linearised
# values, phase-2 part from their calibration residuals).
#
# Domains within a stratum: svymean(~y, design_h, na.rm = TRUE). Domains spanning strata (pathway,
# region, national): the ratio R = sum(w y) / sum(w) over the domain's respondents with a value, the
# linearised values x = w (y - R) / sum(w) (0 for everyone else observed), and the variance
# sum_h twophase2var(x_h, design_h) over the strata, each stratum's design its own (survey 4.1-1's
# twophase2 changes a stratum's variance when other strata are in one design, see the README); the
# same construction is checked against svymean within each stratum below.
library(survey)
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
d <- read.csv(file.path(here, "raking_round_design.csv"), colClasses = c(region = "character"))
d$stratum <- paste(d$pathway, d$region)
d$observed <- d$group != "nonrespondent"
d$phase2 <- ifelse(d$group == "ineligible", "ineligible", "eligible")
d$csex <- factor(ifelse(d$group == "ineligible", "ineligible", d$sex))
d$cage <- factor(ifelse(d$group == "ineligible", "ineligible", d$age_group))
TRIM <- 3
designs <- list()
for (s in sort(unique(d$stratum))) {
  data <- d[d$stratum == s, ]
  des <- twophase(id = list(~1, ~1), strata = list(NULL, ~phase2), fpc = list(~N_h, NULL), subset = ~observed,
                  data = data)
  untrimmed <- calibrate(des, phase = 2, formula = ~csex + cage, calfun = "raking", epsilon = 1e-14, maxit = 2000)
  respondent <- data$group[data$observed] == "respondent"
  g <- weights(untrimmed) / weights(des)
  cap <- TRIM * median(g[respondent])
  designs[[s]] <- calibrate(des, phase = 2, formula = ~csex + cage, calfun = "raking", bounds = c(0, cap),
                            epsilon = 1e-14, maxit = 2000)
  gt <- weights(designs[[s]]) / weights(des)
  cat(s, ": respondents", sum(respondent), ", g at the cap", sum(gt[respondent] >= cap * (1 - 1e-9)), "\n")
}
observed <- d[d$observed, ]
observed$weight <- NA
for (s in names(designs)) observed$weight[observed$stratum == s] <- weights(designs[[s]])
variance <- function(y, keep) {
  # the ratio and its two-phase variance over the strata of the domain `keep` (observed rows)
  has <- keep & !is.na(y) & observed$group == "respondent"
  w <- observed$weight
  R <- sum(w[has] * y[has]) / sum(w[has])
  x <- ifelse(has, w * (y - R) / sum(w[has]), 0)
  v <- 0
  for (s in unique(observed$stratum[keep])) {
    mine <- observed$stratum == s
    v <- v + as.numeric(survey:::twophase2var(matrix(x[mine], ncol = 1), designs[[s]]))
  }
  c(R, sqrt(v))
}
rows <- list()
for (v in c("score", "positive")) {
  y <- observed[[v]]
  for (s in sort(unique(d$stratum))) {
    m <- svymean(as.formula(paste0("~", v)), designs[[s]], na.rm = TRUE)
    own <- variance(y, observed$stratum == s)
    stopifnot(abs(own[1] - coef(m)) < 1e-12, abs(own[2] / SE(m) - 1) < 1e-10)
    rows[[length(rows) + 1]] <- data.frame(level = "pathway_region", group = s, variable = v,
                                           estimate = unname(coef(m)), se = unname(as.numeric(SE(m))))
  }
  for (level in c("pathway", "region", "national")) {
    key <- if (level == "national") rep("all", nrow(observed)) else observed[[level]]
    for (g in sort(unique(key))) {
      own <- variance(y, key == g)
      rows[[length(rows) + 1]] <- data.frame(level = level, group = g, variable = v, estimate = own[1], se = own[2])
    }
  }
}
write.csv(do.call(rbind, rows), file.path(here, "raking_round_reference.csv"), row.names = FALSE)
respondents <- observed$group == "respondent"
write.csv(data.frame(row = observed$row[respondents], weight = observed$weight[respondents]),
          file.path(here, "raking_round_weights.csv"), row.names = FALSE)
