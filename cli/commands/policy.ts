import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { connect, type PimApi } from '../api';
import { type ParsedCommand, stringOption, UsageError } from '../args';
import { CliError } from '../errors';
import type { Output } from '../output';
import { describeChanges, diff, patchedRules, type PolicyDocument, type PolicySubject, type Rule, toDocument } from '../policyYaml';

const ROLE_DEFINITIONS = '/v1.0/roleManagement/directory/roleDefinitions';
const POLICIES = '/v1.0/policies/roleManagementPolicies';
const ASSIGNMENTS = '/v1.0/policies/roleManagementPolicyAssignments';

/** A policy found: whose it is, how to name it to people, its id and rules. */
interface FoundPolicy {
  subject: PolicySubject;
  label: string;
  policyId: string;
  rules: Rule[];
}

/** What a command names: a directory role (name or id), or a group's member or owner settings. */
type Wanted = { role: string } | { groupId: string; access: 'member' | 'owner' };

/** `pim policy export|diff|apply`. */
export async function policy(cmd: ParsedCommand, out: Output): Promise<void> {
  const sub = cmd.command[1];
  const api = connect(cmd.global.url);
  if (sub === 'export') return exportPolicy(api, cmd, out);
  if (sub === 'diff' || sub === 'apply') return applyPolicy(api, cmd, out, sub === 'diff' || cmd.options['dry-run'] === true);
  throw new UsageError(`Unknown 'pim policy ${sub}': use export, diff or apply.`);
}

async function exportPolicy(api: PimApi, cmd: ParsedCommand, out: Output): Promise<void> {
  const groupId = stringOption(cmd.options, 'group');
  const [first, second] = cmd.args;
  const role = groupId ? undefined : first;
  const file = groupId ? first : second;
  if (!groupId && !role) throw new UsageError('Name the role: pim policy export "Helpdesk Administrator" [file.yaml], or a group: pim policy export --group <groupId> [--owner] [file.yaml].');
  const found = await findPolicy(api, groupId ? { groupId, access: cmd.options.owner === true ? 'owner' : 'member' } : { role: role as string });
  const doc = toDocument(found.subject, found.rules);
  const yaml = `# Settings of ${found.label}. Edit, then: pim policy diff <file>; pim policy apply <file>\n${stringify(doc)}`;
  if (file) writeFileSync(file, yaml);
  if (out.json) out.result(doc, '');
  else if (file) out.result(doc, `Wrote the settings of ${found.label} to ${file}.`);
  else process.stdout.write(yaml);
}

async function applyPolicy(api: PimApi, cmd: ParsedCommand, out: Output, dryRun: boolean): Promise<void> {
  const file = cmd.args[0];
  if (!file) throw new UsageError(`Give the YAML file: pim policy ${cmd.command[1]} <file.yaml>.`);
  const doc = readDocument(file);
  const found = await findPolicy(api, 'groupId' in doc ? { groupId: doc.groupId, access: doc.access } : { role: doc.roleDefinitionId ?? doc.role });
  let changes;
  try {
    changes = diff(found.rules, doc);
  } catch (error) {
    throw new CliError(`${file}: ${error instanceof Error ? error.message : String(error)}`, 2);
  }
  const rules = patchedRules(found.rules, changes);
  if (!dryRun) {
    for (const rule of rules) await api.send('PATCH', `${POLICIES}/${encodeURIComponent(found.policyId)}/rules/${encodeURIComponent(rule.id)}`, rule);
  }
  const verb = dryRun ? 'would change' : 'changed';
  const text = changes.length === 0 ? `${found.label}: nothing to change.` : `${found.label}: ${verb} ${rules.length} rule(s)\n${describeChanges(changes)}`;
  out.result({ ...found.subject, policyId: found.policyId, dryRun, changes, patchedRules: rules.map((r) => r.id) }, text);
}

function readDocument(file: string): PolicyDocument {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, 2);
  }
  const d = doc as Record<string, unknown> | null;
  if (d && typeof d.groupId === 'string') {
    if (d.access !== 'member' && d.access !== 'owner') throw new CliError(`${file}: 'access' must be member or owner (the group's settings the file holds).`, 2);
    return d as unknown as PolicyDocument;
  }
  if (!d || (typeof d.role !== 'string' && typeof d.roleDefinitionId !== 'string')) {
    throw new CliError(`${file} names no role or group: it needs 'role' or 'roleDefinitionId', or 'groupId' and 'access' (as 'pim policy export' writes).`, 2);
  }
  return d as unknown as PolicyDocument;
}

/** The policy of a directory role (by name or id, at the directory scope) or of a group's member or owner access. */
async function findPolicy(api: PimApi, wanted: Wanted): Promise<FoundPolicy> {
  if ('groupId' in wanted) {
    const filter = `scopeId eq '${wanted.groupId.replace(/'/g, "''")}' and scopeType eq 'Group' and roleDefinitionId eq '${wanted.access}'`;
    const assignments = await api.list<{ policyId: string }>(`${ASSIGNMENTS}?$filter=${encodeURIComponent(filter)}`);
    const assignment = assignments[0];
    if (!assignment) throw new CliError(`The group ${wanted.groupId} has no ${wanted.access} settings: is it governed by PIM? Give the group's object id.`, 1, 'PolicyNotFound');
    return { subject: wanted, label: `${wanted.access} of group ${wanted.groupId}`, policyId: assignment.policyId, rules: await rulesOf(api, assignment.policyId) };
  }
  const roles = await api.list<{ id: string; displayName: string }>(ROLE_DEFINITIONS);
  const w = wanted.role.toLowerCase();
  const role = roles.find((r) => r.id.toLowerCase() === w) ?? roles.find((r) => r.displayName.toLowerCase() === w);
  if (!role) throw new CliError(`There is no directory role '${wanted.role}'. Names are as Entra shows them, e.g. "Helpdesk Administrator".`, 1, 'RoleNotFound');
  const assignments = await api.list<{ policyId: string; roleDefinitionId: string }>(`${ASSIGNMENTS}?$filter=${encodeURIComponent("scopeId eq '/' and scopeType eq 'DirectoryRole'")}`);
  const assignment = assignments.find((a) => a.roleDefinitionId === role.id);
  if (!assignment) throw new CliError(`The role ${role.displayName} has no policy at the directory scope.`);
  return { subject: { role: role.displayName, roleDefinitionId: role.id }, label: role.displayName, policyId: assignment.policyId, rules: await rulesOf(api, assignment.policyId) };
}

const rulesOf = (api: PimApi, policyId: string) => api.list<Rule>(`${POLICIES}/${encodeURIComponent(policyId)}/rules`);
