// What a samsar-js check script shares: the client from the environment, the record of the methods that
// answered 2xx and of the failures, and the one JSON summary line the Python test reads.
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
  const report = () => console.log(JSON.stringify({ served: [...new Set(served)].sort(), failures }));
  return { platform, failures, call, report };
}
