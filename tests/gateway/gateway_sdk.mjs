// The media gateway's methods through the published samsar-js 0.48.48 against a reelforge server: each
// call must answer 2xx and its request reach COMPLETED through the SDK's own status method. Media the
// calls need (a still, a short clip) come from the fixture server (COMPAT_STILL, COMPAT_CLIP). Prints
// one JSON line: the methods served and the failures.
import { sdkRun } from '../support/sdk_run.mjs';

const { platform, failures, call, completed: completedId, report } = sdkRun();
const still = process.env.COMPAT_STILL;
const clip = process.env.COMPAT_CLIP;
// The request `res` made, polled with the SDK's status method `statusName` until it ends.
const completed = (name, statusName, res) => completedId(name, statusName, res?.data.request_id);

const audio = 'getV2ExternalAudioStatus';
const speech = await completed('requestV2ExternalAudioRoute', audio, await call('requestV2ExternalAudioRoute',
  () => platform.requestV2ExternalAudioRoute('text_to_speech', { input: { text: 'Welcome to the harbour tour.' } })));
const jobs = [
  completed('createV2ExternalTextToMusicAudio', audio, await call('createV2ExternalTextToMusicAudio',
    () => platform.createV2ExternalTextToMusicAudio({ prompt: 'Warm acoustic morning', model: 'LYRIA3', duration: 3 }))),
  completed('requestV2ExternalAudio', audio, await call('requestV2ExternalAudio',
    () => platform.requestV2ExternalAudio({ route_type: 'text_to_music', input: { prompt: 'Calm piano', duration: 2 } }))),
  completed('requestExternalAudioRoute', 'getExternalAudioStatus', await call('requestExternalAudioRoute',
    () => platform.requestExternalAudioRoute('sound_effects', { input: { prompt: 'rain on a window', duration: 2 } }))),
  completed('requestV2ExternalAudioRoute(transcript_alignment)', audio, await call('requestV2ExternalAudioRoute',
    () => platform.requestV2ExternalAudioRoute('transcript_alignment', {
      input: { audio_url: speech?.audio_url, text: 'Welcome to the harbour tour.' } }))),
  completed('requestV2ExternalImage', 'getV2ExternalImageStatus', await call('requestV2ExternalImage',
    () => platform.requestV2ExternalImage('text_to_image', { input: { prompt: 'A lighthouse at dusk' } }))),
  completed('createV2ExternalLipSyncVideo', 'getV2ExternalVideoStatus', await call('createV2ExternalLipSyncVideo',
    () => platform.createV2ExternalLipSyncVideo({ video_url: still, audio_url: speech?.audio_url, aspect_ratio: '16:9' }))),
  completed('createV2ExternalSoundEffectVideo', 'getV2ExternalVideoStatusDetailed', await call('createV2ExternalSoundEffectVideo',
    () => platform.createV2ExternalSoundEffectVideo({ video_url: clip, prompt: 'footsteps on gravel' }))),
  completed('createV2ExternalVideoRequestFromImage', 'getV2ExternalVideoStatus', await call('createV2ExternalVideoRequestFromImage',
    () => platform.createV2ExternalVideoRequestFromImage({ image_url: still, aspect_ratio: '9:16' }))),
];
const results = await Promise.all(jobs);
if (results[3] && results[3].method !== 'tts_word_events') failures.push({ name: 'transcript_alignment', body: results[3] });
const text = await call('createV2ExternalVideoRequestFromText', () => platform.createV2ExternalVideoRequestFromText({
  prompt: 'A slow tour of a quiet harbour', duration: 60 }));
if (text) await call('cancelV2Render', () => platform.cancelV2Render({ videoSessionId: text.data.request_id }));
report();
