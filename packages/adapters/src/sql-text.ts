/** A piece of SQL text: code, a comment (-- or /* *\/), a 'string literal' or a "quoted identifier". */
export interface SqlSegment {
  kind: 'code' | 'comment' | 'string' | 'identifier';
  text: string;
}

/**
 * Cuts SQL into code, comments and quoted parts, so that a semicolon, a keyword or a `:name` is only looked for
 * in code. Doubled quotes inside quotes ('it''s') are the quote itself; dollar quoting is not used by the warehouse.
 */
export function sqlSegments(sql: string): SqlSegment[] {
  const segments: SqlSegment[] = [];
  let code = '';
  const flushCode = () => {
    if (code !== '') segments.push({ kind: 'code', text: code });
    code = '';
  };
  for (let index = 0; index < sql.length;) {
    const two = sql.slice(index, index + 2);
    const char = sql[index]!;
    let end: number;
    let kind: SqlSegment['kind'];
    if (two === '--') {
      const newline = sql.indexOf('\n', index);
      end = newline === -1 ? sql.length : newline;
      kind = 'comment';
    } else if (two === '/*') {
      const close = sql.indexOf('*/', index + 2);
      if (close === -1) throw new Error(`Unterminated /* comment in SQL near: ${sql.slice(index, index + 60)}`);
      end = close + 2;
      kind = 'comment';
    } else if (char === "'" || char === '"') {
      end = index + 1;
      while (end < sql.length && !(sql[end] === char && sql[end + 1] !== char)) end += sql[end] === char ? 2 : 1;
      if (end >= sql.length) throw new Error(`Unterminated ${char} quote in SQL near: ${sql.slice(index, index + 60)}`);
      end += 1;
      kind = char === "'" ? 'string' : 'identifier';
    } else {
      code += char;
      index += 1;
      continue;
    }
    flushCode();
    segments.push({ kind, text: sql.slice(index, end) });
    index = end;
  }
  flushCode();
  return segments;
}

/** `PASSWORD '...'` in SQL text: what a migration's user statements hold. */
const PASSWORD_LITERAL = /\bPASSWORD\s+'(?:[^']|'')*'/gi;

/**
 * SQL text fit for a log or an error: every `PASSWORD '...'` literal masked. Every place that prints a statement the
 * warehouse ran or refused goes through this: a migration batch holds CREATE USER ... PASSWORD.
 */
export function withPasswordsMasked(sql: string): string {
  return sql.replace(PASSWORD_LITERAL, "PASSWORD '***'");
}
