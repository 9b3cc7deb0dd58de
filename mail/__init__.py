"""E-mail reminders and calendar feeds of the yearly cycle."""
