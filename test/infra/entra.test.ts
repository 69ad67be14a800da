/**
 * infra/entra.bicep uses the Microsoft Graph Bicep extension, whose types come from a registry
 * this machine cannot reach. So the real compiler checks a copy with the extension line taken out
 * and the Graph types given a date version: everything but the Graph resources' own properties
 * is checked (syntax, the module, names, expressions, references), and every diagnostic left
 * must be one that only says "this Graph type is unknown here".
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import { build, INFRA, ROOT } from './bicep';

const ENTRA = readFileSync(join(INFRA, 'entra.bicep'), 'utf8');
const SCOPE_MAIL = readFileSync(join(INFRA, 'scripts/scope-mail.ps1'), 'utf8');
const GRAPH_EXTENSION = "extension 'br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0'";

/** The file as the offline compiler can take it: no extension, Graph types with a date version. */
function offline(text: string): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== GRAPH_EXTENSION)
    .join('\n')
    .replace(/'((?:Microsoft\.Graph\/[A-Za-z/]+)|federatedIdentityCredentials)@v1\.0'/g, "'$1@2099-01-01'");
}

/** Diagnostics that say nothing but "the Graph types are not available here". */
function onlyMissingGraphTypes(diagnostic: string, lines: string[]): boolean {
  const at = diagnostic.match(/\((\d+),\d+\) : (Error|Warning) (BCP\d+):/);
  if (!at) return false;
  const line = lines[Number(at[1]) - 1] ?? '';
  switch (at[3]) {
    case 'BCP081': // "does not have types available"
    case 'BCP037': // a Graph property "is not allowed" on the (unknown) type
    case 'BCP053': // a Graph property read from the (unknown) type
      return diagnostic.includes('"Microsoft.Graph/');
    case 'BCP035': // Graph resources have no ARM "name"
      return /missing the following required properties: "name"/.test(diagnostic) && /'Microsoft\.Graph\//.test(line);
    case 'BCP170': // a Graph child resource's name is "<parent uniqueName>/<name>"
      return /name: '\$\{app\.uniqueName\}\//.test(line);
    default:
      return false;
  }
}

/** Compiles an offline copy of infra/ holding the given entra.bicep text; the diagnostics Graph types alone don't explain. */
function unexplained(text: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'pim-entra-'));
  cpSync(INFRA, dir, { recursive: true });
  const file = join(dir, 'entra.bicep');
  const source = offline(text);
  writeFileSync(file, source);
  const lines = source.split('\n');
  const diagnostics = build(file).diagnostics;
  rmSync(dir, { recursive: true, force: true });
  return diagnostics.filter((d) => !onlyMissingGraphTypes(d, lines));
}

