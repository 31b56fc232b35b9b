"""The patient's web survey: code entry, introduction, question pages, review, submit."""
