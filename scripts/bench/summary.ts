// The figures that have a target, gathered from every bench of a run and printed together at its end
// (`npm run bench -- sync api push` gives issue 13's acceptance table in one place), each beside the
// baseline it was measured against in the same run and whether its target is met.

export interface Figure {
  bench: string;
  figure: string;
  /** The measured value, with its unit. */
  value: string;
  /** The baseline of the same run, with its unit, or '' for an absolute target. */
  baseline: string;
  /** value / baseline, or '' when there is no baseline. */
  ratio: string;
  target: string;
  /** null: reported only (no target to meet). */
  met: boolean | null;
}

const figures: Figure[] = [];

export function figure(f: Figure): void {
  figures.push(f);
}

/** `x` as a ratio with two decimals, or '' when either side is missing. */
export function times(a: number | null | undefined, b: number | null | undefined): string {
  return a == null || b == null || b === 0 ? '' : `${(a / b).toFixed(2)}x`;
}

/** A peak-RSS figure against the 256 MB bound every memory target of the benches shares. */
export function peakRssFigure(bench: string, what: string, mb: number | null | undefined): void {
  figure({
    bench,
    figure: `peak RSS (VmHWM): ${what}`,
    value: mb == null ? 'n/a' : `${mb.toFixed(0)} MB`,
    baseline: '',
    ratio: '',
    target: '<= 256 MB',
    met: mb == null ? false : mb <= 256,
  });
}

export function printSummary(): void {
  if (figures.length === 0) return;
  console.log('\n=== summary: figures with targets, baselines from this run ===');
  console.table(
    figures.map((f) => ({
      bench: f.bench,
      figure: f.figure,
      value: f.value,
      baseline: f.baseline,
      ratio: f.ratio,
      target: f.target,
      met: f.met === null ? '(reported)' : f.met ? 'met' : 'NOT met',
    })),
  );
}
