// The messages of proto/crdtfieldstore/v1 the board uses, as proto.js schemas (field number ->
// [name, type, label]); names follow the .proto files so the two can be compared line by line.
export const schemas = {
  DocumentKey: { 1: ['collection', 'string'], 2: ['id', 'string'] },
  Dot: { 1: ['replica', 'string'], 2: ['seq', 'uint64'] },
  FieldValue: {
    1: ['null_value', 'bool'], 2: ['string_value', 'string'], 3: ['integer_value', 'sint64'],
    4: ['decimal_value', 'string'], 5: ['bool_value', 'bool'], 6: ['timestamp_ms', 'int64'],
    7: ['bytes_value', 'bytes'], 8: ['reference', 'DocumentKey'],
  },
  ElementFieldValue: { 1: ['field', 'string'], 2: ['value', 'FieldValue'] },
  SetField: { 1: ['field', 'string'], 2: ['value', 'FieldValue'] },
  Mutation: { 1: ['set_field', 'SetField'] },
  ElementView: { 1: ['element_id', 'string'], 2: ['fields', 'string', 'map:FieldValue'], 3: ['held_back', 'bool'] },
  ElementList: { 1: ['elements', 'ElementView', 'repeated'] },
  DocumentView: {
    1: ['document', 'DocumentKey'], 2: ['fields', 'string', 'map:FieldValue'], 3: ['sets', 'string', 'map:ElementList'],
    4: ['deleted', 'bool'], 5: ['version', 'uint64'], 6: ['totals', 'string', 'map:string'], 7: ['open_flags', 'uint32'],
  },
  GetDocumentRequest: { 1: ['document', 'DocumentKey'] },
  MutateRequest: { 1: ['document', 'DocumentKey'], 2: ['mutations', 'Mutation', 'repeated'], 3: ['expected_version', 'uint64'] },
  MutateResponse: { 1: ['document', 'DocumentView'], 2: ['dot', 'Dot'] },
  WatchRequest: { 1: ['documents', 'DocumentKey', 'repeated'], 2: ['collection', 'string'], 3: ['send_initial', 'bool'] },
  DocumentChange: { 1: ['document', 'DocumentView'], 2: ['left_scope', 'bool'] },
  FlagView: {
    1: ['id', 'string'], 2: ['kind', 'enum'], 3: ['severity', 'string'], 4: ['document', 'DocumentKey'],
    5: ['field', 'string'], 6: ['element_id', 'string'], 7: ['message', 'string'], 8: ['winner_value', 'FieldValue'],
    9: ['loser_value', 'FieldValue'], 10: ['winner_author', 'string'], 11: ['loser_author', 'string'],
    12: ['ops', 'Dot', 'repeated'], 13: ['resolution', 'enum'], 14: ['resolved_by', 'string'],
    15: ['winner_time_ms', 'int64'], 16: ['loser_time_ms', 'int64'],
  },
  ListFlagsRequest: { 1: ['document', 'DocumentKey'], 2: ['include_resolved', 'bool'] },
  ListFlagsResponse: { 1: ['flags', 'FlagView', 'repeated'] },
  ResolveFlagRequest: { 1: ['document', 'DocumentKey'], 2: ['flag_id', 'string'], 3: ['resolution', 'enum'] },
  ResolveFlagResponse: { 1: ['flag', 'FlagView'], 2: ['document', 'DocumentView'] },
  WhoAmIRequest: {},
  WhoAmIResponse: { 1: ['name', 'string'], 2: ['role', 'string'], 3: ['tenant', 'string'] },
};

export const FlagKind = { WORK_ON_CLOSED_ORDER: 1, CONCURRENT_EDIT: 2, EDIT_ON_DELETED: 3, STATUS_CONFLICT: 4 };
export const Resolution = { KEEP_MINE: 1, KEEP_THEIRS: 2, ACCEPT: 3, DISCARD: 4 };
