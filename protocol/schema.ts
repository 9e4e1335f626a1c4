/**
 * A very small schema language: each schema checks an unknown value and either
 * returns it typed or throws a SchemaError naming the offending field. Frames are
 * checked with these before any handler sees them.
 */
export class SchemaError extends Error {
  constructor(readonly path: string, readonly problem: string) {
    super(`${path} ${problem}`);
    this.name = 'SchemaError';
  }
}

export type Schema<T> = (value: unknown, path: string) => T;
export type Infer<S> = S extends Schema<infer T> ? T : never;

export interface StringRules {
  min?: number;
  max: number;
  pattern?: RegExp;
  /** Shown instead of the pattern source when `pattern` fails. */
  patternHint?: string;
}

export function string(rules: StringRules): Schema<string> {
  const min = rules.min ?? 0;
  return (value, path) => {
    if (typeof value !== 'string') throw new SchemaError(path, 'must be a string');
    if (value.length < min) throw new SchemaError(path, `must be at least ${min} characters`);
    if (value.length > rules.max) throw new SchemaError(path, `must be at most ${rules.max} characters`);
    if (rules.pattern && !rules.pattern.test(value)) {
      throw new SchemaError(path, rules.patternHint ?? `must match ${rules.pattern.source}`);
    }
    return value;
  };
}

export function integer(rules: { min: number; max: number }): Schema<number> {
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new SchemaError(path, 'must be an integer');
    if (value < rules.min || value > rules.max) {
      throw new SchemaError(path, `must be between ${rules.min} and ${rules.max}`);
    }
    return value;
  };
}

export function boolean(): Schema<boolean> {
  return (value, path) => {
    if (typeof value !== 'boolean') throw new SchemaError(path, 'must be true or false');
    return value;
  };
}

export function oneOf<const T extends readonly string[]>(choices: T): Schema<T[number]> {
  return (value, path) => {
    if (typeof value !== 'string' || !choices.includes(value)) {
      throw new SchemaError(path, `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`);
    }
    return value as T[number];
  };
}

/** Marks a field as optional inside `object()`. */
export interface Optional<T> {
  optional: Schema<T>;
}
export function optional<T>(schema: Schema<T>): Optional<T> {
  return { optional: schema };
}

type Fields = Record<string, Schema<unknown> | Optional<unknown>>;
type RequiredKeys<F extends Fields> = { [K in keyof F]: F[K] extends Optional<unknown> ? never : K }[keyof F];
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends Optional<unknown> ? K : never }[keyof F];
type FieldType<S> = S extends Optional<infer T> ? T : S extends Schema<infer T> ? T : never;
export type ObjectOf<F extends Fields> = { [K in RequiredKeys<F>]: FieldType<F[K]> } & {
  [K in OptionalKeys<F>]?: FieldType<F[K]>;
};

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Unknown keys are rejected: a typo in a field name is a bug the sender wants to hear about,
 * and it keeps stray data out of storage.
 */
export function object<F extends Fields>(fields: F): Schema<ObjectOf<F>> {
  const known = new Set(Object.keys(fields));
  return (value, path) => {
    if (!isPlainObject(value)) throw new SchemaError(path, 'must be an object');
    for (const key of Object.keys(value)) {
      if (!known.has(key)) throw new SchemaError(`${path}.${key}`, 'is not a known field');
    }
    const out: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(fields)) {
      const fieldPath = `${path}.${key}`;
      const raw = value[key];
      if ('optional' in spec) {
        if (raw !== undefined && raw !== null) out[key] = spec.optional(raw, fieldPath);
      } else {
        if (raw === undefined) throw new SchemaError(fieldPath, 'is required');
        out[key] = spec(raw, fieldPath);
      }
    }
    return out as ObjectOf<F>;
  };
}

/**
 * An object used as a map: every key must match `key`, every value `value`, at most `maxEntries`
 * entries (a client cannot make the server do unbounded work with one request).
 */
export function record<T>(key: StringRules, value: Schema<T>, maxEntries: number): Schema<Record<string, T>> {
  const keySchema = string(key);
  return (input, path) => {
    if (!isPlainObject(input)) throw new SchemaError(path, 'must be an object');
    const entries = Object.entries(input);
    if (entries.length > maxEntries) throw new SchemaError(path, `must have at most ${maxEntries} entries`);
    const out: Record<string, T> = {};
    for (const [k, v] of entries) {
      keySchema(k, `${path} key "${k}"`);
      out[k] = value(v, `${path}.${k}`);
    }
    return out;
  };
}
