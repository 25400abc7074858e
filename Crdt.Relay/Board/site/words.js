// Values and flags in words a dispatcher reads: dates in the browser's time zone and language,
// both sides of a conflict as sentences, and the resolutions that fit each kind of flag.
import { FlagKind, Resolution } from './schemas.js';

const dateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export function formatDateTime(ms) {
  if (!ms) return '';
  const date = new Date(ms);
  return `${dateFormat.format(date)} at ${timeFormat.format(date)}`;
}

export function formatTime(ms) {
  return ms ? timeFormat.format(new Date(ms)) : '';
}

export const statusNames = {
  open: 'open', scheduled: 'scheduled', en_route: 'en route', checked_in: 'checked in', in_progress: 'in progress',
  on_hold: 'on hold', completed: 'completed', cancelled: 'cancelled',
};

export const fieldNames = {
  status: 'status', priority: 'priority', title: 'title', description: 'description', assignee: 'assignee',
  customer: 'customer', asset: 'asset', scheduledStart: 'scheduled start', scheduledEnd: 'scheduled end', address: 'address',
  timeEntries: 'time entries', partsUsed: 'parts used', notes: 'notes', checklist: 'checklist',
};

/** A FieldValue as text; references show the referenced document's name when `names` knows it. */
export function valueText(value, names) {
  if (!value) return '';
  if (value.string_value !== undefined) return value.string_value;
  if (value.decimal_value !== undefined) return value.decimal_value;
  if (value.integer_value !== undefined) return String(value.integer_value);
  if (value.bool_value !== undefined) return value.bool_value ? 'yes' : 'no';
  if (value.timestamp_ms !== undefined) return formatDateTime(value.timestamp_ms);
  if (value.bytes_value !== undefined) return `${value.bytes_value.length} bytes`;
  if (value.reference !== undefined) return names?.(value.reference) ?? `${value.reference.collection}/${value.reference.id}`;
  return '';
}

export function statusText(value) {
  const status = valueText(value);
  return statusNames[status] ?? status;
}

const person = (name) => name || 'someone';
const quoted = (text) => `“${text}”`;

/** The work an element of a WorkOnClosedOrder flag stands for, e.g. "logged 2.5 h on 14 May 2026 at 10:12 (“replaced seal”)". */
function workWords(flag, element) {
  const fields = element?.fields ?? {};
  if (flag.field === 'partsUsed') {
    const qty = valueText(fields.qty) || valueText(flag.loser_value) || '?';
    const part = valueText(fields.sku) || valueText(fields.part) || 'a part';
    return `used ${qty} × ${part}`;
  }
  const hours = valueText(fields.hours) || valueText(flag.loser_value) || '?';
  const logged = flag.loser_time_ms ? ` on ${formatDateTime(flag.loser_time_ms)}` : '';
  const started = fields.startedAt?.timestamp_ms;
  const details = [started ? `work started ${formatDateTime(started)}` : '', valueText(fields.note) ? quoted(valueText(fields.note)) : '']
    .filter(Boolean).join(', ');
  return `logged ${hours} h${logged}${details ? ` (${details})` : ''}`;
}

/**
 * A flag as { headline, sides: [{ label, text }], actions: [{ resolution, label }] }; `order` is the
 * flagged document's view (for the entry's details), `names` resolves references.
 */
export function describeFlag(flag, order, names) {
  const winner = person(flag.winner_author);
  const loser = person(flag.loser_author);
  const winnerAt = flag.winner_time_ms ? ` on ${formatDateTime(flag.winner_time_ms)}` : '';
  const loserAt = flag.loser_time_ms ? ` on ${formatDateTime(flag.loser_time_ms)}` : '';
  const field = fieldNames[flag.field] ?? flag.field;
  switch (flag.kind) {
    case FlagKind.WORK_ON_CLOSED_ORDER: {
      const element = order?.sets?.[flag.field]?.elements.find((e) => e.element_id === flag.element_id);
      const closed = statusText(flag.winner_value) || 'closed';
      const work = workWords(flag, element);
      return {
        headline: `${loser} ${work} after ${winner} ${closed === 'cancelled' ? 'cancelled' : closed === 'completed' ? 'completed' : `set to ${quoted(closed)}`} the order${winnerAt}.`,
        sides: [
          { label: 'Stands', text: `${winner} ${closed === 'cancelled' ? 'cancelled' : 'completed'} the order${winnerAt}.` },
          { label: 'Held back (not counted in totals)', text: `${loser} ${work}.` },
        ],
        actions: [
          { resolution: Resolution.ACCEPT, label: 'Accept: count this work' },
          { resolution: Resolution.DISCARD, label: 'Discard: drop this entry' },
        ],
      };
    }
    case FlagKind.CONCURRENT_EDIT: {
      const shown = valueText(flag.winner_value, names);
      const held = valueText(flag.loser_value, names);
      return {
        headline: `${winner} and ${loser} changed the ${field} at the same time; ${winner}'s version is shown.`,
        sides: [
          { label: 'Shown now', text: `${winner} wrote${winnerAt}: ${quoted(shown)}` },
          { label: 'Held back', text: `${loser} wrote${loserAt}: ${quoted(held)}` },
        ],
        actions: [
          { resolution: Resolution.KEEP_MINE, label: `Keep mine: use ${loser}'s version` },
          { resolution: Resolution.KEEP_THEIRS, label: `Keep theirs: keep ${winner}'s version` },
        ],
      };
    }
    case FlagKind.EDIT_ON_DELETED:
      return {
        headline: `${loser} edited this ${flag.document?.collection ?? 'document'} after ${winner} deleted it.`,
        sides: [
          { label: 'Stands', text: `${winner} deleted it${winnerAt}.` },
          { label: 'Held back', text: `${loser}'s edits${loserAt}.` },
        ],
        actions: [
          { resolution: Resolution.KEEP_MINE, label: 'Restore it with the edits' },
          { resolution: Resolution.KEEP_THEIRS, label: 'Keep it deleted' },
        ],
      };
    case FlagKind.STATUS_CONFLICT: {
      const shown = statusText(flag.winner_value);
      const held = statusText(flag.loser_value);
      return {
        headline: `${winner} set the status to ${quoted(shown)}${winnerAt} while ${loser} set it to ${quoted(held)}${loserAt}; ${quoted(shown)} is shown.`,
        sides: [
          { label: 'Shown now', text: `${quoted(shown)}, set by ${winner}${winnerAt}.` },
          { label: 'Held back', text: `${quoted(held)}, set by ${loser}${loserAt}.` },
        ],
        actions: [
          { resolution: Resolution.KEEP_MINE, label: `Keep mine: make it ${quoted(held)}` },
          { resolution: Resolution.KEEP_THEIRS, label: `Keep theirs: leave it ${quoted(shown)}` },
        ],
      };
    }
    default:
      return { headline: flag.message, sides: [], actions: [] };
  }
}

export const resolutionNames = {
  [Resolution.KEEP_MINE]: 'kept mine', [Resolution.KEEP_THEIRS]: 'kept theirs',
  [Resolution.ACCEPT]: 'accepted', [Resolution.DISCARD]: 'discarded',
};