describe('infra/entra.bicep (Microsoft Graph extension, checked offline)', () => {
  let clean: string[];
  let broken: string[];

  beforeAll(() => {
    clean = unexplained(ENTRA);
    broken = unexplained(ENTRA.replace('scope: group\n', 'scope: groop\n').replace("uniqueName: 'pim-${environmentName}'", "uniqueName: 'pim-${environmentNam}'"));
  }, 180_000);

  it('names the GA Graph extension', () => {
    expect(ENTRA.split('\n')).toContain(GRAPH_EXTENSION);
  });

  it('compiles with nothing wrong but the Graph types the registry would give', () => {
    expect(clean).toEqual([]);
  });

  it('would catch a mistake outside the Graph types (a wrong name, a misspelt parameter)', () => {
    expect(broken.join('\n')).toMatch(/BCP057: The name "groop" does not exist/);
    expect(broken.join('\n')).toMatch(/BCP057: The name "environmentNam" does not exist/);
  });

  it('defines the app roles the app checks for by default', () => {
    const settings = loadConfig({
      PIM_TENANT_ID: '00000000-0000-0000-0000-000000000001',
      PIM_OIDC_ISSUER: 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0',
      PIM_OIDC_AUDIENCE: 'api://pim-test',
      PIM_MAIL_SENDER: 'pim@contoso.com',
      PIM_APPROVAL_LINK_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
      PIM_PUBLIC_BASE_URL: 'https://pim.contoso.com',
      AzureWebJobsStorage__tableServiceUri: 'https://pim.table.core.windows.net',
      PIM_SERVICEBUS_CONNECTION__fullyQualifiedNamespace: 'pim.servicebus.windows.net',
    });
    const roles = [...ENTRA.matchAll(/value: '(PIM\.[A-Za-z]+)'/g)].map((m) => m[1]);
    expect(roles).toEqual([settings.PIM_ADMIN_ROLE, settings.PIM_AUDITOR_ROLE]);
  });

  it('registers the sign-in callback of App Service authentication, and the portal\'s MSAL redirect as a single-page app', () => {
    expect(ENTRA).toContain("redirectUris: ['https://${hostName}/.auth/login/aad/callback']");
    expect(ENTRA).toMatch(/spa: \{\s*redirectUris: \['https:\/\/\$\{hostName\}\/portal\/redirect'\]/);
  });
});

/**
 * Graph calls of the code (shared/adapters/graph/) and the least application permission each
 * needs. A call no rule knows fails the test, so a new call makes someone decide its permission.
 */
const PERMISSION_OF: Array<[RegExp, string]> = [
  [/^\/roleManagement\/directory\/(roleDefinitions|roleAssignments)/, 'RoleManagement.ReadWrite.Directory'],
  [/^\/directoryObjects\//, 'Directory.Read.All'],
  [/^\/(users|groups)\/\$\{[^}]+\}\/(memberOf|transitiveMemberOf|transitiveMembers|ownedObjects|manager)/, 'Directory.Read.All'],
  [/^\/\$\{set\}\/\$\{[^}]+\}\/\$\{navigation\}/, 'Directory.Read.All'],
  [/^\/groups\/\$\{[^}]+\}\?\$select/, 'Directory.Read.All'],
  [/^\/groups\/\$\{[^}]+\}\/\$\{navigationOf\(relation\)\}\?\$select/, 'Directory.Read.All'],
  [/^\/groups\/\$\{[^}]+\}\/\$\{navigationOf\(relation\)\}(\/\$ref|\/\$\{[^}]+\}\/\$ref)/, 'Group.ReadWrite.All'],
  [/^\/users\/\$\{[^}]+\}\/sendMail/, 'Mail.Send'],
  // signInActivity ($select on the user) and the sign-in logs.
  [/^\/users\/\$\{[^}]+\}$/, 'AuditLog.Read.All'],
  [/^\/auditLogs\/signIns/, 'AuditLog.Read.All'],
  [/^\/users\/\$\{[^}]+\}\/revokeSignInSessions/, 'User.RevokeSessions.All'],
];

function graphCallsOfTheCode(): string[] {
  const dir = join(ROOT, 'shared/adapters/graph');
  const calls = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      // Paths passed straight to the client, and paths kept in a constant first (e.g. assignmentsPath, or a `path` sent with or without retries).
      const direct = [...text.matchAll(/(?:api|all<\w+>)\(\s*[`'](\/[^`']+)[`']/g)].map((m) => m[1] ?? '');
      const constants = [...text.matchAll(/const \w*[pP]ath = [`'](\/[^`']+)[`']/g)].map((m) => m[1] ?? '');
      // The health probe calls Graph with fetch under the version segment.
      const fetched = [...text.matchAll(/fetch\(`\$\{root\}\/v1\.0(\/[^`?]+)/g)].map((m) => m[1] ?? '');
      return [...direct, ...constants, ...fetched];
    });
  return [...new Set(calls)];
}

describe('the Graph permissions infra/entra.bicep grants', () => {
  it('are exactly those the code\'s Graph calls need (default: group members and owners)', () => {
    const calls = graphCallsOfTheCode();
    expect(calls.length).toBeGreaterThanOrEqual(8);
    const unknown = calls.filter((c) => !PERMISSION_OF.some(([rule]) => rule.test(c)));
    expect(unknown).toEqual([]);
    const needed = new Set(calls.map((c) => PERMISSION_OF.find(([rule]) => rule.test(c))?.[1]));
    const granted = [...(ENTRA.match(/var graphPermissions = concat\(\[([^\]]*)\]/)?.[1] ?? '').matchAll(/'([\w.]+)'/g)].map((m) => m[1]);
    const groupDefault = ENTRA.match(/groupAccess == 'membersAndOwners' \? \['([\w.]+)'\]/)?.[1];
    // Mail.Send comes from Exchange for the sender's mailbox alone (scope-mail.ps1), not from Graph.
    expect(ENTRA).toContain("param mailPermission string = 'exchangeRbac'");
    expect(SCOPE_MAIL).toMatch(/-Role 'Application Mail\.Send'/);
    expect(new Set([...granted, groupDefault, 'Mail.Send'])).toEqual(needed);
    expect(granted).not.toContain('Mail.Send');
  });
});
