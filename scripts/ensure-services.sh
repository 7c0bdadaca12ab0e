#!/usr/bin/env bash
# Start the local PostgreSQL and Redis for the tests when they are installed but down. Without them the
# tests start the embedded servers themselves (tests/services.py), so this never fails.
set -u
pg_host=127.0.0.1; pg_port=5432; redis_port=6379

pg_up() { (exec 3<>/dev/tcp/$pg_host/$pg_port) 2>/dev/null; }
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/$redis_port) 2>/dev/null; }

if [ -z "${DATABASE_URL:-}" ] && ! pg_up; then
  echo "PostgreSQL is down on $pg_host:$pg_port: trying to start it"
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  command -v pg_ctlcluster >/dev/null 2>&1 && for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || echo "No PostgreSQL on $pg_host:$pg_port: the tests use the embedded one"
fi
if [ -z "${REDIS_URL:-}" ] && ! redis_up; then
  echo "Redis is down on 127.0.0.1:$redis_port: trying to start it"
  if command -v redis-server >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port $redis_port --save "" --appendonly no || true
  fi
  command -v redis-server >/dev/null 2>&1 && for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  redis_up || echo "No Redis on 127.0.0.1:$redis_port: the tests use the embedded one"
fi
exit 0
