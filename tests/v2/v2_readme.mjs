// The samsar-js readme's "Upcoming /v2 omni route adapters" examples against a reelforge server. The calls
// are the readme's; only its cdn.example.com image URLs are replaced by images uploaded first with
// uploadV2ImageData (nothing outside can be reached), and durations are shortened (COMPAT_DURATION) to keep
// renders short. Prints one JSON line: the methods that answered 2xx and reached COMPLETED, and failures.
import { sdkRun } from '../support/sdk_run.mjs';

const { platform, failures, call, completed: completedId, report } = sdkRun();
const images = JSON.parse(process.env.COMPAT_IMAGES); // data URLs
const duration = Number(process.env.COMPAT_DURATION ?? 20);
// Polls request `requestId` with getV2Status until it ends: COMPLETED is what is asked of the readme's
// requests here, not a result_url.
const completed = (name, requestId) => completedId(name, 'getV2Status', requestId, { timeoutMs: 600000, needResultUrl: false });

const uploaded = await call('uploadV2ImageData', () => platform.uploadV2ImageData(images));
const [a, b] = uploaded.data.image_urls;
await call('createV2Session', () => platform.createV2Session());

const v2Video = await call('createV2VideoFromImageList', () => platform.createV2VideoFromImageList({
  image_urls: [a, b],
  video_model: 'RUNWAYML',
  express_cta_generation: true,
  cta_url: 'https://example.com/book',
}));
const v2ImageTitle = await call('assignV2ImageTitle', () => platform.assignV2ImageTitle({
  image_url: a,
  metadata: { product: 'travel shirt', channel: 'marketplace' },
}));
if (v2ImageTitle && !v2ImageTitle.data.content) failures.push({ name: 'assignV2ImageTitle', error: 'no content' });

// The readme sends the same step request twice: straight through, then in two-step mode.
const stepRequest = {
  prompt: 'A 20 second launch teaser for a new travel app',
  image_model: 'GPTIMAGE2',
  video_model: 'RUNWAYML',
  duration,
  aspect_ratio: '16:9',
  enable_subtitles: true,
};
const stepVideo = await call('createV2StepVideoFromText', () => platform.createV2StepVideoFromText(stepRequest));
const twoStepVideo = await call('createV2StepVideoFromText(two_step)',
  () => platform.createV2StepVideoFromText(stepRequest, { stepMode: 'two_step' }));
const stepImageVideo = await call('createV2StepVideoFromImage', () => platform.createV2StepVideoFromImage({
  image_url: a,
  prompt: 'Turn this product frame into a cinematic ad',
  video_model: 'KLINGIMGTOVID3PRO',
  aspect_ratio: '16:9',
}));
if (stepImageVideo && !stepImageVideo.data.step?.current_step) failures.push({ name: 'createV2StepVideoFromImage', error: 'no step.current_step' });

// Two-step: wait until it is held, then release it, as the readme does.
if (twoStepVideo) {
  const id = twoStepVideo.data.request_id;
  let stepStatus = await call('getV2StepVideoStatus', () => platform.getV2StepVideoStatus(id));
  const deadline = Date.now() + 600000;
  while (stepStatus && !(stepStatus.data.waiting_for_process_next || stepStatus.data.can_process_next) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    stepStatus = await platform.getV2StepVideoStatus(id);
  }
  const detailedHeld = await call('getV2StepVideoStatusDetailed', () => platform.getV2StepVideoStatusDetailed(id));
  if (!detailedHeld?.data.session?.layers?.[0]?.preview?.url) failures.push({ name: 'getV2StepVideoStatusDetailed', error: 'no layer preview while held' });
  if (stepStatus.data.waiting_for_process_next || stepStatus.data.can_process_next) {
    stepStatus = await call('processNextV2StepVideo', () => platform.processNextV2StepVideo(id));
  } else failures.push({ name: 'processNextV2StepVideo', error: 'never held' });
}

const vid = v2Video && await completed('createV2VideoFromImageList', v2Video.data.request_id);
if (vid) {
  const v2Translated = await call('translateV2Video', () => platform.translateV2Video({
    videoSessionId: v2Video.data.request_id,
    language: 'es',
    enable_subtitles: false,
    translate_outro: true,
    translate_footer: true,
  }));
  const v2Clone = await call('cloneV2Video', () => platform.cloneV2Video({ videoSessionId: v2Video.data.request_id }));
  const v2Status = await call('getV2Status', () => platform.getV2Status(v2Video.data.request_id));
  if (v2Status?.data.status !== 'COMPLETED') failures.push({ name: 'getV2Status', error: 'not COMPLETED' });
  const v2Detailed = await call('getV2StatusDetailed', () => platform.getV2StatusDetailed(v2Video.data.request_id));
  if (v2Detailed?.data.session?.previewStage !== 'video_generation' || !v2Detailed?.data.session?.layers?.[0]?.preview?.url) {
    failures.push({ name: 'getV2StatusDetailed', error: 'no previewStage / layer preview', body: v2Detailed?.data.session });
  }
  for (const [name, res] of [['translateV2Video', v2Translated], ['cloneV2Video', v2Clone]]) {
    if (res) await completed(name, res.data.request_id);
  }
  if (v2Clone) {
    const joined = await call('joinV2Videos', () => platform.joinV2Videos({ session_ids: [v2Video.data.request_id, v2Clone.data.request_id] }));
    if (joined) await completed('joinV2Videos', joined.data.request_id);
  }
}
for (const [name, res] of [['createV2StepVideoFromText', stepVideo], ['createV2StepVideoFromText(two_step)', twoStepVideo], ['createV2StepVideoFromImage', stepImageVideo]]) {
  if (res) await completed(name, res.data.request_id);
}
// cancelV2Render on a fresh render.
const toCancel = await call('createV2VideoFromText', () => platform.createV2VideoFromText({
  prompt: 'A slow tour of a quiet harbour', image_model: 'GPTIMAGE1', video_model: 'RUNWAYML', duration: 60,
}));
if (toCancel) {
  const cancelled = await call('cancelV2Render', () => platform.cancelV2Render({ videoSessionId: toCancel.data.request_id }));
  if (cancelled && cancelled.data.sessionID !== toCancel.data.request_id) failures.push({ name: 'cancelV2Render', error: 'sessionID' });
}
report();
