#!/bin/bash
# Runs the four scaling benches back to back, pair by pair, recording uptime before and after each.
cd "$(dirname "$0")/../../../.."
OUT=docs/results/2026-12-02/scaling
run() {
  name=$1; shift
  mkdir -p $OUT/$name
  { echo "# $(date -u +%FT%TZ) before: $(uptime)"; echo "# command: dotnet run -c Release --no-build --project bench/KafkaPractice.Bench -- $* --output $OUT/$name"; } > $OUT/$name/console.txt
  dotnet run -c Release --no-build --project bench/KafkaPractice.Bench -- "$@" --output $OUT/$name >> $OUT/$name/console.txt 2>&1
  echo "# exit $?" >> $OUT/$name/console.txt
  echo "# $(date -u +%FT%TZ) after: $(uptime)" >> $OUT/$name/console.txt
}
run api-1 --only accept --via-proxy
run api-2 --only accept --via-proxy --Services:ProducerApiReplicas=2
run worker-1 --only drain
run worker-3 --only drain --Services:ConsumerWorkerReplicas=3
