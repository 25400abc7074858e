// The relay's public Documents and Sync services, as the board calls them.
import { unary, serverStream } from './grpcweb.js';

const documents = '/crdtfieldstore.v1.Documents/';
const sync = '/crdtfieldstore.v1.Sync/';

export function createApi(token) {
  return {
    whoAmI: () => unary(`${sync}WhoAmI`, 'WhoAmIRequest', 'WhoAmIResponse', {}, token),
    get: (collection, id) => unary(`${documents}Get`, 'GetDocumentRequest', 'DocumentView', { document: { collection, id } }, token),
    mutate: (document, mutations, expectedVersion) =>
      unary(`${documents}Mutate`, 'MutateRequest', 'MutateResponse', { document, mutations, expected_version: expectedVersion }, token),
    listFlags: () => unary(`${documents}ListFlags`, 'ListFlagsRequest', 'ListFlagsResponse', {}, token),
    resolveFlag: (document, flagId, resolution) =>
      unary(`${documents}ResolveFlag`, 'ResolveFlagRequest', 'ResolveFlagResponse', { document, flag_id: flagId, resolution }, token),
    /** Every document in the caller's scope: current states first, then each change. */
    watchAll: (signal, onOpen) =>
      serverStream(`${documents}Watch`, 'WatchRequest', 'DocumentChange', { send_initial: true }, token, signal, onOpen),
  };
}
