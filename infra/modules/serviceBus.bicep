// The events topic, its subscriptions and the webhook retry queue. The Functions host does
// not create entities: each name the app's triggers use must exist here.
import { builtInRoles } from 'roles.bicep'

param name string
param location string
param tags object
param principalId string
@description('Topic the domain events go to (PIM_EVENTS_TOPIC).')
param eventsTopicName string
@description('Queue of scheduled webhook retries (WEBHOOK_RETRY_QUEUE in shared/app/webhooks/deliver.ts).')
param webhookRetryQueueName string

// Why: the largest TimeSpan Service Bus takes, i.e. never. A shorter idle limit deletes the
// subscriptions of an app scaled to zero, and events published then are lost.
var neverAutoDelete = 'P10675199DT2H48M5.4775807S'

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Standard' }
  properties: {
    // Why: SAS keys would bypass the identity and its roles.
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource events 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' = {
  parent: namespace
  name: eventsTopicName
  properties: {
    // Why: the outbox relay may publish an event twice (messageId = event id); the bus drops the
    // replay. Only settable when the topic is created.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1H'
    defaultMessageTimeToLive: 'P14D'
    supportOrdering: false
    autoDeleteOnIdle: neverAutoDelete
  }
}

// The app's three consumers: functions/bus/mail.ts, functions/bus/webhooks.ts and functions/bus/sessions.ts.
var subscriptionNames = ['mail', 'webhooks', 'sessions']

resource subscriptions 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = [
  for subscription in subscriptionNames: {
    parent: events
    name: subscription
    properties: {
      requiresSession: false
      lockDuration: 'PT1M'
      maxDeliveryCount: 10
      deadLetteringOnMessageExpiration: true
      defaultMessageTimeToLive: 'P14D'
      autoDeleteOnIdle: neverAutoDelete
    }
  }
]

// Why: the sessions consumer acts only on early ends whose removal did not revoke the sessions
// itself; its rule keeps every other event off its subscription (no delivery, no invocation).
// Named $Default, it replaces the rule that takes every message (a subscription's messages are
// those any of its rules takes). The same SQL as SESSIONS_SUBSCRIPTION_FILTER in
// shared/adapters/servicebus/bus.ts, on the message properties set there (test/infra checks).
resource sessionsRule 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2024-01-01' = {
  parent: subscriptions[indexOf(subscriptionNames, 'sessions')]
  name: '$Default'
  properties: {
    filterType: 'SqlFilter'
    sqlFilter: {
      sqlExpression: 'eventType IN (\'assignment.deactivated\', \'assignment.removed\') AND targetKind <> \'azureRole\' AND NOT EXISTS(sessionsRevoked)'
    }
  }
}

resource webhookRetries 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: webhookRetryQueueName
  properties: {
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1H'
    requiresSession: false
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    deadLetteringOnMessageExpiration: true
    defaultMessageTimeToLive: 'P14D'
    autoDeleteOnIdle: neverAutoDelete
  }
}

// Namespace scope: the triggers need rights over the subscriptions, the app sends to the topic
// and schedules retries on the queue.
var dataRoles = [
  builtInRoles.serviceBusDataReceiver
  builtInRoles.serviceBusDataSender
]

resource dataAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in dataRoles: {
    name: guid(namespace.id, principalId, role)
    scope: namespace
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    }
  }
]

// https://<name>.servicebus.windows.net:443/ -> <name>.servicebus.windows.net (any cloud's suffix).
var endpointHost = split(split(split(namespace.properties.serviceBusEndpoint, '//')[1], '/')[0], ':')[0]

@description('The host name the identity-based connection names (<name>.servicebus.windows.net).')
output fullyQualifiedNamespace string = endpointHost
