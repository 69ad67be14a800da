import { type AccessItem, myAccess, myAzureAccess } from '../access';
import { connect } from '../api';
import { azureScopes, type ParsedCommand } from '../args';
import { type Output, table } from '../output';

/**
 * `pim roles`: eligible and active roles and groups of the signed-in identity, and its Azure
 * resource roles seen from the ARM scopes given (--scope, PIM_AZURE_SCOPES or the login's scopes).
 */
export async function roles(cmd: ParsedCommand, out: Output): Promise<void> {
  const api = connect(cmd.global.url);
  const scopes = azureScopes(cmd.options, process.env, api.login.scopes);
  if (scopes.length === 0) out.progress("Azure resource roles: none listed; name ARM scopes with --scope /subscriptions/<id> (repeatable), PIM_AZURE_SCOPES or 'pim login ... --scope'.");
  else if (!api.login.armAccessToken) out.progress("Azure resource roles: not listed, the sign-in has no ARM token; run 'pim login' again.");
  const azure = scopes.length > 0 && api.login.armAccessToken ? myAzureAccess(api, scopes) : Promise.resolve([]);
  const [graph, arm] = await Promise.all([myAccess(api), azure]);
  const items = [...graph, ...arm];
  const rows = (state: AccessItem['state']) =>
    items
      .filter((i) => i.state === state)
      .map((i) => [i.name, i.kind === 'group' ? `group ${i.scope}` : i.kind === 'azureRole' ? `azure ${i.scope}` : `role ${i.scope}`, i.memberType ?? 'Direct', state === 'active' ? (i.assignmentType ?? '') : '', i.endDateTime ?? 'permanent']);
  const section = (title: string, state: AccessItem['state']) => {
    const body = table(['NAME', 'KIND/SCOPE', 'MEMBERSHIP', state === 'active' ? 'TYPE' : '', 'END'], rows(state));
    return `${title}\n${body || '  (none)'}`;
  };
  out.result({ eligible: items.filter((i) => i.state === 'eligible'), active: items.filter((i) => i.state === 'active') }, `${section('Eligible', 'eligible')}\n\n${section('Active', 'active')}`);
}
