// Runs Azurite (blob, queue, table) inside this process and shuts it down cleanly when the
// process that started it goes away: devhost keeps this process's stdin open, so a devhost
// that dies even by SIGKILL closes the pipe, and Azurite still saves its data and exits
// instead of being left running on its ports.
const path = require('node:path');

// With the parent gone, its end of our stdout/stderr is closed too: writing there would fail
// (EPIPE) and crash this process before Azurite has saved its data, so stop writing.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});
function silence() {
  for (const method of ['log', 'info', 'warn', 'error', 'debug']) console[method] = () => {};
}

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  silence();
  process.stdin.destroy();
  // Azurite's own SIGTERM handler closes the servers (which saves the data); if anything
  // still holds the process afterwards, exit anyway.
  process.emit('SIGTERM');
  setTimeout(() => process.exit(0), 5000).unref();
}

process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.once('SIGTERM', () => {
  stopping = true;
  process.stdin.destroy();
  setTimeout(() => process.exit(0), 5000).unref();
});

require(path.join(path.dirname(require.resolve('azurite/package.json')), 'dist/src/azurite.js'));
