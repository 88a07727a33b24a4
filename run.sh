#!/usr/bin/env bash
# Installs what is missing, builds, and starts the AppHost with its dashboard.
# Extra arguments go to the AppHost, e.g.  ./run.sh --Infrastructure:Mode=Containers
set -euo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh

echo "==> building"
dotnet build KafkaPractice.sln -c Debug -nologo -v quiet -clp:ErrorsOnly

echo "==> starting the AppHost; open the 'Login to the dashboard' URL printed below"
export ASPIRE_ALLOW_UNSECURED_TRANSPORT=true
exec dotnet run --project src/AppHost --no-build --launch-profile http -- "$@"
