import { getAuditRecord, listAuditHistory } from '../../shared/app/auditHistory';
import { directoryAuditsQuery, parseDirectoryAuditsQuery } from '../../shared/http/auditQuery';
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
