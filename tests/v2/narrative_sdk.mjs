// Narratives, narrative to video and regenerate_avatar through the published samsar-js 0.48.48 against a
// reelforge server: each call answers 2xx and reaches COMPLETED through the SDK's own status or poll
// method. Prints one JSON line: the methods that answered and the failures.
import { sdkRun } from '../support/sdk_run.mjs';

const { platform, failures, call, completed, report } = sdkRun();

const poll = { pollIntervalMs: 500, pollTimeoutMs: 300000 };
const single = await call('createExternalSingleNarrativeAndPoll', () => platform.createExternalSingleNarrativeAndPoll(
  { prompt: 'A street musician plays for the first snowfall', duration: 10, inferenceModel: 'GPT5.6' }, poll));
const id = single?.data.request_id;
if (single && single.data.movieResourceList?.scenes?.length !== 2) failures.push({ name: 'single', body: single.data });
await call('getExternalNarrativeStatus', () => platform.getExternalNarrativeStatus(id));
const queued = await call('createV2ExternalBranchingNarrative',
  () => platform.createV2ExternalBranchingNarrative({ narrativeRequestId: id, numLevels: 1 }));
const tree = queued && await call('pollV2ExternalNarrative', () => platform.pollV2ExternalNarrative(queued.data.request_id, poll));
if (tree && tree.data.branchingMeta?.nodeCount !== 3) failures.push({ name: 'branching', body: tree.data });
const video = await call('createExternalVideoFromNarrative',
  () => platform.createExternalVideoFromNarrative({ narrative_request_id: id, image_model: 'GPTIMAGE2' }));
const rendered = await completed('createExternalVideoFromNarrative', 'getV2ExternalVideoStatus', video?.data.request_id);
const avatar = rendered && await call('regenerateV2VideoAvatar',
  () => platform.regenerateV2VideoAvatar({ videoSessionId: video.data.request_id }));
await completed('regenerateV2VideoAvatar', 'getV2Status', avatar?.data.request_id);
const draft = await call('createTextToInteractiveVideoDraftSession', () => platform.createTextToInteractiveVideoDraftSession());
const interactive = draft && await call('createTextToInteractiveVideo', () => platform.createTextToInteractiveVideo({
  prompt: 'A fox chooses a path through a winter forest', duration: 10, numLevels: 1, imageModel: 'GPTIMAGE2',
  videoModel: 'RUNWAYML', sessionId: draft.data.session_id }));
const played = await completed('createTextToInteractiveVideo', 'getV2Status', interactive?.data.request_id, { timeoutMs: 600000 });
if (played && played.interactive?.tree?.choice_points?.length !== 1) failures.push({ name: 'interactive', body: played });
report();
