// Drives a running reelforge server through the published samsar-js SDK, unchanged.
//
// 1. Survey: every SamsarClient method is called once with probe arguments and an invalid key,
//    through a recording fetch. A route reelforge does not serve answers its framework 404
//    ({"error": "http_error"}) or 405; any other answer (401, 400, 200 …) means it is served.
//    Nothing is charged: the key is invalid.
// 2. Scenarios: for every served method, a real call with a funded key must get a 2xx with the
//    fields the SDK (and its readme) read, and a bad call must throw SamsarRequestError with the
//    server's status and message. A served method without a scenario is a failure.
// 3. docs/compatibility.md is written from what actually happened.
//
// Environment: REELFORGE_BASE_URL (…/v1), REELFORGE_API_KEY (funded), COMPAT_IMAGE_FILE (a PNG),
// COMPAT_RECEIPT_FILE (a receipt PNG), COMPAT_DOC (output path), COMPAT_SESSION_TIMEOUT_S, COMPAT_SITE_URL (a
// small site the embeddings crawl reads: tests/compat/embeddings.mjs).

import { readFileSync, writeFileSync } from 'node:fs';
import SamsarClient, { SamsarRequestError } from 'samsar-js';
import { embeddingScenarios } from './embeddings.mjs';
import { platformScenarios } from './platform.mjs';

const SDK_VERSION = JSON.parse(
  readFileSync(new URL('./node_modules/samsar-js/package.json', import.meta.url), 'utf8'),
).version;
const BASE = process.env.REELFORGE_BASE_URL;
const KEY = process.env.REELFORGE_API_KEY;
const pngDataUrl = (path) => (path ? `data:image/png;base64,${readFileSync(path).toString('base64')}` : undefined);
const IMAGE = pngDataUrl(process.env.COMPAT_IMAGE_FILE);
const RECEIPT = pngDataUrl(process.env.COMPAT_RECEIPT_FILE) ?? IMAGE;
const DOC = process.env.COMPAT_DOC;
const SESSION_TIMEOUT_MS = Number(process.env.COMPAT_SESSION_TIMEOUT_S ?? 240) * 1000;
if (!BASE || !KEY || !IMAGE) {
  console.error('REELFORGE_BASE_URL, REELFORGE_API_KEY and COMPAT_IMAGE_FILE are required');
  process.exit(2);
}

// ------------------------------------------------------------------ recording fetch

function recordingFetch(log) {
  return async (url, init = {}) => {
    const entry = { method: init.method ?? 'GET', url: String(url) };
    log.push(entry);
    const response = await globalThis.fetch(url, init);
    const text = await response.clone().text();
    entry.status = response.status;
    try {
      entry.body = JSON.parse(text);
    } catch {
      entry.body = text;
    }
    return response;
  };
}

function routeOf(entry) {
  const url = new URL(entry.url);
  const params = [...url.searchParams.keys()];
  return `${entry.method} ${url.pathname}${params.length ? `?${params.map((k) => `${k}=…`).join('&')}` : ''}`;
}

function isUnrouted(entry) {
  return entry.status === 405 || (entry.status === 404 && entry.body?.error === 'http_error');
}

// ------------------------------------------------------------------ 1. survey

const INTERNALS = new Set([
  'constructor', 'get', 'post', 'postForm', 'request', 'buildHeaders', 'buildUrl', 'buildRootUrl',
  'withV2ExternalUser', 'buildV2Url', 'postV2', 'getV2',
]);
const PROBE_USER = { provider: 'probe', unique_key: 'probe:1', external_user_id: '1' };
const PROBE_INPUT = {
  videoSessionId: 'probe_session', session_id: 'probe_session', request_id: 'probe_request',
  session_ids: ['probe_a', 'probe_b'], template_id: 'probe_template', image_url: IMAGE, image_urls: [IMAGE],
  prompt: 'probe', message: 'probe', language: 'es', outro_image_url: IMAGE, cta_text: 'probe',
  name: 'probe', records: [{ id: '1', text: 'probe' }], search_term: 'probe', system_prompt: 'probe',
  input: 'probe', thresholdCredits: 100, amountUsd: 10, checkoutSessionId: 'probe', loginToken: 'probe',
  // secret: app keys need ≥ 32 characters; email + redirect_url: createV2UserRechargeCredits needs both.
  secret: 'probe-secret-of-at-least-32-characters', amount: 5, appKey: 'probe', email: 'probe@example.com',
  redirect_url: 'https://example.com/probe', imageData: [IMAGE], video_data: {}, images: [{ image_url: IMAGE }],
};
const ARG_PATTERNS = [
  [PROBE_INPUT], ['probe_request', PROBE_INPUT], [PROBE_USER, PROBE_INPUT], [PROBE_INPUT, PROBE_USER],
  ['probe_request', PROBE_INPUT, PROBE_USER], [PROBE_USER, 100], ['probe_route', PROBE_INPUT], [100],
  [[IMAGE]], [PROBE_USER, [IMAGE]], [],
];
// requestExternal{Audio,Image,Video}[Route] take the route name first: probe them with a real one.
const ROUTE_FIRST = [[/Audio(Route)?$/, 'text_to_music'], [/Image$/, 'text_to_image'], [/Video$/, 'text_to_video']];

