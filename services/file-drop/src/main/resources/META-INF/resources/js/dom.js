// Small DOM, SVG and formatting helpers shared by the page's modules.

const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.setAttribute('class', value);
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of [].concat(children ?? [])) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** An HTML element: h('a', {href: '/x', class: 'y'}, ['text', otherNode]). */
export function h(tag, attrs, children) {
  return apply(document.createElement(tag), attrs, children);
}

/** An SVG element, same calling convention as h(). */
export function s(tag, attrs, children) {
  return apply(document.createElementNS(SVG_NS, tag), attrs, children);
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function shortId(id) {
  if (!id) return '';
  return id.length > 12 ? id.slice(0, 10) + '…' : id;
}

export function time(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleTimeString();
}

export function dateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

export function percent(x, digits = 1) {
  const n = Number(x);
  return Number.isFinite(n) ? (n * 100).toFixed(digits) + ' %' : '–';
}

export function number(x, digits = 3) {
  const n = Number(x);
  return Number.isFinite(n) ? n.toFixed(digits) : '–';
}

export function bytes(n) {
  const v = Number(n);
  if (!Number.isFinite(v)) return '';
  if (v < 1024) return v + ' B';
  if (v < 1024 * 1024) return (v / 1024).toFixed(1) + ' KiB';
  return (v / 1024 / 1024).toFixed(1) + ' MiB';
}

export function duration(seconds) {
  const v = Math.round(Number(seconds));
  if (!Number.isFinite(v) || v < 0) return '';
  if (v < 60) return v + ' s';
  const m = Math.floor(v / 60);
  if (m < 60) return m + ' min ' + (v % 60) + ' s';
  return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
}

/** Parses a JSON annotation; answers the fallback when absent or malformed. */
export function parseJson(text, fallback = null) {
  if (text === undefined || text === null || text === '') return fallback;
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

/** Runs fn at most once per animation frame, however often it is asked. */
export function coalesce(fn) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      fn();
    });
  };
}

export async function fetchJson(url, options) {
  const response = await fetch(url, { headers: { Accept: 'application/json' }, ...options });
  const text = await response.text();
  const body = parseJson(text, null);
  if (!response.ok) {
    const error = new Error(body?.error || `${response.status} ${response.statusText}`);
    error.status = response.status;
    error.body = body;
    throw error;
  }
  return body;
}
