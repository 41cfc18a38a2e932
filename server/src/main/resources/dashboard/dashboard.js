// chatlog live dashboard: reads the /logging-dashboard JSON routes and draws them.
// Logged text is only ever put into the page as text (textContent), never as HTML.
'use strict';

(function () {
  const API = '/logging-dashboard';
  const RANGES = ['1', '24', '168', '720', 'all'];
  const FILTERS = ['model', 'agent', 'chat_mode', 'arm'];
  const TOKEN_KEY = 'chatlog.token';

  const state = {
    range: '24', model: '', agent: '', chat_mode: '', arm: '', interval: 15, paused: false, conversation: '',
    token: sessionStorage.getItem(TOKEN_KEY) || '',
  };
  let timer = null;
  let refreshing = false;
  let refreshes = 0;
  let lastOverview = null;
  let freshness = null; // GET /freshness: where the read routes read and how far behind the primary
  let detailVersion = '';
  const charts = {};
  const seenOptions = { model: new Set(), agent: new Set(), chat_mode: new Set(), arm: new Set() };

  // ------------------------------------------------------------------ small helpers

  const $ = (sel) => document.querySelector(sel);

  /** An element with attributes and children; strings become text nodes (never parsed as HTML). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'dataset') Object.assign(node.dataset, v);
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  const num = (v) => (v === null || v === undefined ? null : Number(v));

  function fmtInt(v) {
    return v === null || v === undefined ? '–' : Math.round(Number(v)).toLocaleString('en-US');
  }

  /** USD: cents above $1, four decimals above a cent, six below (LLM calls cost fractions of a cent). */
  function fmtCost(v) {
    if (v === null || v === undefined) return '–';
    const n = Number(v);
    if (n === 0) return '$0';
    if (n >= 1) return '$' + n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    if (n >= 0.01) return '$' + n.toFixed(4);
    return '$' + n.toFixed(6);
  }

  function fmtMs(v) {
    if (v === null || v === undefined) return '–';
    const n = Number(v);
    return n >= 1000 ? (n / 1000).toFixed(2) + ' s' : n.toFixed(1) + ' ms';
  }

  function fmtPct(v) {
    return v === null || v === undefined ? '–' : Number(v).toFixed(1) + ' %';
  }

  function fmtTime(iso) {
    if (!iso) return '–';
    const d = new Date(iso);
    const today = new Date();
    const sameDay = d.toDateString() === today.toDateString();
    return sameDay ? d.toLocaleTimeString('en-GB') : d.toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' });
  }

  const shortId = (id) => (id && id.length > 13 ? id.slice(0, 8) + '…' + id.slice(-4) : id || '–');
  const orNone = (v, none) => (v === null || v === undefined || v === '' ? none : v);

  // ------------------------------------------------------------------ state in the URL

  function readHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    if (RANGES.includes(p.get('range'))) state.range = p.get('range');
    for (const f of FILTERS) state[f] = p.get(f) || '';
    if (p.has('refresh') && /^\d+$/.test(p.get('refresh'))) state.interval = Number(p.get('refresh'));
    state.paused = p.get('paused') === '1';
    state.conversation = p.get('conversation') || '';
  }

  function writeHash() {
    const p = new URLSearchParams();
    p.set('range', state.range);
    for (const f of FILTERS) if (state[f]) p.set(f, state[f]);
    p.set('refresh', String(state.interval));
    if (state.paused) p.set('paused', '1');
    if (state.conversation) p.set('conversation', state.conversation);
    history.replaceState(null, '', '#' + p.toString());
  }

  // ------------------------------------------------------------------ API access

  class AuthError extends Error {}

  function url(path, params) {
    const u = new URL(API + path, location.origin);
    for (const [k, v] of Object.entries(params || {})) if (v !== '' && v !== null && v !== undefined) u.searchParams.set(k, v);
    return u;
  }

  function headers() {
    const h = { Accept: 'application/json' };
    if (state.token) h.Authorization = 'Bearer ' + state.token;
    return h;
  }

  async function api(path, params) {
    const res = await fetch(url(path, params), { headers: headers(), cache: 'no-store' });
    if (res.status === 401) throw new AuthError('token required');
    let body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    if (!res.ok) throw new Error((body && body.error) || ('HTTP ' + res.status + ' on ' + path));
    return body;
  }

  function askForToken(rejected) {
    const dialog = $('#token-dialog');
    $('#token-error').hidden = !rejected;
    if (!dialog.open) dialog.showModal();
    $('#token-input').focus();
  }

  // ------------------------------------------------------------------ refresh

  function callParams() {
    return { hours: state.range, model: state.model, agent: state.agent, chat_mode: state.chat_mode, arm: state.arm };
  }

  async function refresh() {
    if (refreshing) return;
    refreshing = true;
    try {
      const [overview, calls, conversations, budgets, alerts, stages, caches, scores, warnings] = await Promise.all([
        api('/overview', callParams()),
        api('/llm-calls/analysis', callParams()),
        api('/conversations', { hours: state.range, limit: 25 }),
        api('/budgets', {}),
        api('/alerts', { limit: 30 }),
        api('/stages', { hours: state.range, agent: state.agent, chat_mode: state.chat_mode, arm: state.arm }),
        api('/caches', callParams()),
        // the quality panels' own failure shows in them, and leaves the rest of the page drawn
        api('/scores', { hours: state.range }).catch((e) => { if (e instanceof AuthError) throw e; return { scores: [], error: e.message }; }),
        api('/warnings', { hours: state.range, limit: 20 }).catch((e) => { if (e instanceof AuthError) throw e; return { messages: [], error: e.message }; }),
      ]);
      renderQuality(scores.scores || [], scores.error);
      renderWarnings(warnings.messages || [], warnings.error);
      renderStages(stages);
      renderCaches(caches);
      renderBudgets(budgets.budgets);
      renderAlerts(alerts);
      lastOverview = overview;
      renderFilters(overview);
      renderTiles(overview);
      renderCharts(overview);
      renderCostAnalysis(overview.cost_analysis);
      renderConversations(conversations.conversations);
      renderCalls('#slowest', calls.slowest_calls);
      renderCalls('#expensive', calls.most_expensive_calls);
      renderErrors(calls.recent_errors);
      renderErrorCategories(calls.errors_by_category || []);
      updateExportLinks(overview);
      if (state.conversation) await showConversation(state.conversation, false);
      await refreshExperiments(); // after the rest is drawn: its own failure shows in its panel
      await refreshInsights(); // likewise
      freshness = await api('/freshness', {}).catch((e) => { if (e instanceof AuthError) throw e; return null; });
      showError(null);
      refreshes++;
      document.body.dataset.state = 'ready';
      document.body.dataset.refreshes = String(refreshes);
      setStatus();
    } catch (e) {
      if (e instanceof AuthError) {
        askForToken(Boolean(state.token));
      } else {
        showError('Could not refresh: ' + e.message);
      }
      document.body.dataset.state = 'error';
    } finally {
      refreshing = false;
    }
  }

  function schedule() {
    clearInterval(timer);
    timer = null;
    if (state.interval > 0 && !state.paused) {
      timer = setInterval(() => { if (!document.hidden) refresh(); }, state.interval * 1000);
    }
    setStatus();
  }

  function setStatus() {
    const when = refreshes ? 'updated ' + new Date().toLocaleTimeString('en-GB') : 'loading…';
    const auto = state.paused ? 'paused' : state.interval > 0 ? 'every ' + state.interval + ' s' : 'auto-refresh off';
    // with a read replica, the panels show data as old as its lag: said beside the time of the refresh
    const source = !freshness || freshness.source !== 'replica' ? ''
      : freshness.lag_seconds === null ? ' · read replica: lag unknown (' + (freshness.error || 'no answer') + ')'
      : ' · data from the read replica, ' + freshness.lag_seconds + ' s behind';
    $('#status').textContent = when + source + ' · ' + auto;
    $('#status').classList.toggle('stale', Boolean(freshness && freshness.source === 'replica'
      && (freshness.lag_seconds === null || freshness.lag_seconds > freshness.max_lag_seconds)));
    $('#pause').setAttribute('aria-pressed', String(state.paused));
    $('#pause').textContent = state.paused ? 'Resume' : 'Pause';
  }

  function showError(message) {
    const p = $('#error');
    p.hidden = !message;
    p.textContent = message || '';
  }

  // ------------------------------------------------------------------ renderers

  function renderFilters(overview) {
    const lists = { model: overview.by_model, agent: overview.by_agent, chat_mode: overview.by_chat_mode, arm: overview.by_arm };
    for (const f of FILTERS) {
      for (const row of lists[f] || []) if (row[f]) seenOptions[f].add(row[f]);
      if (state[f]) seenOptions[f].add(state[f]);
      const select = $('#f-' + f);
      const wanted = ['', ...[...seenOptions[f]].sort()];
      const have = [...select.options].map((o) => o.value);
      if (wanted.join('\u0000') !== have.join('\u0000')) {
        select.replaceChildren(...wanted.map((v) => el('option', { value: v }, v === '' ? 'all' : v)));
      }
      select.value = state[f];
    }
    $('#filter-note').hidden = !FILTERS.some((f) => state[f]);
  }

  function tile(kpi, value, text, sub) {
    const t = document.querySelector('.tile[data-kpi="' + kpi + '"]');
    t.dataset.value = value === null || value === undefined ? '' : String(value);
    t.querySelector('.value').textContent = text;
    t.querySelector('.sub').textContent = sub || '';
    return t;
  }

  function renderTiles(o) {
    const t = o.totals;
    tile('requests', t.messages, fmtInt(t.messages), fmtInt(t.conversations) + ' conversations');
    tile('llm_calls', t.llm_calls, fmtInt(t.llm_calls), fmtInt(t.failed_calls) + ' failed');
    tile('tokens', t.total_tokens, fmtInt(t.total_tokens), fmtInt(t.input_tokens) + ' in · ' + fmtInt(t.output_tokens) + ' out');
    tile('cost', t.cost, fmtCost(t.cost), t.unpriced_calls > 0 ? '+ ' + fmtInt(t.unpriced_calls) + ' unpriced calls' : 'all calls priced');
    // the models nobody priced, by name, and how to price them (never shown as $0)
    const unpriced = (o.by_model || []).filter((r) => Number(r.unpriced_calls) > 0).map((r) => r.model || '(no model name)');
    const u = tile('unpriced_calls', t.unpriced_calls, fmtInt(t.unpriced_calls),
      unpriced.length ? 'no price for ' + unpriced.slice(0, 3).join(', ') + (unpriced.length > 3 ? ' +' + (unpriced.length - 3) : '')
        : 'every model priced');
    u.classList.toggle('warn', Number(t.unpriced_calls) > 0);
    u.title = unpriced.length ? 'Price them with CHATLOG_PRICES=' + unpriced[0] + '=<input>:<output> (USD per 1M tokens) '
      + 'or a CHATLOG_PRICES_FILE; GET /logging-dashboard/prices?model=... shows what a model is priced with' : '';
    tile('success_rate', t.success_rate, fmtPct(t.success_rate), 'of LLM calls');
    tile('p50_latency_ms', t.p50_latency_ms, fmtMs(t.p50_latency_ms), 'avg ' + fmtMs(t.avg_latency_ms));
    tile('p95_latency_ms', t.p95_latency_ms, fmtMs(t.p95_latency_ms), 'p99 ' + fmtMs(t.p99_latency_ms));
  }

  function chart(id) {
    if (!window.echarts) throw new Error('the charting library did not load');
    if (!charts[id]) charts[id] = window.echarts.init(document.getElementById(id), null, { renderer: 'canvas' });
    return charts[id];
  }

  const GRID = { left: 8, right: 16, top: 28, bottom: 8, containLabel: true };

  function barChart(id, rows, labelKey, none, valueKey, name, formatter) {
    const data = rows.filter((r) => Number(r[valueKey]) > 0)
      .map((r) => ({ name: orNone(r[labelKey], none), value: Number(r[valueKey]) }))
      .sort((a, b) => a.value - b.value)
      .slice(-12);
    chart(id).setOption({
      animation: false,
      grid: GRID,
      tooltip: { trigger: 'item', valueFormatter: formatter },
      xAxis: { type: 'value', splitNumber: 3, axisLabel: { formatter: (v) => formatter(v), hideOverlap: true } },
      yAxis: { type: 'category', data: data.map((d) => d.name), axisLabel: { width: 130, overflow: 'truncate' } },
      series: [{ name, type: 'bar', data: data.map((d) => d.value), itemStyle: { color: '#2f6fde' } }],
      graphic: data.length ? [] : [{ type: 'text', left: 'center', top: 'middle', style: { text: 'no calls in this range', fill: '#667085' } }],
    }, { notMerge: true });
  }

  /** The series with a zero point for every bucket without calls, so lines do not bridge quiet hours. */
  function filled(o, bucket) {
    const step = bucket === 'day' ? 86400000 : 3600000;
    const given = new Map(((bucket === 'day' ? o.daily : o.hourly) || [])
      .map((p) => [Date.parse(bucket === 'day' ? p.day + 'T00:00:00Z' : p.hour), p]));
    if (given.size === 0) return [];
    let start = Date.parse(o.from);
    if (o.window_hours === 'all' || given.size > 0 && Math.min(...given.keys()) - start > 400 * step) start = Math.min(...given.keys());
    start -= start % step;
    const out = [];
    for (let t = start; t < Date.parse(o.to) && out.length < 5000; t += step) {
      const p = given.get(t);
      out.push({ at: new Date(t).toISOString(), cost: p ? p.cost : 0, total_tokens: p ? p.total_tokens : 0 });
    }
    return out;
  }

  function renderCharts(o) {
    const bucket = o.series_bucket === 'day' ? 'day' : 'hour';
    const points = filled(o, bucket);
    const at = (p) => p.at;
    chart('chart-timeseries').setOption({
      animation: false,
      grid: { ...GRID, top: 36 },
      legend: { top: 0 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'time' },
      yAxis: [
        { type: 'value', name: 'USD', axisLabel: { formatter: (v) => fmtCost(v) } },
        { type: 'value', name: 'tokens', splitLine: { show: false } },
      ],
      series: [
        { name: 'cost', type: 'line', showSymbol: points.length < 50, yAxisIndex: 0,
          data: points.map((p) => [at(p), Number(p.cost)]), tooltip: { valueFormatter: fmtCost } },
        { name: 'tokens', type: 'line', showSymbol: points.length < 50, yAxisIndex: 1,
          data: points.map((p) => [at(p), Number(p.total_tokens)]), tooltip: { valueFormatter: fmtInt } },
      ],
    }, { notMerge: true });

    const hist = o.latency_histogram || [];
    chart('chart-latency').setOption({
      animation: false,
      grid: GRID,
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: hist.map((b) => (b.le_ms === null ? '>' + b.gt_ms : '≤' + b.le_ms)), name: 'ms',
        axisLabel: { rotate: 45 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ name: 'LLM calls', type: 'bar', data: hist.map((b) => Number(b.llm_calls)), itemStyle: { color: '#7c5cd6' } }],
    }, { notMerge: true });

    barChart('chart-models', o.by_model || [], 'model', '(unknown model)', 'cost', 'cost', fmtCost);
    barChart('chart-agents', o.by_agent || [], 'agent', '(no agent)', 'llm_calls', 'LLM calls', fmtInt);

    const modes = (o.by_chat_mode || []).filter((r) => Number(r.llm_calls) > 0)
      .map((r) => ({ name: orNone(r.chat_mode, '(none)'), value: Number(r.llm_calls) }));
    chart('chart-modes').setOption({
      animation: false,
      tooltip: { trigger: 'item' },
      legend: { bottom: 0, type: 'scroll' },
      series: [{ name: 'LLM calls', type: 'pie', radius: ['35%', '65%'], center: ['50%', '45%'], data: modes,
        label: { formatter: '{b}: {c}' } }],
    }, { notMerge: true });
  }

  function renderCostAnalysis(a) {
    const fact = (k, text) => { document.querySelector('[data-fact="' + k + '"]').textContent = text; };
    a = a || {};
    fact('most_expensive_model', a.most_expensive_model
      ? orNone(a.most_expensive_model.model, '(unknown)') + ' · ' + fmtCost(a.most_expensive_model.cost) : '–');
    fact('most_used_model', a.most_used_model
      ? orNone(a.most_used_model.model, '(unknown)') + ' · ' + fmtInt(a.most_used_model.llm_calls) + ' calls' : '–');
    fact('cost_per_1k_tokens', a.cost_per_1k_tokens === null || a.cost_per_1k_tokens === undefined ? '–' : fmtCost(a.cost_per_1k_tokens));
    fact('month_to_date_cost', fmtCost(a.month_to_date_cost));
    fact('projected_month_end_cost', fmtCost(a.projected_month_end_cost));
  }

  // The active alerts (a rule and subject in WARNING or ALERT), each with what its latest notification
  // named behind it (the calls or conversations, opened in the conversation view), and the recent
  // notifications with their delivery.
  function renderAlerts(a) {
    const active = (a && a.active) || [];
    const notes = (a && a.notifications) || [];
    $('#alerts-empty').hidden = active.length > 0;
    const latest = (s) => notes.find((n) => n.rule === s.rule && n.subject === s.subject && n.state !== 'RESOLVED');
    $('#alert-list').replaceChildren(...active.map((s) => {
      const n = latest(s);
      const causes = n && Array.isArray(n.causes) ? n.causes : [];
      return el('div', { class: 'alert', dataset: { rule: s.rule, state: s.state.toLowerCase() } },
        el('div', { class: 'head' },
          el('span', { class: 'name' }, s.rule + (s.subject ? ' · ' + s.subject : '')),
          el('span', { class: 'badge state-' + (s.state === 'ALERT' ? 'exceeded' : 'warning') }, s.state)),
        el('div', { class: 'figs' }, (n ? n.summary : 'value ' + orNone(s.value, '–')) + ' · since ' + fmtTime(s.since)),
        causes.length === 0 ? null : el('ul', { class: 'causes' }, ...causes.map((c) => el('li', {},
          c.conversation_id
            ? el('a', { href: '#', onclick: (e) => { e.preventDefault(); openConversation(c.conversation_id); } }, c.description || c.conversation_id)
            : (c.description || '')))));
    }));
    const tbody = $('#notifications tbody');
    if (notes.length === 0) {
      tbody.replaceChildren(el('tr', {}, el('td', { class: 'empty', colspan: 4 }, 'no notifications yet')));
    } else {
      tbody.replaceChildren(...notes.map((n) => el('tr', { dataset: { key: n.idempotency_key } },
        el('td', {}, fmtTime(n.created_at)),
        el('td', {}, n.title || n.rule),
        el('td', {}, n.channel),
        el('td', {}, el('span', { class: 'badge ' + (n.status === 'delivered' ? 'ok' : n.status === 'failed' ? 'failed' : '') }, n.status),
          n.status === 'pending' && n.attempts > 0 ? ' retry ' + n.attempts + ' · ' + orNone(n.last_error, '') : ''))));
    }
  }

  function renderBudgets(rows) {
    rows = rows || [];
    $('#budgets-empty').hidden = rows.length > 0;
    const pct = (v, limit) => Math.max(0, Math.min(100, 100 * Number(v) / Number(limit)));
    const bar = (cls, left, width) => { // set through the CSSOM: the page's CSP allows no inline style attributes
      const d = el('div', { class: cls });
      d.style.left = left + '%';
      d.style.width = width + '%';
      return d;
    };
    $('#budget-list').replaceChildren(...rows.map((b) => {
      const spent = pct(b.spent, b.limit_usd);
      const reserved = Math.min(100 - spent, pct(b.reserved, b.limit_usd));
      const scope = b.scope === 'global' ? 'all calls' : b.scope.replace('_', ' ') + ' ' + b.value;
      return el('div', { class: 'budget', dataset: { budget: b.name, state: b.state } },
        el('div', { class: 'head' },
          el('span', { class: 'name', title: scope }, b.name),
          el('span', {}, el('span', { class: 'badge' }, b.action), el('span', { class: 'badge state-' + b.state }, b.state))),
        el('div', { class: 'meter', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
          'aria-valuenow': String(Math.round(spent)), 'aria-label': b.name + ' spent' },
          bar('spent', 0, spent), bar('reserved', spent, reserved)),
        el('div', { class: 'figs' }, fmtCost(b.spent) + ' of ' + fmtCost(b.limit_usd) + ' (' + Number(b.percent).toFixed(1) + '%) this '
          + b.period + ' · ' + scope + ' · projected ' + fmtCost(b.projected) + (b.projected_to_exceed ? ' ⚠' : '')
          + ' · resets ' + fmtTime(b.resets_at)));
    }));
  }

  function fillTable(selector, rows, rowOf, columns, onClick, empty) {
    const tbody = $(selector + ' tbody');
    if (!rows || rows.length === 0) {
      tbody.replaceChildren(el('tr', {}, el('td', { class: 'empty', colspan: columns }, empty)));
      return;
    }
    tbody.replaceChildren(...rows.map((r) => {
      const tr = rowOf(r);
      if (onClick) {
        tr.classList.add('link');
        tr.addEventListener('click', () => onClick(r));
      }
      return tr;
    }));
  }

  function renderConversations(rows) {
    const rowOf = (c) => el('tr', { dataset: { conversation: c.conversation_id } },
      el('td', {}, fmtTime(c.last_message_at)),
      el('td', {}, el('button', { type: 'button', class: 'linkish', title: c.conversation_id }, shortId(c.conversation_id))),
      el('td', {}, orNone(c.user_id, '–')),
      el('td', { class: 'num' }, fmtInt(c.total_messages)),
      el('td', { class: 'num' }, fmtInt(c.total_llm_calls)),
      el('td', { class: 'num' }, fmtInt(c.total_tokens_used)),
      el('td', { class: 'num' }, fmtCost(c.total_cost) + (c.unpriced_calls > 0 ? ' +?' : '')),
      el('td', { class: 'num' }, fmtPct(c.success_rate)),
      el('td', { class: 'clip', title: c.last_user_input || '' }, orNone(c.last_user_input, '')));
    fillTable('#conversations', rows, rowOf, 9, (c) => openConversation(c.conversation_id), 'no conversations in this range');
  }

  function renderCalls(selector, rows) {
    const rowOf = (c) => el('tr', { dataset: { conversation: c.conversation_id, call: c.call_id } },
      el('td', {}, fmtTime(c.started_at)),
      el('td', {}, orNone(c.model, '–')),
      el('td', {}, orNone(c.function_name, '–')),
      el('td', { class: 'num' }, fmtMs(c.duration_ms)),
      el('td', { class: 'num' }, fmtInt(c.total_tokens)),
      el('td', { class: 'num' }, c.priced === false ? 'unpriced' : fmtCost(c.cost_estimate)));
    fillTable(selector, rows, rowOf, 6, (c) => openConversation(c.conversation_id), 'no calls in this range');
  }

  function renderErrors(rows) {
    const rowOf = (c) => el('tr', { dataset: { conversation: c.conversation_id, call: c.call_id } },
      el('td', {}, fmtTime(c.started_at)),
      el('td', {}, el('span', { class: 'badge ' + c.call_type }, c.call_type)),
      el('td', {}, [c.model, c.function_name].filter(Boolean).join(' / ') || '–'),
      el('td', { title: c.suggestion || '' }, orNone(c.error_category, '–')),
      el('td', {}, orNone(c.error_type, '–')),
      el('td', { class: 'clip', title: c.error_message || '' }, orNone(c.error_message, '')));
    fillTable('#errors', rows, rowOf, 6, (c) => openConversation(c.conversation_id), 'no errors in this range');
  }

  function renderStages(s) {
    const pct = (v) => (v === null || v === undefined ? '–' : Number(v).toFixed(1) + ' %');
    const rows = (s.stages || []).slice();
    if (s.turn && Number(s.turn.turns) > 0) {
      rows.push({ kind: 'turn', name: '', executions: s.turn.turns, failures: null, avg_duration_ms: s.turn.avg_ms,
        p95_ms: null, target_ms: s.turn.target_ms, over_target_rate: s.turn.over_target_rate });
    }
    const rowOf = (r) => el('tr', { class: r.over_target > 0 ? 'over-target' : null },
      el('td', {}, el('span', { class: 'badge ' + r.kind }, r.kind), ' ', orNone(r.name, '')),
      el('td', { class: 'num' }, fmtInt(r.executions)),
      el('td', { class: 'num' }, fmtMs(r.avg_duration_ms)),
      el('td', { class: 'num' }, r.p95_ms === null || r.p95_ms === undefined ? '–' : fmtMs(r.p95_ms)),
      el('td', { class: 'num' }, r.target_ms === null || r.target_ms === undefined ? '–' : '< ' + fmtMs(r.target_ms)),
      el('td', { class: 'num' }, pct(r.over_target_rate)));
    fillTable('#stages', rows, rowOf, 6, null, 'no stages in this range');
  }

  function renderQuality(rows, error) {
    const labels = (l) => (l ? Object.keys(l).map((k) => k + ' ' + l[k]).join(', ') : '–');
    const rowOf = (r) => el('tr', { dataset: { score: r.name } },
      el('td', {}, r.name),
      el('td', { class: 'num' }, fmtInt(r.scores)),
      el('td', { class: 'num score-average' }, r.average === null || r.average === undefined ? '–' : Number(r.average).toFixed(2)),
      el('td', { class: 'num' }, r.stddev === null || r.stddev === undefined ? '–' : Number(r.stddev).toFixed(2)),
      el('td', {}, labels(r.labels)));
    fillTable('#quality', rows, rowOf, 5, null, error ? 'could not be read: ' + error : 'no scores in this range');
  }

  /** The experiments panel: each started experiment's arms, metrics with intervals, tests, sample-ratio check and verdict. */
  async function refreshExperiments() {
    let shown;
    try {
      const list = (await api('/experiments', {})).experiments || [];
      const order = { running: 0, stopped: 1, ended: 2 }; // the running ones first, then the latest decided
      const started = list.filter((e) => e.status !== 'draft').sort((a, b) => order[a.status] - order[b.status]).slice(0, 4);
      shown = await Promise.all(started.map((e) => api('/experiments/' + encodeURIComponent(e.name), {})));
      renderExperiments(shown, list.filter((e) => e.status !== 'draft').length);
    } catch (e) {
      if (e instanceof AuthError) throw e;
      $('#experiments').replaceChildren(el('p', { class: 'empty' }, 'could not be read: ' + e.message));
    }
  }

  function fmtMetric(metric, v) {
    if (v === null || v === undefined) return '–';
    if (metric.startsWith('cost')) return fmtCost(v);
    if (metric.endsWith('_ms')) return fmtMs(v);
    if (metric === 'success_rate') return (100 * Number(v)).toFixed(1) + ' %';
    return Number(v).toFixed(metric === 'tokens' ? 0 : 2);
  }

  function fmtInterval(metric, i) {
    return i ? '[' + fmtMetric(metric, i[0]) + ', ' + fmtMetric(metric, i[1]) + ']' : '';
  }

  function renderExperiments(experiments, started) {
    if (experiments.length === 0) {
      $('#experiments').replaceChildren(el('p', { class: 'empty' }, 'no experiment started: define one with PUT /logging-dashboard/experiments/{name}'));
      return;
    }
    $('#experiments').replaceChildren(...experiments.map((x) => {
      const a = x.analysis;
      const metrics = a.arms.length ? Object.keys(a.arms[0].metrics) : [];
      const v = a.verdict;
      const srm = a.sample_ratio;
      const head = el('div', { class: 'experiment-head' },
        el('strong', {}, x.name), ' ', el('span', { class: 'badge state-' + x.status }, x.status), ' ',
        el('span', { class: 'badge' }, a.mode.replaceAll('_', ' ')),
        el('span', { class: 'badge ' + (srm.mismatch ? 'srm-bad' : 'srm-ok'), title: 'sample ratio: chi-square p = ' + (srm.p_value === null ? '–' : Number(srm.p_value).toPrecision(3)) },
          srm.mismatch ? 'sample ratio mismatch' : 'sample ratio ok'));
      const verdict = el('p', { class: 'verdict' + (v.decided ? ' decided' : ''), dataset: { winner: v.winner || '' } },
        v.decided ? 'Winner: ' + v.winner + ' — ' : '', v.reason,
        x.stop_reason ? el('span', { class: 'stop' }, ' Stopped' + (x.stopped_by ? ' by ' + x.stopped_by : '') + ': ' + x.stop_reason) : '');
      const arms = el('table', { class: 'arms' },
        el('thead', {}, el('tr', {}, el('th', {}, 'Arm'), el('th', { class: 'num' }, 'Share'), el('th', { class: 'num' }, 'Conversations'),
          el('th', { class: 'num' }, 'Turns'), el('th', { class: 'num' }, 'Cost so far'), ...metrics.map((m) => el('th', { class: 'num' }, m)))),
        el('tbody', {}, ...a.arms.map((r) => el('tr', { dataset: { arm: r.arm } },
          el('td', {}, r.variant), el('td', { class: 'num' }, r.percent + ' %'), el('td', { class: 'num' }, fmtInt(r.units)),
          el('td', { class: 'num' }, fmtInt(r.turns)), el('td', { class: 'num' }, fmtCost(r.cost) + (r.unpriced_turns ? ' +?' : '')),
          ...metrics.map((m) => el('td', { class: 'num', title: r.metrics[m].note || '' },
            fmtMetric(m, r.metrics[m].value), el('small', {}, ' ' + fmtInterval(m, r.metrics[m].interval))))))));
      const tests = el('table', { class: 'tests' },
        el('thead', {}, el('tr', {}, el('th', {}, 'Variant'), el('th', {}, 'Metric'), el('th', { class: 'num' }, 'Change'),
          el('th', { class: 'num' }, 'Interval'), el('th', {}, 'Test'), el('th', { class: 'num' }, 'Adjusted p'), el('th', {}, 'Result'))),
        el('tbody', {}, ...a.tests.map((t) => el('tr', { class: t.significant ? 'significant ' + t.direction : null, title: t.note || '' },
          el('td', {}, t.variant), el('td', {}, t.metric + (t.role === 'primary' ? ' (primary)' : '')),
          el('td', { class: 'num' }, t.relative === null ? '–' : (t.relative > 0 ? '+' : '') + (100 * t.relative).toFixed(1) + ' %'),
          el('td', { class: 'num' }, t.interval ? '[' + t.interval.map((b) => Number(b).toPrecision(3)).join(', ') + ']' : '–'),
          el('td', {}, t.test.replaceAll('_', ' ')), el('td', { class: 'num' }, Number(t.adjusted_p_value).toPrecision(3)),
          el('td', {}, t.significant ? t.direction : t.note && t.note.startsWith('held back') ? 'held back' : 'no difference')))));
      return el('div', { class: 'experiment', dataset: { experiment: x.name } }, head, verdict,
        el('div', { class: 'scroll' }, arms), el('div', { class: 'scroll' }, tests));
    }), ...(started > experiments.length ? [el('p', { class: 'muted' }, (started - experiments.length)
      + ' more: GET /logging-dashboard/experiments')] : []));
  }

  /** The insights panel: the findings of the last 7 days ranked by saving, their evidence, and the spend forecasts. */
  async function refreshInsights() {
    try {
      renderInsights(await api('/insights', { window: '7d' }));
    } catch (e) {
      if (e instanceof AuthError) throw e;
      $('#insights tbody').replaceChildren(el('tr', {}, el('td', { colspan: 5, class: 'empty' }, 'could not be read: ' + e.message)));
    }
  }

  async function createExperiment(button, experiment) {
    button.disabled = true;
    try {
      const res = await fetch(url('/experiments/' + encodeURIComponent(experiment.name), {}), {
        method: 'PUT', headers: Object.assign({ 'Content-Type': 'application/json' }, headers()), body: JSON.stringify(experiment.definition) });
      let body = null;
      try { body = await res.json(); } catch (e) { body = null; }
      button.replaceWith(el('span', { class: 'muted' }, res.ok ? 'defined: start it with POST /logging-dashboard/experiments/'
        + experiment.name + '/start' : 'not created: ' + ((body && body.error) || 'HTTP ' + res.status)));
    } catch (e) {
      button.disabled = false;
    }
  }

  function renderInsights(r) {
    $('#insights-meta').textContent = (r.findings.length ? fmtCost(r.open_savings_per_month_usd) + ' a month open · ' : '')
      + 'last ' + r.window + ', computed ' + new Date(r.computed_at).toLocaleTimeString() + (r.failed_analyses.length ? ' · partial: '
      + r.failed_analyses.length + ' analysis failed' : '');
    const rowOf = (f) => {
      const evidence = [el('span', { class: 'muted' }, fmtInt(f.evidence.rows) + ' rows ')];
      for (const c of f.evidence.conversation_ids.slice(0, 2)) {
        evidence.push(el('a', { href: '#', class: 'evidence', onclick: (ev) => { ev.preventDefault(); showConversation(c, true); } }, c.slice(0, 8)), ' ');
      }
      const action = [f.action];
      if (f.detail && f.detail.experiment) {
        action.push(' ', el('button', { type: 'button', class: 'create-experiment',
          onclick: (ev) => createExperiment(ev.currentTarget, f.detail.experiment) }, 'Create experiment'));
      }
      return el('tr', { dataset: { kind: f.kind }, title: f.confidence_reason },
        el('td', {}, el('span', { class: 'badge kind' }, f.kind.replaceAll('_', ' ')), ' ', f.title),
        el('td', { class: 'num' }, f.saving_per_month_usd === null ? (f.saving_ms_per_day ? fmtMs(f.saving_ms_per_day) + ' / day' : '–')
          : fmtCost(f.saving_per_month_usd)),
        el('td', {}, el('span', { class: 'badge confidence-' + f.confidence }, f.confidence)),
        el('td', {}, ...action), el('td', {}, ...evidence));
    };
    fillTable('#insights', r.findings, rowOf, 5, null, 'nothing to change found in the last ' + r.window);
    const forecasts = r.forecasts.filter((f) => f.by === 'all' || f.by === 'budget');
    $('#forecasts').replaceChildren(...forecasts.map((f) => el('p', { class: 'forecast', dataset: { by: f.by } },
      f.by === 'all' ? 'This month: ' + fmtCost(f.spent_so_far_usd) + ' spent before today' : 'Budget ' + f.value + ': '
        + fmtCost(f.spent_so_far_usd) + ' of ' + fmtCost(f.limit_usd),
      f.rest_usd === null ? ' (no forecast: ' + (f.reason || 'too little history') + ')'
        : '; forecast ' + fmtCost(f.rest_usd) + ' more by ' + f.period_end + ' [' + fmtCost(f.rest_interval_usd[0]) + ' – '
          + fmtCost(f.rest_interval_usd[1]) + ', ' + Math.round(100 * f.level) + ' %]',
      f.runs_out_on ? el('strong', { class: 'runs-out' }, ' · runs out on ' + f.runs_out_on)
        : f.may_run_out_on ? el('span', { class: 'runs-out' }, ' · may run out as early as ' + f.may_run_out_on) : '')));
  }

  function warningBadges(ws) {
    return (ws || []).map((w) => el('span', { class: 'badge warning ' + w.kind, title: w.detail }, w.kind.replace('_', ' ')));
  }

  function renderWarnings(rows, error) {
    const rowOf = (m) => el('tr', { dataset: { conversation: m.conversation_id, message: m.message_id } },
      el('td', {}, fmtTime(m.timestamp)),
      el('td', {}, warningBadges(m.warnings)),
      el('td', {}, m.user_input));
    fillTable('#warnings', rows, rowOf, 3, (m) => openConversation(m.conversation_id), error ? 'could not be read: ' + error : 'no turn to look at in this range');
  }

  function renderCaches(c) {
    const pct = (v) => (v === null || v === undefined ? '–' : Number(v).toFixed(1) + ' %');
    const rowOf = (r) => el('tr', { class: r.below_target ? 'below-target' : null, dataset: { cache: r.cache } },
      el('td', {}, r.cache),
      el('td', { class: 'num' }, fmtInt(r.lookups)),
      el('td', { class: 'num hit-rate' }, pct(r.hit_rate)),
      el('td', { class: 'num' }, r.target_rate === null || r.target_rate === undefined ? '–' : '≥ ' + pct(r.target_rate)),
      el('td', { class: 'num' }, fmtMs(r.saved_ms)),
      el('td', { class: 'num' }, fmtCost(r.saved_cost)));
    fillTable('#caches', c.caches || [], rowOf, 6, null, 'no cache lookups in this range');
    const promptRow = (r) => el('tr', {},
      el('td', {}, orNone(r.model, '(unknown)')),
      el('td', { class: 'num' }, fmtInt(r.input_tokens)),
      el('td', { class: 'num' }, fmtInt(r.cached_input_tokens)),
      el('td', { class: 'num' }, pct(r.cached_ratio)));
    fillTable('#prompt-cache', c.prompt_cache || [], promptRow, 4, null, 'no model calls in this range');
  }

  function renderErrorCategories(rows) {
    const rowOf = (c) => el('tr', {},
      el('td', {}, c.category),
      el('td', { class: 'num' }, fmtInt(c.failures)),
      el('td', {}, fmtTime(c.last_at)),
      el('td', {}, c.suggestion));
    fillTable('#error-categories', rows, rowOf, 4, null, 'no errors in this range');
  }

  function updateExportLinks(o) {
    for (const a of document.querySelectorAll('[data-export]')) {
      const params = { format: a.dataset.format, from: o.from, to: o.to, model: state.model, agent: state.agent, chat_mode: state.chat_mode, arm: state.arm };
      const u = url('/export/' + a.dataset.export, params);
      a.href = u.pathname + u.search;
      a.setAttribute('download', 'chatlog-' + a.dataset.export + '.' + a.dataset.format);
    }
  }

  async function exportWithToken(event) {
    if (!state.token) return; // a plain link streams straight to disk
    event.preventDefault();
    const a = event.currentTarget;
    try {
      const res = await fetch(a.href, { headers: { Authorization: 'Bearer ' + state.token } });
      if (res.status === 401) { askForToken(true); return; }
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const blobUrl = URL.createObjectURL(await res.blob());
      const link = el('a', { href: blobUrl, download: a.getAttribute('download') });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(blobUrl), 10000);
    } catch (e) {
      showError('Export failed: ' + e.message);
    }
  }

  // ------------------------------------------------------------------ conversation detail

  function openConversation(id) {
    state.conversation = id;
    detailVersion = '';
    writeHash();
    showConversation(id, true);
  }

  function closeConversation() {
    state.conversation = '';
    detailVersion = '';
    $('#detail').hidden = true;
    $('#detail-compare').hidden = true;
    writeHash();
  }

  /** Draws the detail drawer; on auto-refresh only when the conversation changed, keeping open sections open. */
  async function showConversation(id, scrollTop) {
    let c;
    try {
      c = await api('/conversation/' + encodeURIComponent(id) + '/detailed');
    } catch (e) {
      if (e instanceof AuthError) throw e;
      showError('Conversation ' + id + ': ' + e.message);
      closeConversation();
      return;
    }
    if (state.conversation !== id) return;
    const version = id + '|' + c.summary.total_messages + '|' + c.summary.total_llm_calls + '|' + c.summary.last_message_at;
    const drawer = $('#detail');
    if (version === detailVersion && !drawer.hidden) return;
    const open = new Set([...drawer.querySelectorAll('details[open]')].map((d) => d.dataset.key));
    detailVersion = version;
    const s = c.summary;
    $('#detail-id').textContent = id;
    $('#detail-summary').replaceChildren(
      fact('User', orNone(s.user_id, '–')),
      fact('First message', fmtTime(s.first_message_at)),
      fact('Messages', fmtInt(s.total_messages) + ' (' + fmtPct(s.success_rate) + ' ok)'),
      fact('LLM calls', fmtInt(s.total_llm_calls) + (s.failed_llm_calls > 0 ? ' (' + s.failed_llm_calls + ' failed)' : '')),
      fact('Tokens', fmtInt(s.total_tokens_used) + ' (' + fmtInt(s.total_input_tokens) + ' in, ' + fmtInt(s.total_output_tokens) + ' out)'),
      fact('Cost', fmtCost(s.total_cost) + (s.unpriced_calls > 0 ? ' + ' + s.unpriced_calls + ' unpriced' : '')),
    );
    for (const m of c.messages) m.scores = (c.scores || []).filter((x) => x.message_id === m.message_id);
    const messages = c.messages.map(messageView);
    if (c.calls_outside_messages) {
      messages.push(el('section', { class: 'message' }, el('header', {}, 'Calls outside any message'), tree(c.calls_outside_messages, true)));
    }
    $('#detail-messages').replaceChildren(...messages);
    for (const d of drawer.querySelectorAll('details')) if (open.has(d.dataset.key)) d.open = true;
    placeDrawer();
    drawer.hidden = false;
    if (scrollTop) drawer.scrollTop = 0;
  }

  /** The drawer sits below the header, so range, filters and refresh stay usable while it is open. */
  function placeDrawer() {
    $('#detail').style.top = Math.ceil($('.bar').getBoundingClientRect().height) + 'px';
  }

  function fact(label, value) {
    return el('div', {}, el('dt', {}, label), el('dd', {}, value));
  }

  function messageView(m) {
    const sql = (m.sql_queries || []).map((q) => el('div', {},
      el('span', { class: 'badge ' + (q.success ? 'ok' : 'failed') }, 'SQL ' + (q.success ? fmtInt(q.rowCount) + (q.rowCount === 1 ? ' row' : ' rows') : 'failed')),
      el('span', { class: 'muted' }, fmtMs(q.durationMs) + (q.error ? ' · ' + q.error : '')),
      el('pre', { class: 'sql' }, q.sql)));
    return el('section', { class: 'message', dataset: { message: m.message_id } },
      el('header', {},
        el('span', {}, fmtTime(m.timestamp)),
        el('span', { class: 'badge ' + (m.success ? 'ok' : 'failed') }, m.success ? 'ok' : 'failed'),
        m.intent ? el('span', {}, 'intent: ' + m.intent) : null,
        m.classification ? el('span', {}, 'class: ' + m.classification) : null,
        m.chat_mode ? el('span', {}, 'mode: ' + m.chat_mode) : null,
        el('span', {}, fmtInt(m.total_llm_calls) + ' LLM calls · ' + fmtInt(m.total_tokens_used) + ' tokens · ' + fmtCost(m.total_cost)),
        el('span', {}, 'response ' + fmtMs(m.response_time_ms)),
        warningBadges(m.warnings),
        el('button', { type: 'button', class: 'compare-button' + (compareA && compareA.id === m.message_id ? ' chosen' : ''),
          dataset: { compare: m.message_id }, onclick: () => chooseForCompare(m.message_id) },
          compareA && compareA.id === m.message_id ? 'compare: A' : compareA ? 'compare with A' : 'compare')),
      el('p', { class: 'said user-input' }, el('span', { class: 'who' }, 'User'), orNone(m.user_input, '')),
      el('p', { class: 'said answer' }, el('span', { class: 'who' }, 'Answer'), orNone(m.conversation_message, orNone(m.final_output, ''))),
      m.error_message ? el('p', { class: 'error' }, m.error_message) : null,
      scoreChips(m.scores),
      (m.evaluations || []).length ? el('div', { class: 'evaluations' }, m.evaluations.map((e) => el('div', { class: 'evaluation', dataset: { call: e.call_id } },
        el('span', { class: 'badge evaluation' }, 'evaluation'), ' ', orNone(e.function_name, ''), ' · ', orNone(e.model, ''), ' · ',
        fmtInt(e.input_tokens) + ' in / ' + fmtInt(e.output_tokens) + ' out · ',
        e.priced === false ? 'unpriced' : fmtCost(e.cost_estimate)))) : null,
      sql,
      waterfall(m.waterfall),
      tree(m.llm_calls || [], true));
  }

  function scoreChips(scores) {
    if (!scores || scores.length === 0) return null;
    return el('div', { class: 'scores' }, scores.map((x) => el('span', { class: 'score', title: (x.comment || '') + (x.evaluator_version ? ' · ' + x.evaluator_version : '') },
      el('b', {}, x.name), ' ', String(x.value), ' · ', x.source + (x.evaluator ? ' ' + x.evaluator : '') + (x.target === 'call' ? ' (on a call)' : ''))));
  }

  // Two turns side by side: the first "compare" click chooses A, the second B; the diff opens above the messages.
  let compareA = null;

  async function chooseForCompare(id) {
    if (!compareA || compareA.id === id) {
      compareA = compareA && compareA.id === id ? null : { id };
      detailVersion = '';
      if (state.conversation) await showConversation(state.conversation, false);
      await refreshExperiments(); // after the rest is drawn: its own failure shows in its panel
      return;
    }
    const a = compareA.id;
    compareA = null;
    detailVersion = '';
    let d;
    try {
      d = await api('/compare', { a, b: id });
    } catch (e) {
      if (e instanceof AuthError) throw e;
      showError('Compare: ' + e.message);
      return;
    }
    if (state.conversation) await showConversation(state.conversation, false);
    showCompare(d);
  }

  function showCompare(d) {
    const cell = (v) => (v === null || v === undefined ? '–' : typeof v === 'object' ? Object.keys(v).map((k) => k + ' ' + v[k]).join(', ') || '–' : String(v));
    const rows = [];
    for (const x of d.differences) {
      if (x.kind === 'changed') {
        for (const [f, c] of Object.entries(x.changes)) {
          rows.push(el('tr', { class: 'changed' }, el('td', {}, x.step), el('td', {}, f), el('td', {}, cell(c.a)), el('td', {}, cell(c.b))));
        }
      } else {
        const what = x.call_type + (x.model ? ' ' + x.model : '') + (x.steps_under_it ? ' (+' + x.steps_under_it + ' under it)' : '');
        rows.push(el('tr', { class: x.kind }, el('td', {}, x.step), el('td', {}, 'step'),
          el('td', {}, x.kind === 'only_in_a' ? what : '—'), el('td', {}, x.kind === 'only_in_b' ? what : '—')));
      }
    }
    for (const [n, c] of Object.entries(d.score_changes || {})) {
      rows.push(el('tr', { class: 'changed score-change' }, el('td', {}, 'the turn'), el('td', {}, 'score ' + n), el('td', {}, cell(c.a)), el('td', {}, cell(c.b))));
    }
    const box = $('#detail-compare');
    box.replaceChildren(
      el('div', { class: 'compare-head' }, el('b', {}, 'A ' + shortId(d.a.id) + ' vs B ' + shortId(d.b.id)), ' · ',
        d.counts.changed + ' changed, ' + d.counts.only_in_a + ' only in A, ' + d.counts.only_in_b + ' only in B',
        el('button', { type: 'button', id: 'compare-close', onclick: () => { box.hidden = true; } }, '✕')),
      rows.length ? el('table', { class: 'compare' }, el('thead', {}, el('tr', {}, el('th', {}, 'Step'), el('th', {}, 'What'), el('th', {}, 'A'), el('th', {}, 'B'))),
        el('tbody', {}, rows)) : el('p', { class: 'muted' }, 'no difference'));
    box.hidden = false;
    $('#detail').scrollTop = 0; // the diff sits above the messages
  }

  // The turn as a waterfall: one bar per row at its offset from the turn's start; the critical path marked.
  function waterfall(w) {
    if (!w || !w.rows || w.rows.length === 0) return null;
    const total = Math.max(Number(w.turn_ms) || 0, ...w.rows.map((r) => Number(r.end_ms) || 0), 1);
    return el('div', { class: 'waterfall', dataset: { critical: (w.critical_path || []).join(' ') } },
      el('div', { class: 'wf-head' }, 'Waterfall · ' + fmtMs(total) + ' · critical path: ' +
        w.rows.filter((r) => r.critical).map((r) => r.name || r.call_type).join(' → ')),
      w.rows.map((r) => el('div', { class: 'wf-row' + (r.critical ? ' critical' : '') + (r.success === false ? ' failed' : ''),
          dataset: { call: r.call_id } },
        el('span', { class: 'wf-label', style: 'padding-left:' + (r.depth * 12) + 'px' },
          el('span', { class: 'badge ' + r.call_type }, r.call_type), ' ', orNone(r.name, '')),
        el('span', { class: 'wf-track' }, el('span', { class: 'wf-bar', style: 'left:' + (100 * Number(r.start_ms) / total).toFixed(2)
          + '%;width:' + Math.max(0.4, 100 * Number(r.duration_ms) / total).toFixed(2) + '%' })),
        el('span', { class: 'wf-ms' }, fmtMs(r.duration_ms)))));
  }

  function tree(nodes, root) {
    return el('ul', { class: 'tree' + (root ? ' root' : '') }, nodes.map((n) => el('li', { dataset: { call: n.call_id, type: n.call_type } },
      nodeLine(n),
      (n.input_text || n.output_text || n.error_message) ? el('details', { class: 'texts', dataset: { key: n.call_id } },
        el('summary', {}, 'input / output'),
        n.input_text ? el('pre', {}, n.input_text) : null,
        n.output_text ? el('pre', {}, n.output_text) : null,
        n.error_message ? el('pre', { class: 'error' }, n.error_message) : null) : null,
      n.children && n.children.length ? tree(n.children, false) : null)));
  }

  /** The call types that are model calls (CallType.isModelCall): tokens and a price of their own. */
  const MODEL_CALLS = new Set(['chat', 'streaming_chat', 'embedding', 'moderation', 'image', 'transcription', 'speech', 'rerank', 'evaluation']);

  /** Model calls billed by the unit (images, seconds of audio, characters, searches), not by the token. */
  const UNIT_BILLED = new Set(['image', 'transcription', 'speech', 'rerank']);

  function units(meta) {
    const u = (meta && meta.billable_units) || {};
    const parts = Object.keys(u).map((k) => u[k] + ' ' + k.replace('_', ' ') + (Number(u[k]) === 1 ? '' : 's'));
    return parts.length ? parts.join(', ') : 'no units known';
  }

  function nodeLine(n) {
    const r = n.rollup || {};
    const model = MODEL_CALLS.has(n.call_type);
    const costed = model || (n.call_type === 'service' && n.priced); // an external service the application priced
    const name = n.call_type === 'agent' ? orNone(n.agent, 'agent') : orNone(n.function_name, orNone(n.model, n.call_type));
    const hasChildren = n.children && n.children.length > 0;
    return el('div', { class: 'node-line' },
      el('span', { class: 'badge ' + n.call_type }, n.call_type),
      el('span', { class: 'name' }, name),
      model && n.model ? el('span', { class: 'fig' }, n.model) : null,
      model ? el('span', { class: 'fig' }, UNIT_BILLED.has(n.call_type) ? units(n.metadata)
        : fmtInt(n.input_tokens) + ' in / ' + fmtInt(n.output_tokens) + ' out') : null,
      costed ? el('span', { class: 'fig cost' }, n.priced === false ? 'unpriced' : fmtCost(n.cost_estimate)) : null,
      el('span', { class: 'fig' }, fmtMs(n.duration_ms)),
      hasChildren ? el('span', { class: 'fig' }, 'subtree ' + fmtInt(r.llm_calls) + ' calls · ' + fmtInt(r.total_tokens) + ' tokens · ' + fmtCost(r.cost)) : null,
      n.success === false ? el('span', { class: 'badge failed' }, orNone(n.error_type, 'failed')) : null);
  }

  // ------------------------------------------------------------------ wiring

  function bind() {
    for (const b of document.querySelectorAll('[data-range]')) {
      b.addEventListener('click', () => { state.range = b.dataset.range; changed(); });
    }
    for (const f of FILTERS) {
      $('#f-' + f).addEventListener('change', (e) => { state[f] = e.target.value; changed(); });
    }
    $('#interval').addEventListener('change', (e) => { state.interval = Number(e.target.value); writeHash(); schedule(); });
    $('#pause').addEventListener('click', () => { state.paused = !state.paused; writeHash(); schedule(); });
    $('#refresh-now').addEventListener('click', () => refresh());
    $('#detail-close').addEventListener('click', closeConversation);
    document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !$('#detail').hidden) closeConversation(); });
    for (const a of document.querySelectorAll('[data-export]')) a.addEventListener('click', exportWithToken);
    $('#token-form').addEventListener('submit', () => {
      state.token = $('#token-input').value.trim();
      sessionStorage.setItem(TOKEN_KEY, state.token);
      $('#forget-token').hidden = !state.token;
      refresh();
    });
    $('#forget-token').addEventListener('click', () => {
      state.token = '';
      sessionStorage.removeItem(TOKEN_KEY);
      $('#forget-token').hidden = true;
      refresh();
    });
    window.addEventListener('resize', () => { Object.values(charts).forEach((c) => c.resize()); placeDrawer(); });
  }

  function syncControls() {
    for (const b of document.querySelectorAll('[data-range]')) b.setAttribute('aria-pressed', String(b.dataset.range === state.range));
    const interval = $('#interval');
    if (![...interval.options].some((o) => o.value === String(state.interval))) {
      interval.append(el('option', { value: state.interval }, state.interval + ' s'));
    }
    interval.value = String(state.interval);
    $('#forget-token').hidden = !state.token;
  }

  function changed() {
    writeHash();
    syncControls();
    refresh();
  }

  readHash();
  bind();
  syncControls();
  schedule();
  refresh();
})();
