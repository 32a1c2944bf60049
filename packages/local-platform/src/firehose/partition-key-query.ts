/**
 * The part of JQ 1.6 a MetadataExtractionQuery of this project uses: object construction whose values are paths
 * (`.field`, `."quoted field"`, `.a.b`) with optional slices (`[0:4]`, `[5:]`, `[-2:]`), evaluated with JQ's
 * semantics (missing field or null input gives null, strings slice by code point). Anything else (pipes,
 * functions, shorthand `{year}`, ...) is refused when the query is compiled, so the local Firehose never guesses
 * what AWS would compute.
 */
export interface PartitionKeyQuery {
  readonly text: string;
  /** Keys of the constructed object, in query order. */
  readonly keys: readonly string[];
  /** Partition key values of one record's JSON value; throws PartitionKeyExtractionError as AWS fails the record. */
  extract(record: unknown): Record<string, string>;
}

export class PartitionKeyQueryError extends Error {
  override readonly name = 'PartitionKeyQueryError';
}

/** A record whose keys cannot be extracted: AWS delivers it under the error output prefix. */
export class PartitionKeyExtractionError extends Error {
  override readonly name = 'PartitionKeyExtractionError';
}

type Step = { kind: 'field'; name: string } | { kind: 'slice'; from: number | undefined; to: number | undefined };

interface Entry {
  key: string;
  path: Step[];
}

export function compilePartitionKeyQuery(text: string, where = 'MetadataExtractionQuery'): PartitionKeyQuery {
  const entries = new QueryParser(text, where).parseObjectConstruction();
  return {
    text,
    keys: entries.map((entry) => entry.key),
    extract(record: unknown): Record<string, string> {
      const keys: Record<string, string> = {};
      for (const { key, path } of entries) keys[key] = partitionKeyValue(key, path.reduce(applyStep, record));
      return keys;
    },
  };
}

function applyStep(value: unknown, step: Step): unknown {
  if (value === null || value === undefined) return null;
  if (step.kind === 'field') {
    if (typeof value !== 'object' || Array.isArray(value))
      throw new PartitionKeyExtractionError(`Cannot index ${jqType(value)} with "${step.name}"`);
    return Object.hasOwn(value, step.name) ? (value as Record<string, unknown>)[step.name] : null;
  }
  if (typeof value === 'string') {
    // Code points, as jq counts them; only strings with surrogate pairs need the slower split.
    if (!/[\uD800-\uDFFF]/.test(value)) return value.slice(...sliceBounds(step, value.length));
    const codePoints = [...value];
    return codePoints.slice(...sliceBounds(step, codePoints.length)).join('');
  }
  if (Array.isArray(value)) return value.slice(...sliceBounds(step, value.length));
  throw new PartitionKeyExtractionError(`Cannot index ${jqType(value)} with object`);
}

/** JQ's slice bounds: negative counts from the end, both clamp to the length. */
function sliceBounds(
  { from, to }: { from: number | undefined; to: number | undefined },
  length: number,
): [number, number] {
  const bound = (index: number | undefined, absent: number) => {
    if (index === undefined) return absent;
    return Math.min(length, Math.max(0, index < 0 ? length + index : index));
  };
  return [bound(from, 0), bound(to, length)];
}

function partitionKeyValue(key: string, value: unknown): string {
  if (value === null || value === undefined || value === '') {
    throw new PartitionKeyExtractionError(
      `partitionKeys values must not be null or empty (key ${key} is ${JSON.stringify(value ?? null)})`,
    );
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  throw new PartitionKeyExtractionError(`partition key ${key} is ${jqType(value)}, not a string or number`);
}

function jqType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

class QueryParser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly where: string,
  ) {}

  parseObjectConstruction(): Entry[] {
    this.expect('{');
    const entries: Entry[] = [];
    do {
      const key = this.parseKey();
      if (entries.some((entry) => entry.key === key)) this.fail(`declares the key ${key} twice`);
      this.expect(':');
      entries.push({ key, path: this.parsePath() });
    } while (this.accept(','));
    this.expect('}');
    this.skipSpace();
    if (this.position < this.text.length) this.fail(`has more after the object's closing brace`);
    return entries;
  }

  private parseKey(): string {
    this.skipSpace();
    const identifier = this.match(/[A-Za-z_][A-Za-z0-9_]*/y);
    if (identifier !== undefined) return identifier;
    const quoted = this.parseString();
    if (quoted !== undefined) return quoted;
    return this.fail('expects a key (a name or a "string")');
  }

  private parsePath(): Step[] {
    this.skipSpace();
    if (this.text[this.position] !== '.') {
      return this.fail(
        `supports only paths such as .invoiceDate or .invoiceDate[0:4] as values (no literals, pipes or functions)`,
      );
    }
    const steps: Step[] = [];
    for (;;) {
      if (this.text[this.position] === '.') {
        this.position++;
        const name = this.match(/[A-Za-z_][A-Za-z0-9_]*/y) ?? this.parseString();
        if (name !== undefined) steps.push({ kind: 'field', name });
        else if (steps.length > 0 || this.text[this.position] !== '[') this.fail('expects a field name after "."');
      } else if (this.text[this.position] === '[') {
        this.position++;
        const from = this.parseOptionalInteger();
        if (!this.accept(':'))
          this.fail('supports only slices such as [0:4] inside brackets (no indexes or iterators)');
        const to = this.parseOptionalInteger();
        this.expect(']');
        steps.push({ kind: 'slice', from, to });
      } else {
        break;
      }
    }
    this.skipSpace();
    const next = this.text[this.position];
    if (next !== ',' && next !== '}')
      this.fail(
        `supports only paths and slices as values: unexpected ${JSON.stringify(this.text.slice(this.position, this.position + 10))}`,
      );
    return steps;
  }

  private parseOptionalInteger(): number | undefined {
    this.skipSpace();
    const digits = this.match(/-?\d+/y);
    this.skipSpace();
    return digits === undefined ? undefined : Number(digits);
  }

  private parseString(): string | undefined {
    const literal = this.match(/"(?:[^"\\]|\\.)*"/y);
    return literal === undefined ? undefined : (JSON.parse(literal) as string);
  }

  private match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.position;
    const found = pattern.exec(this.text);
    if (found === null) return undefined;
    this.position += found[0].length;
    return found[0];
  }

  private accept(token: string): boolean {
    this.skipSpace();
    if (!this.text.startsWith(token, this.position)) return false;
    this.position += token.length;
    return true;
  }

  private expect(token: string): void {
    if (!this.accept(token)) this.fail(`expects "${token}"`);
  }

  private skipSpace(): void {
    while (/\s/.test(this.text[this.position] ?? '')) this.position++;
  }

  private fail(message: string): never {
    throw new PartitionKeyQueryError(
      `${this.where} ${JSON.stringify(this.text)} ${message} at character ${this.position + 1}. ` +
        'The local Firehose evaluates only object construction from paths and slices, e.g. {year: .invoiceDate[0:4]}.',
    );
  }
}
