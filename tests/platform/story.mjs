// The samsar-js README's "External users" story, verbatim where reelforge serves the method, against a real
// server. Prints one JSON summary line: each step's credits charged and the external user's balance after it.
// Env: REELFORGE_BASE_URL (…/v1), REELFORGE_API_KEY (the platform's key), SAMSAR_JS (path of dist/index.js).
const { default: SamsarClient } = await import(process.env.SAMSAR_JS);

const platform = new SamsarClient({ apiKey: process.env.REELFORGE_API_KEY, baseUrl: process.env.REELFORGE_BASE_URL });
const externalUser = {
  provider: 'whop',
  unique_key: 'whop:usr_123',
  external_user_id: 'usr_123',
  external_app_id: 'app_abc',
  username: 'roy24x7',
};
const steps = [];
const unserved = [];
const note = (name, res) => steps.push({ name, status: res.status, charged: res.creditsCharged ?? null,
  remaining: res.creditsRemaining ?? null });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitDone(requestId) {
  for (let i = 0; i < 600; i += 1) {
    const status = await platform.getExternalStatus(requestId);
    if (status.data.status !== 'PENDING') return status.data;
    await sleep(500);
  }
  throw new Error(`${requestId} still pending`);
}

// Bootstrap or refresh the external user
const externalSession = await platform.createExternalUserSession(externalUser);
note('createExternalUserSession', externalSession);
const sessionInfo = { remaining: externalSession.data.remainingCredits, key: Boolean(externalSession.data.external_api_key) };
note('grantExternalUserCredits', await platform.grantExternalUserCredits(externalUser, 20000));

// Store an external-user-specific assistant prompt
note('setExternalAssistantSystemPrompt', await platform.setExternalAssistantSystemPrompt(
  {
    system_prompt: 'You are the storefront assistant for this creator. Keep answers short, commercial, and visually aware.',
  },
  externalUser,
));

// Create a render attributed to that external user
const externalRender = await platform.createExternalVideoFromText(externalUser, {
  prompt: 'A sleek teaser for a futuristic running shoe',
  image_model: 'GPTIMAGE2',
  video_model: 'RUNWAYML',
  duration: 10,
  enable_subtitles: true,
});
note('createExternalVideoFromText', externalRender);
const rendered = await waitDone(externalRender.data.request_id);

// Update an external user's existing outro by generating a new QR CTA outro
const externalOutroUpdate = await platform.updateExternalVideoOutroImage(externalUser, {
  request_id: externalRender.data.request_id,
  generate_outro_image: true,
  cta_url: 'https://example.com/shop',
  cta_text_top: 'Scan to shop',
  cta_text_bottom: 'Limited drop',
  add_outro_animation: true,
});
note('updateExternalVideoOutroImage', externalOutroUpdate);

// Update or remove an external user's existing footer CTA.
const externalFooterUpdate = await platform.updateExternalVideoFooterImage(externalUser, {
  request_id: externalRender.data.request_id,
  cta_text: 'Scan to shop',
  cta_url: 'https://example.com/shop',
});
note('updateExternalVideoFooterImage', externalFooterUpdate);

// Run an assistant completion against one of that external user's sessions.
// Credits are deducted from the external user, while the owning Samsar account model config is used internally.
const externalAssistant = await platform.createExternalAssistantCompletion(
  {
    session_id: externalRender.data.request_id,
    input: 'Write a product caption for this video and suggest a headline.',
    max_output_tokens: 250,
  },
  externalUser,
);
note('createExternalAssistantCompletion', externalAssistant);

// Build embeddings for that external user from already cleaned plain text
const externalEmbedding = await platform.generateExternalEmbeddingsFromPlainText(
  {
    name: 'creator-docs-clean',
    plain_text: [
      {
        url: 'https://example.com/creator/faq',
        title: 'Creator FAQ',
        content: 'Cleaned plain text content for this external user.',
      },
    ],
  },
  externalUser,
);
note('generateExternalEmbeddingsFromPlainText', externalEmbedding);

// Fetch their external library
const library = await platform.listExternalUserRequests(externalUser, { limit: 12 });
note('listExternalUserRequests', library);
const libraryIds = library.data.requests.map((request) => request.request_id);

await waitDone(externalOutroUpdate.data.request_id);
await waitDone(externalFooterUpdate.data.request_id);

// Publish or archive a render
const published = await platform.publishExternalUserRequest(externalRender.data.request_id, {
  title: 'Running shoe teaser',
}, externalUser);
note('publishExternalUserRequest', published);
note('archiveExternalUserRequest', await platform.archiveExternalUserRequest(externalRender.data.request_id, externalUser));

// Create a short-lived login URL for the external Studio dashboard
const login = await platform.createExternalUserLoginToken(externalUser, {
  redirect: '/external/studio',
});
note('createExternalUserLoginToken', login);

// Exchange the login token for a client auth token
const verified = await platform.verifyClientSession({
  loginToken: login.data.loginToken,
});

// The returned authToken can be used as the SDK apiKey for external-user routes
const externalClient = new SamsarClient({
  apiKey: verified.data.authToken,
  baseUrl: process.env.REELFORGE_BASE_URL,
});
note('externalClient.setExternalAssistantSystemPrompt', await externalClient.setExternalAssistantSystemPrompt({
  system_prompt: 'You are my personal launch assistant. Stay concise and actionable.',
}));
const externalLibrary = await externalClient.listExternalUserRequests();
note('externalClient.listExternalUserRequests', externalLibrary);

console.log(JSON.stringify({
  steps,
  unserved,
  assistantText: externalAssistant.data.output_text,
  sessionInfo,
  renderStatus: rendered.status,
  renderId: externalRender.data.request_id,
  outroId: externalOutroUpdate.data.request_id,
  footerId: externalFooterUpdate.data.request_id,
  templateId: externalEmbedding.data.template_id,
  publishedTitle: published.data.publication?.title,
  libraryIds,
  loginUrl: login.data.loginUrl,
  verifiedIsExternal: verified.data.isExternalUser,
  externalLibraryIds: externalLibrary.data.requests.map((request) => request.request_id),
}));
