// The dispatcher board: sign-in, the live orders list, one order (view and edit) and the flags
// inbox, over the relay's own Documents and Sync services (gRPC-Web). The token lives in this
// tab's sessionStorage and travels only in the Authorization header.
import { createApi } from './api.js';
import { Code } from './grpcweb.js';
import { h, $ } from './dom.js';
import { renderOrder, orderFieldsChanged } from './order.js';
import { describeFlag, formatDateTime, resolutionNames, statusNames, valueText } from './words.js';

const tokenKey = 'crdt-board-token';

const state = {
  api: null,
  me: null,
  orders: new Map(),
  others: new Map(),
  flags: [],
  selected: null,
  view: 'orders',
  watch: null,
};

const keyText = (key) => `${key.collection}/${key.id}`;
const str = (doc, field) => valueText(doc?.fields?.[field]);

/** A reference's display name: a customer's or asset's name when this board has seen it. */
function referenceName(key) {
  const doc = state.others.get(keyText(key));
  return str(doc, 'name') || key.id;
}

// ---------------------------------------------------------------- sign-in

async function signIn(token, remember) {
  const error = $('#sign-in-error');
  error.textContent = '';
  const api = createApi(token);
  let me;
  try {
    me = await api.whoAmI();
  } catch (e) {
    sessionStorage.removeItem(tokenKey);
    error.textContent = e.code === Code.UNAUTHENTICATED
      ? 'This token is not valid: it is unknown to the relay or was revoked.'
      : `Could not sign in: ${e.message}`;
    return;
  }
  if (me.role !== 'dispatcher' && me.role !== 'admin') {
    sessionStorage.removeItem(tokenKey);
    error.textContent = `This is ${me.name}'s ${me.role} token. The board is for dispatchers and admins: sign in with a dispatcher or admin token.`;
    return;
  }
  if (remember) sessionStorage.setItem(tokenKey, token);
  state.api = api;
  state.me = me;
  $('#token').value = '';
  $('#sign-in').hidden = true;
  $('#board').hidden = false;
  $('#sign-out').hidden = false;
  const who = $('#who');
  who.hidden = false;
  who.textContent = `${me.name} (${me.role}, tenant ${me.tenant})`;
  startWatch();
  refreshFlags();
}

function signOut(message) {
  sessionStorage.removeItem(tokenKey);
  state.watch?.abort();
  state.watch = null;
  state.api = null;
  state.me = null;
  state.orders.clear();
  state.others.clear();
  state.flags = [];
  state.selected = null;
  $('#board').hidden = true;
  $('#sign-out').hidden = true;
  $('#who').hidden = true;
  $('#connection').hidden = true;
  $('#sign-in').hidden = false;
  $('#sign-in-error').textContent = message ?? '';
  $('#token').focus();
}

// ---------------------------------------------------------------- live updates (Documents.Watch)

function setConnection(kind, text) {
  const connection = $('#connection');
  connection.hidden = false;
  connection.className = `connection ${kind}`;
  connection.textContent = text;
}

const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

function startWatch() {
  const controller = new AbortController();
  state.watch = controller;
  watchLoop(controller.signal);
}

async function watchLoop(signal) {
  let delay = 1000;
  let lost = false;
  while (!signal.aborted) {
    setConnection(lost ? 'lost' : 'connecting', lost ? 'Connection lost, retrying…' : 'Connecting…');
    try {
      const onOpen = () => {
        setConnection('live', 'Live');
        delay = 1000;
        if (lost) refreshFlags();
        lost = false;
      };
      for await (const change of state.api.watchAll(signal, onOpen)) applyChange(change);
    } catch (e) {
      if (signal.aborted) return;
      if (e.code === Code.UNAUTHENTICATED) { signOut('Your token is no longer accepted (revoked?). Sign in again.'); return; }
      if (e.code === Code.PERMISSION_DENIED) { signOut(e.message); return; }
    }
    if (signal.aborted) return;
    lost = true;
    for (let left = Math.round(delay / 1000); left > 0 && !signal.aborted; left--) {
      setConnection('lost', `Connection lost, retrying in ${left} s…`);
      await sleep(1000, signal);
    }
    delay = Math.min(delay * 2, 16000);
  }
}

function applyChange(change) {
  const doc = change.document;
  if (!doc?.document) return;
  const key = keyText(doc.document);
  const isOrder = doc.document.collection === 'WorkOrder';
  const map = isOrder ? state.orders : state.others;
  const before = map.get(key);
  if (change.left_scope) map.delete(key);
  else map.set(key, doc);
  scheduleRender();
  if (isOrder && (before?.open_flags ?? 0) !== (doc.open_flags ?? 0)) scheduleFlagsRefresh();
}

let renderTimer = null;
function scheduleRender() {
  if (renderTimer) return;
  renderTimer = setTimeout(() => { renderTimer = null; renderAll(); }, 30);
}

let flagsTimer = null;
function scheduleFlagsRefresh() {
  clearTimeout(flagsTimer);
  flagsTimer = setTimeout(refreshFlags, 150);
}

