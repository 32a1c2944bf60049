// Blind to semantics: REFRESH seeing only committed rows, serializable aborts (1023), leader node-only functions, names.
import { init, parse } from '@guanmingchiu/sqlparser-ts';
import { POSTGRESQL_FUNCTIONS_REDSHIFT_REFUSES, REDSHIFT_FUNCTIONS } from './redshift-functions';
import { splitSqlStatements } from './warehouse-sql';

export interface RedshiftStatement {
  /** Where the statement comes from, as a reader finds it: a file and the statement's number, a builder. */
  source: string;
  sql: string;
}

export interface RedshiftGrammarFinding {
  source: string;
  /** The statement's start, on one line. */
  statement: string;
  problem: string;
  /** Source, statement, line and problem in one sentence. */
  message: string;
}

const REDSHIFT_DOCS = 'https://docs.aws.amazon.com/redshift/latest/dg/';

/** `sqls` as `source, statement 1`, `source, statement 2`... */
export function redshiftStatements(source: string, sqls: readonly string[]): RedshiftStatement[] {
  return sqls.map((sql, index) => ({ source: `${source}, statement ${index + 1}`, sql }));
}

/**
 * What is wrong with `statements` as Redshift would run them, none when all pass: each must parse with datafusion's SQL
 * parser in its Redshift dialect (npm @guanmingchiu/sqlparser-ts; KNOWN_PARSER_GAPS aside), call only functions Redshift
 * documents (redshift-functions.ts), name only its data types, and use none of the PostgreSQL syntax that parser takes
 * but Redshift refuses (checkNode).
 */
export async function checkRedshiftStatements(
  statements: readonly RedshiftStatement[],
): Promise<RedshiftGrammarFinding[]> {
  const pieces = statements.flatMap(piecesToParse);
  const parsed = await parseAsRedshift(pieces.map((piece) => piece.sql));
  return pieces.flatMap((piece, index) => {
    const result = parsed[index]!;
    if ('error' in result)
      return [
        finding(
          piece,
          undefined,
          `the Redshift parser refuses it (${result.error}); if Redshift documents this syntax, name it with its page in KNOWN_PARSER_GAPS (redshift-grammar.ts)`,
        ),
      ];
    const problems: { line: number | undefined; problem: string }[] = [];
    walk(result.statements, [], (problem, node) => problems.push({ line: firstLine(node), problem }));
    return problems.map(({ line, problem }) => finding(piece, line, problem));
  });
}

function finding(piece: RedshiftStatement, line: number | undefined, problem: string): RedshiftGrammarFinding {
  const oneLine = piece.sql.replace(/\s+/g, ' ').trim();
  const statement = oneLine.length > 80 ? `${oneLine.slice(0, 80)}...` : oneLine;
  const at = line === undefined ? '' : `, line ${line}`;
  return { source: piece.source, statement, problem, message: `${piece.source} (${statement})${at}: ${problem}` };
}

const NAME = String.raw`[a-z_][a-z0-9_$]*`;
const QUALIFIED_NAME = String.raw`(?:${NAME}\.)?${NAME}`;

interface KnownParserGap {
  /** The Redshift syntax the parser refuses. */
  syntax: string;
  /** The Redshift page that documents it. */
  page: string;
  /** The whole statement, as narrowly as the statements we run need. */
  pattern: RegExp;
  /** What of the matched statement the parser can still read (checked in turn); none: the pattern is the whole check. */
  parseInstead?: (match: RegExpMatchArray, statement: RedshiftStatement) => RedshiftStatement[];
}

/**
 * Valid Redshift syntax that sqlparser-ts 0.62 (redshift dialect) refuses, each proved by its page. Matched whole and
 * narrowly; what the parser can still read of them (a materialized view's query, a procedure's body) is parsed.
 */
