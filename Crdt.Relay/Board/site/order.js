// One work order: its fields (editable), totals, entries (flagged ones marked and not counted),
// parts, notes, checklist, attachments and signatures, and its open flags.
import { h } from './dom.js';
import { formatDateTime, statusNames, valueText } from './words.js';

const priorities = ['low', 'normal', 'high', 'urgent'];

/** Editable register fields: name, label, kind. */
const editable = [
  ['title', 'Title', 'text'],
  ['status', 'Status', 'status'],
  ['assignee', 'Assign to technician', 'assignee'],
  ['priority', 'Priority', 'priority'],
  ['scheduledStart', 'Scheduled start', 'datetime'],
  ['scheduledEnd', 'Scheduled end', 'datetime'],
  ['address', 'Address', 'text'],
  ['description', 'Description', 'textarea'],
];

const pad = (n) => String(n).padStart(2, '0');

/** Unix ms as the value of an <input type=datetime-local>, in the browser's time zone. */
function toLocalInput(ms) {
  if (!ms) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function inputValue(doc, name, kind) {
  const value = doc.fields[name];
  if (kind === 'datetime') return toLocalInput(value?.timestamp_ms);
  return valueText(value);
}

function control(doc, [name, label, kind], assignees, onInput) {
  const id = `edit-${name}`;
  const value = inputValue(doc, name, kind);
  let field;
  if (kind === 'status' || kind === 'priority') {
    const options = kind === 'status' ? Object.keys(statusNames) : priorities;
    const all = value && !options.includes(value) ? [value, ...options] : options;
    field = h('select', { id, name }, (kind === 'priority' ? [''] : []).concat(all)
      .map((v) => h('option', { value: v, selected: v === value }, v ? (statusNames[v] ?? v) : '(none)')));
  } else if (kind === 'textarea') {
    field = h('textarea', { id, name, rows: '3' }, value);
  } else {
    field = h('input', {
      id, name, type: kind === 'datetime' ? 'datetime-local' : 'text', value,
      list: kind === 'assignee' ? 'assignee-names' : undefined,
    });
  }
  field.addEventListener('input', onInput);
  field.addEventListener('change', onInput);
  return h('div', { class: kind === 'textarea' ? 'wide' : '' }, h('label', { for: id }, label), field,
    kind === 'assignee' ? h('datalist', { id: 'assignee-names' }, assignees.map((a) => h('option', { value: a }))) : null);
}

/** The Mutate mutations for what the form changed against `doc` (set_field each; an emptied optional field is cleared). */
export function orderFieldsChanged(doc, form) {
  const mutations = [];
  for (const [name, , kind] of editable) {
    const input = form.elements[name];
    if (!input) continue;
    const now = input.value.trim();
    if (now === inputValue(doc, name, kind)) continue;
    let value;
    if (!now) value = { null_value: true };
    else if (kind === 'datetime') value = { timestamp_ms: new Date(now).getTime() };
    else value = { string_value: now };
    mutations.push({ set_field: { field: name, value } });
  }
  return mutations;
}

const text = (element, name, names) => valueText(element.fields[name], names);

function elementTable(caption, columns, elements, flaggedIds, names) {
  if (!elements?.length) return null;
  return h('table', {},
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, columns.map(([label, , numeric]) => h('th', { scope: 'col', class: numeric ? 'num' : '' }, label)), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Flag')))),
    h('tbody', {}, elements.map((element) => {
      const flagged = element.held_back || flaggedIds.has(element.element_id);
      return h('tr', { class: flagged ? 'held-back' : '', 'data-element-id': element.element_id },
        columns.map(([, render, numeric]) => h('td', { class: numeric ? 'num' : '' }, render(element, names))),
        h('td', {}, flagged ? h('span', { class: 'tag' }, element.held_back ? 'flagged: not counted' : 'flagged') : ''));
    })));
}

const when = (name) => (element) => formatDateTime(element.fields[name]?.timestamp_ms);

export function renderOrder(doc, { flags, flagCard, names, assignees, onInput, onSave, onReload }) {
  const id = doc.document.id;
  const sets = doc.sets;
  const flaggedIds = new Set(flags.map((f) => f.element_id).filter(Boolean));
  const message = h('p', { class: 'notice', role: 'alert', hidden: true });
  const form = h('form', { class: 'edit', 'aria-label': `Edit order ${id}`, novalidate: true },
    editable.map((field) => control(doc, field, assignees, () => { onInput(); message.hidden = true; })),
    h('p', { id: 'order-changed', class: 'notice wide', hidden: true },
      'Someone changed this order while you were editing it. Saving will be refused; reload to see their change.'),
    h('div', { class: 'actions' },
      h('button', { type: 'submit' }, 'Save changes'),
      h('button', { type: 'button', class: 'secondary', onclick: onReload }, 'Reload order'),
      message));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    message.hidden = false;
    onSave(form, message);
  });

  const customer = doc.fields.customer?.reference;
  const asset = doc.fields.asset?.reference;
  const held = Object.values(sets).some((list) => list.elements.some((e) => e.held_back));
  return h('div', {},
    h('h2', { tabindex: '-1' }, `${id}: ${valueText(doc.fields.title)}`),
    doc.deleted ? h('p', { class: 'notice error' }, 'This order is deleted.') : null,
    h('dl', {},
      h('dt', {}, 'Customer'), h('dd', {}, customer ? names(customer) : '—'),
      asset ? [h('dt', {}, 'Asset'), h('dd', {}, names(asset))] : null,
      h('dt', {}, 'Total hours'), h('dd', { id: 'order-hours' }, doc.totals.hours ?? '0', held ? ' (flagged entries not counted)' : ''),
      doc.totals.parts ? [h('dt', {}, 'Parts used'), h('dd', {}, doc.totals.parts)] : null,
      h('dt', {}, 'Open flags'), h('dd', {}, String(doc.open_flags ?? 0)),
      h('dt', {}, 'Version'), h('dd', {}, String(doc.version))),
    flags.length ? [h('h3', {}, 'Open flags'), h('ul', { class: 'flags' }, flags.map(flagCard))] : null,
    h('h3', {}, 'Edit'),
    form,
    sets.timeEntries?.elements.length ? h('h3', {}, 'Time entries') : null,
    elementTable('Time entries', [
      ['Technician', (e) => text(e, 'tech')], ['Started', when('startedAt')], ['Hours', (e) => text(e, 'hours'), true], ['Note', (e) => text(e, 'note')],
    ], sets.timeEntries?.elements, flaggedIds, names),
    sets.partsUsed?.elements.length ? h('h3', {}, 'Parts used') : null,
    elementTable('Parts used', [
      ['Part', (e) => text(e, 'sku') || text(e, 'part', names)], ['Qty', (e) => text(e, 'qty'), true], ['Note', (e) => text(e, 'note')],
    ], sets.partsUsed?.elements, flaggedIds, names),
    sets.notes?.elements.length ? h('h3', {}, 'Notes') : null,
    elementTable('Notes', [
      ['Author', (e) => text(e, 'author')], ['When', when('createdAt')], ['Note', (e) => text(e, 'text')],
    ], sets.notes?.elements, flaggedIds, names),
    sets.checklist?.elements.length ? h('h3', {}, 'Checklist') : null,
    elementTable('Checklist', [
      ['Done', (e) => (e.fields.done?.bool_value ? '✔ done' : 'to do')], ['Item', (e) => text(e, 'text')],
    ], sets.checklist?.elements, flaggedIds, names),
    sets.attachments?.elements.length ? h('h3', {}, 'Attachments') : null,
    elementTable('Attachments', [
      ['Name', (e) => text(e, 'name')], ['Type', (e) => text(e, 'contentType')], ['Size (bytes)', (e) => text(e, 'size'), true],
    ], sets.attachments?.elements, flaggedIds, names),
    sets.signatures?.elements.length ? h('h3', {}, 'Signatures') : null,
    elementTable('Signatures', [
      ['Signer', (e) => text(e, 'signer')], ['Signed', when('signedAt')], ['Device', (e) => text(e, 'device')],
    ], sets.signatures?.elements, flaggedIds, names));
}
