/**
 * Render durations for /metrics, kept as a Prometheus histogram: a sum, a count and cumulative buckets, so a
 * dashboard can show both the mean and the slow tail of render times.
 */
export class RenderMetrics {
  static readonly BUCKETS = [1, 2, 5, 10, 20, 30, 60, 120, 300] as const;
  readonly #counts = new Array<number>(RenderMetrics.BUCKETS.length).fill(0);
  #sum = 0;
  #count = 0;
  #failures = 0;

  observe(seconds: number): void {
    this.#sum += seconds;
    this.#count++;
    RenderMetrics.BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) this.#counts[i]++;
    });
  }

  failed(): void {
    this.#failures++;
  }

  /** Prometheus text exposition lines. */
  lines(): string[] {
    return [
      '# HELP inbetween_render_seconds Wall time of completed renders.',
      '# TYPE inbetween_render_seconds histogram',
      ...RenderMetrics.BUCKETS.map(
        (bound, i) => `inbetween_render_seconds_bucket{le="${bound}"} ${this.#counts[i]}`,
      ),
      `inbetween_render_seconds_bucket{le="+Inf"} ${this.#count}`,
      `inbetween_render_seconds_sum ${this.#sum.toFixed(3)}`,
      `inbetween_render_seconds_count ${this.#count}`,
      '# HELP inbetween_render_failures_total Renders that failed (not cancelled).',
      '# TYPE inbetween_render_failures_total counter',
      `inbetween_render_failures_total ${this.#failures}`,
    ];
  }
}
