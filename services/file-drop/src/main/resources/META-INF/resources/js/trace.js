// The path of one picture through the pipeline as a timeline (drop → convert → predict → answer, in ms), from
// GET /v1/predictions/{image}/trace: the spans file-drop's OTLP receiver keeps when the services export to it
// (bin/tf-fashion up does; docs/observability.md).

import { h, fetchJson } from './dom.js';

/** A panel that loads the picture's trace and shows its hops as bars on one time axis, then every span. */
export function traceTimeline(imageId) {
  const panel = h('div', { class: 'trace-timeline', dataset: { imageId } }, [h('p', { class: 'muted small' }, ['loading the trace…'])]);
  fetchJson(`/v1/predictions/${encodeURIComponent(imageId)}/trace`)
    .then((trace) => panel.replaceChildren(...render(trace)))
    .catch((e) => panel.replaceChildren(h('p', { class: 'muted small trace-missing' }, [
      e.body?.error ? `${e.body.error}. ${e.body.hint || ''}` : `no trace: ${e.message || e}`,
    ])));
  return panel;
}

function render(trace) {
  const total = Math.max(trace.durationMs, 0.001);
  const bar = (startMs, durationMs, label, cls) => h('div', { class: 'trace-row ' + cls }, [
    h('span', { class: 'trace-label small' }, [label]),
    h('span', { class: 'trace-track' }, [
      h('span', {
        class: 'trace-bar',
        style: `left:${(100 * startMs) / total}%;width:${Math.max((100 * durationMs) / total, 0.5)}%`,
        title: `${label}: starts at ${startMs.toFixed(1)} ms, takes ${durationMs.toFixed(1)} ms`,
      }),
    ]),
    h('span', { class: 'trace-ms small muted' }, [durationMs ? `${durationMs.toFixed(1)} ms` : `at ${startMs.toFixed(1)} ms`]),
  ]);
  const hops = trace.hops.map((hop) => bar(hop.startMs, hop.durationMs, `${hop.hop} (${hop.service})`, 'trace-hop hop-' + hop.hop));
  const spans = trace.spans.map((span) => bar(span.startMs, span.durationMs,
    `${span.service}: ${span.name}${span.linked ? ' (batch, linked)' : ''}`, 'trace-span' + (span.error ? ' trace-error' : '')));
  return [
    h('p', { class: 'small' }, [`trace ${trace.traceId}: ${trace.durationMs.toFixed(1)} ms from the drop to the answer's end`]),
    ...hops,
    h('details', { class: 'small' }, [h('summary', {}, [`${trace.spans.length} spans`]), ...spans]),
  ];
}
