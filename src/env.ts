import { isLogLevel, type LogLevel } from '../core/logger.js';
/** Typed readers for environment variables; a bad value stops start-up with a clear message. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export function envString(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

export function envInt(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

export function envLogLevel(env: Env): LogLevel {
  const value = envString(env, 'LOG_LEVEL', 'info');
  if (!isLogLevel(value)) throw new ConfigError(`LOG_LEVEL must be debug, info, warn, error or silent, got "${value}"`);
  return value;
}