function argPatterns(name) {
  // The request id first, then the external user (samsar-js refuses a PROBE_INPUT-shaped identity).
  if (name === 'archiveExternalUserRequest') return [['probe_request', PROBE_USER]];
  // Video-to-video gateway methods refuse raw video_data (PROBE_INPUT has it) and need URLs.
  if (/(LipSync|SoundEffect)Video$/.test(name)) return [[{ video_url: IMAGE, audio_url: IMAGE, prompt: 'probe' }]];
  // Methods that chain on a narrative refuse, client-side, an id that is not 24 hex characters (and a prompt).
  if (/BranchingNarrative|FromNarrative|NarrativeVideo$/.test(name)) {
    return [[{ narrative_request_id: '0'.repeat(24), num_levels: 1 }]];
  }
  if (/SingleNarrative(AndPoll)?$/.test(name)) return [[{ prompt: 'probe', duration: 10 }]];
  if (/TextToInteractiveVideo$/.test(name)) {
    return [[{ prompt: 'probe', duration: 10, num_levels: 1, image_model: 'GPTIMAGE2', video_model: 'RUNWAYML' }]];
  }
  if (!/^request(V2)?External(Audio|Image|Video)/.test(name)) return ARG_PATTERNS;
  const route = ROUTE_FIRST.find(([pattern]) => pattern.test(name))?.[1];
  return name.endsWith('ExternalAudio') ? [[{ route_type: route, input: PROBE_INPUT }]] : [[route, { input: PROBE_INPUT }]];
}

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('probe timed out')), ms); }),
  ]);
}

async function survey(name) {
  let lastError = null;
  for (const args of argPatterns(name)) {
    const log = [];
    const client = new SamsarClient({ apiKey: 'rf_probe_invalid_key', baseUrl: BASE, timeoutMs: 10000, fetch: recordingFetch(log) });
    try {
      await withTimeout(client[name](...structuredClone(args)), 8000);
    } catch (error) {
      lastError = error;
    }
    if (log.length) {
      const calls = log.map((e) => ({ route: routeOf(e), status: e.status, unrouted: isUnrouted(e) }));
      return { calls, served: calls.every((c) => !c.unrouted) };
    }
  }
  return { calls: [], served: false, noCall: lastError?.message ?? 'no request sent' };
}

// ------------------------------------------------------------------ 2. scenarios

const client = new SamsarClient({ apiKey: KEY, baseUrl: BASE, timeoutMs: 60000 });
const badKeyClient = new SamsarClient({ apiKey: 'rf_live_not_a_real_key', baseUrl: BASE });

class CheckFailed extends Error {}

