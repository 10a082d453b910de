// The self-contained HTML report (see html.h).
#include "reports/html.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "reports/aggregate.h"
#include "reports/pareto.h"

namespace heapreplay {

namespace {

// Series longer than this are thinned (every k-th point, the last kept) so
// that the file stays small; a few hundred samples per run is the norm.
constexpr std::size_t kMaxSeriesPoints = 2000;

nlohmann::json summary_json(const Summary& s) {
  return {{"n", s.n},
          {"median", s.median},
          {"min", s.min},
          {"max", s.max},
          {"ci_low", s.ci_low},
          {"ci_high", s.ci_high},
          {"ci_confidence", s.ci_confidence}};
}

nlohmann::json series_json(const RunResult& r) {
  const std::size_t n = r.samples.size();
  const std::size_t step = n > kMaxSeriesPoints ? (n + kMaxSeriesPoints - 1) / kMaxSeriesPoints : 1;
  nlohmann::json ev = nlohmann::json::array(), fp = nlohmann::json::array(), rss = nlohmann::json::array(),
                 live = nlohmann::json::array();
  for (std::size_t i = 0; i < n; i += step) {
    std::size_t k = (i + step >= n) ? n - 1 : i;  // always end on the last sample
    ev.push_back(r.samples[k].event);
    fp.push_back(r.samples[k].footprint_bytes);
    rss.push_back(r.samples[k].rss_bytes);
    live.push_back(r.samples[k].live_bytes);
  }
  return {{"allocator", r.allocator},         {"repetition", r.repetition},  {"event", std::move(ev)},
          {"footprint_bytes", std::move(fp)}, {"rss_bytes", std::move(rss)}, {"live_bytes", std::move(live)}};
}

const char* kPageStyle = R"CSS(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d1d1f; background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; word-break: break-all; }
h3 { font-size: 15px; margin: 18px 0 6px; }
dl.context { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0 16px; }
dl.context dt { color: #666; }
dl.context dd { margin: 0; word-break: break-all; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
td { white-space: nowrap; }
th { background: #f5f5f7; }
td.text, th.text { text-align: left; overflow-wrap: break-word; white-space: normal; }
td.bad { color: #b00020; }
.chart { position: relative; height: 320px; max-width: 1000px; margin: 4px 0 16px; }
.note { color: #666; font-size: 13px; }
)CSS";

// The page's script: builds the DOM from the embedded data (textContent
// only) and draws the charts with Chart.js.
const char* kPageScript = R"JS(
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('hr-data').textContent);
  var root = document.getElementById('hr-root');
  var summary = { expected_charts: 0, charts: [], skipped: [] };
  var infos = {};
  var palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2',
                 '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#ad494a'];
  var colorOf = {};
  data.allocators.forEach(function (a, i) { colorOf[a] = palette[i % palette.length]; });

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function fmtBytes(v) {
    if (v === null || v === undefined || !isFinite(v)) return '';
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
    while (Math.abs(v) >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return (i === 0 ? v.toFixed(0) : v.toFixed(1)) + ' ' + u[i];
  }
  function fmtNum(v, d) { return (v === null || v === undefined || !isFinite(v)) ? '' : v.toFixed(d); }
  function metric(row, name) { return row.metrics[name] ? row.metrics[name].median : null; }

  function paintedPixels(canvas) {
    try {
      var img = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      var n = 0;
      for (var i = 3; i < img.length; i += 4) if (img[i] !== 0) n++;
      return n;
    } catch (e) { return -1; }
  }
  function countPoints(values) {
    var n = 0;
    (values || []).forEach(function (v) {
      if (v === null || v === undefined) return;
      var y = (typeof v === 'object' && !Array.isArray(v)) ? v.y : v;
      if (Array.isArray(y)) y = y[1];
      if (typeof y === 'number' && isFinite(y)) n++;
    });
    return n;
  }
  function publish() {
    summary.charts = Object.keys(infos).map(function (k) { return infos[k].result; }).filter(Boolean);
    document.getElementById('hr-render-summary').textContent = JSON.stringify(summary);
    if (summary.charts.length === summary.expected_charts)
      document.documentElement.setAttribute('data-hr-charts', 'done');
  }
  var recorder = {
    id: 'hrRecorder',
    afterRender: function (chart) {
      var info = infos[chart.canvas.id];
      if (!info) return;
      var datasets = chart.data.datasets.map(function (d, i) {
        return { label: d.label, points: countPoints(d.data), elements: chart.getDatasetMeta(i).data.length };
      });
      info.result = {
        id: chart.canvas.id, trace: info.trace, kind: info.kind, title: info.title,
        expected_allocators: info.expected, allocators_with_data: info.withData(chart),
        datasets: datasets, painted_pixels: paintedPixels(chart.canvas),
        width: chart.canvas.width, height: chart.canvas.height
      };
      // A Pareto chart: what its tooltip callback says of each point, and
      // the front's specs in order.
      var callbacks = chart.options.plugins && chart.options.plugins.tooltip && chart.options.plugins.tooltip.callbacks;
      if (info.kind.indexOf('pareto_') === 0 && callbacks && typeof callbacks.label === 'function') {
        info.result.tooltips = [];
        chart.data.datasets.forEach(function (d, di) {
          d.data.forEach(function (pt, i) {
            info.result.tooltips.push(callbacks.label({ chart: chart, dataset: d, datasetIndex: di, dataIndex: i, raw: pt }));
          });
          if (d.hrFront) info.result.front = d.hrFront;
        });
      }
      publish();
    }
  };
  // Allocators with data: for charts with one dataset per allocator.
  function byDataset(chart) {
    return chart.data.datasets.filter(function (d) { return d.hrAllocator && countPoints(d.data) > 0; })
                              .map(function (d) { return d.label; });
  }

  var chartCount = 0;
  function addChart(parent, trace, kind, title, expected, config, withData) {
    var id = 'hr-chart-' + (chartCount++);
    var box = el('div', null, 'chart');
    var canvas = document.createElement('canvas');
    canvas.id = id;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', title);
    box.appendChild(canvas);
    parent.appendChild(el('h3', title));
    parent.appendChild(box);
    infos[id] = { trace: trace, kind: kind, title: title, expected: expected, withData: withData || byDataset };
    summary.expected_charts++;
    config.options = config.options || {};
    config.options.animation = false;
    config.options.responsive = true;
    config.options.maintainAspectRatio = false;
    config.options.plugins = config.options.plugins || {};
    config.options.plugins.legend = { position: 'bottom' };
    config.plugins = [recorder];
    new Chart(canvas, config);
  }
  function skip(parent, trace, kind, reason) {
    summary.skipped.push({ trace: trace, kind: kind, reason: reason });
    parent.appendChild(el('p', reason, 'note'));
  }
  function allocDataset(a, values, extra) {
    var d = { label: a, hrAllocator: true, data: values, backgroundColor: colorOf[a], borderColor: colorOf[a] };
    for (var k in extra) d[k] = extra[k];
    return d;
  }
  // The Pareto front of one workload (chart kinds pareto_rss,
  // pareto_footprint, pareto_fragmentation): a point per allocator spec at
  // (median time, median memory), the front as a staircase through its
  // points fastest first (everything above and to the right of it is
  // beaten), and a tooltip naming the spec.
  function paretoCharts(sec, name, charts, okAllocs, timeLabel, fmtTime) {
    (charts || []).forEach(function (c) {
      if (c.points.length < 2) {
        skip(sec, name, c.kind, 'No Pareto front of time against ' + c.label + ': fewer than 2 allocator specs measured it.');
        return;
      }
      var fmtMem = c.unit === 'bytes' ? fmtBytes : function (v) { return fmtNum(v, 3); };
      var tip = function (p, onFront) {
        return p.allocator + ': ' + fmtTime(p.time) + ', ' + c.label + ' ' + fmtMem(p.memory) + (onFront ? ' (on the front)' : '');
      };
      var front = c.front.map(function (i) { return c.points[i]; });
      var sets = c.points.map(function (p) {
        return allocDataset(p.allocator, [{ x: p.time, y: p.memory }],
                            { hrTips: [tip(p, p.on_front)], pointRadius: 6, pointHoverRadius: 8 });
      });
      sets.push({ label: 'Pareto front', data: front.map(function (p) { return { x: p.time, y: p.memory }; }),
                  hrTips: front.map(function (p) { return tip(p, true); }), hrFront: front.map(function (p) { return p.allocator; }),
                  showLine: true, stepped: 'after', borderColor: '#333', backgroundColor: '#333', borderWidth: 1.5,
                  pointRadius: 2, pointHitRadius: 6 });
      if (c.unmeasured.length)
        sec.appendChild(el('p', c.label + ' not measured for ' + c.unmeasured.join(', ') + ': not on this chart.', 'note'));
      addChart(sec, name, c.kind, 'Pareto front: ' + timeLabel + ' against ' + c.label + ' (lower left is better)', okAllocs,
               { type: 'scatter', data: { datasets: sets },
                 options: { scales: { x: { type: 'linear', grace: '5%', title: { display: true, text: timeLabel } },
                                      y: { grace: '5%', title: { display: true, text: c.label }, ticks: { callback: function (v) { return fmtMem(v); } } } },
                            plugins: { tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.hrTips[ctx.dataIndex]; } } } } } });
    });
  }
  function bytesAxis(title) {
    return { beginAtZero: true, title: { display: true, text: title }, ticks: { callback: function (v) { return fmtBytes(v); } } };
  }

