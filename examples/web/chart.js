// A small live line chart of the training losses on a 2D canvas: no charting library, so the
// example has nothing to install. Redrawn whole on every point (a few hundred at most).
const SERIES = [
  { key: 'lossG', label: 'G', color: '#1f77b4' },
  { key: 'lossD', label: 'D', color: '#d62728' },
  { key: 'lossCycle', label: 'cycle', color: '#2ca02c' },
];

export class LossChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.points = [];
    this.draw();
  }

  reset() {
    this.points = [];
    this.draw();
  }

  /** Adds one step's losses ({ lossG, lossD, lossCycle, ... }). */
  add(losses) {
    this.points.push(losses);
    this.draw();
  }

  draw() {
    const { canvas, points } = this;
    const ctx = canvas.getContext('2d');
    const { width: w, height: h } = canvas;
    const pad = { left: 40, right: 10, top: 10, bottom: 22 };
    canvas.dataset.points = String(points.length);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    ctx.strokeStyle = '#999';
    ctx.strokeRect(pad.left, pad.top, w - pad.left - pad.right, h - pad.top - pad.bottom);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#666';
    if (points.length === 0) {
      ctx.fillText('losses appear here while training', pad.left + 10, h / 2);
      return;
    }
    const max = Math.max(1e-6, ...points.flatMap((p) => SERIES.map((s) => p[s.key])));
    const x = (i) => pad.left + (points.length === 1 ? 0 : (i / (points.length - 1)) * (w - pad.left - pad.right));
    const y = (v) => pad.top + (1 - v / max) * (h - pad.top - pad.bottom);
    ctx.fillText(max.toPrecision(3), 4, pad.top + 8);
    ctx.fillText('0', 4, h - pad.bottom);
    ctx.fillText(`step ${points.length}`, w - pad.right - 50, h - 6);
    SERIES.forEach((s, k) => {
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      points.forEach((p, i) => (i === 0 ? ctx.moveTo(x(i), y(p[s.key])) : ctx.lineTo(x(i), y(p[s.key]))));
      if (points.length === 1) ctx.arc(x(0), y(points[0][s.key]), 2, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.fillStyle = s.color;
      ctx.fillText(s.label, pad.left + 8 + k * 48, h - 6);
    });
  }
}
