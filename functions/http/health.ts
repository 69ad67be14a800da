import { app } from '@azure/functions';
import { tableStorageHealth } from '../../shared/adapters/tables/tableStorageHealth';
import { checkHealth } from '../../shared/app/health';
import { config } from '../../shared/config';

app.http('health', {
  route: 'healthz',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => {
    const settings = config();
    const report = await checkHealth({
      storage: tableStorageHealth(settings.tables),
      durableBackend: settings.PIM_DURABLE_BACKEND,
      taskHub: settings.DURABLE_TASK_HUB,
    });
    return {
      status: report.status === 'Healthy' ? 200 : 503,
      jsonBody: report,
      headers: { 'Cache-Control': 'no-store' },
    };
  },
});