  // Page head: what was run, where.
  document.title = 'heapreplay report: ' + data.traces.concat(data.programs).map(function (t) { return t.name; }).join(', ');
  root.appendChild(el('h1', 'heapreplay report'));
  var dl = el('dl', null, 'context');
  data.context_items.forEach(function (kv) { dl.appendChild(el('dt', kv[0])); dl.appendChild(el('dd', kv[1])); });
  root.appendChild(dl);
  root.appendChild(el('p', 'Figures are medians over the ok runs of each (trace, allocator). 95% CI: the ' +
      'distribution-free confidence interval of the median (its real coverage is given when fewer than 6 runs ' +
      'cannot reach 95%). Memory over time shows the first ok repetition of each allocator.', 'note'));

  data.traces.forEach(function (t) {
    var sec = el('section');
    sec.appendChild(el('h2', t.name));
    var okRows = t.rows.filter(function (r) { return r.ok_runs > 0; });
    var okAllocs = okRows.map(function (r) { return r.allocator; });

    // Summary table.
    var table = el('table'), head = el('tr');
    var cols = ['allocator', 'runs', 'ns/event', '95% CI', 'peak RSS', 'peak footprint',
                'peak footprint / peak live', 'utilization', 'retained after trim']
        .concat(t.latency_ops.map(function (op) { return 'p99 ' + op + ' (ns)'; }))
        .concat(['status']);
    cols.forEach(function (c, i) { head.appendChild(el('th', c, i === 0 || i === cols.length - 1 ? 'text' : '')); });
    table.appendChild(head);
    t.rows.forEach(function (r) {
      var tr = el('tr'), ns = r.metrics.ns_per_event;
      var ci = ns && ns.n > 1 ? fmtNum(ns.ci_low, 2) + ' – ' + fmtNum(ns.ci_high, 2) +
          (ns.ci_confidence < 0.95 ? ' (' + (ns.ci_confidence * 100).toFixed(0) + '%)' : '') : '';
      var cells = [r.allocator, r.ok_runs + '/' + r.runs, ns ? fmtNum(ns.median, 2) : '', ci,
                   fmtBytes(metric(r, 'peak_rss_bytes')), fmtBytes(metric(r, 'peak_footprint_bytes')),
                   fmtNum(metric(r, 'fragmentation_peak_ratio'), 3), fmtNum(metric(r, 'utilization'), 3),
                   fmtBytes(metric(r, 'retained_after_trim_bytes'))]
          .concat(t.latency_ops.map(function (op) { return fmtNum(metric(r, 'latency.' + op + '.p99_ns'), 1); }))
          .concat([r.failure ? r.failure : 'ok']);
      cells.forEach(function (c, i) {
        var cls = i === 0 || i === cells.length - 1 ? 'text' : '';
        if (i === cells.length - 1 && r.failure) cls += ' bad';
        tr.appendChild(el('td', c, cls));
      });
      table.appendChild(tr);
    });
    sec.appendChild(table);
    root.appendChild(sec);
    if (okRows.length === 0) { skip(sec, t.name, 'all', 'No ok run on this trace: nothing to draw.'); return; }

    // ns/event per allocator: median, and the CI as a floating bar.
    var speed = [allocDataset('median ns/event', okRows.map(function (r) { return metric(r, 'ns_per_event'); }),
                              { hrAllocator: false, backgroundColor: okAllocs.map(function (a) { return colorOf[a]; }) })];
    if (okRows.some(function (r) { return r.metrics.ns_per_event.n > 1; }))
      speed.push({ label: '95% CI of the median', backgroundColor: 'rgba(0,0,0,0.18)',
                   data: okRows.map(function (r) { var s = r.metrics.ns_per_event; return [s.ci_low, s.ci_high]; }) });
    addChart(sec, t.name, 'ns_per_event', 'ns/event per allocator (lower is better)', okAllocs,
             { type: 'bar', data: { labels: okAllocs, datasets: speed },
               options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'ns/event' } } } } },
             function (chart) {
               var d = chart.data.datasets[0].data;
               return chart.data.labels.filter(function (l, i) { return typeof d[i] === 'number' && isFinite(d[i]); });
             });

    // Memory over time.
    var series = t.series.filter(function (s) { return s.event.length > 0; });
    if (series.length === 0) {
      skip(sec, t.name, 'footprint', 'No memory samples in this report for this trace: no footprint or RSS over time.');
    } else {
      var points = function (s, key) { return s.event.map(function (e, i) { return { x: e, y: s[key][i] }; }); };
      var lineOpts = function (title) {
        return { parsing: false, normalized: true,
                 scales: { x: { type: 'linear', title: { display: true, text: 'events replayed' } }, y: bytesAxis(title) },
                 elements: { point: { radius: 0 }, line: { borderWidth: 1.5 } } };
      };
      var fpSets = series.map(function (s) { return allocDataset(s.allocator, points(s, 'footprint_bytes'), {}); });
      fpSets.push({ label: 'live bytes (the trace)', data: points(series[0], 'live_bytes'), borderColor: '#999',
                    backgroundColor: '#999', borderDash: [6, 4] });
      addChart(sec, t.name, 'footprint', 'Allocator footprint over the replay', okAllocs,
               { type: 'line', data: { datasets: fpSets }, options: lineOpts('footprint') });
      addChart(sec, t.name, 'rss', 'Resident memory (RSS above the baseline) over the replay', okAllocs,
               { type: 'line', data: { datasets: series.map(function (s) { return allocDataset(s.allocator, points(s, 'rss_bytes'), {}); }) },
                 options: lineOpts('RSS') });
      var unsampled = okAllocs.filter(function (a) { return !series.some(function (s) { return s.allocator === a; }); });
      if (unsampled.length)
        sec.appendChild(el('p', 'No memory samples for ' + unsampled.join(', ') + ' (threaded or unsampled runs).', 'note'));
    }

    // Latency percentiles per operation.
    if (t.latency_ops.length === 0) {
      skip(sec, t.name, 'latency', 'No latency samples in this report for this trace.');
    } else {
      var pcts = [['p50', 'p50'], ['p90', 'p90'], ['p99', 'p99'], ['p999', 'p99.9'], ['max', 'max']];
      var labels = [], keys = [];
      t.latency_ops.forEach(function (op) {
        pcts.forEach(function (p) { labels.push(op + ' ' + p[1]); keys.push('latency.' + op + '.' + p[0] + '_ns'); });
      });
      addChart(sec, t.name, 'latency', 'Latency percentiles per operation (ns, log scale)', okAllocs,
               { type: 'bar', data: { labels: labels, datasets: okRows.map(function (r) {
                   return allocDataset(r.allocator, keys.map(function (k) { var v = metric(r, k); return v > 0 ? v : null; }), {});
                 }) },
                 options: { scales: { y: { type: 'logarithmic', title: { display: true, text: 'ns' } } } } });
    }

    // Fragmentation ratios.
    var ratioKeys = [['fragmentation_at_peak_live', 'footprint / live at peak live'],
                     ['fragmentation_peak_ratio', 'peak footprint / peak live'],
                     ['rss_per_live', 'peak RSS / peak live'],
                     ['utilization', 'utilization (peak live / peak footprint)']];
    addChart(sec, t.name, 'fragmentation', 'Fragmentation ratios (1.0 = no overhead; log scale)', okAllocs,
             { type: 'bar', data: { labels: ratioKeys.map(function (k) { return k[1]; }), datasets: okRows.map(function (r) {
                 return allocDataset(r.allocator, ratioKeys.map(function (k) {
                   if (k[0] === 'rss_per_live') {
                     var rss = metric(r, 'peak_rss_bytes'), live = metric(r, 'peak_live_bytes');
                     return live > 0 && rss !== null ? rss / live : null;
                   }
                   var v = metric(r, k[0]);
                   return v > 0 ? v : null;
                 }), {});
               }) },
               options: { scales: { y: { type: 'logarithmic', title: { display: true, text: 'ratio' } } } } });

    paretoCharts(sec, t.name, t.pareto, okAllocs, 'ns/event', function (v) { return fmtNum(v, 2) + ' ns/event'; });
  });

  // Program runs (heapreplay run): a table, wall time and peak RSS per allocator.
  function fmtTime(ns) {
    if (ns === null || ns === undefined || !isFinite(ns)) return '';
    return ns < 1e9 ? (ns / 1e6).toFixed(2) + ' ms' : (ns / 1e9).toFixed(3) + ' s';
  }
  data.programs.forEach(function (p) {
    var sec = el('section');
    sec.appendChild(el('h2', 'program: ' + p.name));
    if (p.command) sec.appendChild(el('p', p.command, 'note'));
    var okRows = p.rows.filter(function (r) { return r.ok_runs > 0; });
    var okAllocs = okRows.map(function (r) { return r.allocator; });
    var table = el('table'), head = el('tr');
    var cols = ['allocator', 'runs', 'wall', '95% CI', 'user', 'sys', 'peak RSS', 'minor faults', 'major faults', 'status'];
    cols.forEach(function (c, i) { head.appendChild(el('th', c, i === 0 || i === cols.length - 1 ? 'text' : '')); });
    table.appendChild(head);
    p.rows.forEach(function (r) {
      var tr = el('tr'), w = r.metrics.wall_ns;
      var ci = w && w.n > 1 ? fmtTime(w.ci_low) + ' – ' + fmtTime(w.ci_high) +
          (w.ci_confidence < 0.95 ? ' (' + (w.ci_confidence * 100).toFixed(0) + '%)' : '') : '';
      var cells = [r.allocator, r.ok_runs + '/' + r.runs, fmtTime(metric(r, 'wall_ns')), ci,
                   fmtTime(metric(r, 'user_ns')), fmtTime(metric(r, 'sys_ns')), fmtBytes(metric(r, 'peak_rss_bytes')),
                   fmtNum(metric(r, 'minor_faults'), 0), fmtNum(metric(r, 'major_faults'), 0),
                   r.failure ? r.failure : 'ok'];
      cells.forEach(function (c, i) {
        var cls = i === 0 || i === cells.length - 1 ? 'text' : '';
        if (i === cells.length - 1 && r.failure) cls += ' bad';
        tr.appendChild(el('td', c, cls));
      });
      table.appendChild(tr);
    });
    sec.appendChild(table);
    root.appendChild(sec);
    if (okRows.length === 0) { skip(sec, p.name, 'all', 'No ok run of this program: nothing to draw.'); return; }
    var byLabel = function (chart) {
      var d = chart.data.datasets[0].data;
      return chart.data.labels.filter(function (l, i) { return typeof d[i] === 'number' && isFinite(d[i]); });
    };
    var wall = [allocDataset('median wall time (ms)', okRows.map(function (r) { return metric(r, 'wall_ns') / 1e6; }),
                             { hrAllocator: false, backgroundColor: okAllocs.map(function (a) { return colorOf[a]; }) })];
    if (okRows.some(function (r) { return r.metrics.wall_ns.n > 1; }))
      wall.push({ label: '95% CI of the median', backgroundColor: 'rgba(0,0,0,0.18)',
                  data: okRows.map(function (r) { var s = r.metrics.wall_ns; return [s.ci_low / 1e6, s.ci_high / 1e6]; }) });
    addChart(sec, p.name, 'wall_ns', 'Wall time per allocator (lower is better)', okAllocs,
             { type: 'bar', data: { labels: okAllocs, datasets: wall },
               options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'ms' } } } } }, byLabel);
    addChart(sec, p.name, 'peak_rss', 'Peak RSS per allocator (ru_maxrss; lower is better)', okAllocs,
             { type: 'bar', data: { labels: okAllocs, datasets: [allocDataset('median peak RSS',
                 okRows.map(function (r) { return metric(r, 'peak_rss_bytes'); }),
                 { hrAllocator: false, backgroundColor: okAllocs.map(function (a) { return colorOf[a]; }) })] },
               options: { scales: { y: bytesAxis('peak RSS') } } }, byLabel);
    paretoCharts(sec, p.name, p.pareto, okAllocs, 'wall time', fmtTime);
  });
  // Fidelity (heapreplay fidelity): per subject, how the reference (the
  // program, or a trace's replay) and its stand-in (the recording's replay,
  // or the look-alike's) each put every allocator against the reference
  // allocator, for time and for memory; then the agreement and the warnings.
  var fidelity = data.fidelity && Array.isArray(data.fidelity.subjects) ? data.fidelity.subjects : [];
  function tally(t) {
    if (!t) return '';
    var s = t.decided + ' of ' + t.pairs + ' pairs decided by the reference, ' +
        (typeof t.agreement === 'number' ? t.agreeing + ' agree (' + (t.agreement * 100).toFixed(0) + '%)' : 'none to agree on');
    return s + (typeof t.kendall_tau === 'number' ? '; Kendall tau ' + t.kendall_tau.toFixed(2) : '');
  }
  fidelity.forEach(function (s) {
    var sec = el('section');
    var ref = s.reference_kind === 'program' ? 'program' : 'trace';
    var alt = s.standin_kind === 'look-alike' ? 'look-alike' : 'replay';
    sec.appendChild(el('h2', 'fidelity: ' + s.name + ' (' + alt + ' against the ' + ref + ')'));
    sec.appendChild(el('p', 'time: ' + tally(s.time)));
    sec.appendChild(el('p', 'memory: ' + tally(s.memory) + '; ratio to ' + s.reference_allocator + ' within ' +
                            ((data.fidelity.ratio_tolerance || 0.1) * 100).toFixed(0) + '% on ' +
                            (s.memory ? s.memory.ratio_cells_close + ' of ' + s.memory.ratio_cells : '0') + ' allocators'));
    (s.warnings || []).forEach(function (w) { sec.appendChild(el('p', 'warning: ' + w, 'bad')); });
    root.appendChild(sec);
    var rows = (s.allocators || []).filter(function (a) {
      return typeof a.reference_wall_ns === 'number' && typeof a.standin_wall_ns === 'number';
    });
    var base = rows.filter(function (a) { return a.allocator === s.reference_allocator; })[0];
    if (!base || rows.length === 0) { skip(sec, s.name, 'fidelity', 'No allocator ran on both sides: nothing to draw.'); return; }
    var labels = rows.map(function (a) { return a.allocator; });
    var both = function (chart) {
      var d0 = chart.data.datasets[0].data, d1 = chart.data.datasets[1].data;
      return chart.data.labels.filter(function (l, i) { return isFinite(d0[i]) && isFinite(d1[i]); });
    };
    var sides = function (refValues, altValues) {
      return [{ label: ref, data: refValues, backgroundColor: '#5f6b7a' },
              { label: alt, data: altValues, backgroundColor: '#2f80ed' }];
    };
    addChart(sec, s.name, 'fidelity_time', 'Wall time relative to ' + s.reference_allocator + ': ' + ref + ' and ' + alt,
             labels, { type: 'bar', data: { labels: labels, datasets: sides(
                 rows.map(function (a) { return a.reference_wall_ns / base.reference_wall_ns; }),
                 rows.map(function (a) { return a.standin_wall_ns / base.standin_wall_ns; })) },
               options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'ratio to ' + s.reference_allocator } } } } },
             both);
    var mem = rows.filter(function (a) {
      return typeof a.reference_memory_ratio === 'number' && typeof a.standin_memory_ratio === 'number';
    });
    if (mem.length === 0) { skip(sec, s.name, 'fidelity_memory', 'No memory ratio on both sides: nothing to draw.'); return; }
    addChart(sec, s.name, 'fidelity_memory', 'Peak RSS relative to ' + s.reference_allocator + ': ' + ref + ' and ' + alt,
             mem.map(function (a) { return a.allocator; }),
             { type: 'bar', data: { labels: mem.map(function (a) { return a.allocator; }), datasets: sides(
                 mem.map(function (a) { return a.reference_memory_ratio; }),
                 mem.map(function (a) { return a.standin_memory_ratio; })) },
               options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'ratio to ' + s.reference_allocator } } } } },
             both);
  });
  publish();
  window.hrSummary = summary;
})();
)JS";

}  // namespace

