// The ABAC condition on the app's Role Based Access Control Administrator assignments: the
// roles it may assign and remove (Azure's "constrain roles" delegation). Imported by the
// governed-scope modules; nothing is deployed from this file.
import { builtInRoles } from 'roles.bicep'

// Why: roles that hand out access themselves. With them the app could make anyone an
// administrator of the scope outside PIM's policies, so they need naming explicitly.
var privilegedAdministratorRoles = [
  builtInRoles.owner
  builtInRoles.userAccessAdministrator
  builtInRoles.roleBasedAccessControlAdministrator
]

func guidSet(ids string[]) string => '{${join(ids, ', ')}}'

// No list: every role but the privileged administrator roles. A list: exactly those roles.
func allowed(attribute string, roleIds string[]) string =>
  empty(roleIds)
    ? '${attribute} ForAnyOfAllValues:GuidNotEquals ${guidSet(privilegedAdministratorRoles)}'
    : '${attribute} ForAnyOfAnyValues:GuidEquals ${guidSet(roleIds)}'

@export()
@description('Condition (version 2.0) limiting role assignment writes and deletes to the given role definition GUIDs, or with none given, to every role but Owner, User Access Administrator and Role Based Access Control Administrator.')
func roleAssignmentCondition(roleIds string[]) string =>
  '((!(ActionMatches{\'Microsoft.Authorization/roleAssignments/write\'})) OR (${allowed('@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId]', roleIds)})) AND ((!(ActionMatches{\'Microsoft.Authorization/roleAssignments/delete\'})) OR (${allowed('@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId]', roleIds)}))'
