// What a samsar-js check script shares: the client from the environment, the record of the methods that
// answered 2xx and of the failures, polling a request until it ends, and the one JSON summary line the
// Python test reads (support/samsar_js.py).
import { SamsarClient } from '../compat/node_modules/samsar-js/dist/index.js';

export function sdkRun() {
  const platform = new SamsarClient({ apiKey: process.env.REELFORGE_API_KEY, baseUrl: process.env.REELFORGE_BASE_URL });
  const served = [];
  const failures = [];
  // The method's answer when it is a 2xx (recorded as served), else undefined (recorded as a failure).
  async function call(name, fn) {
    try {
      const res = await fn();
      if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
      served.push(name);
      return res;
    } catch (err) {
      failures.push({ name, error: String(err?.message ?? err), body: err?.body });
      return undefined;
    }
  }
  // Polls request `id` with the SDK's status method `statusName` (each answer recorded like any call)
  // until it ends: the COMPLETED body, else undefined with the failure recorded under `name`. No id: the
  // call that should have made the request has already been recorded as failed.
  async function completed(name, statusName, id, { timeoutMs = 400000, needResultUrl = true } = {}) {
    if (!id) return undefined;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const s = await call(statusName, () => platform[statusName](id));
      if (!s) return undefined;
      if (s.data.status === 'COMPLETED') {
        if (needResultUrl && !s.data.result_url) { failures.push({ name, error: 'no result_url', body: s.data }); return undefined; }
        return s.data;
      }
      if (s.data.status !== 'PENDING') { failures.push({ name, error: `ended ${s.data.status}`, body: s.data }); return undefined; }
      await new Promise((r) => setTimeout(r, 500));
    }
    failures.push({ name, error: 'timed out' });
    return undefined;
  }
  const report = () => console.log(JSON.stringify({ served: [...new Set(served)].sort(), failures }));
  return { platform, failures, call, completed, report };
}
