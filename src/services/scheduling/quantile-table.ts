/** Points a distribution is tabulated at: lookups cost a binary search, however many samples built it. */
const points = 256;

/**
 * A distribution as a table of its quantiles at evenly spaced probabilities: built once when what it is
 * learned from changes, then read by the scheduler for every job of 100,000 without touching the samples.
 */
export class QuantileTable {
  private constructor(private readonly values: Float64Array) {}

  /** Tabulates a quantile function (non-decreasing in `q`). */
  static fromQuantiles(quantile: (q: number) => number): QuantileTable {
    const values = new Float64Array(points + 1);
    let previous = Number.NEGATIVE_INFINITY;
    for (let index = 0; index <= points; index++) {
      previous = Math.max(previous, quantile(index / points));
      values[index] = previous;
    }
    return new QuantileTable(values);
  }

  /**
   * Samples smoothed by a normal kernel (Silverman's bandwidth): with a handful of samples the tails stay
   * wider than the samples' range, as the next job may well fall outside it; with many, it is their spread.
   */
  static smoothed(samples: readonly number[]): QuantileTable {
    const n = samples.length;
    const mean = samples.reduce((sum, value) => sum + value, 0) / n;
    const variance = samples.reduce((sum, value) => sum + (value - mean) ** 2, 0) / Math.max(1, n - 1);
    const bandwidth = Math.max(1.06 * Math.sqrt(variance) * n ** -0.2, 0.01 * Math.abs(mean), 1e-9);
    const cdf = (t: number) => samples.reduce((sum, value) => sum + normalCdf((t - value) / bandwidth), 0) / n;
    return QuantileTable.fromCdf(cdf, Math.min(...samples) - 4 * bandwidth, Math.max(...samples) + 4 * bandwidth);
  }

  /** Tabulates a distribution function that rises from 0 at `low` to 1 at `high`, by bisection. */
  static fromCdf(cdf: (value: number) => number, low: number, high: number): QuantileTable {
    return QuantileTable.fromQuantiles((q) => {
      if (q <= 0) return low;
      if (q >= 1) return high;
      let below = low;
      let above = high;
      for (let step = 0; step < 40; step++) {
        const middle = (below + above) / 2;
        if (cdf(middle) < q) below = middle;
        else above = middle;
      }
      return (below + above) / 2;
    });
  }

  /** The value a fraction `q` (0..1) of the distribution falls below. */
  quantile(q: number): number {
    const position = Math.min(1, Math.max(0, q)) * points;
    const index = Math.min(points - 1, Math.floor(position));
    const lower = this.values[index] as number;
    return lower + ((this.values[index + 1] as number) - lower) * (position - index);
  }

  /** The share of the distribution at or below `value`: exactly 0 below the table and 1 above it. */
  cdf(value: number): number {
    const { values } = this;
    if (value < (values[0] as number)) return 0;
    if (value >= (values[points] as number)) return 1;
    let low = 0;
    let high = points;
    while (high - low > 1) {
      const middle = (low + high) >> 1;
      if ((values[middle] as number) <= value) low = middle;
      else high = middle;
    }
    const from = values[low] as number;
    const to = values[high] as number;
    return (low + (to > from ? (value - from) / (to - from) : 1)) / points;
  }
}

/** Φ, the standard normal distribution function (Abramowitz and Stegun 7.1.26, error below 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
