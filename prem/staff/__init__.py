"""Staff web: accounts, rounds, fieldwork follow-up and the audit log, each region seeing only its own."""
