"""E-mail reminders and escalations of the yearly cycle: rules, outbox queue, dispatch."""
