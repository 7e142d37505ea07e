#!/usr/bin/env bash
# The services osops-registry's tests run against besides SQLite and a directory: a single-node
# Garage (S3-compatible storage) and a fresh PostgreSQL database, on loopback only.
#
#   eval "$(scripts/dev-services.sh)"        # start (or reuse) them; export the test variables
#   scripts/dev-services.sh stop             # stop Garage, drop the databases made here
#   scripts/dev-services.sh status           # what runs, which databases exist
#   scripts/dev-services.sh reset            # stop, then forget Garage's data and keys
#
# `env` (the default) and `start` are the same. Their standard output is only `export` lines, for
# eval; everything else goes to standard error. Running it again reuses the running Garage, its
# bucket and key, and makes one more database. docs/guides/dev-services.md has the details.
#
# Settings, from the environment:
#   OSOPS_DEV_STATE        state dir (default: $XDG_STATE_HOME/osops/dev-services, else
#                          ~/.local/state/osops/dev-services: one Garage per user, shared by
#                          every checkout, so a second clone reuses it instead of colliding on
#                          its ports)
#   OSOPS_DEV_S3_PORT      Garage's S3 API port (3900)
#   OSOPS_DEV_RPC_PORT     Garage's RPC port (3901)
#   OSOPS_DEV_ADMIN_PORT   Garage's admin API port (3903)
#   OSOPS_DEV_BUCKET       the bucket (osops-test)
#   OSOPS_DEV_PG_PORT      PostgreSQL's port on 127.0.0.1 (5432)
#   OSOPS_DEV_PG_USER      the PostgreSQL role that creates and drops databases (postgres)
#   OSOPS_DEV_GARAGE_PREBUILT  a garage binary to install when none is on PATH, instead of
#                              building one (/tmp/garage-root/bin/garage, if it exists)
set -euo pipefail

# Standard output is for `export` lines only (fd 3); all else, ours and the tools', to stderr.
exec 3>&1 1>&2

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=${OSOPS_DEV_STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/osops/dev-services}
S3_PORT=${OSOPS_DEV_S3_PORT:-3900}
RPC_PORT=${OSOPS_DEV_RPC_PORT:-3901}
ADMIN_PORT=${OSOPS_DEV_ADMIN_PORT:-3903}
BUCKET=${OSOPS_DEV_BUCKET:-osops-test}
KEY_NAME=osops-dev
REGION=garage
PG_HOST=127.0.0.1
PG_PORT=${OSOPS_DEV_PG_PORT:-5432}
PG_USER=${OSOPS_DEV_PG_USER:-postgres}
GARAGE_VERSION=2.5.0
GARAGE_PREBUILT=${OSOPS_DEV_GARAGE_PREBUILT:-/tmp/garage-root/bin/garage}

say() { printf 'dev-services: %s\n' "$*"; }
die() {
  printf 'dev-services: error: %s\n' "$*"
  exit 1
}

COMMAND=${1:-env}
case "$COMMAND" in
  -h | --help | help)
    sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac
if [ ! -d "$STATE" ] && [ "$COMMAND" != env ] && [ "$COMMAND" != start ]; then
  case "$COMMAND" in
    stop | status | reset)
      say "nothing here: $STATE does not exist"
      exit 0
      ;;
  esac
fi
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)
CONF=$STATE/garage.toml
PIDFILE=$STATE/garage.pid
LOG=$STATE/garage.log
DATABASES=$STATE/databases
touch "$STATE/.osops-dev-services"

# One invocation at a time per state dir.
if command -v flock >/dev/null; then
  exec 9>"$STATE/lock"
  flock 9
fi

# A random lowercase hex string of $1 bytes.
random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# Whether something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 4<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Runs "$@" until it succeeds, every half second, at most $1 times.
retry() {
  local tries=$1
  shift
  until "$@" >/dev/null 2>&1; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || return 1
    sleep 0.5
  done
}

# ---- Garage -------------------------------------------------------------------------------------

find_garage() {
  if command -v garage >/dev/null; then
    GARAGE=$(command -v garage)
  elif [ -x "$HOME/.cargo/bin/garage" ]; then
    GARAGE=$HOME/.cargo/bin/garage
  elif [ -x "$GARAGE_PREBUILT" ]; then
    say "installing the prebuilt $GARAGE_PREBUILT as ~/.cargo/bin/garage"
    mkdir -p "$HOME/.cargo/bin"
    install -m 0755 "$GARAGE_PREBUILT" "$HOME/.cargo/bin/garage"
    GARAGE=$HOME/.cargo/bin/garage
  else
    say "building Garage $GARAGE_VERSION with cargo install (about ten minutes the first time)"
    cargo install garage --locked --version "$GARAGE_VERSION"
    GARAGE=$HOME/.cargo/bin/garage
  fi
  # `garage cargo:2.5.0 [features: …]` or `garage v2.5.0 …`: the CLI used below is 2.x's.
  local said version
  said=$("$GARAGE" --version 2>/dev/null | head -n1 || true)
  version=$(grep -oE '[0-9]+\.[0-9]+\.[0-9]+' <<<"$said" | head -n1 || true)
  if [ "${version%%.*}" != 2 ]; then
    die "$GARAGE says '$said'; this script needs Garage 2.x: cargo install garage --locked --version $GARAGE_VERSION"
  fi
}

