"""Fieldwork: survey rounds, the imported frame, returned mail, reminders, closing, exports."""
