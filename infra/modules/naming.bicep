// Resource names of one environment, shared by main.bicep and entra.bicep: entra.bicep needs the
// identity (its federated credential and Graph permissions) and the app's host name (the
// sign-in redirect) before main.bicep has run.

@export()
@description('The names of an environment\'s resources, derived from the subscription, environment and region.')
func pimNames(subscriptionId string, environmentName string, location string) object => {
  resourceGroup: 'rg-${environmentName}'
  identity: 'id-pim-${token(subscriptionId, environmentName, location)}'
  logAnalytics: 'log-pim-${token(subscriptionId, environmentName, location)}'
  appInsights: 'appi-pim-${token(subscriptionId, environmentName, location)}'
  storage: 'stpim${take(token(subscriptionId, environmentName, location), 17)}'
  deploymentContainer: 'app-package-${take(token(subscriptionId, environmentName, location), 8)}'
  serviceBus: 'sb-pim-${token(subscriptionId, environmentName, location)}'
  keyVault: 'kv-pim-${take(token(subscriptionId, environmentName, location), 14)}'
  plan: 'plan-pim-${token(subscriptionId, environmentName, location)}'
  site: 'func-pim-${token(subscriptionId, environmentName, location)}'
}

func token(subscriptionId string, environmentName string, location string) string =>
  toLower(uniqueString(subscriptionId, environmentName, location))
