#!/usr/bin/env bash
# Decides the infrastructure mode (as the AppHost does), checks or installs what that mode needs,
# builds, and starts the AppHost with its dashboard.
# Extra arguments go to the AppHost, e.g.  ./run.sh --Infrastructure:Mode=Containers
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/prerequisites.sh
source scripts/prerequisites.sh
kp_check_prerequisites run "$@"

echo "==> building"
dotnet build KafkaPractice.sln -c Debug -nologo -v quiet -clp:ErrorsOnly

echo "==> starting the AppHost; open the 'Login to the dashboard' URL printed below"
export ASPIRE_ALLOW_UNSECURED_TRANSPORT=true
# The scripts decided the mode; the AppHost gets the same decision, so it does not probe again.
exec dotnet run --project src/AppHost --no-build --launch-profile http -- "--Infrastructure:Mode=$KP_MODE" "$@"
