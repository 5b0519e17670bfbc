// daemon.js — black-box test support for the JavaScript client tests: starts the real `samsvar serve`
// the way tests/support/daemon.c does (a config and a fresh store in a new temp folder, listening on a
// free loopback port the daemon picks and logs), creates tokens with `samsvar token create`, and stops
// the daemon by its PID with SIGTERM, reporting its exit status (0 = clean).
'use strict';

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = process.env.SAMSVAR_ROOT || path.resolve(__dirname, '..', '..', '..');
const BIN = process.env.SAMSVAR_BIN || path.join(ROOT, 'build', 'samsvar');
const START_TIMEOUT_MS = 10000;
const STOP_TIMEOUT_MS = 10000;

const running = new Set();
// A test file that throws or is interrupted must not leave its daemon behind.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Starts a daemon; `extraConf` lines are appended to its config. Resolves to
// { port, baseUrl, dir, conf, token(name, role), stop() } once the daemon logs where it listens.
async function startDaemon(extraConf = '') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsvar-js-'));
  const conf = path.join(dir, 'samsvar.conf');
  const logPath = path.join(dir, 'daemon.log');
  fs.writeFileSync(conf, `listen = 127.0.0.1:0\nstore = ${dir}/store.db\ncontent = ${ROOT}/mappings\n`
    + `threads = 2\n${extraConf}\n`);
  const log = fs.openSync(logPath, 'w');
  const child = spawn(BIN, ['serve', '--config', conf], { stdio: ['ignore', 'ignore', log] });
  fs.closeSync(log);
  running.add(child);
  let exited = null;
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      resolve(exited);
    });
  });

  let port = 0;
  for (let waited = 0; !port && waited < START_TIMEOUT_MS; waited += 50) {
    await sleep(50);
    if (exited) break;
    const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(fs.readFileSync(logPath, 'utf8'));
    if (m) port = Number(m[1]);
  }
  if (!port) {
    child.kill('SIGKILL');
    await exit;
    const text = fs.readFileSync(logPath, 'utf8');
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`samsvar did not start (${BIN}):\n${text}`);
  }

  return {
    port,
    dir,
    conf,
    pid: child.pid,
    baseUrl: `http://127.0.0.1:${port}/fhir`,
    // `samsvar token create` against this daemon's store; resolves to the token it prints once, as
    // soon as the daemon accepts it (it reads new tokens within its 200 ms poll of the store).
    async token(name, role) {
      const out = execFileSync(BIN, ['token', 'create', '--config', conf, '--name', name, '--role', role],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const m = /sv_\S+/.exec(out);
      if (!m) throw new Error(`no token printed: ${out}`);
      for (let i = 0; i < 100; i++) {
        const r = await fetch(`http://127.0.0.1:${port}/fhir/metadata`,
          { headers: { authorization: `Bearer ${m[0]}` } });
        await r.arrayBuffer();
        if (r.status !== 401) return m[0];
        await sleep(50);
      }
      throw new Error('the daemon did not accept the new token within 5 s');
    },
    // SIGTERM by PID; resolves to the exit status (0 = clean), and removes the folder. A daemon
    // that does not exit in time is killed and reported as -1, its log kept for reading.
    async stop() {
      if (!exited) process.kill(child.pid, 'SIGTERM');
      let timer;
      const late = new Promise((resolve) => { timer = setTimeout(resolve, STOP_TIMEOUT_MS, null); });
      const status = await Promise.race([exit, late]);
      clearTimeout(timer);
      if (!status) {
        child.kill('SIGKILL');
        await exit;
        return { status: -1, log: fs.readFileSync(logPath, 'utf8') };
      }
      const text = fs.readFileSync(logPath, 'utf8');
      const clean = status.code === 0;
      if (clean) fs.rmSync(dir, { recursive: true, force: true });
      return { status: clean ? 0 : (status.code ?? -1), log: text };
    },
  };
}

module.exports = { startDaemon };
