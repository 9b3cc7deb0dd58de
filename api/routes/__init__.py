"""The API's routes, one module per area, all under ``/v1``."""
