#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, emulator, and the whole
# system in Local mode through Aspire.Hosting.Testing).
# Extra arguments go to dotnet test, e.g.  ./test.sh --filter "FullyQualifiedName~Members"
set -euo pipefail
cd "$(dirname "$0")"
export KAFKAPRACTICE_WITH_TEST_TOOLS=1
source scripts/prerequisites.sh

echo "==> building"
dotnet build KafkaPractice.sln -c Debug -nologo -v quiet -clp:ErrorsOnly

echo "==> testing"
export ASPIRE_ALLOW_UNSECURED_TRANSPORT=true
dotnet test KafkaPractice.sln -c Debug --no-build -nologo \
  --logger "console;verbosity=normal" --results-directory artifacts/test-results \
  --blame-hang-timeout 10m --blame-hang-dump-type none "$@"
