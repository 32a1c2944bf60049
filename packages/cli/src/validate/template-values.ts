// Reading values of a packaged template that may be intrinsic functions, without resolving them.

/** A value as text: Ref and GetAtt as `${Name}` / `${Name.Attr}`, Sub as its template, Join joined, imports as `${Import:name}`. */
export function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(valueText).join(',');
  if (value && typeof value === 'object') {
    const [[fn, argument]] = Object.entries(value) as [[string, unknown]];
    if (fn === 'Ref') return `\${${valueText(argument)}}`;
    if (fn === 'Fn::GetAtt')
      return `\${${Array.isArray(argument) ? argument.map(valueText).join('.') : valueText(argument)}}`;
    if (fn === 'Fn::Sub') return valueText(Array.isArray(argument) ? argument[0] : argument);
    if (fn === 'Fn::Join') {
      const [separator, parts] = argument as [string, unknown[]];
      return Array.isArray(parts) ? parts.map(valueText).join(separator) : valueText(parts);
    }
    if (fn === 'Fn::ImportValue') return `\${Import:${valueText(argument)}}`;
    return `\${${fn}:${JSON.stringify(argument)}}`;
  }
  return '';
}

/** A value that is one item or a list of them (IAM's Action and Resource), as a list. */
export function asList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Every `Fn::ImportValue` argument anywhere under `value`. */
export function importedNames(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(importedNames);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, inner]) =>
      key === 'Fn::ImportValue' ? [inner, ...importedNames(inner)] : importedNames(inner),
    );
  }
  return [];
}
