import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { connect, type PimApi } from '../api';
import { type ParsedCommand, UsageError } from '../args';
import { CliError } from '../errors';
import type { Output } from '../output';
import { describeChanges, diff, patchedRules, type PolicyDocument, type Rule, toDocument } from '../policyYaml';

const ROLE_DEFINITIONS = '/v1.0/roleManagement/directory/roleDefinitions';
const POLICIES = '/v1.0/policies/roleManagementPolicies';
const ASSIGNMENTS = '/v1.0/policies/roleManagementPolicyAssignments';

interface RolePolicy {
  role: { id: string; displayName: string };
  policyId: string;
  rules: Rule[];
}

/** `pim policy export|diff|apply`. */
export async function policy(cmd: ParsedCommand, out: Output): Promise<void> {
  const sub = cmd.command[1];
  const api = connect(cmd.global.url);
  if (sub === 'export') return exportPolicy(api, cmd, out);
  if (sub === 'diff' || sub === 'apply') return applyPolicy(api, cmd, out, sub === 'diff' || cmd.options['dry-run'] === true);
  throw new UsageError(`Unknown 'pim policy ${sub}': use export, diff or apply.`);
}

async function exportPolicy(api: PimApi, cmd: ParsedCommand, out: Output): Promise<void> {
  const [wanted, file] = cmd.args;
  if (!wanted) throw new UsageError('Name the role: pim policy export "Helpdesk Administrator" [file.yaml].');
  const found = await rolePolicy(api, wanted);
  const doc = toDocument(found.role, found.rules);
  const yaml = `# Role settings of ${found.role.displayName}. Edit, then: pim policy diff <file>; pim policy apply <file>\n${stringify(doc)}`;
  if (file) writeFileSync(file, yaml);
  if (out.json) out.result(doc, '');
  else if (file) out.result(doc, `Wrote the settings of ${found.role.displayName} to ${file}.`);
  else process.stdout.write(yaml);
}

async function applyPolicy(api: PimApi, cmd: ParsedCommand, out: Output, dryRun: boolean): Promise<void> {
  const file = cmd.args[0];
  if (!file) throw new UsageError(`Give the YAML file: pim policy ${cmd.command[1]} <file.yaml>.`);
  const doc = readDocument(file);
  const found = await rolePolicy(api, doc.roleDefinitionId ?? doc.role);
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
  const text = changes.length === 0 ? `${found.role.displayName}: nothing to change.` : `${found.role.displayName}: ${verb} ${rules.length} rule(s)\n${describeChanges(changes)}`;
  out.result({ role: found.role, policyId: found.policyId, dryRun, changes, patchedRules: rules.map((r) => r.id) }, text);
}

function readDocument(file: string): PolicyDocument {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, 2);
  }
  const d = doc as Partial<PolicyDocument> | null;
  if (!d || (typeof d.role !== 'string' && typeof d.roleDefinitionId !== 'string')) {
    throw new CliError(`${file} names no role: it needs 'role' or 'roleDefinitionId' (as 'pim policy export' writes).`, 2);
  }
  return d as PolicyDocument;
}

/** A directory role (by name or id) with its policy's id and rules. */
async function rolePolicy(api: PimApi, wanted: string): Promise<RolePolicy> {
  const roles = await api.list<{ id: string; displayName: string }>(ROLE_DEFINITIONS);
  const w = wanted.toLowerCase();
  const role = roles.find((r) => r.id.toLowerCase() === w) ?? roles.find((r) => r.displayName.toLowerCase() === w);
  if (!role) throw new CliError(`There is no directory role '${wanted}'. Names are as Entra shows them, e.g. "Helpdesk Administrator".`, 1, 'RoleNotFound');
  const assignments = await api.list<{ policyId: string; roleDefinitionId: string }>(`${ASSIGNMENTS}?$filter=${encodeURIComponent("scopeId eq '/' and scopeType eq 'DirectoryRole'")}`);
  const assignment = assignments.find((a) => a.roleDefinitionId === role.id);
  if (!assignment) throw new CliError(`The role ${role.displayName} has no policy at the directory scope.`);
  const rules = await api.list<Rule>(`${POLICIES}/${encodeURIComponent(assignment.policyId)}/rules`);
  return { role: { id: role.id, displayName: role.displayName }, policyId: assignment.policyId, rules };
}
