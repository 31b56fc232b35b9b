"""Bundled questionnaire definitions (YAML data; a package so that installs ship them)."""
