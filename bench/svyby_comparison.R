# R survey's svyby for the estimates prem's bench compares against (python -m bench analysis).
# Rscript bench/svyby_comparison.R RESPONDENTS.csv   (R 4.x, survey 4.x)
# RESPONDENTS.csv: one row per respondent with pathway, region, weight and one column per estimate
# (item scores, item positive indicators, dimension scores; empty when not answered). Each estimate is
# the weighted mean by pathway × region in a stratified design (strata pathway × region, the final
# weights), one svyby per estimate; prints the estimates, groups and the seconds svyby took.
suppressMessages(library(survey))
path <- commandArgs(trailingOnly = TRUE)[1]
d <- read.csv(path, colClasses = c(region = "character", pathway = "character"))
d$stratum <- paste(d$pathway, d$region)
variables <- setdiff(names(d), c("pathway", "region", "weight", "stratum"))
des <- svydesign(ids = ~1, strata = ~stratum, weights = ~weight, data = d)
groups <- 0
seconds <- system.time(for (v in variables) {
  est <- svyby(as.formula(paste0("~", v)), ~pathway + region, des, svymean, na.rm = TRUE)
  groups <- max(groups, nrow(est))
})[["elapsed"]]
cat(sprintf("estimates %d groups %d seconds %.3f\n", length(variables), groups, seconds))
