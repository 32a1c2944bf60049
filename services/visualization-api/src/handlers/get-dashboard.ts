import { handleHttpRequest } from '../composition';
import { dashboardAsset } from '../dashboard-assets';
import { DashboardAssetNotFoundError } from '../visualization-errors';

/** GET /dashboard (the page) and GET /dashboard/{asset} (its script): no data in either, so no key needed. */
export const handler = handleHttpRequest(async (event) => {
  const name = event.pathParameters?.asset ?? 'index.html';
  const asset = dashboardAsset(name);
  if (asset === undefined) throw new DashboardAssetNotFoundError(name);
  return {
    statusCode: 200,
    headers: {
      'content-type': asset.contentType,
      // The page's script comes from this origin only; charts draw on canvas, styles are inline.
      'content-security-policy':
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'",
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    },
    body: asset.body,
  };
});
