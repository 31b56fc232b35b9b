"""Reports and tables in the browser: requested by staff, made in the background by ``prem jobs work``."""
