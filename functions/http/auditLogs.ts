import { CONTENT_TYPES, type ExportFormat, exportText } from '../../shared/adapters/tables/auditExport';
import { exportAuditHistory, getAuditRecord, listAuditHistory } from '../../shared/app/auditHistory';
import { directoryAuditsExportQuery, directoryAuditsQuery, parseDirectoryAuditsQuery, parseExportQuery } from '../../shared/http/auditQuery';
import type { ChainedAuditRecord } from '../../shared/ports/audit';
import { graphHandler } from '../../shared/http/graphHandler';
import { project } from '../../shared/http/odata/collection';
import { parseQuery } from '../../shared/http/odata/query';
import { collectionResponse, entityResponse } from '../../shared/http/responses';
import { httpRoute } from '../httpRoute';
import { deps, tokens } from '../composition';

const V = '{version:regex(^(v1\\.0|beta)$)}';
const ENTITY_SET = 'auditLogs/directoryAudits';

httpRoute('listDirectoryAudits', {
  route: `${V}/${ENTITY_SET}`,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: "PIM's audit history, newest first (admins and auditors)", query: directoryAuditsQuery },
  handler: graphHandler(tokens, async ({ url, caller }) => {
    const request = parseDirectoryAuditsQuery(url.searchParams);
    const page = await listAuditHistory(deps(), caller, request.query, request.top, request.skipToken);
    const shown = { value: page.records, ...(page.next ? { nextSkipToken: page.next } : {}) };
    return collectionResponse(url, ENTITY_SET, shown, { expand: [], count: false, ...(request.select ? { select: request.select } : {}) });
  }),
});

/** The export's bytes (auditExport.ts writes its text). */
async function* exportBody(format: ExportFormat, records: AsyncIterable<ChainedAuditRecord>): AsyncIterable<Uint8Array> {
  const encoder = new TextEncoder();
  for await (const text of exportText(format, records)) yield encoder.encode(text);
}

httpRoute('exportDirectoryAudits', {
  route: `${V}/${ENTITY_SET}/export`,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: {
    summary: 'Extension: download the audit records of a time window with their hash-chain positions (seq, prevHash, hash), streamed as JSON lines or CSV and ended by an end marker (`{"@export":"end","records","lastSeq","lastHash"}`) once every record was sent, so the file verifies on its own, complete or not (`npm run audit:verify -- --export file`). Admins and auditors.',
    query: directoryAuditsExportQuery,
  },
  handler: graphHandler(tokens, async ({ url, caller }) => {
    const request = parseExportQuery(url.searchParams);
    const records = await exportAuditHistory(deps(), caller, request.range);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
    return {
      status: 200,
      headers: { 'Content-Type': CONTENT_TYPES[request.format], 'Content-Disposition': `attachment; filename="pim-audit-${stamp}.${request.format}"`, 'Cache-Control': 'no-store' },
      body: exportBody(request.format, records),
    };
  }),
});

httpRoute('getDirectoryAudit', {
  route: `${V}/${ENTITY_SET}/{id}`,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: 'One audit record (admins and auditors)' },
  handler: graphHandler(tokens, async ({ url, req, caller }) => {
    const query = parseQuery(url.searchParams, { filterable: [] });
    const record = await getAuditRecord(deps(), caller, req.params.id ?? '');
    return entityResponse(url, ENTITY_SET, project(record, query.select));
  }),
});