async function refreshFlags() {
  if (!state.api) return;
  try {
    const answer = await state.api.listFlags();
    state.flags = answer.flags.filter((f) => !f.resolution);
    renderFlags();
    renderSelected();
  } catch (e) {
    if (e.code === Code.UNAUTHENTICATED) signOut('Your token is no longer accepted (revoked?). Sign in again.');
  }
}

// ---------------------------------------------------------------- orders list

function visibleOrders() {
  const status = $('#filter-status').value;
  const assignee = $('#filter-assignee').value;
  const text = $('#filter-text').value.trim().toLowerCase();
  return [...state.orders.values()]
    .filter((doc) => !doc.deleted)
    .filter((doc) => !status || str(doc, 'status') === status)
    .filter((doc) => !assignee || str(doc, 'assignee') === assignee)
    .filter((doc) => !text || [doc.document.id, str(doc, 'title'), str(doc, 'address'), str(doc, 'description'),
      str(doc, 'assignee'), doc.fields.customer?.reference ? referenceName(doc.fields.customer.reference) : '']
      .some((part) => part.toLowerCase().includes(text)))
    .sort((a, b) => a.document.id.localeCompare(b.document.id, undefined, { numeric: true }));
}

function fillSelect(select, values, label) {
  const current = select.value;
  const wanted = ['', ...values];
  const have = [...select.options].map((o) => o.value);
  if (wanted.join('\n') === have.join('\n')) return;
  select.replaceChildren(...wanted.map((v) => h('option', { value: v }, v ? label(v) : select.options[0]?.textContent ?? '')));
  select.value = wanted.includes(current) ? current : '';
}

function renderOrders() {
  const assignees = [...new Set([...state.orders.values()].map((d) => str(d, 'assignee')).filter(Boolean))].sort();
  fillSelect($('#filter-assignee'), assignees, (v) => v);
  const rows = visibleOrders().map((doc) => {
    const id = doc.document.id;
    const customer = doc.fields.customer?.reference;
    const status = str(doc, 'status');
    const open = () => selectOrder(id);
    return h('tr', { 'aria-selected': state.selected === id ? 'true' : 'false', 'data-id': id, onclick: open },
      h('td', {}, h('button', { type: 'button', class: 'secondary', 'aria-label': `Open order ${id}`, onclick: (e) => { e.stopPropagation(); open(); } }, id),
        h('span', { class: 'title' }, str(doc, 'title'))),
      h('td', {}, h('span', { class: `status ${status}` }, statusNames[status] ?? status)),
      h('td', {}, str(doc, 'assignee') || '—'),
      h('td', {}, customer ? referenceName(customer) : '—'),
      h('td', {}, formatDateTime(doc.fields.scheduledStart?.timestamp_ms) || '—'),
      h('td', { class: 'num' }, doc.totals.hours ?? '0'),
      h('td', { class: `num${doc.open_flags ? ' flagged' : ''}` }, doc.open_flags ? String(doc.open_flags) : '—'));
  });
  // Live updates rebuild the rows: keep keyboard focus on the order it was on.
  const focusedId = document.activeElement?.closest?.('#orders tr')?.dataset.id;
  $('#orders tbody').replaceChildren(...rows);
  if (focusedId) $('#orders tbody').querySelector(`tr[data-id="${CSS.escape(focusedId)}"] button`)?.focus();
  const total = [...state.orders.values()].filter((d) => !d.deleted).length;
  $('#orders-summary').textContent = `${rows.length} of ${total} work orders shown`;
}

// ---------------------------------------------------------------- one order

function selectOrder(id) {
  state.selected = id;
  orderForm = null;
  renderOrders();
  renderSelected(true);
}

/** The edit form's state while the dispatcher edits: the version it was loaded at and whether it was touched. */
let orderForm = null;

function renderSelected(focus) {
  const panel = $('#order');
  const doc = state.selected ? state.orders.get(`WorkOrder/${state.selected}`) : null;
  if (!doc) return;
  if (orderForm?.dirty) {
    // Keep what the dispatcher typed; the save's version check tells them if it went stale.
    const notice = panel.querySelector('#order-changed');
    if (notice) notice.hidden = doc.version === orderForm.version;
    return;
  }
  const flags = state.flags.filter((f) => f.document?.collection === 'WorkOrder' && f.document.id === state.selected);
  // Rebuild only when this order or its flags changed, so focus and scroll stay where they were.
  const shown = `${doc.version}|${flags.map((f) => f.id).join(',')}|${state.others.size}`;
  if (!focus && orderForm?.id === state.selected && orderForm.shown === shown) return;
  orderForm = { id: state.selected, version: doc.version, dirty: false, shown };
  panel.replaceChildren(renderOrder(doc, {
    flags,
    flagCard: (flag) => flagCard(flag, doc),
    names: referenceName,
    assignees: [...new Set([...state.orders.values()].map((d) => str(d, 'assignee')).filter(Boolean))].sort(),
    onInput: () => { if (orderForm) orderForm.dirty = true; },
    onSave: saveOrder,
    onReload: () => { orderForm = null; renderSelected(true); },
  }));
  if (focus) panel.querySelector('h2')?.focus();
}

