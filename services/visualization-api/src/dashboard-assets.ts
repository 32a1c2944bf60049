import page from '../dashboard/index.html';
import script from 'dashboard-page:../dashboard/dashboard.ts';

export interface DashboardAsset {
  contentType: string;
  body: string;
}

// Both are in the function's bundle: the page as text, the script bundled for the browser by esbuild.
const ASSETS: Record<string, DashboardAsset> = {
  'index.html': { contentType: 'text/html; charset=utf-8', body: page },
  'dashboard.js': { contentType: 'text/javascript; charset=utf-8', body: script },
};

export function dashboardAsset(name: string): DashboardAsset | undefined {
  return Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
}
