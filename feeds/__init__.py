"""Feeds that calendars and other tools subscribe to: the cycle's deadlines as iCalendar."""
