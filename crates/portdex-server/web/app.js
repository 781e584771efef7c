// portdex web page: search as you type, a page per port, the map of all ports, and (with
// --expose-local) this machine's listeners and audit. Plain DOM, no dependencies; every
// value from the API is written with textContent, never parsed as HTML.
'use strict';

// The words, English and Japanese: `T`, from /assets/text.js (loaded before this file),
// which the server builds from crates/portdex-text (portdex_text::WEB). No word of the
// page is written here.

const LANGS = ['en', 'ja'];

/** The language asked for in the address (?lang=en|ja), if any. */
function urlLang() {
  const l = new URLSearchParams(location.search).get('lang');
  return LANGS.includes(l) ? l : null;
}

let lang = pickLang();

/** The address's ?lang= first, then the saved choice, then the browser's languages. */
function pickLang() {
  const asked = urlLang();
  if (asked) return asked;
  try {
    const saved = localStorage.getItem('portdex-lang');
    if (LANGS.includes(saved)) return saved;
  } catch (_) { /* storage may be disabled */ }
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const base = String(l).toLowerCase().split('-')[0];
    if (LANGS.includes(base)) return base;
  }
  return 'en';
}

/** A text of T by key; `KEY.one` when the first argument is 1; `{0}`, `{1}`… filled. */
function t(key, ...args) {
  const look = k => T[lang][k] ?? T.en[k];
  const text = (args[0] === 1 && look(`${key}.one`)) || look(key) || key;
  return text.replace(/\{(\d+)\}/g, (m, i) => (i < args.length ? String(args[i]) : m));
}

/** An identifier of the API in words (tv('sev', 'high')), or as it is when T lacks it. */
const tv = (group, value) => T[lang][`${group}.${value}`] ?? T.en[`${group}.${value}`] ?? value;

/** A number in the language's way of writing it (65,536). */
const num = n => Number(n).toLocaleString(lang);

/** A path of this page, keeping the address's ?lang= when it has one. */
function withLang(url) {
  const asked = urlLang();
  if (!asked) return url;
  const u = new URL(url, location.origin);
  if (!u.searchParams.has('lang')) u.searchParams.set('lang', asked);
  return u.pathname + u.search + u.hash;
}

/** Curated text is {en, ja}. */
const tx = text => (text ? text[lang] || text.en : '');

