#!/bin/sh
# Deploys the app's code to the Flex Consumption app: builds the zip with `npm run package`
# (compiled app, portal, host.json, production packages; never devhost, whose `file:`
# devDependency a remote build cannot resolve) and uploads it with a zip deployment.
# azd runs this after provisioning (azure.yaml); by hand: sh infra/scripts/deploy-code.sh <resource group> <app name>.
# Needs: az (signed in, with Website Contributor on the app), node and npm (run `npm ci` first).
set -eu

group="${1:-${AZURE_RESOURCE_GROUP:-}}"
app="${2:-${AZURE_FUNCTION_APP_NAME:-}}"
if [ -z "$group" ] || [ -z "$app" ]; then
  echo "deploy-code.sh: give the resource group and the function app (main.bicep outputs AZURE_RESOURCE_GROUP, AZURE_FUNCTION_APP_NAME)" >&2
  exit 2
fi

npm run package
az functionapp deployment source config-zip --resource-group "$group" --name "$app" --src dist-package/pim-functions.zip
echo "Deployed dist-package/pim-functions.zip to $app; check https://$app.azurewebsites.net/healthz"
