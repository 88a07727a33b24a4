#!/usr/bin/env bash
# Checks or installs what the tests need, builds, and runs every test: unit tests, the emulator's,
# and the whole system through Aspire.Hosting.Testing, in Local mode by default.
#   KAFKAPRACTICE_TEST_MODE=Containers ./test.sh   runs the whole-system suites against real Kafka,
#                                                   MySQL and Redis containers (needs Docker or Podman).
#   ./test.sh --unit                                runs only the unit tests (tests/KafkaPractice.UnitTests:
#                                                   no AppHost, no Kafka, MySQL or Redis; under a minute).
# Extra arguments go to dotnet test, e.g.  ./test.sh --filter "FullyQualifiedName~Members"
set -euo pipefail
cd "$(dirname "$0")"
target=KafkaPractice.sln
if [ "${1:-}" = "--unit" ]; then
  target=tests/KafkaPractice.UnitTests/KafkaPractice.UnitTests.csproj
  shift
fi
export KAFKAPRACTICE_WITH_TEST_TOOLS=1
# shellcheck source=scripts/prerequisites.sh
source scripts/prerequisites.sh
kp_check_prerequisites test
export KAFKAPRACTICE_TEST_MODE="$KP_MODE"

echo "==> building"
dotnet build "$target" -c Debug -nologo -v quiet -clp:ErrorsOnly

echo "==> testing"
export ASPIRE_ALLOW_UNSECURED_TRANSPORT=true
results=artifacts/test-results
rm -f "$results"/*.trx
status=0
dotnet test "$target" -c Debug --no-build -nologo \
  --logger "console;verbosity=normal" --logger trx --results-directory "$results" \
  --blame-hang-timeout 10m --blame-hang-dump-type none "$@" || status=$?
# A long log keeps its end: repeat what failed there.
if [ "$status" -ne 0 ] && command -v python3 >/dev/null 2>&1; then
  python3 scripts/test-failures.py "$results"/*.trx || true
fi
exit "$status"