async function saveOrder(form, message) {
  const doc = state.orders.get(`WorkOrder/${orderForm.id}`);
  const mutations = orderFieldsChanged(doc, form);
  if (mutations.length === 0) {
    message.className = 'notice';
    message.textContent = 'Nothing changed.';
    return;
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const answer = await state.api.mutate({ collection: 'WorkOrder', id: orderForm.id }, mutations, orderForm.version);
    state.orders.set(`WorkOrder/${orderForm.id}`, answer.document);
    orderForm = null;
    renderAll();
    toast(`Saved ${answer.document.document.id}.`);
  } catch (e) {
    button.disabled = false;
    message.className = 'notice error';
    if (e.code === Code.FAILED_PRECONDITION && /expected version/.test(e.message)) {
      message.textContent = 'This order was changed meanwhile by someone else, so your edit was not saved. Reload the order to see the current values, then make your change again.';
    } else if (e.code === Code.UNAUTHENTICATED) {
      signOut('Your token is no longer accepted (revoked?). Sign in again.');
    } else {
      message.textContent = `Not saved: ${e.message}`;
    }
  }
}

// ---------------------------------------------------------------- flags inbox

function flagCard(flag, order) {
  const words = describeFlag(flag, order ?? state.orders.get(keyText(flag.document)), referenceName);
  const orderDoc = state.orders.get(keyText(flag.document));
  const title = orderDoc ? `${flag.document.id}: ${str(orderDoc, 'title')}` : keyText(flag.document);
  const status = h('p', { class: 'error', role: 'alert' });
  const buttons = words.actions.map((action) => h('button', {
    type: 'button',
    'data-resolution': String(action.resolution),
    onclick: async (event) => {
      const card = event.currentTarget.closest('.flag');
      card.querySelectorAll('button').forEach((b) => { b.disabled = true; });
      try {
        const answer = await state.api.resolveFlag(flag.document, flag.id, action.resolution);
        state.orders.set(keyText(answer.document.document), answer.document);
        state.flags = state.flags.filter((f) => f.id !== flag.id);
        orderForm = orderForm?.dirty ? orderForm : null;
        renderAll();
        toast(`Flag on ${flag.document.id} ${resolutionNames[action.resolution]}.`);
      } catch (e) {
        card.querySelectorAll('button').forEach((b) => { b.disabled = false; });
        status.textContent = `Not resolved: ${e.message}`;
      }
    },
  }, action.label));
  return h('li', { class: `flag severity-${flag.severity}`, 'data-flag-id': flag.id },
    h('p', {}, h('strong', {}, title), ` · ${flag.severity === 'error' ? 'must be settled' : 'review'}`),
    h('p', { class: 'headline' }, words.headline),
    words.sides.length ? h('div', { class: 'sides' }, words.sides.map((side) => h('p', { class: 'side' }, h('strong', {}, side.label), side.text))) : null,
    h('div', { class: 'actions', role: 'group', 'aria-label': 'Resolutions' }, buttons),
    status);
}

function renderFlags() {
  const count = state.flags.length;
  const badge = $('#flag-count');
  badge.textContent = String(count);
  badge.className = `badge${count ? '' : ' zero'}`;
  const items = state.flags.map((flag) => flagCard(flag));
  $('#flags').replaceChildren(...(items.length ? items : [h('li', { class: 'hint' }, 'No open flags.')]));
}

// ---------------------------------------------------------------- page

function renderAll() {
  renderOrders();
  renderFlags();
  renderSelected();
}

function showView(view) {
  state.view = view;
  $('#orders-view').hidden = view !== 'orders';
  $('#flags-view').hidden = view !== 'flags';
  $('#tab-orders').setAttribute('aria-pressed', String(view === 'orders'));
  $('#tab-flags').setAttribute('aria-pressed', String(view === 'flags'));
}

let toastTimer = null;
function toast(text) {
  const node = $('#toast');
  node.textContent = text;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { node.hidden = true; }, 4000);
}

function start() {
  fillSelect($('#filter-status'), Object.keys(statusNames), (v) => statusNames[v]);
  $('#filters').addEventListener('input', () => renderOrders());
  $('#filters').addEventListener('submit', (e) => e.preventDefault());
  $('#tab-orders').addEventListener('click', () => showView('orders'));
  $('#tab-flags').addEventListener('click', () => showView('flags'));
  $('#sign-out').addEventListener('click', () => signOut('Signed out.'));
  $('#sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('#token').value.trim();
    if (token) signIn(token, true);
  });
  // A link /board/#token=TOKEN signs in: the fragment never reaches the server, and it is removed
  // from the address bar (and history) at once.
  let token = sessionStorage.getItem(tokenKey);
  if (location.hash.startsWith('#token=')) {
    token = decodeURIComponent(location.hash.slice('#token='.length));
    history.replaceState(null, '', location.pathname + location.search);
  }
  if (token) signIn(token, true);
  else $('#token').focus();
}

start();
