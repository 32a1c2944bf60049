import { sqlSegments } from '@retail/adapters';

export interface SqlParameter {
  name: string;
  value: string;
}

/**
 * The Data API's `:name` placeholders as PostgreSQL's `$n`, with the values in order. A `::type` cast is not a
 * placeholder; a name used twice is one parameter. Values are text, which PostgreSQL casts from the context as
 * Redshift does.
 */
export function bindNamedParameters(
  sql: string,
  parameters: readonly SqlParameter[],
): { text: string; values: string[]; missing: string[] } {
  const given = new Map(parameters.map((parameter) => [parameter.name, parameter.value]));
  const numbers = new Map<string, number>();
  const values: string[] = [];
  const missing: string[] = [];
  const text = sqlSegments(sql)
    .map(({ kind, text: segment }) =>
      kind !== 'code'
        ? segment
        : segment.replace(/(?<![:\w]):([A-Za-z_]\w*)/g, (placeholder, name: string) => {
            if (!given.has(name)) {
              if (!missing.includes(name)) missing.push(name);
              return placeholder;
            }
            let number = numbers.get(name);
            if (number === undefined) {
              values.push(given.get(name)!);
              number = values.length;
              numbers.set(name, number);
            }
            return `$${number}`;
          }),
    )
    .join('');
  return { text, values, missing };
}
