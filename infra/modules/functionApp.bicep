// The app on Flex Consumption (Linux, Node 22) with Durable Functions on the Azure Storage
// provider, every connection through the user-assigned identity, and App Service
// authentication in front of the approval pages.
param planName string
param siteName string
param location string
param tags object

@description('Resource id, client id and principal id of the user-assigned identity.')
param identityId string
param identityClientId string

param storageBlobEndpoint string
param storageQueueEndpoint string
param storageTableEndpoint string
param deploymentContainerName string

param appInsightsConnectionString string
param serviceBusNamespace string
param eventsTopicName string
param keyVaultName string

@description('Durable Functions task hub; a new one per environment, and a new one when orchestrations change incompatibly.')
param durableTaskHub string
param tenantId string
@description('Client id of the app registration made by infra/entra.bicep.')
param entraClientId string
@description('Audience of the API tokens (the app registration\'s identifier URI).')
param apiAudience string
param graphBaseUrl string
param mailSender string
@description('Public base URL for emailed links; empty: the app\'s own https://<name>.azurewebsites.net.')
param publicBaseUrl string
param reconcileSchedule string
param alertsSchedule string
@description('When the access-review timer runs (6-field NCRONTAB).')
param accessReviewsSchedule string
param breakGlassWatchSchedule string
param outboxSchedule string
param auditSealSchedule string
param maximumInstanceCount int
param instanceMemoryMB int
param alwaysReadyInstances int

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: {
    reserved: true
  }
}

var loginEndpoint = environment().authentication.loginEndpoint
var armEndpoint = environment().resourceManager
// ARM's own token audiences in this cloud (each with and without a trailing slash are accepted by the app).
var armAudiences = environment().authentication.audiences

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: siteName
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Why: Key Vault references resolve with this identity, the only one the app has.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        // One warm instance for Durable's orchestrations and activities ("durable" group), when asked for.
        alwaysReady: alwaysReadyInstances > 0 ? [{ name: 'durable', instanceCount: alwaysReadyInstances }] : []
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }

  // Why: deployments go through the identity-authenticated package container; publishing
  // profiles with user names and passwords would be another way in.
  resource ftp 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: { allow: false }
  }

  resource scm 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: { allow: false }
  }
}

// Every setting here is read by the app (shared/config.ts, shared/connections.ts, the triggers'
// %NAME% references, host.json) or by the platform; test/infra/appSettings.test.ts holds the
// template to that. Never FUNCTIONS_WORKER_RUNTIME, WEBSITE_RUN_FROM_PACKAGE, WEBSITE_CONTENT*
// or WEBSITE_NODE_DEFAULT_VERSION: Flex Consumption refuses them.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    // The host, Durable Functions and the app's tables: identity-based, no AzureWebJobsStorage string.
    AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
    AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
    AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    // The identity DefaultAzureCredential uses for Graph and ARM (else it asks for a system-assigned one).
    AZURE_CLIENT_ID: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    DURABLE_TASK_HUB: durableTaskHub
    // Service Bus: only the __ keys. A non-empty PIM_SERVICEBUS_CONNECTION is read as a connection string.
    PIM_SERVICEBUS_CONNECTION__fullyQualifiedNamespace: serviceBusNamespace
    PIM_SERVICEBUS_CONNECTION__credential: 'managedidentity'
    PIM_SERVICEBUS_CONNECTION__clientId: identityClientId
    PIM_EVENTS_TOPIC: eventsTopicName
    PIM_TENANT_ID: tenantId
    PIM_OIDC_ISSUER: '${loginEndpoint}${tenantId}/v2.0'
    // Why the client id: the registration asks for v2 tokens (entra.bicep), whose aud is the
    // API's client id, not its identifier URI.
    PIM_OIDC_AUDIENCE: entraClientId
    // The portal signs in with MSAL as this registration and asks for its delegated scope.
    PIM_PORTAL_CLIENT_ID: entraClientId
    PIM_PORTAL_API_SCOPE: '${apiAudience}/access_as_user'
    PIM_ARM_AUDIENCE: join(armAudiences, ',')
    // Entra issues ARM tokens in its v1 form.
    PIM_ARM_ISSUER: 'https://sts.windows.net/${tenantId}/'
    PIM_ARM_BASE_URL: endsWith(armEndpoint, '/') ? take(armEndpoint, length(armEndpoint) - 1) : armEndpoint
    PIM_GRAPH_BASE_URL: graphBaseUrl
    PIM_MAIL_SENDER: mailSender
    PIM_PUBLIC_BASE_URL: empty(publicBaseUrl) ? 'https://${site.properties.defaultHostName}' : publicBaseUrl
    // Why: approval decisions come from the signed-in approver (App Service authentication below).
    PIM_APPROVAL_SIGNIN_REQUIRED: 'true'
    // An unresolved reference stays literal, which config.ts refuses: the app fails closed.
    PIM_APPROVAL_LINK_KEYS: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=approval-link-keys)'
    PIM_WEBHOOK_KEYS: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=webhook-keys)'
    // Timer schedules: the triggers name them as %SETTING%, which the host resolves from app settings only.
    PIM_RECONCILE_SCHEDULE: reconcileSchedule
    PIM_ALERTS_SCHEDULE: alertsSchedule
    PIM_ACCESS_REVIEWS_SCHEDULE: accessReviewsSchedule
    PIM_BREAK_GLASS_WATCH_SCHEDULE: breakGlassWatchSchedule
    PIM_OUTBOX_SCHEDULE: outboxSchedule
    PIM_AUDIT_SEAL_SCHEDULE: auditSealSchedule
    // App Service authentication signs in with the identity as a federated credential of the app
    // registration (infra/entra.bicep), so there is no client secret to keep or rotate.
    OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID: identityClientId
  }
}

resource auth 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'authsettingsV2'
  dependsOn: [appSettings]
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      // The API validates its own bearer tokens and answers 401 in Graph's shape; the approval
      // pages send people to /.auth/login/aad. Anonymous requests reach the app with no
      // x-ms-client-principal-* headers: the platform drops any a caller sends.
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          openIdIssuer: '${loginEndpoint}${tenantId}/v2.0'
          clientId: entraClientId
          clientSecretSettingName: 'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID'
        }
        validation: {
          // Bearer tokens the platform lets through: the API's, and ARM's for the ARM surface.
          allowedAudiences: concat([apiAudience, entraClientId], armAudiences)
        }
      }
    }
    login: {
      // Why off: the app reads only the signed-in principal's headers, never stored tokens, and a
      // token store on Flex Consumption would need a blob SAS URL (shared keys are off).
      tokenStore: {
        enabled: false
      }
    }
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
