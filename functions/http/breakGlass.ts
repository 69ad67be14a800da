import { addBreakGlassAccount, listBreakGlassAccounts, removeBreakGlassAccount } from '../../shared/app/alerts/breakGlass';
import { breakGlassAccountBody, breakGlassJson } from '../../shared/http/alertJson';
import { graphHandler } from '../../shared/http/graphHandler';
import { httpRoute } from '../httpRoute';
import { deps, tokens } from '../composition';

// PIM's own extension (Entra has no API for emergency access accounts): Graph's error shape, its own path.
const BASE = 'pim/breakGlassAccounts';

httpRoute('breakGlassAccounts', {
  route: BASE,
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  doc: {
    summary: 'Emergency access (break-glass) accounts: PIM never removes their access and alerts on their sign-ins. GET (admins, auditors); POST {"id"} adds one (admins, 201)',
    body: breakGlassAccountBody,
    bodyName: 'breakGlassAccount',
  },
  handler: graphHandler(tokens, async ({ url, caller, body, req }) => {
    if (req.method === 'POST') {
      const added = await addBreakGlassAccount(deps(), caller, body);
      return { status: 201, jsonBody: breakGlassJson(added), headers: { Location: `${url.origin}/${BASE}/${added.id}` } };
    }
    return { status: 200, jsonBody: { value: (await listBreakGlassAccounts(deps(), caller)).map(breakGlassJson) } };
  }),
});

httpRoute('removeBreakGlassAccount', {
  route: `${BASE}/{id}`,
  methods: ['DELETE'],
  authLevel: 'anonymous',
  doc: { summary: 'Takes an account added through the API off the break-glass list (admins, 204); setting-listed ones are removed in PIM_BREAK_GLASS_ACCOUNTS' },
  handler: graphHandler(tokens, async ({ req, caller }) => {
    await removeBreakGlassAccount(deps(), caller, req.params.id ?? '');
    return { status: 204 };
  }),
});
