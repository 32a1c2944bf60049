// The warehouse's .sql files, bundled as text (esbuild's text loader; jest's sql transform in tests).
declare module '*.sql' {
  const sql: string;
  export default sql;
}
