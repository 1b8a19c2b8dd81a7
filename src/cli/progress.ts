// Progress display for long work: a cli-progress bar on a terminal (epoch, step, losses,
// steps/s, ETA), plain lines when stdout is not a terminal (logs, CI, pipes), nothing with
// --quiet. Messages go through the same object so they never tear the bar.
import cliProgress from 'cli-progress';

export interface ProgressFields {
  epoch?: string;
  losses?: string;
  /** Seconds per step (smoothed by the caller or raw). */
  stepSeconds?: number;
  /** Seconds left; computed from the rate when omitted. */
  etaSeconds?: number;
}

export interface Progress {
  start(total: number, label: string): void;
  update(done: number, fields?: ProgressFields): void;
  /** A message line (not shown with --quiet). */
  log(line: string): void;
  stop(): void;
}

export type ProgressMode = 'tty' | 'plain' | 'quiet';

export function progressMode(quiet: boolean, stream: NodeJS.WriteStream = process.stdout): ProgressMode {
  if (quiet) return 'quiet';
  return stream.isTTY && process.env.TERM !== 'dumb' && !process.env.CI ? 'tty' : 'plain';
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m - h * 60).padStart(2, '0')}m`;
}

export function createProgress(mode: ProgressMode, out: NodeJS.WriteStream = process.stdout): Progress {
  if (mode === 'quiet') return { start() {}, update() {}, log() {}, stop() {} };
  if (mode === 'plain') return new PlainProgress(out);
  return new BarProgress(out);
}

function rate(fields: ProgressFields | undefined, done: number, elapsed: number): number {
  if (fields?.stepSeconds && fields.stepSeconds > 0) return 1 / fields.stepSeconds;
  return elapsed > 0 ? done / elapsed : 0;
}

class PlainProgress implements Progress {
  private total = 0;
  private label = '';
  private t0 = 0;
  private lastPrint = 0;
  private lastDone = -1;
  constructor(private readonly out: NodeJS.WriteStream) {}

  start(total: number, label: string): void {
    this.total = total;
    this.label = label;
    this.t0 = Date.now();
    this.lastPrint = 0;
    this.lastDone = -1;
  }

  update(done: number, fields?: ProgressFields): void {
    const now = Date.now();
    // A line at the first step, the last one, and at most every 10 seconds in between.
    if (done !== 1 && done !== this.total && now - this.lastPrint < 10000) return;
    this.lastPrint = now;
    this.lastDone = done;
    const elapsed = (now - this.t0) / 1000;
    const r = rate(fields, done, elapsed);
    const eta = fields?.etaSeconds ?? (r > 0 ? (this.total - done) / r : NaN);
    const parts = [`${this.label} ${done}/${this.total}`];
    if (fields?.epoch) parts.push(`epoch ${fields.epoch}`);
    if (fields?.losses) parts.push(fields.losses);
    parts.push(`${r.toFixed(2)} steps/s`, `ETA ${formatSeconds(eta)}`);
    this.out.write(`${parts.join(' | ')}\n`);
  }

  log(line: string): void {
    this.out.write(`${line}\n`);
  }

  stop(): void {}
}

class BarProgress implements Progress {
  private multi: cliProgress.MultiBar | null = null;
  private bar: cliProgress.SingleBar | null = null;
  private t0 = 0;
  private total = 0;
  constructor(private readonly out: NodeJS.WriteStream) {}

  start(total: number, label: string): void {
    this.stop();
    this.t0 = Date.now();
    this.total = total;
    this.multi = new cliProgress.MultiBar(
      {
        stream: this.out,
        format: `${label} {bar} {value}/{total} | {epoch}{losses} | {rate} steps/s | ETA {etaText}`,
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar = this.multi.create(total, 0, { epoch: '', losses: '', rate: '-', etaText: '?' });
  }

  update(done: number, fields?: ProgressFields): void {
    if (!this.bar) return;
    const elapsed = (Date.now() - this.t0) / 1000;
    const r = rate(fields, done, elapsed);
    const eta = fields?.etaSeconds ?? (r > 0 ? (this.total - done) / r : NaN);
    this.bar.update(done, {
      epoch: fields?.epoch ? `epoch ${fields.epoch} | ` : '',
      losses: fields?.losses ?? '',
      rate: r > 0 ? r.toFixed(2) : '-',
      etaText: formatSeconds(eta),
    });
  }

  log(line: string): void {
    if (this.multi) this.multi.log(`${line}\n`);
    else this.out.write(`${line}\n`);
  }

  stop(): void {
    if (this.multi) {
      this.multi.stop();
      this.multi = null;
      this.bar = null;
    }
  }
}
