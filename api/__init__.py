"""The HTTP API of ascn: people act on the yearly cycle with bearer tokens.

``api.app.create_app(engine=..., gateway=...)`` builds the app; nothing here creates
an engine, a Temporal client or an app at import time.
"""
