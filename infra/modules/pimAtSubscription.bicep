// Azure resource PIM at one governed subscription: the app may create and delete role
// assignments there (and below), for the roles the condition allows. Role Based Access Control
// Administrator is the least built-in role that can: it reads everything (*/read, which the app
// needs to find scopes and role definitions) and writes only role assignments, unlike User
// Access Administrator or Owner, and Azure lets it carry a condition.
targetScope = 'subscription'

import { builtInRoles } from 'roles.bicep'
import { roleAssignmentCondition } from 'pimCondition.bicep'

param principalId string
@description('Role definition GUIDs the app may assign; empty: all but the privileged administrator roles.')
param assignableRoleIds string[]

resource assigner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, builtInRoles.roleBasedAccessControlAdministrator)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.roleBasedAccessControlAdministrator)
    condition: roleAssignmentCondition(assignableRoleIds)
    conditionVersion: '2.0'
    description: 'PIM grants and removes the roles its policies allow here.'
  }
}
