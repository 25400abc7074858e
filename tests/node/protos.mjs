// Loads the standard protos from the repo's proto/ folder for the cross-stack tests.
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const loaderOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

/** grpc.testing (TestService, UnimplementedService) from proto/interop/src/proto/grpc/testing/test.proto. */
export function loadTesting() {
  const definition = protoLoader.loadSync('src/proto/grpc/testing/test.proto', {
    ...loaderOptions,
    includeDirs: [path.join(repoRoot, 'proto', 'interop')],
  });
  return grpc.loadPackageDefinition(definition).grpc.testing;
}

/** grpc.health.v1 from proto/grpc/health/v1/health.proto. */
export function loadHealth() {
  const definition = protoLoader.loadSync('grpc/health/v1/health.proto', {
    ...loaderOptions,
    includeDirs: [path.join(repoRoot, 'proto')],
  });
  return grpc.loadPackageDefinition(definition).grpc.health.v1;
}

export { grpc, repoRoot };
