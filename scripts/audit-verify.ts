/**
 * `npm run audit:verify`: walks the audit log's hash chain and says whether it is intact.
 * Storage from AzureWebJobsStorage (or AzureWebJobsStorage__tableServiceUri and the identity
 * settings, as the app reads them), table prefix from PIM_TABLE_PREFIX (default Pim); when the
 * environment does not set them, from local.settings.json (or the sample) as the app would.
 * Exit 0: intact. 1: broken, naming the first broken record. 2: the chain could not be read.
 *
 * `npm run audit:verify -- --export file.jsonl` (or .csv) checks an export on its own instead,
 * with no storage: every record's hash and link, and the end marker a complete export ends with
 * (shared/adapters/tables/auditExport.ts). Exit 1 when broken or incomplete.
 */
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import type { TableClient } from '@azure/data-tables';
import { loadLocalSettings } from '../devhost/core/settings';
import { AUDIT_TABLE, type ChainVerdict, type TableSource } from '../shared/adapters/tables/auditChain';
import { verifyAuditChain } from '../shared/adapters/tables/auditVerify';
import { ExportReader, type ExportVerdict } from '../shared/adapters/tables/auditExport';
import { statusCodeOf, tableClientFactory } from '../shared/adapters/tables/tableAccess';
import { type TableConnection, tableConnection } from '../shared/connections';

const PREFIX = /^[A-Za-z][A-Za-z0-9]*$/;

/** Exit code 2 with one line: the chain was not checked, which is not the same as broken. */
class CannotRead extends Error {}

function settings(): { connection: TableConnection; prefix: string } {
  loadLocalSettings(resolve(__dirname, '..'));
  // Empty values count as unset, as in the app's config.
  const env = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== ''));
  const connection = tableConnection(env);
  const prefix = process.env.PIM_TABLE_PREFIX || 'Pim';
  if (!connection.value) throw new CannotRead(`No storage connection: ${connection.problems.join('; ')}.`);
  if (!PREFIX.test(prefix)) throw new CannotRead(`PIM_TABLE_PREFIX must be letters and digits, starting with a letter, got "${prefix}".`);
  return { connection: connection.value, prefix };
}

/**
 * Table clients that only read. Why: TableAccess creates missing tables, and a verifier pointed
 * at a wrong prefix must say so rather than create an empty table and report it intact.
 */
function readOnlyTables(connection: TableConnection, prefix: string): TableSource & { endpoint: string } {
  let client: TableClient;
  let clientFor: (name: string) => TableClient;
  try {
    clientFor = tableClientFactory(connection, { retryOptions: { maxRetries: 2, retryDelayInMs: 200 } });
    client = clientFor(`${prefix}${AUDIT_TABLE}`);
  } catch {
    // The SDK's own message here is about its internals; the setting is what needs fixing.
    throw new CannotRead('AzureWebJobsStorage is not a storage connection string (account key or SAS, or UseDevelopmentStorage=true).');
  }
  // Why: a SAS connection string puts its signature in the URL's query; never print that.
  const endpoint = client.url.split('?')[0] ?? '';
  // The audit table, and the archive table when a retention policy moved records there.
  return { endpoint, table: async (name) => (name === AUDIT_TABLE ? client : clientFor(`${prefix}${name}`)) };
}

/** One line from an error: the Table service puts its OData (JSON) or XML error body in the message. */
function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const serviceError = odataError(message) ?? xmlError(message);
  const line = serviceError ? `${serviceError.code}: ${serviceError.text}` : message;
  return line.split('\n')[0] ?? '';
}

function odataError(message: string): { code: string; text: string } | undefined {
  try {
    const body = JSON.parse(message) as { 'odata.error'?: { code?: string; message?: { value?: string } } };
    const e = body['odata.error'];
    return e ? { code: e.code ?? 'Error', text: e.message?.value ?? '' } : undefined;
  } catch {
    return undefined;
  }
}

function xmlError(message: string): { code: string; text: string } | undefined {
  const code = /<Code>([^<]*)<\/Code>/.exec(message)?.[1];
  return code ? { code, text: /<Message>([^<]*)/.exec(message)?.[1] ?? '' } : undefined;
}

function describeReadError(error: unknown, table: string, endpoint: string): string {
  // A query within an existing table finds nothing rather than failing: a 404 is the table itself.
  if (statusCodeOf(error) === 404) return `There is no audit table ${table} at ${endpoint} (check PIM_TABLE_PREFIX).`;
  return `Could not read the audit table ${table} at ${endpoint}: ${messageOf(error)}`;
}

/** Checks an export file as it is read, in chunks (never held whole, whichever the format). */
async function verifyExportFile(path: string): Promise<ExportVerdict> {
  const reader = new ExportReader();
  try {
    for await (const chunk of createReadStream(path, 'utf8')) reader.push(chunk as string);
  } catch (error) {
    throw new CannotRead(`Cannot read the export ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return reader.end();
}

async function checkExport(path: string): Promise<number> {
  const verdict = await verifyExportFile(path);
  if (!verdict.ok) {
    process.stdout.write(`Audit export ${verdict.incomplete ? 'INCOMPLETE' : 'BROKEN'} at line ${verdict.line} (after ${verdict.count} good records): ${verdict.problem}\n`);
    return 1;
  }
  if (verdict.count === 0) {
    process.stdout.write('Audit export OK: it holds no records, and its end marker says so\n');
    return 0;
  }
  process.stdout.write(
    `Audit export OK: ${verdict.count} records, seq ${verdict.firstSeq} to ${verdict.lastSeq}, every hash and link intact, complete (its end marker matches).\n` +
      `It starts from prevHash ${verdict.anchor} and ends at hash ${verdict.lastHash}: compare the start with the chain (or the export before) to know nothing was cut off the front.\n`,
  );
  return 0;
}

async function main(): Promise<number> {
  const exportAt = process.argv.indexOf('--export');
  if (exportAt >= 0) {
    const path = process.argv[exportAt + 1];
    if (!path) throw new CannotRead('--export needs a file: npm run audit:verify -- --export audit.jsonl');
    return checkExport(path);
  }
  const { connection, prefix } = settings();
  const tables = readOnlyTables(connection, prefix);
  const table = `${prefix}${AUDIT_TABLE}`;
  let verdict: ChainVerdict;
  try {
    verdict = await verifyAuditChain(tables);
  } catch (error) {
    throw new CannotRead(describeReadError(error, table, tables.endpoint));
  }
  if (verdict.ok) {
    process.stdout.write(`Audit chain OK: ${verdict.count} records\n`);
    return 0;
  }
  const { seq, rowKey, problem } = verdict.firstBroken;
  process.stdout.write(`Audit chain BROKEN at record seq ${seq} (row ${rowKey}): ${problem}\n`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof CannotRead ? error.message : `audit:verify failed: ${messageOf(error)}`);
    process.exit(2);
  },
);