garage_cli() { "$GARAGE" -c "$CONF" "$@"; }

garage_pid() {
  local pid
  [ -f "$PIDFILE" ] || return 1
  pid=$(cat "$PIDFILE")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # The pid may have been reused since: it must still be a garage server.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'garage.* server' || return 1
  echo "$pid"
}

write_garage_config() {
  mkdir -p "$STATE/garage/meta" "$STATE/garage/data"
  if [ ! -s "$STATE/garage/rpc_secret" ]; then
    (umask 077 && random_hex 32 >"$STATE/garage/rpc_secret")
  fi
  chmod 600 "$STATE/garage/rpc_secret"
  cat >"$CONF.new" <<EOF
# Written by scripts/dev-services.sh: a single-node Garage on loopback, for tests.
metadata_dir = "$STATE/garage/meta"
data_dir = "$STATE/garage/data"
db_engine = "sqlite"
replication_factor = 1

rpc_bind_addr = "127.0.0.1:$RPC_PORT"
rpc_public_addr = "127.0.0.1:$RPC_PORT"
rpc_secret_file = "$STATE/garage/rpc_secret"

[s3_api]
api_bind_addr = "127.0.0.1:$S3_PORT"
s3_region = "$REGION"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:$ADMIN_PORT"
EOF
  if [ -f "$CONF" ] && cmp -s "$CONF" "$CONF.new"; then
    rm "$CONF.new"
    return
  fi
  if garage_pid >/dev/null; then
    say "the Garage settings changed: restarting it"
    stop_garage
  fi
  mv "$CONF.new" "$CONF"
}

start_garage() {
  local pid
  if pid=$(garage_pid); then
    say "Garage is running (pid $pid), reusing it"
  else
    for port in "$S3_PORT" "$RPC_PORT" "$ADMIN_PORT"; do
      if port_open "$port"; then
        die "127.0.0.1:$port is taken by another program: stop it, or choose other ports with OSOPS_DEV_S3_PORT, OSOPS_DEV_RPC_PORT and OSOPS_DEV_ADMIN_PORT"
      fi
    done
    say "starting Garage on 127.0.0.1:$S3_PORT (log: $LOG)"
    # No descriptor of ours may stay open in the server: `eval "$(…)"` waits for fd 3 to close.
    NO_COLOR=1 nohup "$GARAGE" -c "$CONF" server </dev/null >>"$LOG" 2>&1 3>&- 9>&- &
    echo $! >"$PIDFILE"
  fi
  if ! retry 60 garage_cli status; then
    tail -n 30 "$LOG" || true
    die "Garage did not answer within 30 seconds (log above, in full at $LOG)"
  fi
}

setup_garage() {
  local node version
  node=$(garage_cli node id -q | cut -d@ -f1)
  version=$(garage_cli layout show | sed -n 's/^Current cluster layout version: \([0-9]*\).*/\1/p')
  if [ "${version:-0}" = 0 ]; then
    say "assigning the layout: node ${node:0:16}…, zone dc1, 1G"
    garage_cli layout assign -z dc1 -c 1G "$node" >/dev/null
    garage_cli layout apply --version 1 >/dev/null
  fi
  if ! retry 60 garage_cli health -q; then
    die "Garage's cluster is not healthy after 30 seconds: see '$GARAGE -c $CONF status' and $LOG"
  fi
  if ! garage_cli bucket info "$BUCKET" >/dev/null 2>&1; then
    say "creating the bucket $BUCKET"
    garage_cli bucket create "$BUCKET" >/dev/null
  fi
  if ! garage_cli key info "$KEY_NAME" --key-id >/dev/null 2>&1; then
    say "creating the key $KEY_NAME"
    garage_cli key create "$KEY_NAME" >/dev/null
  fi
  garage_cli bucket allow --read --write --owner "$BUCKET" --key "$KEY_NAME" >/dev/null
  KEY_ID=$(garage_cli key info "$KEY_NAME" --key-id)
  KEY_SECRET=$(garage_cli key info "$KEY_NAME" --secret-key)
  if [ -z "$KEY_ID" ] || [ -z "$KEY_SECRET" ]; then
    die "cannot read the key $KEY_NAME back from Garage"
  fi
  if ! retry 20 port_open "$S3_PORT"; then
    die "Garage's S3 API does not answer on 127.0.0.1:$S3_PORT (log: $LOG)"
  fi
}

