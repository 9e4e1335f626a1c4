import { Histogram, type Registry } from 'prom-client';

type Exported = Awaited<ReturnType<Histogram<string>['get']>>;
type ExportedValue = Exported['values'][number];
/** prom-client's typings declare `type` as a numeric enum; at run time, and in the text format, it is this string. */
const HISTOGRAM_TYPE = 'histogram' as unknown as Exported['type'];

interface Series {
  /** Observations per bucket (not cumulative); the last one is above every bound. */
  counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A histogram with at most one label whose `record` is an array increment: prom-client's `observe`
 * hashes and validates its label object on every call, which costs more than the rest of a
 * delivered message's accounting. It is a prom-client Histogram for registration and the text
 * format; what a scrape reads (`get`, and `getForPromString`, which the registry's text output
 * calls instead for histograms) exports these counts.
 */
export class FastHistogram extends Histogram<string> {
  readonly #name: string;
  readonly #help: string;
  readonly #bounds: readonly number[];
  readonly #label: string | null;
  readonly #series = new Map<string, Series>();

  constructor(registry: Registry, options: { name: string; help: string; buckets: readonly number[]; label?: string }) {
    const label = options.label ?? null;
    super({ name: options.name, help: options.help, buckets: [...options.buckets], labelNames: label ? [label] : [], registers: [registry] });
    this.#name = options.name;
    this.#help = options.help;
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
    this.#label = label;
    if (!label) this.#seriesOf(''); // an unlabelled histogram shows zeros before its first observation, as prom-client's does
  }

  /** Records `value` under the label value `key` (ignored without a label). */
  record(value: number, key = ''): void {
    if (!Number.isFinite(value)) return;
    const series = this.#seriesOf(this.#label ? key : '');
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    series.counts[i]!++;
    series.sum += value;
    series.count++;
  }

  override async get(): Promise<Exported> {
    const values: ExportedValue[] = [];
    for (const [key, series] of this.#series) {
      const labels: Record<string, string | number> = this.#label ? { [this.#label]: key } : {};
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += series.counts[i]!;
        values.push({ labels: { le, ...labels }, value: cumulative, metricName: `${this.#name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...labels }, value: series.count, metricName: `${this.#name}_bucket` });
      values.push({ labels, value: series.sum, metricName: `${this.#name}_sum` });
      values.push({ labels, value: series.count, metricName: `${this.#name}_count` });
    }
    return { name: this.#name, help: this.#help, type: HISTOGRAM_TYPE, aggregator: 'sum', collect: () => undefined, values };
  }

  getForPromString(): Promise<Exported> {
    return this.get();
  }

  #seriesOf(key: string): Series {
    let series = this.#series.get(key);
    if (!series) {
      series = { counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    return series;
  }
}
