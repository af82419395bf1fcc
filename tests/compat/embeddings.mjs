// The samsar-js readme's embeddings examples, run verbatim (only the crawled site's host differs: the readme's
// example.com is replaced by COMPAT_SITE_URL, a local fixture site, because nothing outside can be reached),
// and one scenario per embeddings method built on their results. Imported by compat.mjs.

export function embeddingScenarios({ client, expect, expectError, once, site }) {
  const samsar = client;
  const SITE = site ?? 'https://example.com';

  // Exactly the readme's calls, in its order, with what each returned.
  const readme = () => once('embeddings-readme', async () => {
    // Create embeddings from a JSON array
    const embedding = await samsar.createEmbedding({
      name: 'listings',
      records: [
        { id: '1', city: 'Austin', price: 1800, description: 'Modern 1BR close to downtown.' },
        { id: '2', city: 'Dallas', price: 2200, description: 'Spacious 2BR with a balcony.' },
      ],
      field_options: {
        description: { searchable: true },
        internal_notes: { searchable: false, retrievable: false },
        price: { filterable: true },
      },
    });

    // Create embeddings from one URL or a URL list
    const websiteEmbedding = await samsar.createEmbeddingFromUrl({
      name: 'product-docs',
      levels: 2,
      urls: [
        `${SITE}/docs/getting-started`,
        `${SITE}/docs/pricing`,
      ],
    });

    // Create embeddings from already cleaned plain text without crawling
    const cleanTextEmbedding = await samsar.generateEmbeddingsFromPlainText({
      name: 'product-docs-clean',
      plain_text: [
        {
          url: 'https://example.com/docs/getting-started',
          title: 'Getting Started',
          content: 'Cleaned plain text content from the page.',
        },
      ],
    });

    // Search against an embedding template
    const search = await samsar.searchAgainstEmbedding({
      template_id: embedding.data.template_id,
      search_term: '2 bedroom apartment in Dallas under 2500',
      search_params: { city: 'Dallas', price: { max: 2500 } },
      rerank: true,
    });

    // Find similar results (natural language or JSON search)
    const similar = await samsar.similarToEmbedding({
      template_id: embedding.data.template_id,
      search_json: { city: 'Austin', price: 2000, description: 'modern downtown apartment' },
      search_params: { city: 'Austin' },
    });

    // Delete all embeddings for a template
    const deletedAll = await samsar.deleteEmbeddings({
      template_id: embedding.data.template_id,
    });

    // Delete a single embedding by record id (source id)
    const deletedOne = await samsar.deleteEmbedding({
      template_id: embedding.data.template_id,
      source_id: '2',
    });
    return { embedding, websiteEmbedding, cleanTextEmbedding, search, similar, deletedAll, deletedOne };
  });

  const externalUser = {
    provider: 'whop',
    unique_key: 'whop:usr_123',
    external_user_id: 'usr_123',
    external_app_id: 'app_abc',
    username: 'roy24x7',
  };
  // External users pay from their own wallet (docs/platform.md): the platform grants credits first.
  const external = () => once('embeddings-external', async () => (await samsar.grantExternalUserCredits(externalUser, 1000))
    && samsar.generateExternalEmbeddingsFromPlainText(
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
  ));

  // A template the update/status/list scenarios may change without touching the readme's.
  const scratch = () => once('embeddings-scratch', () => samsar.createEmbedding({
    name: 'scratch',
    records: [{ id: 'a', city: 'Lima', description: 'Quiet studio near the sea' }],
    field_options: { description: { searchable: true }, city: { filterable: true } },
  }));

  const NOPE = 'emb_does_not_exist';
  const created = (r, what) => {
    expect(r.status === 200, `${what}: status ${r.status}`);
    expect(typeof r.data.template_id === 'string' && r.data.template_id, `${what}: data.template_id missing`);
    expect(typeof r.creditsCharged === 'number' && r.creditsCharged >= 1, `${what}: creditsCharged ${r.creditsCharged}`);
    return `2xx, data.template_id, record_count=${r.data.record_count}, creditsCharged=${r.creditsCharged}`;
  };

  return {
    async createEmbedding() {
      const { embedding } = await readme();
      return [created(embedding, 'createEmbedding'),
        await expectError(samsar.createEmbedding({ name: 'x', records: [{ id: '1', price: 3 }] }), 400, 'records without text')];
    },
    async createEmbeddingFromUrl() {
      const { websiteEmbedding: w } = await readme();
      expect(w.data.processed_url_count >= 2, `processed_url_count ${w.data.processed_url_count}`);
      expect(w.data.crawl_levels === 2, `crawl_levels ${w.data.crawl_levels}`);
      return [`${created(w, 'createEmbeddingFromUrl')}, processed_url_count=${w.data.processed_url_count}`,
        await expectError(samsar.createEmbeddingFromUrl({ name: 'x', urls: [`${SITE}/`], levels: 4 }), 400, 'levels 4')];
    },
    async generateEmbeddingsFromPlainText() {
      const { cleanTextEmbedding: c } = await readme();
      expect(c.data.record_count === 1, `record_count ${c.data.record_count}`);
      return [created(c, 'generateEmbeddingsFromPlainText'),
        await expectError(samsar.generateEmbeddingsFromPlainText({ name: 'x', plain_text: [{ content: '' }] }), 400, 'empty content')];
    },
    async generateExternalEmbeddingsFromPlainText() {
      const e = await external();
      const hidden = await expectError(samsar.searchAgainstEmbedding({ template_id: e.data.template_id, search_term: 'faq' }), 404,
        'the account without the external user');
      return [created(e, 'generateExternalEmbeddingsFromPlainText'), `${hidden} for the account itself`];
    },
    async searchAgainstEmbedding() {
      const { search } = await readme();
      const ids = search.data.results.map((r) => r.id);
      expect(JSON.stringify(ids) === '["2"]', `readme search returned ${JSON.stringify(ids)}, expected ["2"]`);
      expect(search.creditsCharged >= 1, 'search is billed by tokens');
      return [`2xx, data.results=${JSON.stringify(ids)} (Dallas, ≤ 2500), creditsCharged=${search.creditsCharged}`,
        await expectError(samsar.searchAgainstEmbedding({ template_id: NOPE, search_term: 'x' }), 404, 'unknown template')];
    },
    async searchAgainstEmbeddings() {
      const s = await scratch();
      const r = await samsar.searchAgainstEmbeddings({ template_id: s.data.template_id, search_term: 'studio by the sea' });
      expect(r.data.results?.[0]?.id === 'a', `results ${JSON.stringify(r.data.results)}`);
      return ['2xx, data.results[0].id', await expectError(samsar.searchAgainstEmbeddings({ template_id: s.data.template_id, search_term: '' }), 400, 'empty search_term')];
    },
    async similarToEmbedding() {
      const { similar } = await readme();
      const ids = similar.data.matches.map((m) => m.id);
      expect(JSON.stringify(ids) === '["1"]', `readme similar returned ${JSON.stringify(ids)}, expected ["1"]`);
      return [`2xx, data.matches=${JSON.stringify(ids)} (Austin)`,
        await expectError(samsar.similarToEmbedding({ template_id: NOPE, search_json: { description: 'x' } }), 404, 'unknown template')];
    },
    async deleteEmbeddings() {
      const { deletedAll } = await readme();
      expect(deletedAll.data.deleted_count === 2 && deletedAll.creditsCharged === 0, `deleted ${deletedAll.data.deleted_count}, charged ${deletedAll.creditsCharged}`);
      return ['2xx, data.deleted_count=2, free', await expectError(samsar.deleteEmbeddings({ template_id: NOPE }), 404, 'unknown template')];
    },
    async deleteEmbedding() {
      const { deletedOne } = await readme();
      expect(deletedOne.data.deleted_count === 0, 'record 2 was already gone with the template\'s embeddings');
      return ['2xx, data.deleted_count', await expectError(samsar.deleteEmbedding({ template_id: NOPE, source_id: '2' }), 404, 'unknown template')];
    },
    async updateEmbedding() {
      const s = await scratch();
      const r = await samsar.updateEmbedding({ template_id: s.data.template_id, records: [{ id: 'b', city: 'Cusco', description: 'Mountain lodge' }] });
      expect(r.data.record_count === 2, `record_count ${r.data.record_count}`);
      return [`2xx, data.record_count=2, creditsCharged=${r.creditsCharged}`,
        await expectError(samsar.updateEmbedding({ template_id: NOPE, records: [{ id: 'x', description: 'y' }] }), 404, 'unknown template')];
    },
    async getEmbeddingStatus() {
      const s = await scratch();
      const r = await samsar.getEmbeddingStatus(s.data.template_id);
      expect(r.data.has_embeddings === true && r.data.status === 'ready', `status ${JSON.stringify(r.data)}`);
      return ['2xx, data.has_embeddings, data.status=ready', await expectError(samsar.getEmbeddingStatus(NOPE), 404, 'unknown template')];
    },
    async listEmbeddingTemplates() {
      const s = await scratch();
      const r = await samsar.listEmbeddingTemplates({ limit: 100 });
      expect(r.data.templates.some((t) => t.template_id === s.data.template_id), 'the scratch template is not listed');
      const e = await external();
      expect(!r.data.templates.some((t) => t.template_id === e.data.template_id), 'an external user\'s template is listed for the account');
      return [`2xx, data.templates (${r.data.templates.length}), data.pagination`];
    },
    async createExternalEmbeddings() {
      const r = await samsar.createExternalEmbeddings({ input: ['hello world', 'hola mundo'] });
      expect(r.data.data.length === 2 && r.data.data[0].embedding.length === r.data.dimensions, 'vectors missing');
      return [`2xx, data.data[].embedding (${r.data.dimensions}-d, ${r.data.model})`,
        await expectError(samsar.createExternalEmbeddings({ input: 'x', model: 'text-embedding-3-small', dimensions: 1536 }), 400, 'dimensions 1536')];
    },
  };
}
