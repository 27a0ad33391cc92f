#!/usr/bin/env bash
# `make run`: the demo upstream (pavise-echo) on 127.0.0.1:8081, the audit sink (pavise-sink,
# an OTLP/HTTP stand-in) on 127.0.0.1:4318 and Envoy on 127.0.0.1:8080 (admin 127.0.0.1:9901)
# with every filter and its policy from $POLICIES (default policies/, the example bundle),
# served from file-based dynamic config in .run/xds/ that `pavise render envoy --xds-dir`
# writes. Audit events go to .run/audit.jsonl and .run/otlp.jsonl, logs to .run/; Ctrl-C stops
# everything. RUNTIME=native (`make run RUNTIME=native`) runs the native module instead of the
# .wasm filters (default RUNTIME=wasm); the same policies, decisions, metrics and events.
# `scripts/run.sh reload` (`make reload`) re-renders .run/xds/ from $POLICIES: the running Envoy
# picks the new filter configurations up without a restart (the listener and its connections
# stay); a policy that fails validation is refused and nothing is written, so the old one keeps
# serving. It renders for the runtime the running demo was started with (.run/runtime).
set -euo pipefail
cd "$(dirname "$0")/.."
ENVOY=${ENVOY:-.venv/bin/envoy}
POLICIES=${POLICIES:-policies}
LISTEN=${LISTEN:-8080} ADMIN=${ADMIN:-9901} UPSTREAM=${UPSTREAM:-8081} AUDIT_SINK=${AUDIT_SINK:-4318}
XDS=.run/xds

render() {
  # A policy directory carries no signature to check; a signed bundle would take --key.
  target/release/pavise render envoy "$POLICIES" --no-verify --xds-dir "$XDS" \
    --runtime "$RUNTIME" \
    --listen "$LISTEN" --admin "$ADMIN" --upstream "127.0.0.1:$UPSTREAM" \
    --audit-log "$PWD/.run/audit.jsonl" --cluster "audit_sink=127.0.0.1:$AUDIT_SINK"
}

if [ "${1:-}" = reload ]; then
  # The running Envoy's runtime: its listener accepts only that filter type.
  RUNTIME=${RUNTIME:-$(cat .run/runtime 2>/dev/null || echo wasm)}
  if ! render; then
    echo "make reload: nothing changed; Envoy keeps serving the previous policies." >&2
    exit 1
  fi
  exit 0
fi

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in $LISTEN $ADMIN $UPSTREAM $AUDIT_SINK; do
  if port_busy "$p"; then
    echo "make run: 127.0.0.1:$p is already in use (another 'make run'?); stop it first." >&2
    exit 1
  fi
done

RUNTIME=${RUNTIME:-wasm}
case "$RUNTIME" in
  wasm|native) ;;
  *) echo "make run: RUNTIME=$RUNTIME; expected wasm or native" >&2; exit 2 ;;
esac
mkdir -p .run
render
echo "$RUNTIME" > .run/runtime
pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "stopped."
}
trap stop EXIT INT TERM

target/release/pavise-echo "127.0.0.1:$UPSTREAM" > .run/echo.log 2>&1 &
pids+=($!)
target/release/pavise-sink "127.0.0.1:$AUDIT_SINK" .run/otlp.jsonl > .run/sink.log 2>&1 &
pids+=($!)
# --file-flush-interval-msec: the audit file is written about once a second (Envoy's default
# is every 10 s, and no config field sets it).
"$ENVOY" -c "$XDS/bootstrap.yaml" --disable-hot-restart --concurrency 1 --log-level info \
  --file-flush-interval-msec 1000 > .run/envoy.log 2>&1 &
envoy_pid=$!
pids+=($envoy_pid)

# Wait (at most 60 s) for Envoy to load the filters and open its listener.
for _ in $(seq 1 600); do
  if ! kill -0 "$envoy_pid" 2>/dev/null; then
    echo "make run: Envoy exited; the end of .run/envoy.log:" >&2
    tail -n 20 .run/envoy.log >&2
    exit 1
  fi
  port_busy "$LISTEN" && break
  sleep 0.1
done
port_busy "$LISTEN" || { echo "make run: Envoy did not open 127.0.0.1:$LISTEN within 60 s" >&2; exit 1; }

cat <<MSG

Pavise is running ($RUNTIME filters): http://127.0.0.1:$LISTEN   (admin: http://127.0.0.1:$ADMIN, upstream: pavise-echo)
Try:
  curl -i http://127.0.0.1:$LISTEN/api/orders
  curl -i -H 'x-api-key: demo-ci-key-8d1f0c5e7a2b4c69b3e1' http://127.0.0.1:$LISTEN/api/orders
  curl -s http://127.0.0.1:$ADMIN/stats/prometheus | grep pavise_
Audit events: .run/audit.jsonl (one JSON object per line), .run/otlp.jsonl (OTLP batches)
Edit $POLICIES/*.json, then \`make reload\`: Envoy (pid $envoy_pid) switches without a restart.
Logs: .run/envoy.log (Envoy and the filters' JSON decision lines), .run/echo.log
Press Ctrl-C to stop.
MSG
wait "$envoy_pid"
