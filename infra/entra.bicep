// Microsoft Entra for one environment, run once (and again after a change) by an administrator
// who may consent to application permissions (Privileged Role Administrator, or Cloud
// Application Administrator + AppRoleAssignment.ReadWrite.All), before main.bicep:
//   az deployment sub create --location <region> --template-file infra/entra.bicep \
//     --parameters environmentName=<env> location=<region>
// It makes the app's user-assigned identity (the same one main.bicep then keeps), the app
// registration users sign in to (app roles PIM.Admin and PIM.Auditor, the sign-in redirect,
// the API scope), a federated credential so App Service authentication signs in as the
// identity with no secret, and the Graph application permissions the code uses.
// What Bicep cannot do: Mail.Send for one mailbox only, in Exchange (infra/scripts/scope-mail.ps1).
//
// The Microsoft Graph extension's types come from a registry this project's CI cannot reach:
// test/infra/entra.test.ts compiles this file with the extension line taken out (every Azure
// part, expression and name checked; the Graph resources' properties unchecked).
targetScope = 'subscription'

extension 'br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0'

import { pimNames } from 'modules/naming.bicep'

@minLength(1)
@maxLength(40)
@description('The environment main.bicep deploys (same name and region: the names derive from them).')
param environmentName string

@description('The region main.bicep deploys to.')
param location string

@description('Host name of the app, for the sign-in redirect; empty: the Flex app\'s <name>.azurewebsites.net.')
param appHostName string = ''

@description('Group access PIM for Groups governs: members and owners (Group.ReadWrite.All), members only (GroupMember.ReadWrite.All), or none.')
@allowed(['membersAndOwners', 'members', 'none'])
param groupAccess string = 'membersAndOwners'

@description('How the identity may send mail: exchangeRbac (default) grants nothing here; infra/scripts/scope-mail.ps1 grants Mail.Send in Exchange for the sender mailbox only. tenantWide grants Graph Mail.Send, which can send as any mailbox.')
@allowed(['exchangeRbac', 'tenantWide'])
param mailPermission string = 'exchangeRbac'

var names = pimNames(subscription().id, environmentName, location)
var hostName = empty(appHostName) ? '${names.site}.azurewebsites.net' : appHostName
var tags = { 'azd-env-name': environmentName, application: 'pim-functions' }

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

// The ids of the app roles never change (tokens name the value, assignments the id).
var appRoles = [
  {
    value: 'PIM.Admin'
    displayName: 'PIM administrator'
    description: 'Makes people eligible, changes role settings, sees every request and the audit.'
  }
  {
    value: 'PIM.Auditor'
    displayName: 'PIM auditor'
    description: 'Reads every schedule, request and the audit; changes nothing.'
  }
]

