#!/usr/bin/env bash
# Reruns every figure of BENCHMARKS.md's rerun table with one binary, on fresh SQLite and
# PostgreSQL databases, and writes each command's output to OUT/NAME.log (the table is filled in
# from those logs by hand, with the commit and the machine's load).
#
#   bench/rerun.sh BINARY OUT [quick]
#
# BINARY: a release build (`cargo build --release -p trainyard`). OUT: a fresh directory.
# `quick` leaves out the two long ones (the year at full scale and the 10,000-session import).
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and python3 with aiosmtpd (the SMTP
# sink of the outbox figure). The ITC2007 and CP-SAT comparisons are separate (bench/README.md).
set -euo pipefail
bin=$(realpath "$1")
out=$2
quick=${3:-}
mkdir -p "$out"
out=$(realpath "$out")
here=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
pg=postgres://postgres@127.0.0.1:5432
run_id=$(date +%s)

fresh_pg() {
  local db="trainyard_rerun_${run_id}_$1"
  psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE ${db}"
  echo "$pg/$db"
}
cleanup() {
  # fresh_pg runs in a command substitution (a subshell), so the run's databases are found by name.
  psql -h 127.0.0.1 -U postgres -d postgres -qAtc \
    "SELECT datname FROM pg_database WHERE datname LIKE 'trainyard_rerun_${run_id}_%'" |
    while read -r db; do
      psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"${db}\" WITH (FORCE)" || true
    done
  [ -n "${sink_pid:-}" ] && kill "$sink_pid" 2>/dev/null || true
  [ -n "${serve_pid:-}" ] && kill "$serve_pid" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

step() {
  local name=$1
  shift
  echo "== $name: $*" | tee "$out/$name.log"
  echo "   load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/$name.log"
  "$@" 2>&1 | tee -a "$out/$name.log" | tail -n 25
}

sq() { echo "sqlite://$scratch/$1.db?mode=rwc"; }

# Sessions list at 100,000 sessions, and the conflict checks on the same databases.
step sessions-list-sqlite "$bin" --database "$(sq list)" bench sessions-list --sessions 100000 --iterations 30
pg_list=$(fresh_pg list)
step sessions-list-pg "$bin" --database "$pg_list" bench sessions-list --sessions 100000 --iterations 30
step conflicts-sqlite "$bin" --database "$(sq list)" bench conflicts --sessions 100000 --iterations 50
step conflicts-pg "$bin" --database "$pg_list" bench conflicts --sessions 100000 --iterations 50

step timeline-sqlite "$bin" --database "$(sq timeline)" bench timeline --instructors 200 --per-instructor 8 --iterations 30
step timeline-pg "$bin" --database "$(fresh_pg timeline)" bench timeline --instructors 200 --per-instructor 8 --iterations 30

step enroll-sqlite "$bin" --database "$(sq enroll)" bench enroll --clients 32 --seconds 10
step enroll-pg "$bin" --database "$(fresh_pg enroll)" bench enroll --clients 32 --seconds 10

python3 "$here/crates/web/tests/smtp_sink.py" 2627 "$scratch/sink" --raw >/dev/null 2>&1 &
sink_pid=$!
sleep 2
step outbox-sqlite "$bin" --database "$(sq outbox)" bench outbox --messages 2000 --smtp-port 2627
step outbox-pg "$bin" --database "$(fresh_pg outbox)" bench outbox --messages 2000 --workers 2 --smtp-port 2627

step webhooks-sqlite "$bin" --database "$(sq hooks)" bench webhooks --events 5000
step webhooks-pg "$bin" --database "$(fresh_pg hooks)" bench webhooks --events 5000

step invoice-pdf-20 "$bin" --database "$(sq pdf)" bench invoice-pdf --lines 20 --iterations 50
step invoice-pdf-200 "$bin" --database "$(sq pdf)" bench invoice-pdf --lines 200 --iterations 30
step invoice-run-sqlite "$bin" --database "$(sq run)" bench invoice-run --clients 1000
step invoice-run-pg "$bin" --database "$(fresh_pg run)" bench invoice-run --clients 1000

step verify-sqlite "$bin" --database "$(sq verify)" bench verify --certificates 1000000 --iterations 200
step verify-pg "$bin" --database "$(fresh_pg verify)" bench verify --certificates 1000000 --iterations 200

step plan "$bin" bench plan --sessions 1000 --instructors 150 --rooms 60 --seconds 10
step plan-large "$bin" bench plan --sessions 3000 --instructors 400 --rooms 150 --weeks 26

# The demo: seeding time and peak memory, then the idle resident size of `serve` on it.
(cd "$scratch" && step demo-seed /usr/bin/time -v "$bin" demo --seed-only --file "$scratch/demo.db")
step page-language-sqlite "$bin" --database "sqlite://$scratch/demo.db?mode=rwc" bench page-language --demo --iterations 200
"$bin" --database "sqlite://$scratch/demo.db?mode=rwc" serve --listen 127.0.0.1:8097 >"$out/serve.log" 2>&1 &
serve_pid=$!
sleep 3
echo "serve VmRSS after start: $(grep VmRSS /proc/$serve_pid/status)" | tee "$out/serve-memory.log"
kill "$serve_pid"
serve_pid=

if [ "$quick" != quick ]; then
  step import-sqlite "$bin" --database "$(sq import)" bench import --sessions 10000 --enrollments-per-session 10
  step import-pg "$bin" --database "$(fresh_pg import)" bench import --sessions 10000 --enrollments-per-session 10
  step year-sqlite "$bin" --database "$(sq year)" bench year --iterations 3
  step year-pg "$bin" --database "$(fresh_pg year)" bench year --iterations 3
fi
echo "== done: logs in $out"
