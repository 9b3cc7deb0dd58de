# The ascn production image: the project WITHOUT extras (the `embedded` extra ships
# Temporal server binaries for development only), in a virtual environment, run as
# an unprivileged user. Settings come from ASCN_* environment variables.
# /var/lib/ascn/keys is owned by that user, so a new named volume mounted there (the
# compose file's `ledger-keys`) is too, and `ascn ledger keygen` can write the key into it.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/ascn
WORKDIR /src
COPY . .
RUN /opt/ascn/bin/pip install .

FROM python:3.11-slim
ENV PATH=/opt/ascn/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ASCN_ENV=production
RUN useradd --create-home --uid 10001 ascn \
    && mkdir -p /var/lib/ascn/keys && chown ascn:ascn /var/lib/ascn/keys && chmod 0700 /var/lib/ascn/keys
COPY --from=build /opt/ascn /opt/ascn
USER ascn
WORKDIR /home/ascn
CMD ["ascn", "worker"]
