"""The annual report read from the event store (``reports.source``) and its formats.

Beside ``activities`` and ``mail`` in the layers: it reads the store and builds with
the domain's pure builder (``domain.report``); services, the API and the CLI call it."""
