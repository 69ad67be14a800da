/** A user, group or service principal (an application's identity) in the directory. */
export interface DirectoryPrincipal {
  id: string;
  kind: 'user' | 'group' | 'servicePrincipal';
  displayName: string;
  userPrincipalName?: string;
  mail?: string;
}

/**
 * Who is who: users and groups, and transitive group membership. Apart from what is granted
 * (the AccessTarget ports): approvers, requesters, notification recipients and eligibility
 * through groups are resolved here, whatever kind of target a request is for.
 */
export interface Principals {
  /** A user or group by object id; undefined when there is none. */
  getPrincipal(id: string): Promise<DirectoryPrincipal | undefined>;
  /** The user ids in a group, including nested groups, as of now. */
  groupMemberIds(groupId: string): Promise<string[]>;
  /** The ids of every group the principal is a member of, directly or through nested groups, as of now. */
  groupsOf(principalId: string): Promise<string[]>;
}
