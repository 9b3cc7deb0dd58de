#!/bin/sh
# Creates the application's role and database, `ascn`, beside Temporal's databases.
# The postgres image runs this once, on the first start with an empty data volume;
# to change APP_DB_PASSWORD later, use ALTER ROLE ascn PASSWORD '...'.
set -eu
: "${APP_DB_PASSWORD:?APP_DB_PASSWORD must be set}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE ascn LOGIN PASSWORD :'app_password';
CREATE DATABASE ascn OWNER ascn;
SQL
