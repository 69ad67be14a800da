// Azure resource PIM at one governed resource group; see pimAtSubscription.bicep for the role.
targetScope = 'resourceGroup'

import { builtInRoles } from 'roles.bicep'
import { roleAssignmentCondition } from 'pimCondition.bicep'

param principalId string
@description('Role definition GUIDs the app may assign; empty: all but the privileged administrator roles.')
param assignableRoleIds string[]

resource assigner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, builtInRoles.roleBasedAccessControlAdministrator)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.roleBasedAccessControlAdministrator)
    condition: roleAssignmentCondition(assignableRoleIds)
    conditionVersion: '2.0'
    description: 'PIM grants and removes the roles its policies allow here.'
  }
}
