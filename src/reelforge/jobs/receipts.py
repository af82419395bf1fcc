"""Receipt templates: ``receipt_template_create`` builds and saves a template from one sample
receipt (free); ``receipt_template_query`` extracts and validates a receipt against a template
(50 credits). Both answer synchronously."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from reelforge.core import receipt_templates
from reelforge.core.pricing import PriceTable
from reelforge.jobs.base import ImageStageKind, JobInput, Prepared, PrepareEnv, StageContext, StageDef
from reelforge.jobs.body import RequestBody
from reelforge.jobs.catalog import register
from reelforge.jobs.media import echo_url
from reelforge.stages.image_receipts import create_template, query_template
from reelforge.stages.outputs import StageOutput

_IMAGE_URL = AliasChoices("image_url", "imageUrl", "receipt_url", "receiptUrl", "template_url", "templateUrl")


class ReceiptTemplateCreateRequest(RequestBody):
    image_url: str = Field(..., min_length=1, validation_alias=_IMAGE_URL, description="the sample receipt")
    template_name: str | None = Field(
        None, max_length=200, validation_alias=AliasChoices("template_name", "templateName")
    )


class ReceiptQueryRequest(RequestBody):
    template_id: str = Field(
        ...,
        min_length=1,
        validation_alias=AliasChoices("template_id", "templateId", "receipt_template_id", "receiptTemplateId"),
    )
    image_url: str = Field(
        ..., min_length=1, validation_alias=AliasChoices("image_url", "imageUrl", "receipt_url", "receiptUrl")
    )


class TemplateCreateJob(JobInput):
    input_key: str
    image_url: str
    template_id: str
    template_name: str | None = None


class TemplateQueryJob(JobInput):
    input_key: str
    image_url: str
    template_id: str


def _create(ctx: StageContext[TemplateCreateJob]) -> StageOutput:
    job = ctx.job
    return create_template(ctx.env, job.input_key, job.template_id, job.template_name, job.image_url)


def _query(ctx: StageContext[TemplateQueryJob]) -> StageOutput:
    return query_template(ctx.env, ctx.job.input_key, ctx.job.template_id)


class CreateReceiptTemplate(
    ImageStageKind[ReceiptTemplateCreateRequest, TemplateCreateJob],
    case_type="receipt_template_create", id_prefix="rcpt_tpl_req",
):
    input_model = TemplateCreateJob
    only_stage = StageDef[TemplateCreateJob]("receipt_template_create", _create)

    def prepare(self, body: ReceiptTemplateCreateRequest, env: PrepareEnv) -> Prepared[TemplateCreateJob]:
        stored = env.media.image(body.image_url, "image_url")
        return Prepared(
            TemplateCreateJob(
                input_key=stored.key,
                image_url=echo_url(body.image_url),
                template_id=receipt_templates.new_template_id(),
                template_name=body.template_name,
            )
        )

    def price(self, job: TemplateCreateJob, prices: PriceTable) -> int:
        return prices.route("receipt_template_create")


class QueryReceiptTemplate(
    ImageStageKind[ReceiptQueryRequest, TemplateQueryJob], case_type="receipt_template_query", id_prefix="rcpt_q"
):
    input_model = TemplateQueryJob
    only_stage = StageDef[TemplateQueryJob]("receipt_template_query", _query)

    def prepare(self, body: ReceiptQueryRequest, env: PrepareEnv) -> Prepared[TemplateQueryJob]:
        template = receipt_templates.get_owned(env.rt.db, env.owner, body.template_id)
        stored = env.media.image(body.image_url, "image_url")
        return Prepared(
            TemplateQueryJob(input_key=stored.key, image_url=echo_url(body.image_url), template_id=template.id)
        )

    def price(self, job: TemplateQueryJob, prices: PriceTable) -> int:
        return prices.route("receipt_template_query")


CREATE_RECEIPT_TEMPLATE = register(CreateReceiptTemplate())
QUERY_RECEIPT_TEMPLATE = register(QueryReceiptTemplate())
