"""The application services: one function per use case, the only way in to a cycle.

The API, the CLI (through the API), the demo and the web pages call these; they
check the access policy, seal the command with the receipt time, and only they talk
to Temporal.
"""