export const KNOWN_PARSER_GAPS: readonly KnownParserGap[] = [
  {
    syntax: 'CREATE MATERIALIZED VIEW name [BACKUP] [DISTSTYLE] [DISTKEY] [SORTKEY] [AUTO REFRESH] AS query',
    page: `${REDSHIFT_DOCS}materialized-view-create-sql-command.html`,
    pattern: new RegExp(
      String.raw`^(CREATE\s+MATERIALIZED\s+VIEW\s+${QUALIFIED_NAME})((?:\s+(?:BACKUP\s+(?:YES|NO)|DISTSTYLE\s+(?:EVEN|ALL|KEY|AUTO)|DISTKEY\s*\(\s*${NAME}\s*\)|(?:COMPOUND\s+)?SORTKEY\s*\(\s*${NAME}(?:\s*,\s*${NAME})*\s*\)|AUTO\s+REFRESH\s+(?:YES|NO)))+)(\s+AS\s[\s\S]*)$`,
      'i',
    ),
    // The attributes become blanks, so that the parser's line numbers are still the statement's.
    parseInstead: (match, { source }) => [{ source, sql: match[1]! + match[2]!.replace(/[^\n]/g, ' ') + match[3]! }],
  },
  {
    syntax: 'REFRESH MATERIALIZED VIEW name',
    page: `${REDSHIFT_DOCS}materialized-view-refresh-sql-command.html`,
    pattern: new RegExp(String.raw`^REFRESH\s+MATERIALIZED\s+VIEW\s+${QUALIFIED_NAME}$`, 'i'),
  },
  {
    syntax: "CREATE USER name PASSWORD 'password'",
    page: `${REDSHIFT_DOCS}r_CREATE_USER.html`,
    pattern: new RegExp(String.raw`^CREATE\s+USER\s+${NAME}\s+PASSWORD\s+'(?:[^']|'')*'$`, 'i'),
  },
  {
    syntax: 'GRANT TEMP ON DATABASE name TO user',
    page: `${REDSHIFT_DOCS}r_GRANT.html`,
    pattern: new RegExp(String.raw`^GRANT\s+TEMP(?:ORARY)?\s+ON\s+DATABASE\s+${NAME}\s+TO\s+(?:ROLE\s+)?${NAME}$`, 'i'),
  },
  {
    syntax: 'ALTER DEFAULT PRIVILEGES IN SCHEMA name GRANT SELECT ON TABLES TO [ROLE] name',
    page: `${REDSHIFT_DOCS}r_ALTER_DEFAULT_PRIVILEGES.html`,
    pattern: new RegExp(
      String.raw`^ALTER\s+DEFAULT\s+PRIVILEGES\s+IN\s+SCHEMA\s+${NAME}\s+GRANT\s+SELECT\s+ON\s+TABLES\s+TO\s+(?:ROLE\s+)?${NAME}$`,
      'i',
    ),
  },
  {
    syntax: 'CREATE [OR REPLACE] PROCEDURE name() AS $$ BEGIN ... END; $$ LANGUAGE plpgsql [SECURITY INVOKER|DEFINER]',
    page: `${REDSHIFT_DOCS}r_CREATE_PROCEDURE.html`,
    pattern: new RegExp(
      String.raw`^CREATE\s+(?:OR\s+REPLACE\s+)?PROCEDURE\s+(${QUALIFIED_NAME}\s*\(\s*\))\s+AS\s+\$\$\s*BEGIN\s([\s\S]*)\bEND\s*;?\s*\$\$\s+LANGUAGE\s+plpgsql(?:\s+SECURITY\s+(?:INVOKER|DEFINER))?$`,
      'i',
    ),
    // The body's statements one by one; a body that ends in one `IF <condition> THEN ... END IF;` gives the statements
    // before it, its condition (as a SELECT) and its statements. Other PL/pgSQL control statements (LOOP, RAISE)
    // would need a gap of their own.
    parseInstead: (match, { source }) => {
      const where = `${source}, procedure ${match[1]!.replace(/\s+/g, '')}`;
      const body = match[2]!;
      const guarded = /^((?:[\s\S]*?;)?)\s*IF\s+([\s\S]+?)\s+THEN\s([\s\S]*)\bEND\s+IF\s*;\s*$/i.exec(body);
      if (guarded === null) return redshiftStatements(where, splitSqlStatements(body));
      return redshiftStatements(where, [
        ...splitSqlStatements(guarded[1]!),
        `SELECT ${guarded[2]!}`,
        ...splitSqlStatements(guarded[3]!),
      ]);
    },
  },
];

/** The statement, or what the parser can read of a known gap's statement. */
function piecesToParse(statement: RedshiftStatement): RedshiftStatement[] {
  const sql = statement.sql.trim().replace(/;$/, '');
  for (const gap of KNOWN_PARSER_GAPS) {
    const match = sql.match(gap.pattern);
    if (match !== null) return (gap.parseInstead?.(match, statement) ?? []).flatMap(piecesToParse);
  }
  return [{ source: statement.source, sql }];
}

type ParseResult = { statements: unknown[] } | { error: string };

/** Each SQL text as the redshift dialect parses it: its statements' syntax trees, or the parser's error. */
async function parseAsRedshift(sqls: readonly string[]): Promise<ParseResult[]> {
  await init();
  return sqls.map((sql) => {
    try {
      return { statements: parse(sql, 'redshift') as unknown[] };
    } catch (error) {
      return { error: (error as Error).message.replace(/^sql parser error: /, '') };
    }
  });
}

/** Reports a problem found at `node` (its first position is where the finding points). */
type Report = (problem: string, node: unknown) => void;

/** Visits every node of a syntax tree; `path` is the object keys from the root, so a node knows where it sits. */
function walk(node: unknown, path: readonly string[], report: Report): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, path, report);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    // A node without a position of its own (a data type, a column option) is placed at its parent's.
    checkNode(key, value, path, (problem, at) => report(problem, firstLine(at) === undefined ? node : at));
    walk(value, [...path, key], report);
  }
}

/** Syntax trees whose key names a function (EXTRACT(...), TRIM(...)) rather than a Function node. */
const FUNCTION_SYNTAX: Readonly<Record<string, string>> = {
  Extract: 'extract',
  Substring: 'substring',
  Trim: 'trim',
  Position: 'position',
  Overlay: 'overlay',
  Ceil: 'ceil',
  Floor: 'floor',
};
const CAST_FUNCTIONS: Readonly<Record<string, string>> = {
  Cast: 'cast',
  DoubleColon: 'cast', // expression::type, which Redshift's CAST page documents too
  TryCast: 'try_cast',
  SafeCast: 'safe_cast',
};

