// Time-series charts (uPlot) with event markers: alert firings, incidents and release changes
// drawn as vertical lines across every chart, so a spike lines up with its cause at a glance.
import uPlot from 'uplot';

export const MARKER_COLORS = { P1: '#b3261e', P2: '#d9822b', P3: '#c9a227', incident: '#7b1fa2', release: '#1f4e79' };

// Draws the markers returned by getMarkers() ({t: seconds, kind, color}) inside the plot area.
function markerPlugin(getMarkers) {
  return {
    hooks: {
      draw: [(u) => {
        const { left, top, width, height } = u.bbox;
        const ctx = u.ctx;
        for (const m of getMarkers()) {
          const x = Math.round(u.valToPos(m.t, 'x', true));
          if (x < left || x > left + width) continue;
          ctx.save();
          ctx.strokeStyle = m.color;
          ctx.lineWidth = 2 * devicePixelRatio;
          ctx.setLineDash(m.kind === 'release' ? [6 * devicePixelRatio, 4 * devicePixelRatio] : []);
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
          ctx.restore();
        }
      }],
    },
  };
}

// One chart that is created once and then only fed new data (no growth while live). The series
// set may change (a new business metric appears): then, and only then, the chart is rebuilt.
export class LiveChart {
  // rate: a 0..1 series (the y axis stays 0–100 %); otherwise the y axis starts at 0.
  constructor(box, { width, format, rate, getMarkers, getRange }) {
    this.box = box;
    this.rate = rate;
    this.width = width;
    this.format = format;
    this.getMarkers = getMarkers;
    this.getRange = getRange;
    this.plot = null;
    this.labels = '';
  }

  update(time, series) {  // series: [{label, values, color}]
    const data = [time, ...series.map((s) => s.values)];
    const labels = series.map((s) => s.label).join('\u0000');
    this.box.dataset.points = String(series.reduce(
      (n, s) => n + s.values.filter((v) => v !== null && v !== undefined).length, 0));
    if (this.plot && labels === this.labels) {
      this.plot.setData(data);
      return;
    }
    if (this.plot) this.plot.destroy();
    this.labels = labels;
    const format = this.format;
    this.plot = new uPlot({
      width: this.width, height: 180,
      scales: {
        x: { time: true, range: () => this.getRange() },
        y: { range: (u, min, max) => (this.rate ? [0, 1] : [0, max > 0 ? max * 1.1 : 1]) },
      },
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: false }))],
      axes: [{}, { size: 70, values: (u, v) => v.map((x) => format(x)) }],
      plugins: [markerPlugin(this.getMarkers)],
    }, data, this.box);
  }

  redraw() { if (this.plot) this.plot.redraw(false, false); }
  destroy() { if (this.plot) this.plot.destroy(); this.plot = null; }
}
