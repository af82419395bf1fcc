// Scenarios for the platform methods (docs/platform.md): external users, login/auth/refresh tokens, app keys,
// payments and publications. Imported by compat.mjs; tests/platform runs the readme's external-user story.

export function platformScenarios({ client, expect, expectError, once, completedSession, pollUntilFinal, cancelQuietly,
  SamsarClient, BASE, IMAGE }) {
  const user = { provider: 'compat', unique_key: 'compat:u1', external_user_id: 'u1', username: 'compat' };
  const other = { provider: 'compat', unique_key: 'compat:u2', external_user_id: 'u2' };
  const SECRET = 'compat-app-secret-0123456789-abcdefghij';
  const USER_RECHARGE = { amount: 25, email: 'member@example.com', redirect_url: 'https://example.com/samsar/callback' };
  const funded = () => once('ext-funded', async () => {
    const session = await client.createExternalUserSession(user);
    await client.grantExternalUserCredits(user, 20000);
    return session;
  });
  const extRender = () => once('ext-render', async () => {
    await funded();
    const r = await client.createExternalVideoFromText(user, { prompt: 'A compat teaser', duration: 5 });
    const final = await pollUntilFinal(r.data.request_id, (id) => client.getExternalStatus(id));
    expect(final.status === 'COMPLETED', `external render ended ${final.status}`);
    return r.data.request_id;
  });
  const extOp = async (name, input) => {
    const rid = await extRender();
    const r = await client[name](user, { request_id: rid, ...input });
    expect(r.data.request_id.startsWith('extreq_'), `${name}: not an extreq_ id`);
    await cancelQuietly(r.data.request_id);
    return [`2xx, extreq_ id, creditsCharged=${r.creditsCharged}`,
      await expectError(client[name](other, { request_id: rid, ...input }), 404, 'another external user')];
  };
  const paid = (fn) => async () => {
    const r = await fn();
    expect(r.data.status === 'pending' && r.data.checkoutSessionId, 'recharge not pending');
    return [`2xx, data.status=pending, amountCents=${r.data.amountCents}`];
  };
  const login = () => once('login', async () => {
    const token = (await client.createLoginToken()).data.loginToken;
    return (await client.verifyClientSession({ loginToken: token })).data;
  });
  const appKey = () => once('app-key', async () => (await client.createV2UserAppKey({ secret: SECRET })).data.appKey);
  const publication = (name) => async () => {
    const sid = await completedSession();
    await client.publishPublication({ session_id: sid, title: 'Compat' });
    const r = await client[name]({ session_id: sid, title: 'Compat' });
    expect(r.status === 200, `${name}: ${r.status}`);
    return ['2xx', await expectError(client[name]({ session_id: 'vid_nope' }), 404, 'unknown session')];
  };
  // Publishing is idempotent (and undoes an earlier scenario's revoke): every gallery scenario starts from it.
  const published = async () => {
    const r = await client.publishPublication({ session_id: await completedSession(), title: 'Compat gallery' });
    return r.data.publication.id;
  };
  const gallery = (name, payload, check) => async () => {
    const id = await published();
    const r = await client[name](typeof payload === 'function' ? payload(id) : payload);
    expect(r.status === 200, `${name}: ${r.status}`);
    return [`2xx, ${check(r.data, id)}`];
  };
  return {
    searchGallery: gallery('searchGallery', { query: 'Compat gallery', limit: 5 }, (d, id) => {
      expect(d.items.some((i) => i.id === id), 'published session not found');
      return `found the publication among ${d.total}`;
    }),
    getGalleryRecommendations: gallery('getGalleryRecommendations', (id) => ({ publication_id: id }),
      (d) => `reason=${d.reason}`),
    recordGalleryView: gallery('recordGalleryView', (id) => ({ publication_id: id, viewer_id: 'compat' }),
      (d) => { expect(d.recorded === true, 'not recorded'); return `countedView=${d.countedView}`; }),
    syncGalleryEmbeddings: gallery('syncGalleryEmbeddings', {}, (d) => `status=${d.status}, indexed=${d.indexed}`),
    updateGalleryPublicationEmbeddings: gallery('updateGalleryPublicationEmbeddings', {},
      (d) => `status=${d.status}, refreshed=${d.refreshed}`),
    async getGalleryEmbeddingStatus() {
      await published();
      const r = await client.getGalleryEmbeddingStatus();
      expect(r.data.indexedPublications >= 1, 'nothing indexed');
      return [`2xx, indexedPublications=${r.data.indexedPublications}`];
    },
    async listInteractivePublications() {
      const id = await published();
      const r = await client.listInteractivePublications({ limit: 200 });
      expect(r.data.items.some((i) => i.id === id), 'publication not listed');
      return ['2xx, lists the publication'];
    },
    async getInteractivePublication() {
      const id = await published();
      const r = await client.getInteractivePublication(id);
      expect(r.data.publication.manifest.outputs.paths.length === 1, 'not one path');
      return ['2xx, one-path manifest', await expectError(client.getInteractivePublication('pub_nope'), 404,
        'unknown publication')];
    },
    async createExternalUserSession() {
      const r = await funded();
      expect(typeof r.data.external_api_key === 'string', 'no external_api_key');
      return [`2xx, external_api_key, remainingCredits=${r.data.remainingCredits}`];
    },
    async grantExternalUserCredits() {
      await funded();
      const r = await client.grantExternalUserCredits(user, 1);
      return [`2xx, creditsGranted=${r.data.creditsGranted}`];
    },
    async getExternalCreditsBalance() {
      await funded();
      const r = await client.getExternalCreditsBalance(user);
      expect(typeof r.data.remainingCredits === 'number' && r.data.external_user, 'external balance missing');
      return [`2xx, remainingCredits=${r.data.remainingCredits}`];
    },
    async setExternalAssistantSystemPrompt() {
      const r = await client.setExternalAssistantSystemPrompt({ system_prompt: 'Be brief.' }, user);
      expect(r.data.system_prompt === 'Be brief.', 'prompt not stored');
      return ['2xx, data.system_prompt'];
    },
    async createExternalAssistantSession() {
      await funded();
      const r = await client.createExternalAssistantSession(user, { session_name: 'launch' });
      expect(r.data.session_id?.startsWith('extreq_') && r.creditsCharged === 0, 'no free extreq_ session');
      return ['2xx, data.session_id=extreq_…, creditsCharged=0'];
    },
    async createExternalAssistantCompletion() {
      const r = await client.createExternalAssistantCompletion({
        session_id: await extRender(),
        input: 'Write a product caption for this video and suggest a headline.',
        max_output_tokens: 40,
      }, user);
      expect(typeof r.data.output_text === 'string' && r.data.output_text.trim(), 'no output_text');
      expect(r.creditsCharged > 0, 'not charged');
      return [`2xx, data.output_text, creditsCharged=${r.creditsCharged}`,
        await expectError(client.createExternalAssistantCompletion({ session_id: 'extreq_nope', input: 'hi' }, user),
          404, 'unknown session')];
    },
    async createExternalVideoFromText() {
      const rid = await extRender();
      // The id's kind, not the id itself: docs/compatibility.md must not change on every run.
      return [`2xx, ${rid.replace(/[0-9a-f]+$/, '…')}, then COMPLETED`];
    },
    async createExternalVideoFromImageList() {
      await funded();
      const r = await client.createExternalVideoFromImageList(user, { image_urls: [IMAGE, IMAGE] });
      await cancelQuietly(r.data.request_id);
      return [`2xx, creditsCharged=${r.creditsCharged}`];
    },
    getExternalStatus: async () => [`2xx, ${(await client.getExternalStatus(await extRender())).data.status}`,
      await expectError(client.getExternalStatus('extreq_nope'), 404, 'unknown id')],
    getExternalStatusDetailed: async () => [`2xx, ${(await client.getExternalStatusDetailed(await extRender())).data.status}`],
    updateExternalVideoOutroImage: () => extOp('updateExternalVideoOutroImage', { generate_outro_image: true, cta_url: 'https://example.com' }),
    addExternalVideoOutroImage: () => extOp('addExternalVideoOutroImage', { outro_image_url: IMAGE }),
    updateExternalVideoFooterImage: () => extOp('updateExternalVideoFooterImage', { cta_text: 'Shop', cta_url: 'https://example.com' }),
    async listExternalUserRequests() {
      const rid = await extRender();
      const r = await client.listExternalUserRequests(user, { limit: 50 });
      expect(r.data.requests.some((q) => q.request_id === rid), 'render not listed');
      return ['2xx, data.requests'];
    },
    async publishExternalUserRequest() {
      const r = await client.publishExternalUserRequest(await extRender(), { title: 'Compat' }, user);
      expect(r.data.publication?.title === 'Compat', 'no publication');
      return ['2xx, data.publication'];
    },
    async archiveExternalUserRequest() {
      // A request of its own (a free assistant session): the shared render must stay in the library that
      // listExternalUserRequests reads.
      await funded();
      const own = (await client.createExternalAssistantSession(user, { session_name: 'to archive' })).data.session_id;
      const r = await client.archiveExternalUserRequest(own, user);
      expect(r.data.request?.archived === true, 'not archived');
      const library = (await client.listExternalUserRequests(user, { limit: 50 })).data.requests;
      expect(!library.some((q) => q.request_id === own), 'archived request still listed');
      return ['2xx, data.request.archived, left out of the library',
        await expectError(client.archiveExternalUserRequest(own, other), 404, 'another external user')];
    },
    async chargeExternalUserUtilityUsage() {
      await funded();
      const r = await client.chargeExternalUserUtilityUsage({ utility_type: 'tts', credits: 3 }, user);
      expect(r.creditsCharged === 3, `charged ${r.creditsCharged}`);
      return ['2xx, creditsCharged=3'];
    },
    async createExternalUserLoginToken() {
      const r = await client.createExternalUserLoginToken(user, { redirect: '/external/studio' });
      const v = await client.verifyClientSession({ loginToken: r.data.loginToken });
      expect(v.data.isExternalUser === true, 'not an external session');
      return ['2xx, loginToken, loginUrl', await expectError(client.verifyClientSession({ loginToken: r.data.loginToken }), 401, 'used twice')];
    },
    createLoginToken: async () => [`2xx, authToken=${Boolean((await login()).authToken)}`],
    createV2LoginToken: async () => [`2xx, loginToken=${Boolean((await client.createV2LoginToken()).data.loginToken)}`],
    verifyClientSession: async () => [`2xx, authToken=${Boolean((await login()).authToken)}`,
      await expectError(client.verifyClientSession({ loginToken: 'rf_login_nope' }), 401, 'unknown token')],
    async refreshV2UserToken() {
      const r = await client.refreshV2UserToken((await login()).refreshToken);
      return [`2xx, rotated=${r.data.refreshToken !== (await login()).refreshToken}`,
        await expectError(client.refreshV2UserToken((await login()).refreshToken), 401, 'reused')];
    },
    async refreshV2UserAuthToken() {
      const fresh = (await client.verifyClientSession({ loginToken: (await client.createLoginToken()).data.loginToken })).data;
      const r = await client.refreshV2UserAuthToken(fresh.refreshToken);
      return [`2xx, authToken=${Boolean(r.data.authToken)}`];
    },
    createV2UserAppKey: async () => [`2xx, appKey=${Boolean(await appKey())}`],
    getV2UserAppKey: async () => { await appKey(); return [`2xx, ${(await client.getV2UserAppKey()).data.app_keys.length} keys`]; },
    async refreshV2UserAppKey() {
      const r = await client.refreshV2UserAppKey({ appKey: await appKey(), secret: SECRET });
      const app = new SamsarClient({ appKey: r.data.appKey, appSecret: SECRET, baseUrl: BASE });
      return [`2xx, credits=${(await app.getV2UserCredits()).data.remainingCredits}`];
    },
    async revokeV2UserAppKey() {
      const key = (await client.createV2UserAppKey({ secret: SECRET })).data.appKey;
      const app = new SamsarClient({ appKey: key, appSecret: SECRET, baseUrl: BASE });
      await app.revokeV2UserAppKey();
      return ['2xx', await expectError(app.getV2UserCredits(), 401, 'revoked key')];
    },
    async createV2ExternalUser() {
      const r = await client.createV2ExternalUser({ unique_key: 'wallet:0xcompat', email: 'member@example.com' });
      expect(r.data.unique_key === 'wallet:0xcompat', 'unique_key not echoed');
      return ['2xx, data.unique_key'];
    },
    getV2UserCredits: async () => [`2xx, ${(await client.getV2UserCredits()).data.remainingCredits}`],
    getV2Credits: async () => [`2xx, ${(await client.getV2Credits()).data.remainingCredits}`],
    getV2UserUsageLogs: async () => [`2xx, ${(await client.getV2UserUsageLogs({ page: 1, pageSize: 5 })).data.items.length} items`],
    listV2Requests: async () => [`2xx, ${(await client.listV2Requests()).data.requests.length} requests`],
    createCreditsRecharge: paid(() => client.createCreditsRecharge(2500)),
    createV2CreditsRecharge: paid(() => client.createV2CreditsRecharge(2500)),
    createExternalCreditsRecharge: paid(() => client.createExternalCreditsRecharge(user, 2500)),
    async getPaymentStatus() {
      const r = await client.createCreditsRecharge(100);
      const s = await client.getPaymentStatus({ checkoutSessionId: r.data.checkoutSessionId });
      return [`2xx, status=${s.data.status}`, await expectError(client.getPaymentStatus({ checkoutSessionId: 'nope' }), 404, 'unknown')];
    },
    async getV2PaymentStatus() {
      const r = await client.createCreditsRecharge(100);
      return [`2xx, status=${(await client.getV2PaymentStatus({ checkoutSessionId: r.data.checkoutSessionId })).data.status}`];
    },
    createV2UserRechargeCredits: async () => [
      ...(await paid(() => client.createV2UserRechargeCredits(USER_RECHARGE))()),
      await expectError(client.createV2UserRechargeCredits({ ...USER_RECHARGE, email: 'nobody' }), 400, 'bad email'),
    ],
    async getV2UserPaymentStatus() {
      const r = await client.createV2UserRechargeCredits(USER_RECHARGE);
      const s = await client.getV2UserPaymentStatus({ checkoutSessionId: r.data.checkoutSessionId });
      expect(s.data.status === 'pending' && s.data.credits === 2500, 'status or credits wrong');
      return [`2xx, status=${s.data.status}`,
        await expectError(client.getV2UserPaymentStatus({ checkoutSessionId: 'nope' }), 404, 'unknown')];
    },
    async grantV2Credits() {
      await funded();
      const before = (await client.getExternalCreditsBalance(user)).data.remainingCredits;
      const account = (await client.getCreditsBalance()).data.credits;
      const r = await client.grantV2Credits(100, { externalUser: user });
      expect(r.data.creditsGranted === 100 && r.data.remainingCredits === before + 100, 'user balance not raised');
      expect(r.data.internalRemainingCredits === account - 100, 'account balance not lowered');
      expect((await client.getCreditsBalance()).data.credits === account - 100, 'account balance differs');
      return [`2xx, creditsGranted=100, account -100, user +100`,
        await expectError(client.grantV2Credits(account, { externalUser: { unique_key: user.unique_key } }), 402,
          'over the balance'),
        await expectError(client.grantV2Credits(1, { externalUser: { unique_key: 'compat:nobody' } }), 404,
          'unknown user')];
    },
    async getExternalPaymentStatus() {
      const r = await client.createExternalCreditsRecharge(user, 100);
      return [`2xx, status=${(await client.getExternalPaymentStatus({ external_payment_id: r.data.external_payment_id })).data.status}`];
    },
    async enableAutoRecharge() {
      const r = await client.enableAutoRecharge({ thresholdCredits: 100, amountUsd: 10, maxMonthlyUsd: 50 });
      expect(r.data.autoRechargeEnabled === true, 'not enabled');
      return ['2xx, autoRechargeEnabled'];
    },
    async updateAutoRechargeThreshold() {
      await client.enableAutoRecharge({ thresholdCredits: 100, amountUsd: 10, maxMonthlyUsd: 50 });
      const r = await client.updateAutoRechargeThreshold({ thresholdCredits: 50 });
      expect(r.data.autoRechargeThreshold === 50, 'threshold not changed');
      return ['2xx, autoRechargeThreshold=50'];
    },
    publishPublication: publication('publishPublication'),
    publishSessionPublication: publication('publishSessionPublication'),
    editPublication: publication('editPublication'),
    editSessionPublication: publication('editSessionPublication'),
    revokePublication: async () => { const n = await publication('publishPublication')(); await client.revokePublication({ session_id: await completedSession() }); return n; },
    revokeSessionPublication: async () => { await publication('publishPublication')(); await client.revokeSessionPublication({ session_id: await completedSession() }); return ['2xx']; },
  };
}