std::string json_for_script(const nlohmann::json& j) {
  std::string text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + 64);
  for (char c : text) {
    // These appear only inside JSON strings, where \u escapes mean the same.
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else
      out += c;
  }
  return out;
}

namespace {

// The workloads in first-seen order, traces and programs apart, and every
// allocator spec in first-seen order (the page gives each its colour).
struct PageOrder {
  std::vector<std::string> traces, programs, allocators;
};

PageOrder page_order(const std::vector<Aggregate>& aggs) {
  PageOrder o;
  auto add = [](std::vector<std::string>& v, const std::string& s) {
    if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
  };
  for (const Aggregate& a : aggs) {
    add(a.is_program() ? o.programs : o.traces, a.trace);
    add(o.allocators, a.allocator);
  }
  return o;
}

// One table row of the page: the group's counts and every metric's summary.
nlohmann::json row_json(const Aggregate& a) {
  nlohmann::json metrics = nlohmann::json::object();
  for (const MetricSummary& m : a.metrics) metrics[m.info.name] = summary_json(m.summary);
  return {{"allocator", a.allocator},
          {"runs", a.runs},
          {"ok_runs", a.ok_runs},
          {"failure", a.first_failure},
          {"metrics", std::move(metrics)}};
}

// The operations with latency figures, in the order people think of them
// (malloc, calloc, realloc, aligned, free), then any others by name.
nlohmann::json latency_ops(const std::vector<const Aggregate*>& rows) {
  std::set<std::string> ops;
  for (const Aggregate* a : rows)
    for (const MetricSummary& m : a->metrics) {
      const std::string& n = m.info.name;
      if (n.rfind("latency.", 0) == 0) ops.insert(n.substr(8, n.find('.', 8) - 8));
    }
  nlohmann::json list = nlohmann::json::array();
  for (const char* op : {"malloc", "calloc", "realloc", "aligned", "free"})
    if (ops.erase(op)) list.push_back(op);
  for (const std::string& op : ops) list.push_back(op);
  return list;
}

// A workload's Pareto charts (empty when it ran one spec): per axis the
// points, the front fastest first, and the specs without the figure.
nlohmann::json pareto_json(const std::vector<ParetoWorkload>& fronts, const std::string& name, bool program) {
  nlohmann::json charts = nlohmann::json::array();
  for (const ParetoWorkload& w : fronts) {
    if (w.name != name || w.program != program) continue;
    for (const ParetoChart& c : w.charts) {
      nlohmann::json points = nlohmann::json::array(), front = nlohmann::json::array();
      for (const ParetoPoint& p : c.points)
        points.push_back(
            {{"allocator", p.allocator}, {"time", p.time}, {"memory", p.memory}, {"on_front", p.on_front}});
      for (std::size_t i : c.front) front.push_back(i);
      charts.push_back({{"kind", c.axis.kind},
                        {"label", c.axis.label},
                        {"metric", c.axis.metric},
                        {"unit", c.axis.unit == MetricUnit::kBytes ? "bytes" : "ratio"},
                        {"points", std::move(points)},
                        {"front", std::move(front)},
                        {"unmeasured", c.unmeasured}});
    }
  }
  return charts;
}

// One trace: a row per allocator, the memory series of each allocator's
// first ok repetition that has samples, and its latency operations.
nlohmann::json trace_json(const std::string& trace, const std::vector<Aggregate>& aggs,
                          const std::vector<RunGroup>& groups, const std::vector<ParetoWorkload>& fronts) {
  nlohmann::json rows = nlohmann::json::array(), series = nlohmann::json::array(), names = nlohmann::json::array();
  std::vector<const Aggregate*> mine;
  for (std::size_t g = 0; g < aggs.size(); ++g) {
    const Aggregate& a = aggs[g];
    if (a.trace != trace || a.is_program()) continue;
    mine.push_back(&a);
    names.push_back(a.allocator);
    rows.push_back(row_json(a));
    for (const RunResult* r : groups[g].runs)
      if (r->status == "ok" && !r->samples.empty()) {
        series.push_back(series_json(*r));
        break;
      }
  }
  nlohmann::json out = {{"name", trace},
                        {"allocators", std::move(names)},
                        {"rows", std::move(rows)},
                        {"series", std::move(series)},
                        {"latency_ops", latency_ops(mine)}};
  // Only where the trace ran two or more specs, so that a page of one spec
  // per trace carries the same data as before there were fronts.
  if (nlohmann::json charts = pareto_json(fronts, trace, false); !charts.empty()) out["pareto"] = std::move(charts);
  return out;
}

// One program of `heapreplay run`: its command (from its first run) and a
// row per allocator.
nlohmann::json program_json(const std::string& name, const std::vector<Aggregate>& aggs,
                            const std::vector<RunGroup>& groups, const std::vector<ParetoWorkload>& fronts) {
  nlohmann::json rows = nlohmann::json::array();
  std::string command;
  for (std::size_t g = 0; g < aggs.size(); ++g) {
    const Aggregate& a = aggs[g];
    if (a.trace != name || !a.is_program()) continue;
    if (command.empty() && !groups[g].runs.empty())
      for (const std::string& w : groups[g].runs.front()->command) command += (command.empty() ? "" : " ") + w;
    rows.push_back(row_json(a));
  }
  nlohmann::json out = {{"name", name}, {"command", command}, {"rows", std::move(rows)}};
  if (nlohmann::json charts = pareto_json(fronts, name, true); !charts.empty()) out["pareto"] = std::move(charts);
  return out;
}

// The page head's facts, [label, text] each, in a fixed order; and whether
// the session was interrupted.
nlohmann::json context_items(const Report& report) {
  nlohmann::json items = nlohmann::json::array();
  const nlohmann::json& c = report.context;
  const std::pair<const char*, const char*> keys[] = {{"date", "date"},
                                                      {"host", "host"},
                                                      {"cpu", "CPU"},
                                                      {"cpu_count", "CPUs"},
                                                      {"kernel", "kernel"},
                                                      {"heapreplay_version", "heapreplay"},
                                                      {"git_revision", "revision"},
                                                      {"compiler", "compiler"},
                                                      {"build_type", "build"},
                                                      {"repetitions", "repetitions"},
                                                      {"touch", "touch"},
                                                      {"malloc_alignment", "malloc alignment"},
                                                      {"command_line", "command"}};
  for (const auto& [key, label] : keys) {
    if (!c.contains(key)) continue;
    const auto& v = c[key];
    items.push_back({label, v.is_string() ? v.get<std::string>()
                                          : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
  }
  if (report.interrupted)
    items.push_back({"incomplete", interruption_text(report) + "; the runs not started are missing"});
  return items;
}

}  // namespace

nlohmann::json html_page_data(const Report& report) {
  const std::vector<Aggregate> aggs = aggregate(report);
  const std::vector<RunGroup> groups = group_runs(report);  // same order as the aggregates
  const PageOrder order = page_order(aggs);
  const std::vector<ParetoWorkload> fronts = pareto_workloads(aggs);
  nlohmann::json traces = nlohmann::json::array(), programs = nlohmann::json::array();
  for (const std::string& trace : order.traces) traces.push_back(trace_json(trace, aggs, groups, fronts));
  for (const std::string& name : order.programs) programs.push_back(program_json(name, aggs, groups, fronts));
  return {{"schema", "heapreplay.html/1"},
          {"allocators", order.allocators},
          {"traces", std::move(traces)},
          {"programs", std::move(programs)},
          {"fidelity", report.fidelity.is_object() ? report.fidelity : nlohmann::json(nullptr)},
          {"context_items", context_items(report)}};
}

std::string render_html(const Report& report, std::string_view chartjs_source) {
  // A "</script" inside the library would end its element early; "<\/" means
  // the same to JavaScript wherever it can occur (strings, regular expressions).
  std::string lib(chartjs_source);
  for (std::size_t pos = 0; (pos = lib.find("</", pos)) != std::string::npos; pos += 3) {
    std::string next = lib.substr(pos + 2, 6);
    std::transform(next.begin(), next.end(), next.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (next == "script") lib.replace(pos, 2, "<\\/");
  }
  std::string html;
  html.reserve(lib.size() + 65536);
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // Nothing may be fetched: the file must open offline, and no report text
  // could load anything even if it became markup.
  html +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; "
      "style-src 'unsafe-inline'; img-src data:\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<title>heapreplay report</title>\n<style>";
  html += kPageStyle;
  html +=
      "</style>\n</head>\n<body>\n<main id=\"hr-root\"><noscript>This report draws its tables and charts with "
      "JavaScript.</noscript></main>\n<pre id=\"hr-render-summary\" hidden></pre>\n";
  html += "<script type=\"application/json\" id=\"hr-data\">";
  html += json_for_script(html_page_data(report));
  html += "</script>\n<script>\n";
  html += lib;
  html += "\n</script>\n<script>";
  html += kPageScript;
  html += "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace heapreplay
