import { isJsonObject, type JsonObject } from '../json-object';

// Lambda's filter rule syntax (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html#filtering-syntax).
const OPERATORS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'anything-but', 'numeric', 'exists', 'wildcard']);
const NUMERIC_COMPARATORS = new Set(['=', '<', '<=', '>', '>=']);

/** Checks serverless.yml `filterPatterns` once, so a pattern this emulator cannot evaluate fails at start, not per record. */
export function validateFilterPatterns(value: unknown, where: string): JsonObject[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 5) {
    throw new Error(`${where} must be a list of 1 to 5 filter patterns (AWS's limit per mapping).`);
  }
  return value.map((pattern, index) => {
    const patternWhere = `${where}[${index}]`;
    if (!isJsonObject(pattern))
      throw new Error(`${patternWhere} must be an object, e.g. { data: { country: ["United Kingdom"] } }.`);
    const keys = Object.keys(pattern);
    if (keys.length !== 1 || keys[0] !== 'data') {
      throw new Error(
        `${patternWhere} filters on ${keys.join(', ')}: Kinesis event source mappings only filter on the data key.`,
      );
    }
    validatePatternObject(pattern, patternWhere);
    return pattern;
  });
}

/** Whether a Kinesis record passes the mapping's filters (any pattern matching is enough); `data` is the raw record data. */
export function matchesFilterPatterns(patterns: readonly unknown[], data: Uint8Array): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    // Lambda only filters JSON data: a record that is not JSON cannot match a data pattern.
    return false;
  }
  return patterns.some((pattern) => matchesPatternObject(pattern as JsonObject, { data: parsed }));
}

function validatePatternObject(pattern: JsonObject, where: string): void {
  for (const [key, rule] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(rule) || rule.length < 2) throw new Error(`${where}.$or must list at least two patterns.`);
      rule.forEach((alternative, index) => {
        if (!isJsonObject(alternative)) throw new Error(`${where}.$or[${index}] must be an object.`);
        validatePatternObject(alternative, `${where}.$or[${index}]`);
      });
    } else if (isJsonObject(rule)) {
      validatePatternObject(rule, `${where}.${key}`);
    } else if (Array.isArray(rule)) {
      rule.forEach((matcher, index) => validateMatcher(matcher, `${where}.${key}[${index}]`));
    } else {
      throw new Error(
        `${where}.${key} must be an object or a list of matchers, e.g. ["value"] or [{ "prefix": "A" }].`,
      );
    }
  }
}

function validateMatcher(matcher: unknown, where: string): void {
  if (!isJsonObject(matcher)) return;
  const [operator, ...others] = Object.keys(matcher);
  if (operator === undefined || others.length > 0 || !OPERATORS.has(operator)) {
    throw new Error(
      `${where} is ${JSON.stringify(matcher)}: use one of ${[...OPERATORS].join(', ')} (other operators are not emulated).`,
    );
  }
  const operand = matcher[operator];
  if (operator === 'numeric') {
    const terms = Array.isArray(operand) ? operand : [];
    const valid =
      terms.length > 0 &&
      terms.length % 2 === 0 &&
      terms.every((term, index) =>
        index % 2 === 0 ? NUMERIC_COMPARATORS.has(term as string) : typeof term === 'number',
      );
    if (!valid) throw new Error(`${where}: numeric takes comparator/number pairs, e.g. [">", 0, "<=", 5].`);
  } else if (operator === 'exists') {
    if (typeof operand !== 'boolean') throw new Error(`${where}: exists takes true or false.`);
  } else if (operator === 'anything-but') {
    if (isJsonObject(operand)) validateMatcher(operand, where);
  } else if (typeof operand !== 'string') {
    throw new Error(`${where}: ${operator} takes a string.`);
  }
}

function matchesPatternObject(pattern: JsonObject, value: unknown): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    if (key === '$or') return (rule as JsonObject[]).some((alternative) => matchesPatternObject(alternative, value));
    const field = isJsonObject(value) ? value[key] : undefined;
    if (isJsonObject(rule)) return isJsonObject(field) && matchesPatternObject(rule, field);
    const matchers = rule as unknown[];
    return matchers.some((matcher) => matchesField(matcher, field));
  });
}

function matchesField(matcher: unknown, field: unknown): boolean {
  if (isJsonObject(matcher) && 'exists' in matcher) return (field !== undefined) === matcher.exists;
  // A list in the data matches when any of its elements does.
  const values = Array.isArray(field) ? field : [field];
  return values.some((value) => value !== undefined && matchesValue(matcher, value));
}

function matchesValue(matcher: unknown, value: unknown): boolean {
  if (!isJsonObject(matcher)) return matcher === value;
  const [operator] = Object.keys(matcher) as [string];
  const operand = matcher[operator];
  switch (operator) {
    case 'prefix':
      return typeof value === 'string' && value.startsWith(operand as string);
    case 'suffix':
      return typeof value === 'string' && value.endsWith(operand as string);
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === (operand as string).toLowerCase();
    case 'wildcard':
      return typeof value === 'string' && wildcardExpression(operand as string).test(value);
    case 'numeric':
      return typeof value === 'number' && matchesNumericRange(operand as (string | number)[], value);
    case 'anything-but':
      if (isJsonObject(operand)) return !matchesValue(operand, value);
      return !(Array.isArray(operand) ? operand : [operand]).includes(value);
    default:
      return false;
  }
}

function matchesNumericRange(terms: (string | number)[], value: number): boolean {
  for (let index = 0; index < terms.length; index += 2) {
    const bound = terms[index + 1] as number;
    const holds = {
      '=': value === bound,
      '<': value < bound,
      '<=': value <= bound,
      '>': value > bound,
      '>=': value >= bound,
    }[terms[index] as '='];
    if (!holds) return false;
  }
  return true;
}

function wildcardExpression(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 's');
}