/** Builds an element: h('a', {href: '/'}, 'text', child…). Strings become text nodes. */
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'on') for (const [ev, f] of Object.entries(v)) el.addEventListener(ev, f);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids.flat()) {
    if (kid === undefined || kid === null || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

const $ = id => document.getElementById(id);

/** Replaces an element's children, skipping the false/null of conditional parts. */
const put = (el, ...nodes) => el.replaceChildren(...nodes.flat().filter(n => n !== false && n !== null && n !== undefined));

// ---- the API --------------------------------------------------------------------------

async function api(path, signal) {
  let res;
  try {
    res = await fetch(path, { signal, headers: { accept: 'application/json' } });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    return { ok: false, status: 0, body: { error: t('offline') } };
  }
  let body = null;
  try { body = await res.json(); } catch (_) { body = { error: res.statusText }; }
  return { ok: res.ok, status: res.status, body };
}

// ---- state and routing ------------------------------------------------------------------

const state = {
  view: 'home',   // 'home' | 'port' | 'guide'
  query: '',
  result: null,   // { kind, ... } as rendered by renderResult
  categories: null,
  bands: null,    // [{category, label, lo, hi, assignments, cells}]
  highlight: null,
  exposeLocal: undefined, // from /api/v1/about: whether this machine is served
  local: null,    // { listeners, audit } when --expose-local
  guide: null,    // { lang, res }: /api/v1/guide in the language it was asked in
};

let searchSeq = 0;
let searchAbort = null;

/** What a query is, by its shape: a port, a range, or words. */
function shape(q) {
  if (/^\d+$/.test(q)) return { kind: 'port', port: q };
  const r = q.match(/^(\d+)\s*[-–]\s*(\d+)$/);
  if (r) return { kind: 'range', range: `${r[1]}-${r[2]}` };
  return { kind: 'words' };
}

async function runQuery(q) {
  const seq = ++searchSeq;
  if (searchAbort) searchAbort.abort();
  searchAbort = new AbortController();
  const signal = searchAbort.signal;
  state.query = q;
  if (!q) {
    state.result = null;
    state.highlight = null;
    render();
    return;
  }
  setStatus(t('searching'));
  const s = shape(q);
  let result;
  try {
    if (s.kind === 'port') {
      result = { kind: 'port', port: Number(s.port), res: await api(`/api/v1/ports/${s.port}`, signal) };
    } else if (s.kind === 'range') {
      result = { kind: 'range', range: s.range, res: await api(`/api/v1/ports?range=${s.range}`, signal) };
    } else {
      result = { kind: 'search', res: await api(`/api/v1/search?q=${encodeURIComponent(q)}&limit=30`, signal) };
    }
  } catch (e) {
    if (e.name === 'AbortError') return;
    throw e;
  }
  if (seq !== searchSeq) return;
  state.result = result;
  state.highlight = result.kind === 'port' && result.res.status !== 400 ? result.port : null;
  render();
}

async function showPort(raw) {
  state.view = 'port';
  $('q').value = raw;
  const seq = ++searchSeq;
  if (searchAbort) searchAbort.abort();
  const res = await api(`/api/v1/ports/${encodeURIComponent(raw)}`);
  if (seq !== searchSeq) return;
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  state.result = { kind: 'port', port, res, page: true };
  state.highlight = res.status === 400 ? null : port;
  render();
  const h1 = document.querySelector('#view h1');
  if (h1) h1.focus({ preventScroll: false });
}

function route() {
  // Back and forward may go to an address in another language.
  const asked = urlLang();
  if (asked) lang = asked;
  const m = location.pathname.match(/^\/port\/([^/]*)$/);
  if (m) {
    showPort(decodeURIComponent(m[1]));
    return;
  }
  if (location.pathname === '/guide') {
    showGuide();
    return;
  }
  state.view = 'home';
  const q = new URLSearchParams(location.search).get('q') || '';
  $('q').value = q;
  runQuery(q.trim());
}

function navigate(url) {
  history.pushState(null, '', url);
  route();
}

// ---- rendering --------------------------------------------------------------------------

function setStatus(msg, error) {
  const s = $('status');
  s.textContent = msg || '';
  s.classList.toggle('error', !!error);
}

function catLabel(cat) {
  const c = (state.categories || []).find(x => x.category === cat);
  return c ? tx(c.label) : cat;
}

function catTag(cat) {
  return h('span', { class: `tag cat-${cat}` }, catLabel(cat));
}

function sevBadge(sev) {
  return h('span', { class: `sev sev-${sev}` }, tv('sev', sev));
}

function portLink(lo, hi) {
  const text = hi !== undefined && hi !== lo ? `${lo}–${hi}` : String(lo);
  return h('a', { href: withLang(`/port/${lo}`), 'data-nav': true, class: 'port' }, text);
}

function extLink(url) {
  if (!/^https?:\/\//.test(url)) return url;
  return h('a', { href: url, rel: 'noreferrer noopener', target: '_blank' }, url);
}

function facts(pairs) {
  const dl = h('dl', { class: 'facts' });
  for (const [k, v] of pairs) {
    if (v === undefined || v === null || v === '') continue;
    dl.append(h('dt', {}, k), h('dd', {}, v));
  }
  return dl;
}

function knowledgeBlock(k) {
  return h('div', { class: 'knowledge' },
    h('div', { class: 'meta' },
      h('strong', {}, k.names[0]),
      sevBadge(k.severity),
      h('span', { class: 'tag' }, k.transports.join('/')),
      h('span', { class: 'tag' }, k.iana_assigned ? t('iana') : t('common')),
      k.cleartext && h('span', { class: 'tag' }, t('cleartext'))),
    facts([
      [t('usage'), tx(k.usage)],
      [t('risk'), tx(k.risk)],
      [t('alternative'), tx(k.secure_alternative)],
      [t('note'), tx(k.note)],
      [t('reference'), extLink(k.reference)],
      [t('securityReference'), k.security_reference !== k.reference ? extLink(k.security_reference) : null],
    ]));
}

/** IANA rows, one line per service and description, transports merged. */
function mergeRows(rows) {
  const out = [];
  for (const a of rows) {
    const same = out.find(r => r.service === a.service && r.description === a.description &&
      r.port === a.port && r.port_end === a.port_end && r.status === a.status);
    if (same) {
      if (a.transport && !same.transports.includes(a.transport)) same.transports.push(a.transport);
      if (!same.sources.includes(a.source)) same.sources.push(a.source);
    } else {
      out.push({ ...a, transports: a.transport ? [a.transport] : [], sources: [a.source] });
    }
  }
  return out;
}

/** A wide table's box: it scrolls sideways on a phone, so it takes keyboard focus. */
const scroller = (label, table) => h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': label }, table);

function registryTable(rows) {
  const merged = mergeRows(rows);
  return scroller(t('registry'), h('table', {},
    h('caption', { class: 'sr-only' }, t('registry')),
    h('thead', {}, h('tr', {}, [t('service'), t('transport'), t('description'), t('statusCol'), t('source'), t('reference')]
      .map(c => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, merged.map(a => h('tr', {},
      h('td', {}, a.service || '—'),
      h('td', {}, a.transports.join('/') || '—'),
      // A range row (x11 6000-6063, an Unassigned range) says its range.
      h('td', {}, a.port != null && a.port_end !== a.port ? `${a.description} (${a.port}-${a.port_end})` : a.description),
      h('td', {}, tv('st', a.status)),
      h('td', {}, a.sources.map(s => tv('src', s)).join(t('sep'))),
      h('td', {}, a.reference))))));
}

function reportCard(r, opts = {}) {
  const title = r.port === r.port_end ? r.port : `${r.port}–${r.port_end}`;
  const heading = opts.page ? h('h2', {}, t('portsTitle', r.port, r.port_end)) :
    h('h3', {}, portLink(r.port, r.port_end), ' ',
      r.knowledge.length ? r.knowledge.map(k => k.names[0]).filter((n, i, all) => all.indexOf(n) === i).join(' · ')
        : (r.assignments[0] && r.assignments[0].service) || '');
  return h('li', { class: 'card wide', 'data-port': title },
    (!opts.page || r.port !== r.port_end) && heading,
    h('div', { class: 'meta' }, catTag(r.category)),
    r.knowledge.map(knowledgeBlock),
    r.assignments.length > 0 && h(opts.page ? 'h2' : 'h4', { class: 'sub' }, t('registry')),
    r.assignments.length > 0 && registryTable(r.assignments));
}

function errorOf(res) {
  return res.body && res.body.error ? res.body.error : `HTTP ${res.status}`;
}

function renderPort(result) {
  const { port, res, page } = result;
  const out = [];
  if (page) {
    document.title = `${t('portTitle', port)} — portdex`;
    out.push(h('h1', { tabindex: '-1' }, Number.isNaN(port) ? 'portdex' : t('portTitle', port)));
    if (!Number.isNaN(port) && port >= 0 && port <= 65535) {
      out.push(h('nav', { class: 'pager', 'aria-label': t('portTitle', port) },
        port > 0 && h('a', { href: withLang(`/port/${port - 1}`), 'data-nav': true, rel: 'prev' }, t('prev', port - 1)),
        h('a', { href: withLang('/'), 'data-nav': true }, t('allPorts')),
        port < 65535 && h('a', { href: withLang(`/port/${port + 1}`), 'data-nav': true, rel: 'next' }, t('next', port + 1))));
    }
  }
  if (res.status === 404 && res.body && res.body.category) {
    const c = res.body.category_range;
    setStatus(t('nothingAssigned', port));
    out.push(h('ul', { class: 'cards' }, h('li', { class: 'card wide' },
      h('div', { class: 'meta' }, catTag(res.body.category)),
      h('p', {}, t('nothingAssigned', port), ' ', t('inCategory', catLabel(res.body.category), c.lo, c.hi)),
      res.body.category === 'dynamic' && h('p', { class: 'note' }, t('dynamicNote')))));
    return out;
  }
  if (!res.ok) {
    setStatus(res.status === 0 ? t('offline') : t('failed', errorOf(res)), true);
    return out;
  }
  setStatus(page ? '' : t('results', res.body.reports.length, state.query));
  out.push(h('ul', { class: 'cards' }, res.body.reports.map(r => reportCard(r, { page }))));
  return out;
}

const RANGE_ROWS = 300;

function renderRange(result) {
  const { res } = result;
  if (!res.ok) {
    setStatus(t('failed', errorOf(res)), true);
    return [];
  }
  const reports = res.body.reports.filter(r => r.assignments.length || r.knowledge.length);
  const [lo, hi] = result.range.split('-');
  setStatus(t('rangeCount', reports.length));
  const shown = reports.slice(0, RANGE_ROWS);
  return [
    h('h2', {}, t('portsTitle', lo, hi)),
    reports.length > RANGE_ROWS && h('p', { class: 'note' }, t('rangeShown', RANGE_ROWS, reports.length)),
    scroller(t('portsTitle', lo, hi), h('table', {},
      h('thead', {}, h('tr', {}, [t('port'), t('service'), t('description'), t('commonUse')].map(c => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, shown.map(r => {
        // Assigned and reserved rows say what the port is; otherwise (de-assigned, or a
        // note on an unassigned port) say so, with whatever the registry wrote.
        const live = r.assignments.filter(a => a.status === 'assigned' || a.status === 'reserved');
        const rows = mergeRows(live.length ? live : r.assignments);
        const uniq = list => list.filter((v, i, all) => v && all.indexOf(v) === i);
        return h('tr', {},
          h('td', {}, portLink(r.port, r.port_end)),
          h('td', {}, uniq(rows.map(a => a.service)).join(', ') || '—',
            !live.length && rows.length > 0 && [' ', h('span', { class: 'tag' }, uniq(rows.map(a => tv('st', a.status))).join(t('sep')))]),
          h('td', {}, uniq(rows.map(a => a.description)).join('; ')),
          h('td', {}, r.knowledge.map(k => h('span', {}, tx(k.usage), ' ', sevBadge(k.severity), ' '))));
      })))),
  ];
}

function hitCard(hit) {
  if (hit.knowledge) {
    const k = hit.knowledge;
    return h('li', { class: 'card', 'data-port': k.port },
      h('h3', {}, portLink(k.port, k.port_end), ' ', k.names[0]),
      h('div', { class: 'meta' }, catTag(portCategory(k.port)), sevBadge(k.severity),
        h('span', { class: 'tag' }, k.transports.join('/')),
        h('span', { class: 'tag' }, k.iana_assigned ? t('iana') : t('common'))),
      h('p', {}, tx(k.usage)),
      h('p', { class: 'note' }, tx(k.risk)),
      k.secure_alternative && h('p', {}, h('strong', {}, t('alternative'), ': '), tx(k.secure_alternative)),
      hit.iana.length > 0 && h('p', { class: 'note' }, `${t('registry')}: ${hit.iana.join('; ')}`));
  }
  const a = hit.assignment;
  return h('li', { class: 'card', 'data-port': a.port ?? '' },
    h('h3', {}, a.port !== null ? portLink(a.port, a.port_end) : '—', ' ', a.service),
    h('div', { class: 'meta' }, a.port !== null && catTag(portCategory(a.port)),
      h('span', { class: 'tag' }, a.transports.join('/') || '—'),
      h('span', { class: 'tag' }, t('iana'))),
    h('p', {}, a.description));
}

function portCategory(p) {
  return p <= 1023 ? 'well-known' : p <= 49151 ? 'registered' : 'dynamic';
}

function renderSearch(result) {
  const { res } = result;
  if (!res.ok) {
    setStatus(res.status === 0 ? t('offline') : t('failed', errorOf(res)), true);
    return [];
  }
  const { hits, total } = res.body;
  // One card per service on a port: tcp and udp rows of the same name merge.
  const cards = [];
  for (const hit of hits) {
    if (hit.assignment) {
      const a = hit.assignment;
      const curated = cards.find(c => c.knowledge && c.knowledge.port === a.port && c.knowledge.names.includes(a.service));
      if (curated) {
        if (!curated.iana.includes(a.description)) curated.iana.push(a.description);
        continue;
      }
      const same = cards.find(c => c.assignment && c.assignment.service === a.service && c.assignment.port === a.port);
      if (same) {
        if (a.transport && !same.assignment.transports.includes(a.transport)) same.assignment.transports.push(a.transport);
        continue;
      }
      cards.push({ assignment: { ...a, transports: a.transport ? [a.transport] : [] } });
    } else {
      cards.push({ ...hit, iana: [] });
    }
  }
  if (total === 0) {
    setStatus(t('noResults', state.query));
    return [];
  }
  setStatus(t('results', cards.length, state.query) + (total > hits.length ? ` ${t('more', total - hits.length)}` : ''));
  return [h('ul', { class: 'cards', 'aria-label': t('results', cards.length, state.query) }, cards.map(hitCard))];
}

function render() {
  applyStatic();
  const view = $('view');
  const r = state.result;
  let nodes = [];
  if (state.view === 'guide') {
    nodes = renderGuide();
  } else if (!r) {
    setStatus('');
    document.title = 'portdex';
  } else if (r.kind === 'port') {
    nodes = renderPort(r);
  } else if (r.kind === 'range') {
    nodes = renderRange(r);
  } else {
    nodes = renderSearch(r);
  }
  if (state.view === 'home') {
    document.title = state.query ? `${state.query} — portdex` : 'portdex';
    // The page's one level-one heading; a port page has its own.
    const results = r && r.kind !== 'range' && h('h2', { class: 'sr-only' }, t('resultsHeading'));
    nodes.unshift(h('h1', { class: 'sr-only' }, t('homeTitle')), results);
  }
  put(view, nodes);
  // The guide is a page of its own: the map of all ports is the home page's.
  $('map-section').hidden = state.view === 'guide';
  renderMap();
  renderLocal();
}

function applyStatic() {
  document.documentElement.lang = lang;
  document.querySelector('a.brand').setAttribute('href', withLang('/'));
  $('guide-link').setAttribute('href', withLang('/guide'));
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  $('q').placeholder = t('placeholder');
  const b = $('lang');
  b.textContent = t('langButton');
  b.lang = t('langButtonLang');
  b.setAttribute('aria-label', t('langButtonLabel'));
}

// ---- the guide (/guide) ----------------------------------------------------------------

async function showGuide() {
  state.view = 'guide';
  state.result = null;
  state.highlight = null;
  $('q').value = '';
  render();
  await loadGuide();
  const h1 = document.querySelector('#view h1');
  if (h1) h1.focus({ preventScroll: true });
}

/** The guide's facts, in the language of the audit's words (the findings' fixes). */
async function loadGuide() {
  const asked = lang;
  const res = await api(`/api/v1/guide?lang=${asked}`);
  state.guide = { lang: asked, res };
  if (state.view === 'guide') render();
}

/** A text whose `backticked` parts are commands: those become code elements. */
const withCode = text => text.split('`').map((part, i) => (i % 2 ? h('code', {}, part) : part));

/** Sentences of one paragraph: English puts a space between them, Japanese none. */
const sentences = list => list.join(lang === 'ja' ? '' : ' ');

function renderGuide() {
  document.title = `${t('guide.title')} — portdex`;
  const out = [
    h('h1', { tabindex: '-1' }, t('guide.title')),
    h('h2', {}, t('guide.whatTitle')),
    h('p', {}, t('guide.what')),
    h('p', {}, t('guide.whatTransports')),
  ];
  const g = state.guide;
  if (!g) return out;
  if (g.lang !== lang) { loadGuide(); }
  if (!g.res.ok) {
    setStatus(g.res.status === 0 ? t('offline') : t('failed', errorOf(g.res)), true);
    return out;
  }
  setStatus('');
  const b = g.res.body;
  const label = cat => { const r = b.ranges.find(x => x.category === cat); return r ? tx(r.label) : cat; };
  const named = p => { const e = b.ports.find(x => x.port === p); return e ? e.knowledge.names[0] : ''; };
  out.push(h('h2', {}, t('guide.rangesTitle')),
    h('dl', { class: 'facts ranges' }, b.ranges.flatMap(r => [
      h('dt', {}, catTag(r.category), ' ', `${r.lo}–${r.hi}`),
      h('dd', {},
        h('p', {}, tv('guide', r.category)),
        r.examples.length > 0 && h('p', { class: 'examples' }, t('guide.examples'),
          r.examples.flatMap((p, i) => [i ? t('sep') : '', portLink(p), '\u00a0', named(p)]))),
    ])));
  let eph;
  if (b.ephemeral) {
    const shared = b.ephemeral.parts.filter(p => p.category !== 'dynamic')
      .map(p => t('guide.ephemeralOverlap', label(p.category), p.lo, p.hi));
    eph = sentences([t('guide.ephemeral', b.ephemeral.lo, b.ephemeral.hi), ...(shared.length ? shared : [t('guide.ephemeralInside')])]);
  } else {
    eph = t('guide.ephemeralUnknown');
  }
  out.push(h('p', { id: 'ephemeral' }, withCode(eph)));
  out.push(h('h2', {}, t('guide.portsTitle')),
    scroller(t('guide.portsTitle'), h('table', { id: 'guide-ports' },
      h('thead', {}, h('tr', {}, [t('port'), t('transport'), t('service'), t('guide.colUse'), t('guide.colEncryption')]
        .map(c => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, b.ports.map(({ port, knowledge: k }) => h('tr', {},
        h('td', {}, portLink(port)),
        h('td', {}, k.transports.join('/')),
        h('td', {}, k.names[0]),
        h('td', {}, tx(k.usage)),
        h('td', {}, k.cleartext ? h('span', { class: 'tag cleartext' }, t('guide.cleartext')) : t('guide.encrypted'))))))),
    h('p', { class: 'note' }, withCode(t('guide.portsSource'))));
  const cmd = text => h('pre', {}, h('code', {}, text));
  out.push(h('h2', {}, t('guide.habitsTitle')),
    h('p', {}, t('guide.close')), cmd('portdex ls --exposed'),
    h('p', {}, t('guide.firewall')), cmd('portdex firewall --allow ssh,https'),
    h('p', {}, t('guide.encrypt')), cmd('portdex audit'));
  const local = b.local;
  if (!local) {
    out.push(h('p', { id: 'cleartext-now', class: 'note' }, withCode(t('guide.notServed'))));
  } else {
    out.push(h('div', { id: 'cleartext-now' },
      h('p', {}, local.cleartext.length ? t('guide.cleartextFound') : t('guide.cleartextNone')),
      local.cleartext.length > 0 && h('ul', { class: 'cards' }, local.cleartext.map(f => h('li', { class: 'card' },
        h('h3', {}, sevBadge(f.severity), ' ', `${f.transport} ${fmtAddr(f.address, f.port)}`, ' ', f.service || ''),
        facts([
          [t('exposure'), tv('exp', f.exposure)],
          [t('process'), f.processes.join(', ')],
          [t('fix'), f.fix],
        ])))),
      local.owners_hidden && h('p', { class: 'note' }, t('guide.ownersHidden'))));
  }
  return out;
}

// ---- the map ----------------------------------------------------------------------------

const CELLS = { 'well-known': 64, registered: 256, dynamic: 64 };

async function loadMap() {
  const cats = await api('/api/v1/categories');
  if (!cats.ok) return;
  state.categories = cats.body.categories;
  const bands = await Promise.all(state.categories.map(async c => {
    const res = await api(`/api/v1/map?range=${c.lo}-${c.hi}&cells=${CELLS[c.category] || 64}`);
    return res.ok ? { ...c, cells: res.body.cells } : null;
  }));
  state.bands = bands.filter(Boolean);
  render();
}

function renderMap() {
  const map = $('map');
  if (!state.bands) return;
  const focused = document.activeElement && map.contains(document.activeElement) ? document.activeElement.dataset.lo : null;
  const nodes = [h('p', { class: 'legend', 'aria-hidden': 'true' }, t('legendFew'), h('i', {}), t('legendMany'))];
  for (const band of state.bands) {
    const id = `band-${band.category}`;
    const hl = state.highlight;
    let current = band.cells.findIndex(c => hl !== null && hl >= c.lo && hl <= c.hi);
    const grid = h('div', { class: `map-grid band-${band.category}`, role: 'group', 'aria-labelledby': id });
    band.cells.forEach((c, i) => {
      const width = c.hi - c.lo + 1;
      const label = t('mapCell', c.lo, c.hi, c.assigned, c.known);
      const b = h('button', {
        type: 'button', 'data-lo': c.lo, 'data-hi': c.hi, title: label, 'aria-label': label,
        tabindex: i === Math.max(current, 0) ? '0' : '-1', 'aria-current': i === current ? 'true' : null,
      });
      // A square-root scale, so a sparse stretch is still visible against an empty one.
      b.style.setProperty('--d', Math.sqrt(c.assigned / width).toFixed(3));
      grid.append(b);
    });
    nodes.push(h('div', { class: 'map-band' },
      h('h3', { id }, band.label ? tx(band.label) : band.category, ' ',
        h('span', {}, `${band.lo}–${band.hi} · ${t('bandCount', num(band.assignments))}`)),
      grid));
  }
  put(map, nodes);
  if (focused !== null) {
    const again = map.querySelector(`button[data-lo="${focused}"]`);
    if (again) { again.tabIndex = 0; again.focus(); }
  }
}

function mapKeys(e) {
  const b = e.target.closest('.map-grid button');
  if (!b) return;
  const cells = [...b.parentElement.children];
  const i = cells.indexOf(b);
  const cols = getComputedStyle(b.parentElement).gridTemplateColumns.split(' ').length;
  const to = { ArrowLeft: i - 1, ArrowRight: i + 1, ArrowUp: i - cols, ArrowDown: i + cols, Home: 0, End: cells.length - 1 }[e.key];
  if (to === undefined) return;
  e.preventDefault();
  const next = cells[Math.min(Math.max(to, 0), cells.length - 1)];
  b.tabIndex = -1;
  next.tabIndex = 0;
  next.focus();
}

function mapClick(e) {
  const b = e.target.closest('.map-grid button');
  if (!b) return;
  const q = `${b.dataset.lo}-${b.dataset.hi}`;
  $('q').value = q;
  history.pushState(null, '', withLang(`/?q=${encodeURIComponent(q)}`));
  state.view = 'home';
  runQuery(q);
}

// ---- this machine (only when the server was started with --expose-local) ---------------

async function loadLocal() {
  if (state.exposeLocal === undefined) {
    const about = await api('/api/v1/about');
    state.exposeLocal = about.ok && about.body.expose_local === true;
  }
  if (!state.exposeLocal) return; // nothing about this machine is served: do not ask
  const [listeners, audit] = await Promise.all([api('/api/v1/listeners'), api(`/api/v1/audit?lang=${lang}`)]);
  if (!listeners.ok || !audit.ok) {
    state.local = null;
  } else {
    state.local = { listeners: listeners.body, audit: audit.body, lang };
  }
  $('local').hidden = !state.local;
  renderLocal();
}

function renderLocal() {
  const l = state.local;
  if (!l) return;
  if (l.lang !== lang) { loadLocal(); return; }
  const a = l.audit;
  put($('audit'),
    h('h3', {}, t('audit'), ' ', h('button', { type: 'button', id: 'refresh', on: { click: loadLocal } }, t('refresh'))),
    h('p', {}, a.findings.length ? t('findingsSummary', a.findings.length, a.listeners, a.loopback_only) : t('noFindings', a.listeners)),
    a.owners_hidden && h('p', { class: 'note' }, t('ownersHidden')),
    a.docker_published && h('p', { class: 'note' }, t('dockerPublished')),
    h('ul', { class: 'cards' }, a.findings.map(f => h('li', { class: 'card' },
      h('h4', {}, sevBadge(f.severity), ' ', `${f.transport} ${fmtAddr(f.address, f.port)}`, ' ', f.service || ''),
      facts([
        [t('exposure'), tv('exp', f.exposure)],
        [t('process'), f.processes.join(', ')],
        [t('why'), f.why],
        [t('fix'), f.fix],
        [t('reference'), f.reference ? extLink(f.reference) : null],
      ])))));
  const rows = l.listeners.listeners;
  put($('listeners'),
    h('h3', {}, t('listeners')),
    scroller(t('listeners'), h('table', {},
      h('thead', {}, h('tr', {}, [t('transport'), t('address'), t('service'), t('exposure'), t('process'), t('user')]
        .map(c => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map(r => h('tr', {},
        h('td', {}, r.transport),
        h('td', {}, fmtAddr(r.address, r.port), ' ',
          h('a', { href: withLang(`/port/${r.port}`), 'data-nav': true, 'aria-label': t('portTitle', r.port), title: t('portTitle', r.port) }, '→')),
        h('td', {}, (r.common_uses || []).join(', ') || r.registry_service || '—', r.severity ? [' ', sevBadge(r.severity)] : []),
        h('td', {}, tv('exp', r.exposure)),
        h('td', {}, (r.processes || []).map(p => `${p.name} (${p.pid})`).join(', ') || '—'),
        h('td', {}, r.user || r.uid)))))));
}

function fmtAddr(addr, port) {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

// ---- wiring -----------------------------------------------------------------------------

function init() {
  const q = $('q');
  let timer = null;
  q.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const v = q.value.trim();
      const url = withLang(v ? `/?q=${encodeURIComponent(v)}` : '/');
      if (state.view === 'port') history.pushState(null, '', url); else history.replaceState(null, '', url);
      state.view = 'home';
      runQuery(v);
    }, 120);
  });
  q.addEventListener('keydown', e => {
    if (e.key === 'Escape' && q.value) { q.value = ''; q.dispatchEvent(new Event('input')); }
  });
  $('search').addEventListener('submit', e => {
    e.preventDefault();
    clearTimeout(timer);
    const v = q.value.trim();
    history.pushState(null, '', withLang(v ? `/?q=${encodeURIComponent(v)}` : '/'));
    state.view = 'home';
    runQuery(v);
  });
  $('lang').addEventListener('click', () => {
    lang = lang === 'en' ? 'ja' : 'en';
    try { localStorage.setItem('portdex-lang', lang); } catch (_) { /* not saved */ }
    // The address says the language too, so that it can be shared or bookmarked as seen.
    const u = new URL(location.href);
    u.searchParams.set('lang', lang);
    history.replaceState(history.state, '', u.pathname + u.search + u.hash);
    render();
  });
  document.addEventListener('click', e => {
    const a = e.target.closest('a[data-nav]');
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(withLang(a.getAttribute('href')));
  });
  document.addEventListener('keydown', e => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName);
    if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      q.focus();
      q.select();
    }
  });
  $('map').addEventListener('keydown', mapKeys);
  $('map').addEventListener('click', mapClick);
  window.addEventListener('popstate', route);
  applyStatic();
  route();
  loadMap();
  loadLocal();
}

init();
