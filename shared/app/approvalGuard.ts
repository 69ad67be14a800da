/**
 * Whether this deployment may serve decisions on emailed approval links. The link's POST trusts
 * App Service authentication's `x-ms-client-principal-id` header to know who signed in; that
 * header is set (and any sent by the client stripped) only while App Service authentication is
 * on. In Azure without it, anyone holding a forwarded link could claim to be the approver, so
 * the app refuses decisions there rather than trust a forgeable header.
 */
export interface HostingFacts {
  /** Running on App Service / Functions in Azure (the platform sets WEBSITE_SITE_NAME). */
  inAzure: boolean;
  /** App Service authentication (authsettingsV2 `platform.enabled`), as WEBSITE_AUTH_ENABLED says. */
  appServiceAuthEnabled: boolean;
}

export interface ApprovalDecisionGuard {
  served: boolean;
  /** Why decisions are refused, for the log, /healthz and the approver's page; null when served. */
  reason: string | null;
}

export function approvalDecisionGuard(facts: HostingFacts): ApprovalDecisionGuard {
  if (!facts.inAzure || facts.appServiceAuthEnabled) return { served: true, reason: null };
  return {
    served: false,
    reason:
      'App Service authentication is off on this Function App, so the signed-in approver header (x-ms-client-principal-id) could be forged: decisions on emailed approval links are refused. Turn on authentication (authsettingsV2, as infra/ deploys it); approvers can still decide in the portal or through the API meanwhile.',
  };
}
