#!/usr/bin/env bash
# metrics_file read by a real node_exporter: prometheus-node-exporter with only its textfile
# collector, on a free loopback port, pointed at the directory thrd writes into; the thrd
# series appear in node_exporter's own /metrics.
. "$(dirname "$0")/lib.sh"
setup metrics_textfile

NODE_EXPORTER=$(command -v prometheus-node-exporter || true)
[[ -n "$NODE_EXPORTER" ]] ||
  skip_test "prometheus-node-exporter not installed (Debian: apt-get install prometheus-node-exporter)"

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
http_get() {
  "$PY" -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' "$1"
}

mkdir "$TMPD/textfile"
write_config "$CFG" "{
  \"metrics_file\": \"$TMPD/textfile/thrd.prom\",
  \"metrics_every\": \"1s\",
  \"jobs\": [
    { \"name\": \"good\", \"task\": \"exec\", \"every\": \"200ms\", \"command\": \"true\" },
    { \"name\": \"bad\", \"task\": \"exec\", \"every\": \"300ms\", \"command\": \"exit 3\" }]}"
start_thrd -c "$CFG"

PORT=$(free_port)
"$NODE_EXPORTER" --web.listen-address="127.0.0.1:$PORT" --collector.disable-defaults \
  --collector.textfile --collector.textfile.directory="$TMPD/textfile" \
  >"$TMPD/node_exporter.out" 2>"$TMPD/node_exporter.log" &
bg_track $!  # killed by cleanup on any exit

scrape() { http_get "http://127.0.0.1:$PORT/metrics" >"$TMPD/node.txt"; }
expect_true "node_exporter answers on 127.0.0.1:$PORT" wait_until 20 scrape
bad_failed() {
  scrape && grep -qE '^thrd_runs_total\{job="bad",result="failed"\} [1-9]' "$TMPD/node.txt"
}
expect_true "thrd_runs_total of bad's failed runs appears in node_exporter's output" \
  wait_until 20 bad_failed
expect_true "thrd_build_info too" grep -q '^thrd_build_info{version="' "$TMPD/node.txt"
expect_true "and the job state gauges" \
  grep -q '^thrd_job_state{job="good",state="running"} 1' "$TMPD/node.txt"
expect_true "the textfile collector read it without error" \
  grep -qE '^node_textfile_scrape_error 0' "$TMPD/node.txt"
finish
