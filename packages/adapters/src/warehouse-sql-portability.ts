/**
 * Finds SQL that only one of Redshift and PostgreSQL accepts (the list in the repository's STACK.md, plus a few
 * well-known ones), so the shared warehouse SQL stays shared. It reads the text PostgreSQL sees: comments, the
 * `/*@redshift ... *\/` parts included, and string literals are blanked first.
 */
export interface EngineSpecificConstruct {
  /** 1-based line of the text checked. */
  line: number;
  construct: string;
  /** The engine that rejects it. */
  rejectedBy: 'PostgreSQL' | 'Redshift';
  advice: string;
}

interface Rule {
  construct: string;
  pattern: RegExp;
  rejectedBy: EngineSpecificConstruct['rejectedBy'];
  advice: string;
}

const IN_REDSHIFT_COMMENT = 'put it in a /*@redshift ... */ comment';
const RULES: readonly Rule[] = [
  ...['DISTKEY', 'SORTKEY', 'DISTSTYLE', 'ENCODE', 'BACKUP NO'].map((construct): Rule => ({
    construct,
    pattern: new RegExp(`\\b${construct.replace(' ', '\\s+')}\\b`, 'gi'),
    rejectedBy: 'PostgreSQL',
    advice: `a Redshift table attribute: ${IN_REDSHIFT_COMMENT}`,
  })),
  redshiftOnly('IDENTITY(seed, step)', /\bIDENTITY\s*\(/gi, 'give ids in the data (line_id) instead'),
  redshiftOnly('VARCHAR(MAX)', /\bVARCHAR\s*\(\s*MAX\s*\)/gi, 'give a size in bytes'),
  redshiftOnly('SUPER', /\bSUPER\b/gi, 'load typed columns'),
  redshiftOnly('QUALIFY', /\bQUALIFY\b/gi, 'filter a window function in an outer query (WHERE rank = 1)'),
  redshiftOnly('APPROXIMATE', /\bAPPROXIMATE\b/gi, 'use the exact aggregate'),
  redshiftOnly('DATEADD', /\bDATEADD\s*\(/gi, "use timestamp + INTERVAL '1 day'"),
  redshiftOnly('DATEDIFF', /\bDATEDIFF\s*\(/gi, 'subtract dates (date - date is days) or compare EXTRACTs'),
  redshiftOnly('LISTAGG', /\bLISTAGG\s*\(/gi, 'aggregate in the client; STRING_AGG is PostgreSQL-only'),
  redshiftOnly('CONVERT_TIMEZONE', /\bCONVERT_TIMEZONE\s*\(/gi, 'use AT TIME ZONE'),
  redshiftOnly('NVL', /\bNVL2?\s*\(/gi, 'use COALESCE (or CASE)'),
  redshiftOnly('MEDIAN', /\bMEDIAN\s*\(/gi, 'use PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY ...)'),
  redshiftOnly('DECODE', /\bDECODE\s*\(/gi, 'use CASE'),
  redshiftOnly('SYSDATE', /\bSYSDATE\b/gi, 'use GETDATE() (shimmed locally)'),
  redshiftOnly('SELECT TOP', /\bSELECT\s+TOP\s+\d/gi, 'use LIMIT'),
  postgresOnly('STRING_AGG', /\bSTRING_AGG\s*\(/gi, 'aggregate in the client; LISTAGG is Redshift-only'),
  postgresOnly('ARRAY_AGG', /\bARRAY_AGG\s*\(/gi, 'Redshift has no arrays outside SUPER'),
  postgresOnly('DISTINCT ON', /\bDISTINCT\s+ON\s*\(/gi, 'rank with ROW_NUMBER() in a subquery and keep rank 1'),
  postgresOnly('FILTER (WHERE ...)', /\bFILTER\s*\(\s*WHERE\b/gi, 'use SUM(CASE WHEN ... THEN ... END)'),
  postgresOnly('ON CONFLICT', /\bON\s+CONFLICT\b/gi, 'use MERGE'),
  postgresOnly('RETURNING', /\bRETURNING\b/gi, 'query the rows afterwards'),
  postgresOnly('SERIAL', /\b(?:SMALL|BIG)?SERIAL\b/gi, 'give ids in the data'),
  postgresOnly('JSONB', /\bJSONB?\b/gi, 'load typed columns'),
  postgresOnly('CREATE INDEX', /\bCREATE\s+(?:UNIQUE\s+)?INDEX\b/gi, 'Redshift has no indexes: use SORTKEY'),
  postgresOnly('GENERATE_SERIES', /\bGENERATE_SERIES\s*\(/gi, 'runs on the Redshift leader node only'),
  postgresOnly('LATERAL', /\bLATERAL\b/gi, 'join a derived table'),
  postgresOnly('::type cast', /::\s*[a-z]/gi, 'use CAST(x AS type), which reads the same on both'),
  postgresOnly(
    'MERGE target alias',
    /\bMERGE\s+INTO\s+[\w.]+\s+(?:AS\s+)?(?!USING\b)\w+\s+USING\b/gi,
    "Redshift's MERGE takes no alias on the target: name it in full",
  ),
];

function redshiftOnly(construct: string, pattern: RegExp, advice: string): Rule {
  return { construct, pattern, rejectedBy: 'PostgreSQL', advice: `Redshift-only: ${advice}` };
}

function postgresOnly(construct: string, pattern: RegExp, advice: string): Rule {
  return { construct, pattern, rejectedBy: 'Redshift', advice: `PostgreSQL-only: ${advice}` };
}

/** The constructs of `sql` that one engine rejects, in order of appearance. */
export function findEngineSpecificConstructs(sql: string): EngineSpecificConstruct[] {
  const code = blankCommentsAndLiterals(sql);
  const found: { index: number; rule: Rule }[] = [];
  for (const rule of RULES) for (const match of code.matchAll(rule.pattern)) found.push({ index: match.index, rule });
  return found
    .sort((a, b) => a.index - b.index)
    .map(({ index, rule }) => ({
      line: code.slice(0, index).split('\n').length,
      construct: rule.construct,
      rejectedBy: rule.rejectedBy,
      advice: rule.advice,
    }));
}

/** Comments and literals become spaces (newlines kept, so line numbers hold); "quoted identifiers" stay. */
function blankCommentsAndLiterals(sql: string): string {
  const blank = (text: string) => text.replace(/[^\n]/g, ' ');
  return sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'/g, blank);
}