stop_garage() {
  local pid
  if ! pid=$(garage_pid); then
    rm -f "$PIDFILE"
    return
  fi
  say "stopping Garage (pid $pid)"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "Garage did not stop within 10 seconds: killing it"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
}

# ---- PostgreSQL ---------------------------------------------------------------------------------

psql_admin() {
  psql "postgres://$PG_USER@$PG_HOST:$PG_PORT/postgres" -v ON_ERROR_STOP=1 -qAtX "$@"
}

ensure_postgres() {
  command -v psql >/dev/null || die "psql is missing: apt-get install postgresql-client"
  if port_open "$PG_PORT"; then
    return
  fi
  local version
  version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n1 || true)
  [ -n "$version" ] || die "nothing answers on $PG_HOST:$PG_PORT and no PostgreSQL cluster is installed (/etc/postgresql): install PostgreSQL or set OSOPS_DEV_PG_PORT"
  say "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
    die "cannot start PostgreSQL $version: run 'pg_ctlcluster --skip-systemctl-redirect $version main start' as root"
  retry 60 port_open "$PG_PORT" || die "PostgreSQL does not answer on $PG_HOST:$PG_PORT"
}

create_database() {
  DB=osops_ci_$(random_hex 6)
  psql_admin -c "CREATE DATABASE $DB" ||
    die "cannot create a database as $PG_USER on $PG_HOST:$PG_PORT (set OSOPS_DEV_PG_USER to a role that may)"
  echo "$DB" >>"$DATABASES"
  say "created the database $DB (dropped by '$0 stop')"
}

drop_databases() {
  [ -s "$DATABASES" ] || return 0
  command -v psql >/dev/null || die "psql is missing: cannot drop the databases listed in $DATABASES"
  if ! port_open "$PG_PORT"; then
    say "PostgreSQL does not answer: keeping the list of databases to drop in $DATABASES"
    return
  fi
  local db kept=()
  while read -r db; do
    [ -n "$db" ] || continue
    case "$db" in
      osops_ci_*) ;;
      *) continue ;; # never drop anything this script did not name
    esac
    if psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"; then
      say "dropped the database $db"
    else
      kept+=("$db")
    fi
  done <"$DATABASES"
  if [ ${#kept[@]} -gt 0 ]; then
    printf '%s\n' "${kept[@]}" >"$DATABASES"
    die "could not drop ${kept[*]}"
  fi
  rm -f "$DATABASES"
}

# ---- commands -----------------------------------------------------------------------------------

cmd_env() {
  find_garage
  write_garage_config
  start_garage
  setup_garage
  ensure_postgres
  create_database
  cat >&3 <<EOF
export OSOPS_TEST_S3='s3://$BUCKET'
export AWS_ENDPOINT_URL='http://127.0.0.1:$S3_PORT'
export AWS_REGION='$REGION'
export AWS_ACCESS_KEY_ID='$KEY_ID'
export AWS_SECRET_ACCESS_KEY='$KEY_SECRET'
export OSOPS_TEST_POSTGRES='postgres://$PG_USER@$PG_HOST:$PG_PORT/$DB'
EOF
}

cmd_stop() {
  stop_garage
  drop_databases
}

cmd_status() {
  local pid
  if pid=$(garage_pid); then
    say "Garage: running (pid $pid), S3 API on http://127.0.0.1:$S3_PORT, bucket $BUCKET, state in $STATE"
  else
    say "Garage: not running (state in $STATE)"
  fi
  if port_open "$PG_PORT"; then
    say "PostgreSQL: answering on $PG_HOST:$PG_PORT"
  else
    say "PostgreSQL: not answering on $PG_HOST:$PG_PORT"
  fi
  if [ -s "$DATABASES" ]; then
    say "databases made here: $(tr '\n' ' ' <"$DATABASES")"
  fi
}

cmd_reset() {
  cmd_stop
  # Only a directory this script made (it holds the marker) is removed.
  [ -f "$STATE/.osops-dev-services" ] || die "$STATE was not made by this script: not removing it"
  say "removing $STATE"
  rm -rf "$STATE"
}

case "$COMMAND" in
  env | start) cmd_env ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  *) die "unknown command '$COMMAND' (env, start, stop, status, reset)" ;;
esac
