import { unwatchFile, watch, watchFile, type FSWatcher, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../core/logger.js';
import { WordFilter } from './word-filter.js';
import { decodeWordList, MAX_WORD_LIST_BYTES, parseWordList, WordListError, type WordListLimits } from './word-list.js';

/** The list shipped with the project (config/dirty-words.txt), wherever the process was started from. */
export const DEFAULT_WORD_LIST_PATH = fileURLToPath(new URL('../../../config/dirty-words.txt', import.meta.url));

export interface WordFilterSourceOptions {
  path: string;
  logger: Logger;
  limits?: Partial<WordListLimits>;
  /**
   * Whether `open` fails when the first load does (default). Otherwise the source starts with an
   * empty filter, warns, and takes the list as soon as a readable one appears.
   */
  required?: boolean;
  /** Whether the file is watched; `reload()` works either way. Default true. */
  watch?: boolean;
  /** Quiet time after a change before the file is read, so one save that writes in steps is read once, whole. */
  settleMs?: number;
  /** Stat period when the directory cannot be watched (it does not exist, or inotify is exhausted). */
  pollMs?: number;
}

export type ReloadOutcome = 'reloaded' | 'unchanged' | 'failed';

export interface ReloadInfo {
  path: string;
  words: number;
  /** Lines left out (too long), already logged. */
  skipped: number;
}

const DEFAULT_SETTLE_MS = 100;
const DEFAULT_POLL_MS = 1000;
/** Skipped lines logged one by one; the rest only counted. */
const SKIPPED_LOGGED = 5;

/**
 * The current word filter of a list file: read at start, read again when the file changes and when
 * asked (SIGHUP). A file that cannot be read or is not a word list leaves the filter as it was.
 */
export class WordFilterSource {
  readonly path: string;
  private current: WordFilter = WordFilter.EMPTY;
  /** Text of the list in use; a change event that leaves it the same rebuilds nothing. */
  private text: string | null = null;
  private readonly logger: Logger;
  private readonly limits: Partial<WordListLimits>;
  private readonly settleMs: number;
  private readonly pollMs: number;
  private readonly reloadListeners = new Set<(info: ReloadInfo) => void>();
  private readonly failureListeners = new Set<(error: Error) => void>();
  private running: Promise<ReloadOutcome> | null = null;
  private queued: Promise<ReloadOutcome> | null = null;
  private watcher: FSWatcher | null = null;
  private polling = false;
  private settleTimer: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(options: WordFilterSourceOptions) {
    this.path = path.resolve(options.path);
    this.logger = options.logger;
    this.limits = options.limits ?? {};
    this.settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  }

  /** Loads the list and starts watching it; rejects if the first load fails and the list is required. */
  static async open(options: WordFilterSourceOptions): Promise<WordFilterSource> {
    const source = new WordFilterSource(options);
    // Watching first, so a change made while the first load runs is not missed.
    if (options.watch !== false) source.startWatching();
    let firstError = null as Error | null;
    const stop = source.onFailure((error) => {
      firstError = error;
    });
    const outcome = await source.reload();
    stop();
    if (outcome === 'failed' && options.required !== false) {
      source.close();
      throw new WordListError(`word list ${source.path} could not be loaded: ${firstError?.message ?? 'unknown error'}`);
    }
    return source;
  }

  get filter(): WordFilter {
    return this.current;
  }

  /** Shorthand for `filter.mask`: the text as it may be delivered, stored and counted. */
  mask(text: string): string {
    return this.current.mask(text);
  }

  /**
   * Reads the file again. Never rejects: on failure the filter stays and a warning is logged. Calls
   * made while a load is under way share one more load after it, so the newest file always wins.
   */
  reload(): Promise<ReloadOutcome> {
    if (this.queued) return this.queued;
    if (this.running) {
      this.queued = this.running.then(() => {
        this.queued = null;
        return this.startLoad();
      });
      return this.queued;
    }
    return this.startLoad();
  }

  /** Calls `listener` after each load that changed the filter; returns a function that stops it. */
  onReload(listener: (info: ReloadInfo) => void): () => void {
    this.reloadListeners.add(listener);
    return () => this.reloadListeners.delete(listener);
  }

  /** Calls `listener` after each failed load (already logged); returns a function that stops it. */
  onFailure(listener: (error: Error) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /** Stops watching; the current filter stays usable. */
  close(): void {
    this.closed = true;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = null;
    this.watcher?.close();
    this.watcher = null;
    if (this.polling) unwatchFile(this.path, this.onPoll);
    this.polling = false;
  }

  private startLoad(): Promise<ReloadOutcome> {
    const running = this.load().finally(() => {
      if (this.running === running) this.running = null;
    });
    this.running = running;
    return running;
  }

  private async load(): Promise<ReloadOutcome> {
    let text: string;
    let parsed: ReturnType<typeof parseWordList>;
    try {
      text = decodeWordList(await readBounded(this.path, MAX_WORD_LIST_BYTES));
      if (text === this.text) return 'unchanged';
      parsed = parseWordList(text, this.limits);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.logger.warn('word list not loaded, keeping the one in use', { path: this.path, words: this.current.size, err: error });
      for (const listener of this.failureListeners) listener(error);
      return 'failed';
    }
    for (const skip of parsed.skipped.slice(0, SKIPPED_LOGGED)) {
      this.logger.warn('word list line skipped', { path: this.path, line: skip.line, reason: skip.reason });
    }
    this.current = new WordFilter(parsed.words);
    this.text = text;
    const info: ReloadInfo = { path: this.path, words: this.current.size, skipped: parsed.skipped.length };
    this.logger.info('word list loaded', { ...info });
    for (const listener of this.reloadListeners) listener(info);
    return 'reloaded';
  }

  /**
   * Watches the directory rather than the file: editors and config tools replace a file by renaming
   * a new one over it, which ends a watch on the old file. Kubernetes config maps swap a `..data`
   * link instead, so those names count as a change too.
   */
  private startWatching(): void {
    const base = path.basename(this.path);
    try {
      this.watcher = watch(path.dirname(this.path), { persistent: false, encoding: 'utf8' }, (_event, filename) => {
        if (filename === null || filename === base || filename.startsWith('..')) this.settle();
      });
      this.watcher.on('error', (err) => {
        this.logger.warn('word list watch failed, polling instead', { path: this.path, err });
        this.watcher?.close();
        this.watcher = null;
        this.poll();
      });
    } catch (err) {
      this.logger.warn('word list directory cannot be watched, polling instead', { path: this.path, err });
      this.poll();
    }
  }

  private poll(): void {
    if (this.closed || this.polling) return;
    this.polling = true;
    watchFile(this.path, { persistent: false, interval: this.pollMs }, this.onPoll);
  }

  private readonly onPoll = (curr: Stats, prev: Stats): void => {
    if (curr.mtimeMs !== prev.mtimeMs || curr.ino !== prev.ino || curr.size !== prev.size) this.settle();
  };

  private settle(): void {
    if (this.closed) return;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      if (!this.closed) void this.reload();
    }, this.settleMs);
    this.settleTimer.unref();
  }
}

/** The file's bytes, refusing a directory or a file too big to be a word list before reading it. */
async function readBounded(file: string, maxBytes: number): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new WordListError('is a directory');
    if (stats.size > maxBytes) throw new WordListError(`larger than ${maxBytes} bytes`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