/** PostgreSQL syntax the parser takes and Redshift refuses, each with the page that says so. */
function checkNode(key: string, value: unknown, path: readonly string[], report: Report): void {
  const refuse = (syntax: string, page: string, advice: string) =>
    report(`${syntax} is PostgreSQL syntax Redshift refuses (${REDSHIFT_DOCS}${page}): ${advice}`, value);
  if (key === 'Function') checkFunction(functionName(value), value, report);
  else if (Object.hasOwn(FUNCTION_SYNTAX, key)) checkFunction(FUNCTION_SYNTAX[key]!, value, report);
  else if (key === 'Cast') {
    const kind = String(field(value, 'kind'));
    checkFunction(CAST_FUNCTIONS[kind] ?? kind.toLowerCase(), value, report);
  } else if (key === 'data_type') checkDataType(value, report);
  else if (key === 'returning' && Array.isArray(value) && value.length > 0)
    refuse('RETURNING', 'r_INSERT_30.html', 'query the rows afterwards');
  else if (key === 'on' && field(value, 'OnConflict') !== undefined)
    refuse('ON CONFLICT', 'r_INSERT_30.html', 'use MERGE');
  else if (key === 'distinct' && field(value, 'On') !== undefined)
    refuse('DISTINCT ON', 'r_SELECT_list.html', 'rank with ROW_NUMBER() in a subquery and keep rank 1');
  else if (key === 'option' && field(field(value, 'Generated'), 'generated_as') === 'Always')
    refuse('GENERATED ALWAYS', 'r_CREATE_TABLE_NEW.html', 'use IDENTITY(seed, step) or give ids in the data');
  else if (key === 'CreateIndex')
    refuse('CREATE INDEX', 'c_unsupported-postgresql-features.html', 'Redshift has no indexes: use SORTKEY');
  else if (key === 'IsDistinctFrom' || key === 'IsNotDistinctFrom')
    refuse('IS [NOT] DISTINCT FROM', 'c_unsupported-postgresql-functions.html', 'compare with = and IS NULL');
  else if (key === 'Values' && path.at(-1) === 'body' && path.slice(-3).join('.') !== 'Insert.source.body')
    refuse('VALUES as a table', 'c_unsupported-postgresql-features.html', 'SELECT ... UNION ALL SELECT ...');
}

function field(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

/** `schema.name` of a Function node, as written, lower case. */
function functionName(node: unknown): string {
  const parts = field(node, 'name');
  return (Array.isArray(parts) ? parts : [])
    .map((part) => String(field(field(part, 'Identifier'), 'value')))
    .join('.')
    .toLowerCase();
}

function checkFunction(name: string, node: unknown, report: Report): void {
  if (REDSHIFT_FUNCTIONS.has(name)) return;
  const instead = POSTGRESQL_FUNCTIONS_REDSHIFT_REFUSES.get(name);
  report(
    `${name.toUpperCase()}() is not among the SQL functions Redshift documents (${REDSHIFT_DOCS}c_SQL_functions.html)${instead === undefined ? '' : `: use ${instead}`}`,
    node,
  );
}

/** The syntax tree's names of Redshift's data types and their aliases (c_Supported_data_types.html). */
const REDSHIFT_DATA_TYPES = new Set([
  ...['SmallInt', 'Int2', 'Integer', 'Int', 'Int4', 'BigInt', 'Int8', 'Decimal', 'Numeric', 'Real', 'Float4'],
  ...['DoublePrecision', 'Float8', 'Float', 'Char', 'Character', 'Varchar', 'CharacterVarying', 'Nvarchar', 'Text'],
  ...['Date', 'Time', 'Timestamp', 'Interval', 'Boolean', 'Bool', 'Varbinary'],
  // The parser knows these only by name (its Custom type).
  ...['NCHAR', 'BPCHAR', 'HLLSKETCH', 'SUPER', 'VARBYTE', 'GEOMETRY', 'GEOGRAPHY'],
]);

function checkDataType(dataType: unknown, report: Report): void {
  if (dataType === null || dataType === undefined) return;
  const kind = typeof dataType === 'string' ? dataType : Object.keys(dataType)[0];
  const custom = field(dataType, 'Custom');
  const name = Array.isArray(custom) ? functionName({ name: custom[0] }).toUpperCase() : kind;
  if (name !== undefined && REDSHIFT_DATA_TYPES.has(name)) return;
  report(
    `${String(name).toUpperCase()} is not a Redshift data type (${REDSHIFT_DOCS}c_Supported_data_types.html)`,
    dataType,
  );
}

/** The line of the first position the parser recorded in `node`: where the problem starts in the statement. */
function firstLine(node: unknown): number | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const line = field(field(field(node, 'span'), 'start'), 'line');
  if (typeof line === 'number' && line > 0) return line;
  for (const value of Object.values(node)) {
    const found = firstLine(value);
    if (found !== undefined) return found;
  }
  return undefined;
}
