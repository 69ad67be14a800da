// PIM on Azure Functions: everything one environment needs, in its own resource group.
// `azd up` (azure.yaml) or `az deployment sub create --template-file infra/main.bicep`.
// Entra (the app registration, Graph permissions) is infra/entra.bicep, run once before by a
// privileged administrator; management groups to govern: infra/governed-management-group.bicep.
targetScope = 'subscription'

@minLength(1)
@maxLength(40)
@description('Environment name (azd: AZURE_ENV_NAME); names the resource group and the resources.')
param environmentName string

@description('Region for every resource (one that offers Flex Consumption).')
param location string

@description('Client id of the app registration made by infra/entra.bicep (its output clientId).')
param entraClientId string

@description('Audience of the API\'s tokens: the app registration\'s identifier URI (entra.bicep\'s output identifierUri).')
param apiAudience string

@description('Mailbox the notifications are sent from (Graph sendMail); infra/scripts/scope-mail.ps1 limits the app to it.')
param mailSender string

@description('Public base URL for emailed links (a custom domain); empty: https://<app>.azurewebsites.net.')
param publicBaseUrl string = ''

@description('Microsoft Graph for this cloud: https://graph.microsoft.com, or a national cloud\'s.')
param graphBaseUrl string = 'https://graph.microsoft.com'

@description('Durable Functions task hub (3-45 letters or digits). Change it when orchestrations change in a way running ones cannot replay.')
@minLength(3)
@maxLength(45)
param durableTaskHub string = 'PimHub'

@description('Subscriptions (/subscriptions/<id>) and resource groups (/subscriptions/<id>/resourceGroups/<name>) whose Azure roles PIM manages. Management groups: infra/governed-management-group.bicep.')
param governedScopes string[] = []

@description('Role definition GUIDs PIM may assign at the governed scopes; empty: every role but Owner, User Access Administrator and Role Based Access Control Administrator.')
param assignableRoleIds string[] = []

@description('Who runs infra/scripts/init-secrets.sh (azd: AZURE_PRINCIPAL_ID, the signed-in user); gets Key Vault Secrets Officer on the vault. Empty: no one.')
param deployerPrincipalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
param deployerPrincipalType string = 'User'

@description('Flex Consumption: the most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Always-ready instances for Durable Functions (billed while idle); 0 scales to zero.')
@minValue(0)
param alwaysReadyInstances int = 0

param reconcileSchedule string = '0 */1 * * * *'
param alertsSchedule string = '0 */5 * * * *'
@description('When the access-review timer starts, reminds and ends access reviews (6-field NCRONTAB).')
param accessReviewsSchedule string = '0 */5 * * * *'
@description('When the sign-in logs are polled for break-glass account sign-ins (every minute: an incident within a minute).')
param breakGlassWatchSchedule string = '0 */1 * * * *'
param outboxSchedule string = '*/15 * * * * *'
@description('When the audit seal pass moves older audit records out of the chain\'s live partition (6-field NCRONTAB).')
param auditSealSchedule string = '0 */5 * * * *'

import { pimNames } from 'modules/naming.bicep'

var tags = { 'azd-env-name': environmentName, application: 'pim-functions' }
var names = pimNames(subscription().id, environmentName, location)
// The name the app's triggers use for the webhook retries (shared/app/webhooks/deliver.ts).
var webhookRetryQueueName = 'pim-webhook-retries'
var eventsTopicName = 'pim-events'

resource group 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  scope: group
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  scope: group
  params: {
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    location: location
    tags: tags
    principalId: identity.outputs.principalId
  }
}

module storage 'modules/storage.bicep' = {
  scope: group
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: names.deploymentContainer
    principalId: identity.outputs.principalId
  }
}

module serviceBus 'modules/serviceBus.bicep' = {
  scope: group
  params: {
    name: names.serviceBus
    location: location
    tags: tags
    principalId: identity.outputs.principalId
    eventsTopicName: eventsTopicName
    webhookRetryQueueName: webhookRetryQueueName
  }
}

module keyVault 'modules/keyVault.bicep' = {
  scope: group
  params: {
    name: names.keyVault
    location: location
    tags: tags
    principalId: identity.outputs.principalId
    deployerPrincipalId: deployerPrincipalId
    deployerPrincipalType: deployerPrincipalType
  }
}

module functionApp 'modules/functionApp.bicep' = {
  scope: group
  params: {
    planName: names.plan
    siteName: names.site
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: names.deploymentContainer
    appInsightsConnectionString: monitoring.outputs.connectionString
    serviceBusNamespace: serviceBus.outputs.fullyQualifiedNamespace
    eventsTopicName: eventsTopicName
    keyVaultName: keyVault.outputs.name
    durableTaskHub: durableTaskHub
    tenantId: tenant().tenantId
    entraClientId: entraClientId
    apiAudience: apiAudience
    graphBaseUrl: graphBaseUrl
    mailSender: mailSender
    publicBaseUrl: publicBaseUrl
    reconcileSchedule: reconcileSchedule
    alertsSchedule: alertsSchedule
    accessReviewsSchedule: accessReviewsSchedule
    breakGlassWatchSchedule: breakGlassWatchSchedule
    auditSealSchedule: auditSealSchedule
    outboxSchedule: outboxSchedule
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    alwaysReadyInstances: alwaysReadyInstances
  }
}

// Azure resource PIM: /subscriptions/<id> has 3 segments after splitting on '/', a resource group 5.
var governedSubscriptions = filter(governedScopes, s => length(split(s, '/')) == 3 && toLower(split(s, '/')[1]) == 'subscriptions')
var governedResourceGroups = filter(
  governedScopes,
  s => length(split(s, '/')) == 5 && toLower(split(s, '/')[1]) == 'subscriptions' && toLower(split(s, '/')[3]) == 'resourcegroups'
)

module pimAtSubscriptions 'modules/pimAtSubscription.bicep' = [
  for scope in governedSubscriptions: {
    name: 'pim-sub-${uniqueString(scope)}'
    scope: subscription(split(scope, '/')[2])
    params: {
      principalId: identity.outputs.principalId
      assignableRoleIds: assignableRoleIds
    }
  }
]

module pimAtResourceGroups 'modules/pimAtResourceGroup.bicep' = [
  for scope in governedResourceGroups: {
    name: 'pim-rg-${uniqueString(scope)}'
    scope: resourceGroup(split(scope, '/')[2], split(scope, '/')[4])
    params: {
      principalId: identity.outputs.principalId
      assignableRoleIds: assignableRoleIds
    }
  }
]

output AZURE_RESOURCE_GROUP string = group.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output PIM_URL string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output identityPrincipalId string = identity.outputs.principalId
output identityClientId string = identity.outputs.clientId
@description('Governed scopes main.bicep did not grant (neither a subscription nor a resource group): deploy governed-management-group.bicep for management groups.')
output governedScopesNotGranted string[] = filter(governedScopes, s => !contains(governedSubscriptions, s) && !contains(governedResourceGroups, s))
