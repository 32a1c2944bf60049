/**
 * Column types from JSON records, as Glue's built-in JSON classifier infers them: one column per top-level key in
 * the order keys first appear, names lower-cased (the Data Catalog is case-insensitive, as Hive is), nulls
 * ignored, integers `int` (or `bigint` beyond 32 bits) widened to `double` once any sampled value has a fraction,
 * nested objects `struct<...>`, arrays `array<...>`, and anything else that disagrees `string`.
 * JavaScript writes 2.0 as 2, so a column is `double` only if the sample holds a value with a fraction: widening
 * across every sampled record is what makes unitPrice `double` although many prices are whole.
 */
export type InferredType =
  | { kind: 'int' | 'bigint' | 'double' | 'boolean' | 'string' }
  | { kind: 'array'; element: InferredType | undefined }
  | { kind: 'struct'; fields: Map<string, InferredType | undefined> };

export interface CatalogColumn {
  Name: string;
  Type: string;
}

const INT_MAX = 2 ** 31 - 1;
const INT_MIN = -(2 ** 31);
const NUMERIC_WIDTH = { int: 0, bigint: 1, double: 2 } as const;

export function typeOfValue(value: unknown): InferredType | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'boolean') return { kind: 'boolean' };
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return { kind: 'double' };
    return { kind: value >= INT_MIN && value <= INT_MAX ? 'int' : 'bigint' };
  }
  if (typeof value === 'string') return { kind: 'string' };
  if (Array.isArray(value)) {
    return {
      kind: 'array',
      element: value.reduce<InferredType | undefined>((t, v) => mergeTypes(t, typeOfValue(v)), undefined),
    };
  }
  const fields = new Map<string, InferredType | undefined>();
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const name = key.toLowerCase();
    fields.set(name, mergeTypes(fields.get(name), typeOfValue(item)));
  }
  return { kind: 'struct', fields };
}

/** The type both values fit: the wider number, the merged array or struct, else string. */
export function mergeTypes(a: InferredType | undefined, b: InferredType | undefined): InferredType | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (a.kind in NUMERIC_WIDTH && b.kind in NUMERIC_WIDTH) {
    const widthA = NUMERIC_WIDTH[a.kind as keyof typeof NUMERIC_WIDTH];
    const widthB = NUMERIC_WIDTH[b.kind as keyof typeof NUMERIC_WIDTH];
    return widthA >= widthB ? a : b;
  }
  if (a.kind === 'array' && b.kind === 'array') return { kind: 'array', element: mergeTypes(a.element, b.element) };
  if (a.kind === 'struct' && b.kind === 'struct') {
    const fields = new Map(a.fields);
    for (const [name, type] of b.fields) fields.set(name, mergeTypes(fields.get(name), type));
    return { kind: 'struct', fields };
  }
  return a.kind === b.kind ? a : { kind: 'string' };
}

/** The Hive type name the Data Catalog shows; a key that was only ever null is a string. */
export function catalogTypeName(type: InferredType | undefined): string {
  if (type === undefined) return 'string';
  switch (type.kind) {
    case 'array':
      return `array<${catalogTypeName(type.element)}>`;
    case 'struct':
      return `struct<${[...type.fields].map(([name, field]) => `${name}:${catalogTypeName(field)}`).join(',')}>`;
    default:
      return type.kind;
  }
}

/** Accumulates records one by one; `columns()` is the table's schema so far. */
export class JsonSchemaInference {
  private readonly types = new Map<string, InferredType | undefined>();
  private records = 0;

  add(record: Record<string, unknown>): void {
    this.records += 1;
    const type = typeOfValue(record);
    if (type?.kind !== 'struct') return;
    for (const [name, field] of type.fields) this.types.set(name, mergeTypes(this.types.get(name), field));
  }

  /** Folds another file's inference in (key order: this one's first). */
  merge(other: JsonSchemaInference): void {
    this.records += other.records;
    for (const [name, field] of other.types) this.types.set(name, mergeTypes(this.types.get(name), field));
  }

  get recordCount(): number {
    return this.records;
  }

  columns(): CatalogColumn[] {
    return [...this.types].map(([name, type]) => ({ Name: name, Type: catalogTypeName(type) }));
  }
}