resource app 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: 'pim-${environmentName}'
  displayName: 'PIM (${environmentName})'
  signInAudience: 'AzureADMyOrg'
  // The pim CLI signs people in to this registration with the device code flow (a public client).
  isFallbackPublicClient: true
  identifierUris: ['api://pim-${environmentName}']
  appRoles: [
    for role in appRoles: {
      id: guid(subscription().id, environmentName, role.value)
      value: role.value
      displayName: role.displayName
      description: role.description
      allowedMemberTypes: ['User', 'Application']
      isEnabled: true
    }
  ]
  api: {
    requestedAccessTokenVersion: 2
    oauth2PermissionScopes: [
      {
        id: guid(subscription().id, environmentName, 'access_as_user')
        value: 'access_as_user'
        type: 'User'
        isEnabled: true
        adminConsentDisplayName: 'Use PIM as the signed-in user'
        adminConsentDescription: 'Lets the portal and the pim CLI call the PIM API as the signed-in user.'
        userConsentDisplayName: 'Use PIM as you'
        userConsentDescription: 'Lets the portal and the pim CLI call PIM as you.'
      }
    ]
  }
  // The portal's own sign-in (MSAL, authorization code with PKCE): a single-page app's redirect.
  spa: {
    redirectUris: ['https://${hostName}/portal/redirect']
  }
  web: {
    // App Service authentication's callback (the approval pages' sign-in).
    redirectUris: ['https://${hostName}/.auth/login/aad/callback']
    implicitGrantSettings: {
      enableIdTokenIssuance: true
      enableAccessTokenIssuance: false
    }
  }
  requiredResourceAccess: [
    {
      // Microsoft Graph, User.Read (delegated): the sign-in itself.
      resourceAppId: '00000003-0000-0000-c000-000000000000'
      resourceAccess: [{ id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', type: 'Scope' }]
    }
  ]

  // App Service authentication presents a token of the identity instead of a client secret
  // (OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID in main.bicep's app settings).
  resource appServiceAuth 'federatedIdentityCredentials@v1.0' = {
    name: '${app.uniqueName}/app-service-auth'
    audiences: ['api://AzureADTokenExchange']
    issuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
    subject: identity.outputs.principalId
    description: 'App Service authentication of ${names.site} signs in with its user-assigned identity.'
  }
}

resource appPrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: app.appId
  // Why: anyone in the tenant may sign in; powers come from the app roles, which the app checks.
  appRoleAssignmentRequired: false
}

resource graph 'Microsoft.Graph/servicePrincipals@v1.0' existing = {
  appId: '00000003-0000-0000-c000-000000000000'
}

// The application permissions the code uses (shared/adapters/graph/), and no more:
// - RoleManagement.ReadWrite.Directory: roleManagement/directory/roleDefinitions and
//   roleAssignments (read, create, delete); also members of role-assignable groups.
// - Directory.Read.All: directoryObjects/{id}, users' and groups' memberOf/transitiveMemberOf,
//   groups' transitiveMembers, users' ownedObjects, groups/{id}.
// - Group.ReadWrite.All (members and owners) or GroupMember.ReadWrite.All (members only):
//   groups/{id}/members|owners/$ref (add, remove).
// - AuditLog.Read.All: auditLogs/signIns and users' signInActivity (the stale-account alert and
//   the break-glass sign-in watch; with Directory.Read.All for the user itself).
// - User.RevokeSessions.All: users/{id}/revokeSignInSessions when a role or group membership ends
//   early (shared/app/sessionRevocation.ts); narrower than User.ReadWrite.All, which also allows it.
// - Mail.Send: users/{sender}/sendMail. Why not here by default: Exchange's RBAC for Applications
//   adds to an Entra grant and cannot narrow it, so a Graph Mail.Send would let the app send as
//   anyone; scope-mail.ps1 grants it in Exchange for the sender's mailbox alone.
var groupPermission = groupAccess == 'membersAndOwners' ? ['Group.ReadWrite.All'] : groupAccess == 'members' ? ['GroupMember.ReadWrite.All'] : []
var mailGrant = mailPermission == 'tenantWide' ? ['Mail.Send'] : []
var graphPermissions = concat(['RoleManagement.ReadWrite.Directory', 'Directory.Read.All', 'AuditLog.Read.All', 'User.RevokeSessions.All'], groupPermission, mailGrant)

resource graphPermissionGrants 'Microsoft.Graph/appRoleAssignedTo@v1.0' = [
  for permission in graphPermissions: {
    resourceId: graph.id
    appRoleId: filter(graph.appRoles, r => r.value == permission)[0].id
    principalId: identity.outputs.principalId
  }
]

@description('main.bicep\'s entraClientId (azd: PIM_ENTRA_CLIENT_ID).')
output clientId string = app.appId
@description('main.bicep\'s apiAudience (azd: PIM_API_AUDIENCE).')
output identifierUri string = 'api://pim-${environmentName}'
output servicePrincipalId string = appPrincipal.id
output identityPrincipalId string = identity.outputs.principalId
output graphPermissions string[] = graphPermissions
