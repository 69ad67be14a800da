import { CONTENT_TYPES, csvHeader, exportLine, type ExportFormat, exportTrailer } from '../../shared/adapters/tables/auditExport';
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

/** The export's bytes, produced as the chain is read (a long range is never held in memory). */
async function* exportBody(format: ExportFormat, records: AsyncIterable<ChainedAuditRecord>): AsyncIterable<Uint8Array> {
  const encoder = new TextEncoder();
  if (format === 'csv') yield encoder.encode(csvHeader());
  let batch = '';
  let count = 0;
  let last: ChainedAuditRecord | undefined;
  for await (const record of records) {
    batch += exportLine(format, record);
    count++;
    last = record;
    // Why batches: one write per record would make a million small chunks.
    if (batch.length >= 64 * 1024) {
      yield encoder.encode(batch);
      batch = '';
    }
  }
  // Reached only when every record was read: a read failing midway ends the stream without it,
  // and the checker calls that export incomplete.
  yield encoder.encode(batch + exportTrailer(format, { records: count, lastSeq: last?.seq ?? null, lastHash: last?.hash ?? null }));
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
