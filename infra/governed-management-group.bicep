// Azure resource PIM at a management group, deployed on its own (a subscription deployment,
// as main.bicep is, cannot reach a management group):
//   az deployment mg create --management-group-id <mg> --location <region> \
//     --template-file infra/governed-management-group.bicep --parameters principalId=<identity principal id>
// Same role and condition as at subscriptions and resource groups (modules/pimAtSubscription.bicep).
targetScope = 'managementGroup'

import { builtInRoles } from 'modules/roles.bicep'
import { roleAssignmentCondition } from 'modules/pimCondition.bicep'

@description('Principal id of the app\'s user-assigned identity (main.bicep\'s output identityPrincipalId).')
param principalId string
@description('Role definition GUIDs the app may assign; empty: all but the privileged administrator roles.')
param assignableRoleIds string[] = []

resource assigner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(managementGroup().id, principalId, builtInRoles.roleBasedAccessControlAdministrator)
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: tenantResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.roleBasedAccessControlAdministrator)
    condition: roleAssignmentCondition(assignableRoleIds)
    conditionVersion: '2.0'
    description: 'PIM grants and removes the roles its policies allow here.'
  }
}
