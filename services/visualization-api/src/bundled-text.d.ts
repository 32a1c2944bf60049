// Files bundled as text (esbuild's text loader, resources/service-defaults.yml; jest's text transform in tests).
declare module '*.sql' {
  const sql: string;
  export default sql;
}
declare module '*.html' {
  const html: string;
  export default html;
}
// A browser entry bundled by packages/serverless-plugins/esbuild-dashboard-page.js, as text.
declare module 'dashboard-page:*' {
  const script: string;
  export default script;
}
