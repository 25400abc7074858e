// Starts our C# interop server (tests/Crdt.Interop.Server, built by `dotnet build -c Release`) on a
// free port and stops it again; the Node tests then talk to it with @grpc/grpc-js.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './protos.mjs';

export async function startInteropServer() {
  const dll = path.join(repoRoot, 'tests', 'Crdt.Interop.Server', 'bin', 'Release', 'net10.0', 'Crdt.Interop.Server.dll');
  if (!existsSync(dll)) throw new Error(`${dll} is missing: run 'dotnet build CrdtFieldStore.sln -c Release' first`);
  const child = spawn('dotnet', [dll, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const address = await new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`interop server did not start: ${stdout} ${stderr}`)), 30000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on http:\/\/([0-9.]+:\d+)/.exec(stdout);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`interop server exited with ${code}: ${stderr}`)); });
  });
  return {
    address,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
    }),
  };
}
