import type { WarehouseQueries } from '@retail/adapters';
import { okResponse, type HttpHandler } from '@retail/lambda-plumbing';
import { readAnalyticsView } from '../analytics-queries';
import { handleHttpRequest, warehouseQueriesFromEnvironment } from '../composition';
import { readAnalyticsQuery, readAnalyticsViewName } from '../request-parameters';

/** GET /analytics/<view>?from=&to=&country=: one view of the dashboard, from the warehouse. */
export function getAnalyticsHandler(warehouse: WarehouseQueries): HttpHandler {
  return handleHttpRequest(async (event) =>
    okResponse(await readAnalyticsView(warehouse, readAnalyticsViewName(event), readAnalyticsQuery(event))),
  );
}

export const handler = getAnalyticsHandler(warehouseQueriesFromEnvironment());