function expect(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

function expectAccepted(result, what) {
  expect(result.status >= 200 && result.status < 300, `${what}: status ${result.status}`);
  expect(typeof result.data?.request_id === 'string' && result.data.request_id, `${what}: data.request_id missing`);
  expect(typeof result.creditsCharged === 'number', `${what}: creditsCharged header missing`);
  expect(typeof result.creditsRemaining === 'number', `${what}: creditsRemaining header missing`);
  return `2xx, data.request_id, creditsCharged=${result.creditsCharged}`;
}

async function expectError(promise, status, what) {
  try {
    await promise;
  } catch (error) {
    expect(error instanceof SamsarRequestError, `${what}: threw ${error?.constructor?.name}: ${error?.message}`);
    expect(error.status === status, `${what}: expected ${status}, got ${error.status} (${JSON.stringify(error.body)})`);
    expect(typeof error.body?.message === 'string' && error.body.message, `${what}: error body has no message`);
    return `SamsarRequestError ${status}`;
  }
  throw new CheckFailed(`${what}: expected SamsarRequestError ${status}, got success`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Jobs accepted only to check the answer are cancelled at once, so the suite does not leave a
// queue of renders behind on a shared server (a cancel also refunds).
async function cancelQuietly(requestId) {
  try {
    await client.cancelRender({ videoSessionId: requestId });
  } catch {
    // already finished: nothing to stop
  }
}

async function pollUntilFinal(requestId, getter = (id) => client.getStatus(id)) {
  const deadline = Date.now() + SESSION_TIMEOUT_MS;
  for (;;) {
    const { data } = await getter(requestId);
    if (data.status !== 'PENDING') return data;
    expect(Date.now() < deadline, `${requestId} still PENDING after ${SESSION_TIMEOUT_MS / 1000}s`);
    await sleep(500);
  }
}

// Shared fixtures, created on first use.
const memo = new Map();
function once(key, make) {
  if (!memo.has(key)) memo.set(key, make());
  return memo.get(key);
}
const imageListVideo = () => once('video', () => client.createVideoFromImageList({
  image_urls: [IMAGE, { image_url: IMAGE, title: 'Second look' }],
  prompt: 'Linen travel shirt teaser', metadata: { product: 'linen travel shirt' }, aspect_ratio: '16:9', language: 'en',
}));
const completedSession = () => once('completed', async () => {
  const created = await imageListVideo();
  const final = await pollUntilFinal(created.data.request_id);
  expect(final.status === 'COMPLETED', `source video ended ${final.status}: ${final.message ?? ''}`);
  expect(typeof final.result_url === 'string' && final.result_url, 'completed video has no result_url');
  return created.data.request_id;
});
const enhanced = () => once('enhance', () => client.enhanceImage({ image_url: IMAGE, resolution: '1k' }));
const receiptTemplate = () => once('receipt', () => client.createReceiptTemplate({ image_url: RECEIPT, template_name: 'compat-receipt' }));

// A pending (not yet rendered) session: operations on it must be refused with a 400.
const pendingSession = () => once('pending', async () => {
  const r = await client.createVideoFromText({ prompt: 'A session that is still rendering', duration: 6 });
  await cancelQuietly(r.data.request_id);
  return r.data.request_id;
});

// A session operation: accepted on a completed session (then cancelled), and a 400 for
// ``badInput`` (by default the same call on a session that is not completed), plus a 404 for
// a session that does not exist.
async function sessionOp(name, input, badInput) {
  const sessionId = await completedSession();
  const result = await client[name]({ videoSessionId: sessionId, ...input });
  expect(result.status >= 200 && result.status < 300, `${name}: status ${result.status}`);
  expect(typeof result.data?.request_id === 'string', `${name}: data.request_id missing`);
  expect(typeof result.data?.sessionID === 'string', `${name}: SDK-normalised data.sessionID missing`);
  await cancelQuietly(result.data.request_id);
  const bad = badInput ? { videoSessionId: sessionId, ...badInput } : { videoSessionId: await pendingSession(), ...input };
  return [
    `2xx, data.request_id, creditsCharged=${result.creditsCharged ?? 0}`,
    await expectError(client[name](bad), 400, `${name} bad input`),
    await expectError(
      client[name]({ ...input, videoSessionId: 'vid_does_not_exist' }),
      UNKNOWN_SESSION_STATUS[name] ?? 404,
      `${name} unknown session`,
    ),
  ];
}

// video-api.txt answers an unknown session with 400 on translate_video ("invalid/missing fields
// (unknown session id, …)"), 404 on the other session routes.
const UNKNOWN_SESSION_STATUS = { translateVideo: 400 };

function pngBytes() {
  return Uint8Array.from(Buffer.from(IMAGE.split(',')[1], 'base64'));
}

const SCENARIOS = {
  ...embeddingScenarios({ client, expect, expectError, once, site: process.env.COMPAT_SITE_URL }),
  ...platformScenarios({ client, expect, expectError, once, completedSession, pollUntilFinal, cancelQuietly,
    SamsarClient, BASE, IMAGE }),
  async createVideoFromText() {
    const r = await client.createVideoFromText({ prompt: 'A drone shot of a beach at sunrise', duration: 6, enable_subtitles: true });
    const ok = expectAccepted(r, 'createVideoFromText');
    expect(r.data.creditsCharged === r.creditsCharged, 'body creditsCharged differs from the header');
    await cancelQuietly(r.data.request_id);
    const err = await expectError(client.createVideoFromText({ prompt: 'x'.repeat(501), duration: 6 }), 400, 'prompt > 500');
    return [ok, err];
  },
  async createVideoFromImageList() {
    const r = await imageListVideo();
    const ok = expectAccepted(r, 'createVideoFromImageList');
    expect(r.data.sessionID === r.data.request_id, 'sessionID not normalised from the response');
    const err = await expectError(client.createVideoFromImageList({ image_urls: ['ftp://nope/a.png'] }), 400, 'bad image URL');
    return [ok, err];
  },
  async getStatus() {
    const created = await imageListVideo();
    const r = await client.getStatus(created.data.request_id);
    expect(r.data.request_id === created.data.request_id, 'getStatus: request_id differs');
    expect(['PENDING', 'COMPLETED', 'FAILED', 'CANCELLED'].includes(r.data.status), `getStatus: status ${r.data.status}`);
    if (r.data.status === 'PENDING') expect(typeof r.data.expressGenerationStatus === 'object', 'no expressGenerationStatus while PENDING');
    // PENDING or COMPLETED depending on how far the render got: the doc names both, so it does not change run to run.
    return ['2xx, data.status=PENDING or COMPLETED', await expectError(client.getStatus('req_does_not_exist'), 404, 'unknown id')];
  },
  async getImageStatus() {
    const e = await enhanced();
    const final = await pollUntilFinal(e.data.request_id, (id) => client.getImageStatus(id));
    expect(final.status === 'COMPLETED' && final.result_url, `enhance ended ${final.status}`);
    return ['2xx, data.status=COMPLETED, data.result_url', await expectError(client.getImageStatus('img_nope'), 404, 'unknown id')];
  },
  async enhanceImage() {
    const r = await enhanced();
    const ok = expectAccepted(r, 'enhanceImage');
    expect(r.creditsCharged === 45, `1k enhance charged ${r.creditsCharged}, expected 45`);
    return [ok, await expectError(client.enhanceImage({ image_url: 'not a url' }), 400, 'bad image_url')];
  },
  async getCreditsBalance() {
    const r = await client.getCreditsBalance();
    expect(typeof r.data.credits === 'number', 'data.credits missing');
    return [`2xx, data.credits=${r.data.credits}`, await expectError(badKeyClient.getCreditsBalance(), 401, 'invalid key')];
  },
  async getSupportedTextToVideoModels() {
    const r = await client.getSupportedTextToVideoModels();
    expect(Array.isArray(r.data.VIDEO_MODELS) && r.data.VIDEO_MODELS.length, 'data.VIDEO_MODELS empty');
    expect(Array.isArray(r.data.IMAGE_MODELS), 'data.IMAGE_MODELS missing');
    return ['2xx, data.IMAGE_MODELS, data.VIDEO_MODELS', await expectError(badKeyClient.getSupportedTextToVideoModels(), 401, 'invalid key')];
  },
  async fetchLatestVideoVersion() {
    const created = await imageListVideo();
    const r = await client.fetchLatestVideoVersion(created.data.request_id);
    expect([200, 202].includes(r.status), `status ${r.status}`);
    expect(r.data.session_id === created.data.request_id && r.data.status, 'data.session_id/status missing');
    return [`${r.status}, data.status=${r.data.status}`, await expectError(client.fetchLatestVideoVersion('vid_nope'), 404, 'unknown session')];
  },
  async cancelRender() {
    const created = await client.createVideoFromText({ prompt: 'A render to cancel', duration: 6 });
    const r = await client.cancelRender({ videoSessionId: created.data.request_id });
    expect(r.data.cancelled === true && r.data.status === 'CANCELLED', `cancel answered ${JSON.stringify(r.data)}`);
    expect(r.data.sessionID === created.data.request_id, 'sessionID not normalised');
    const done = await enhanced();
    await pollUntilFinal(done.data.request_id);
    const err = await expectError(client.cancelRender({ videoSessionId: done.data.request_id }), 400, 'already completed');
    return ['2xx, data.cancelled, data.status=CANCELLED', err];
  },
  async listCompletedVideoSessions() {
    const sessionId = await completedSession();
    const r = await client.listCompletedVideoSessions();
    expect(Array.isArray(r.data), 'data is not the normalised array');
    expect(r.data.some((s) => s.session_id === sessionId && s.result_url), 'completed session not listed');
    return ['2xx, data[].session_id/result_url', await expectError(badKeyClient.listCompletedVideoSessions(), 401, 'invalid key')];
  },
  updateVideoOutroImage: () => sessionOp(
    'updateVideoOutroImage',
    { generate_outro_image: true, cta_url: 'https://example.com/book' },
    { generate_outro_image: true, cta_url: 'ftp://example.com/book' },
  ),
  updateVideoFooterImage: () => sessionOp(
    'updateVideoFooterImage',
    { cta_text: 'Scan to book', cta_url: 'https://example.com/book' },
    { cta_text: 'Scan to book', cta_url: 'ftp://example.com/book' },
  ),
  addVideoOutroImage: () => sessionOp('addVideoOutroImage', { outro_image_url: IMAGE }, { outro_image_url: 'not a url' }),
  translateVideo: () => sessionOp('translateVideo', { language: 'es' }, { language: 'xx' }),
  cloneVideo: () => sessionOp('cloneVideo', {}),
  removeSubtitles: () => sessionOp('removeSubtitles', {}),
  addSubtitles: () => sessionOp('addSubtitles', {}),
  async joinVideos() {
    const sessionId = await completedSession();
    const clone = await client.cloneVideo({ videoSessionId: sessionId });
    await pollUntilFinal(clone.data.request_id);
    const r = await client.joinVideos({ session_ids: [sessionId, clone.data.request_id] });
    const ok = expectAccepted(r, 'joinVideos');
    await cancelQuietly(r.data.request_id);
    return [
      ok,
      await expectError(client.joinVideos({ session_ids: [sessionId, sessionId] }), 400, 'repeated session'),
      await expectError(client.joinVideos({ session_ids: [sessionId, 'vid_nope'] }), 404, 'unknown session'),
    ];
  },
  async removeBrandingFromImage() {
    const r = await client.removeBrandingFromImage({ image_url: IMAGE });
    expect(r.status >= 200 && r.status < 300 && (r.data.request_id || r.data.result_url), 'no request_id/result_url');
    await cancelQuietly(r.data.request_id);
    return ['2xx', await expectError(client.removeBrandingFromImage({ image_url: 'not a url' }), 400, 'bad image_url')];
  },
  async extendImageList() {
    const r = await client.extendImageList({ image_urls: [IMAGE], prompt: 'Spring collection banner', num_images: 2, aspect_ratio: '16:9' });
    expect(r.status >= 200 && r.status < 300, `status ${r.status}`);
    expect(r.creditsCharged === 150, `charged ${r.creditsCharged}, expected 2 × 75`);
    await cancelQuietly(r.data.request_id);
    return ['2xx, creditsCharged=150', await expectError(client.extendImageList({ image_urls: [] }), 400, 'empty image_urls')];
  },
  async assignImageTitle() {
    const r = await client.assignImageTitle({ image_url: IMAGE, metadata: { product: 'linen travel shirt' } });
    expect(typeof r.data.content === 'string' && r.data.content.trim(), 'data.content missing');
    const binary = await client.assignImageTitle({ image: pngBytes(), fileName: 'product.png', mimeType: 'image/png', metadata: { product: 'linen travel shirt' } });
    expect(typeof binary.data.content === 'string' && binary.data.content.trim(), 'binary upload: data.content missing');
    return [`2xx, data.content="${r.data.content}" (JSON and multipart)`, await expectError(client.assignImageTitle({ image_url: 'not a url' }), 400, 'bad image_url')];
  },
  async assignTitleToImage() {
    const r = await client.assignTitleToImage({ image_url: IMAGE, metadata: { product: 'linen travel shirt' } });
    expect(typeof r.data.content === 'string', 'data.content missing');
    return ['2xx, data.content', await expectError(client.assignTitleToImage({ image_url: 'not a url' }), 400, 'bad image_url')];
  },
  async createReceiptTemplate() {
    const r = await receiptTemplate();
    expect(typeof r.data.template_id === 'string' && r.data.template_id, 'data.template_id missing');
    return ['2xx, data.template_id', await expectError(client.createReceiptTemplate({ image_url: 'not a url' }), 400, 'bad image_url')];
  },
  async getReceiptTemplateJson() {
    const t = await receiptTemplate();
    const r = await client.getReceiptTemplateJson(t.data.template_id);
    expect(r.data.template_json && typeof r.data.template_json === 'object', 'data.template_json missing');
    return ['2xx, data.template_json', await expectError(client.getReceiptTemplateJson('rtpl_nope'), 404, 'unknown template')];
  },
  async queryReceiptTemplate() {
    const t = await receiptTemplate();
    const r = await client.queryReceiptTemplate({ image_url: RECEIPT, template_id: t.data.template_id });
    expect(r.data.receipt_json && typeof r.data.receipt_json === 'object', 'data.receipt_json missing');
    expect(r.creditsCharged === 50, `charged ${r.creditsCharged}, expected 50`);
    return ['2xx, data.receipt_json, creditsCharged=50', await expectError(client.queryReceiptTemplate({ image_url: RECEIPT, template_id: 'rtpl_nope' }), 404, 'unknown template')];
  },
  async createRollupBanner() {
    // max_tiles and tile_width (a reelforge extension) keep the render small; the SDK passes them through.
    const r = await client.createRollupBanner({ images: [{ image_url: IMAGE, image_text: 'Rooftop Bar' }], columns: 2, max_tiles: 2, tile_width: 128 });
    expect(r.status >= 200 && r.status < 300 && (r.data.request_id || r.data.result_url), 'no request_id/result_url');
    await cancelQuietly(r.data.request_id);
    return ['2xx', await expectError(client.createRollupBanner({ images: [{ image_url: IMAGE }], columns: 9 }), 400, 'columns 9')];
  },
  async enhanceAndGenerateRollupBanner() {
    // max_tiles and tile_width (a reelforge extension) keep the render small; the SDK passes them through.
    const r = await client.enhanceAndGenerateRollupBanner({ images: [{ image_url: IMAGE, image_text: 'Rooftop Bar' }], columns: 2, max_tiles: 2, tile_width: 128 });
    expect(r.status >= 200 && r.status < 300 && (r.data.request_id || r.data.result_url), 'no request_id/result_url');
    await cancelQuietly(r.data.request_id);
    return ['2xx', await expectError(client.enhanceAndGenerateRollupBanner({ images: [{ image_url: IMAGE }], columns: 9 }), 400, 'columns 9')];
  },
  // ---- language model (README: enhance and assistant examples, verbatim where they are runnable)
  async enhanceMessage() {
    const r = await client.enhanceMessage({ message: 'Please improve this caption.', maxwords: 450 });
    expect(typeof r.data.content === 'string' && r.data.content.trim(), 'enhanceMessage: empty content');
    expect(typeof r.creditsCharged === 'number' && r.creditsCharged > 0, 'enhanceMessage: creditsCharged header missing');
    const short = await client.enhanceMessage({ message: 'new shirt out now buy it today please', maxWords: 5 });
    expect(short.data.content.split(/\s+/).filter(Boolean).length <= 5, `maxWords not honoured: ${short.data.content}`);
    return [`2xx, data.content, creditsCharged=${r.creditsCharged}`, await expectError(client.enhanceMessage({ message: '' }), 400, 'empty message')];
  },
  async setAssistantSystemPrompt() {
    const r = await client.setAssistantSystemPrompt({
      system_prompt: 'You are the brand assistant for Acme. Keep answers concise and commercially practical.',
    });
    expect(r.data.system_prompt?.startsWith('You are the brand assistant'), 'system_prompt not echoed');
    return ['2xx, data.system_prompt', await expectError(badKeyClient.setAssistantSystemPrompt({ system_prompt: 'x' }), 401, 'invalid key')];
  },
  async createAssistantCompletion() {
    const sessionId = await completedSession();
    const assistant = await client.createAssistantCompletion({
      session_id: sessionId,
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Write a launch caption for this session.' }] }],
      max_output_tokens: 60,
    });
    expect(typeof assistant.data.output_text === 'string' && assistant.data.output_text.trim(), 'no output_text');
    expect(typeof assistant.creditsCharged === 'number' && assistant.creditsCharged > 0, 'creditsCharged header missing');
    const assistantImage = await client.createAssistantCompletion({
      session_id: sessionId,
      input: 'Create a clean launch poster image for this session.',
      tools: [{ type: 'image_generation', size: '1024x1024', quality: 'high' }],
      tool_choice: { type: 'image_generation' },
      max_output_tokens: 16,
    });
    const generatedImage = assistantImage.data.output?.find(
      (item) => item.type === 'image_generation_call' && typeof item.result === 'string',
    );
    expect(Buffer.from(generatedImage?.result ?? '', 'base64').subarray(1, 4).toString() === 'PNG', 'no PNG in image_generation_call');
    return [
      `2xx, data.output_text, image_generation_call PNG, creditsCharged=${assistant.creditsCharged}`,
      await expectError(client.createAssistantCompletion({ session_id: 'vid_does_not_exist', input: 'hi' }), 404, 'unknown session'),
    ];
  },
  ...Object.fromEntries(['createExternalChatCompletion', 'createV2ExternalChatCompletion', 'createExternalChat', 'createV2ExternalChat'].map((name) => [name, async () => {
    const r = await client[name]({ messages: [{ role: 'user', content: 'Name three colours.' }], max_tokens: 24 });
    expect(r.data.object === 'chat.completion' && r.data.choices?.[0]?.message?.content, `${name}: no choices[0].message.content`);
    expect(typeof r.data.usage?.total_tokens === 'number', `${name}: no usage`);
    return [`2xx, choices[0].message.content, usage, creditsCharged=${r.creditsCharged}`,
      await expectError(client[name]({ messages: [] }), 400, 'no messages')];
  }])),
  ...Object.fromEntries(['createV2ExternalChatCompletionAsync', 'createV2ExternalAssistantCompletionAsync'].map((name) => [name, async () => {
    const r = await client[name]({ messages: [{ role: 'user', content: 'Say hi.' }], max_tokens: 8 });
    expectAccepted(r, name);
    return [`2xx, data.request_id, data.status=${r.data.status}`, await expectError(client[name]({ messages: [] }), 400, 'no messages')];
  }])),
  ...Object.fromEntries(['getV2ExternalChatCompletionStatus', 'getV2ExternalAssistantCompletionStatus'].map((name) => [name, async () => {
    const queued = await client.createV2ExternalChatCompletionAsync({ messages: [{ role: 'user', content: 'Say hi.' }], max_tokens: 8 });
    const r = await client[name](queued.data.request_id);
    expect(['PROCESSING', 'COMPLETED'].includes(r.data.status), `${name}: status ${r.data.status}`);
    // Either answer is right (it depends on how far the job got): the doc names both, so it does not change run to run.
    return ['2xx, data.status=PROCESSING or COMPLETED', await expectError(client[name]('chat_does_not_exist'), 404, 'unknown id')];
  }])),
  ...Object.fromEntries(['pollV2ExternalChatCompletion', 'pollV2ExternalAssistantCompletion'].map((name) => [name, async () => {
    const queued = await client.createV2ExternalChatCompletionAsync({ messages: [{ role: 'user', content: 'Say hi.' }], max_tokens: 8 });
    const r = await client[name](queued.data.request_id, { pollIntervalMs: 250 });
    expect(r.data.status === 'COMPLETED' && r.data.response?.choices?.[0]?.message, `${name}: not completed with a response`);
    return ['2xx, COMPLETED, data.response', await expectError(client[name]('chat_does_not_exist'), 404, 'unknown id')];
  }])),
  ...Object.fromEntries(['createV2ExternalChatCompletionAndPoll', 'createV2ExternalAssistantCompletionAndPoll'].map((name) => [name, async () => {
    const r = await client[name]({ messages: [{ role: 'user', content: 'Say hi.' }], max_tokens: 8 }, { pollIntervalMs: 250 });
    expect(r.data.status === 'COMPLETED' && r.data.response?.choices?.[0]?.message, `${name}: not completed with a response`);
    return ['2xx, COMPLETED, data.response', await expectError(client[name]({ messages: [] }), 400, 'no messages')];
  }])),
  // Moderation: the packaged offline classifier (README, "Language model"), OpenAI's results shape.
  ...Object.fromEntries(['createExternalModeration', 'createV2ExternalModeration'].map((name) => [name, async () => {
    const r = await client[name]({ input: 'Our linen shirt ships in three colours.' });
    const result = r.data.results?.[0];
    expect(result?.flagged === false && typeof result?.category_scores?.profanity === 'number', `${name}: no results[0]`);
    return [`2xx, data.results[0].flagged, category_scores, provider=${r.data.provider}`,
      await expectError(client[name]({ input: [] }), 400, 'no input'),
      await expectError(badKeyClient[name]({ input: 'hello' }), 401, 'invalid key')];
  }])),
  ...Object.fromEntries(['getExternalProviderCapabilities', 'getV2ExternalProviderCapabilities'].map((name) => [name, async () => {
    const r = await client[name]();
    expect(typeof r.data.providers === 'object' && Object.keys(r.data.providers).length, `${name}: no providers`);
    return ['2xx, data.providers', await expectError(badKeyClient[name](), 401, 'invalid key')];
  }])),
  ...Object.fromEntries(['validateDeploymentProviders', 'validateV2ExternalDeploymentProviders'].map((name) => [name, async () => {
    const r = await client[name]({ samsarApiKey: KEY });
    expect(r.data.providers?.samsar?.ok === true && Array.isArray(r.data.available?.providers), `${name}: key not validated`);
    return ['2xx, data.providers.samsar.ok, data.available', await expectError(badKeyClient[name]({}), 401, 'invalid key')];
  }])),
  ...Object.fromEntries(['validateSamsarApiKey', 'validateProcessorApiKey', 'validateV2ExternalSamsarApiKey'].map((name) => [name, async () => {
    const r = await client[name]();
    expect(r.data.valid === true && typeof r.data.remainingCredits === 'number', `${name}: not valid`);
    return ['2xx, data.valid, data.remainingCredits', await expectError(client[name]('rf_live_not_a_real_key'), 401, 'invalid key')];
  }])),
};

// ------------------------------------------------------------------ 2b. the processor's other routes

// Routes the open-source Samsar processor serves beside the SDK's (no SDK method calls them):
// probed directly, served when the answer is not the framework's 404/405 for an unknown route.
const ORIGIN = BASE.replace(/\/v1\/?$/, '');
const EXTRA_ROUTES = [
  ['GET', '/health/live'],
  ['GET', '/health/ready'],
  ['GET', '/health/dependencies'],
  ['POST', '/v1/image/text_to_image', { prompt: 'A lighthouse at dawn', size: '256x256' }],
  ['POST', '/v1/image/generate', { prompt: 'A lighthouse at dawn', size: '256x256' }],
  ['POST', '/v1/image/generations', { prompt: 'A lighthouse at dawn', size: '256x256' }],
  ['GET', '/v1/supported_fonts/preview?font_key=Poppins&language=en'],
  ['GET', '/v1/tts/voices'],
  ['GET', '/v1/tts/preview?voice=m3&language=en'],
  ['POST', '/v1/video/pause_render', { videoSessionId: 'vid_unknown' }],
  ['POST', '/v1/video/resume_render', { videoSessionId: 'vid_unknown' }],
  ['POST', '/v1/video/retranslate_video', { videoSessionId: 'vid_unknown', language: 'es' }],
  ['POST', '/v1/video/reroll-layers', { videoSessionId: 'vid_unknown', quote_only: true }],
];

async function probeExtraRoutes() {
  const rows = [];
  for (const [method, path, body] of EXTRA_ROUTES) {
    const response = await globalThis.fetch(ORIGIN + path, {
      method,
      headers: { Authorization: `Bearer ${KEY}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    rows.push({ route: `${method} ${path.split('?')[0]}`, status: response.status, served: !isUnrouted({ status: response.status, body: parsed }) });
  }
  return rows;
}

// ------------------------------------------------------------------ 3. report

function markdown(rows, extra) {
  const served = rows.filter((r) => r.served);
  const notServed = rows.filter((r) => !r.served);
  const route = (r) => (r.calls.length ? r.calls.map((c) => `\`${c.route}\``).join('<br>') : `(the SDK sent nothing: ${r.noCall})`);
  const checked = (r) => (r.scenario.ok ? r.scenario.notes.join('; ') : `**FAILED**: ${r.scenario.error}`).replaceAll('|', '\\|');
  return [
    '# samsar-js compatibility',
    '',
    'Generated by `tests/compat/compat.mjs` (run by `tests/compat/test_compat_samsar_js.py`) from calls of the',
    `published **samsar-js ${SDK_VERSION}** against this reelforge, unchanged. Do not edit by hand.`,
    '',
    '- **served**: the route answers (any status other than the framework\'s 404/405 for an unknown route).',
    '- **checked**: a real call got a 2xx with the fields the SDK reads, and a bad call threw `SamsarRequestError`',
    '  with the server\'s status and message (400 for bad input; reads without a bad-input case check 401/404).',
    '',
    `## Served (${served.length} of ${rows.length} SDK methods)`,
    '',
    '| SDK method | route (as the SDK calls it) | checked |',
    '|---|---|---|',
    ...served.map((r) => `| \`${r.name}\` | ${route(r)} | ${checked(r)} |`),
    '',
    `## Not yet served (${notServed.length})`,
    '',
    '| SDK method | route (as the SDK calls it) |',
    '|---|---|',
    ...notServed.map((r) => `| \`${r.name}\` | ${route(r)} |`),
    '',
    `## The open-source processor's other routes (${extra.filter((r) => r.served).length} of ${extra.length} served)`,
    '',
    'Routes no SDK method calls, probed directly with a funded key.',
    '',
    '| route | served | status of the probe |',
    '|---|---|---|',
    ...extra.map((r) => `| \`${r.route}\` | ${r.served ? 'yes' : 'not yet'} | ${r.status} |`),
    '',
  ].join('\n');
}

// COMPAT_ONLY (a regular expression) limits the run to the methods it matches (tests/compat/test_compat_embeddings.py).
const ONLY = process.env.COMPAT_ONLY ? new RegExp(process.env.COMPAT_ONLY) : null;
// The session operations need a rendered video: start it now so it renders during the survey.
if (!ONLY) imageListVideo().catch(() => {});
const names = Object.getOwnPropertyNames(SamsarClient.prototype)
  .filter((n) => !INTERNALS.has(n) && typeof SamsarClient.prototype[n] === 'function')
  .filter((n) => !ONLY || ONLY.test(n))
  .sort();
const rows = [];
for (const name of names) {
  rows.push({ name, ...(await survey(name)) });
}
// /v2 methods are run through samsar-js by their own suite (tests/v2: the readme's /v2 examples and the
// audio gateway); the rest of the /v2 family is served but has no samsar-js check yet (issue 21).
const V2_SUITE = new Set(["assignV2ImageTitle", "cancelV2Render", "cloneV2Video", "createV2Session", "createV2StepVideoFromImage", "createV2StepVideoFromText", "createV2VideoFromImageList", "createV2VideoFromText", "getV2ExternalAudioStatus", "getV2Status", "getV2StatusDetailed", "getV2StepVideoStatus", "getV2StepVideoStatusDetailed", "joinV2Videos", "listV2ExternalAudioVoices", "processNextV2StepVideo", "translateV2Video", "uploadV2ImageData"]);
// The media gateway's methods, run through samsar-js by tests/gateway (each to COMPLETED through the SDK's status
// method); the names without V2 are the SDK's aliases of the V2 methods.
const GATEWAY_SUITE = new Set(['requestExternalAudioRoute', 'requestExternalAudio', 'createExternalTextToMusicAudio',
  'getExternalAudioStatus', 'requestExternalImage', 'getExternalImageStatus', 'createExternalLipSyncVideo',
  'createExternalSoundEffectVideo', 'getExternalVideoStatus', 'getExternalVideoStatusDetailed',
  'getExternalVideoDetailedStatus', 'createExternalVideoRequestFromImage', 'createExternalVideoRequestFromImageList',
  'createExternalVideoRequestFromText', 'requestExternalVideo'].flatMap((n) => [n, n.replace('External', 'V2External')]));
// Narratives, narrative to video, regenerate_avatar and interactive videos: tests/v2/narrative_sdk.mjs runs them through samsar-js (the
// names it does not call are the SDK's aliases and AndPoll/poll variants of those it does).
const NARRATIVE_SUITE = new Set(['createExternalSingleNarrative', 'createExternalSingleNarrativeAndPoll',
  'createExternalBranchingNarrative', 'createExternalBranchingNarrativeAndPoll', 'getExternalNarrativeStatus',
  'pollExternalNarrative', 'createExternalVideoFromNarrative'].flatMap((n) => [n, n.replace('External', 'V2External')])
  .concat(['createExternalNarrativeVideo', 'regenerateV2VideoAvatar', 'createTextToInteractiveVideo',
    'createV2TextToInteractiveVideo', 'createTextToInteractiveVideoDraftSession']));
const V2_FAMILY = /V2|ExternalAudio|ExternalImageData/;
let failures = 0;
for (const row of rows.filter((r) => r.served)) {
  const scenario = SCENARIOS[row.name];
  if (!scenario && V2_SUITE.has(row.name)) {
    row.scenario = { ok: true, notes: ['checked by tests/v2 (samsar-js, the readme\'s /v2 examples)'] };
    continue;
  }
  if (!scenario && GATEWAY_SUITE.has(row.name)) {
    row.scenario = { ok: true, notes: ['checked by tests/gateway (samsar-js: 2xx, then COMPLETED with an artefact)'] };
    continue;
  }
  if (!scenario && NARRATIVE_SUITE.has(row.name)) {
    row.scenario = { ok: true, notes: ['checked by tests/v2 (samsar-js: 2xx, then COMPLETED with the script or the video)'] };
    continue;
  }
  if (!scenario && V2_FAMILY.test(row.name)) {
    row.scenario = { ok: true, notes: ['served; no samsar-js check yet (issue 21)'] };
    continue;
  }
  if (!scenario) {
    row.scenario = { ok: false, error: 'served, but the compatibility suite has no scenario for it' };
    failures += 1;
    continue;
  }
  const started = Date.now();
  try {
    row.scenario = { ok: true, notes: await scenario() };
  } catch (error) {
    row.scenario = { ok: false, error: error instanceof CheckFailed ? error.message : `${error?.name}: ${error?.message} ${JSON.stringify(error?.body ?? '')}` };
    failures += 1;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.error(`${row.scenario.ok ? 'ok  ' : 'FAIL'} ${row.name} (${seconds}s)${row.scenario.ok ? '' : `: ${row.scenario.error}`}`);
}
const extraRoutes = ONLY ? [] : await probeExtraRoutes();
if (DOC && !ONLY) writeFileSync(DOC, markdown(rows, extraRoutes));
console.log(JSON.stringify({
  sdk: SDK_VERSION,
  methods: rows.length,
  served: rows.filter((r) => r.served).map((r) => r.name),
  extra_routes_served: extraRoutes.filter((r) => r.served).map((r) => r.route),
  failures: rows.filter((r) => r.scenario && !r.scenario.ok).map((r) => ({ method: r.name, error: r.scenario.error })),
}));
process.exit(failures ? 1 : 0);
