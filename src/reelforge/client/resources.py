"""The methods, twice over: grouped by resource (``client.video.create_from_text``) and flat
under samsar-js's names in snake_case (``client.create_video_from_text``). Both are the same
endpoint builders, so the two spellings cannot drift apart."""

from __future__ import annotations

from reelforge.client import endpoints_account as account
from reelforge.client import endpoints_image as image
from reelforge.client import endpoints_video as video
from reelforge.client._binding import CoreT, Resource, endpoint


class VideoResource(Resource[CoreT]):
    create_from_text = endpoint(video.create_video_from_text)
    text_to_video = endpoint(video.create_text_to_video)
    create_from_image_list = endpoint(video.create_video_from_image_list)
    update_outro_image = endpoint(video.update_video_outro_image)
    update_footer_image = endpoint(video.update_video_footer_image)
    add_outro_image = endpoint(video.add_video_outro_image)
    translate = endpoint(video.translate_video)
    clone = endpoint(video.clone_video)
    join = endpoint(video.join_videos)
    remove_subtitles = endpoint(video.remove_subtitles)
    add_subtitles = endpoint(video.add_subtitles)
    cancel_render = endpoint(video.cancel_render)
    fetch_latest_version = endpoint(video.fetch_latest_video_version)
    list_completed_sessions = endpoint(video.list_completed_video_sessions)
    supported_models = endpoint(video.get_supported_text_to_video_models)
    supported_fonts = endpoint(video.get_supported_fonts)


class ImageResource(Resource[CoreT]):
    enhance = endpoint(image.enhance_image)
    remove_branding = endpoint(image.remove_branding_from_image)
    replace_branding = endpoint(image.replace_branding_from_image)
    extend_list = endpoint(image.extend_image_list)
    assign_title = endpoint(image.assign_image_title)
    create_rollup_banner = endpoint(image.create_rollup_banner)
    enhance_and_generate_rollup_banner = endpoint(image.enhance_and_generate_rollup_banner)
    status = endpoint(image.get_image_status)
    list = endpoint(image.list_image_requests)


class ReceiptsResource(Resource[CoreT]):
    create_template = endpoint(image.create_receipt_template)
    query = endpoint(image.query_receipt_template)
    template_json = endpoint(image.get_receipt_template_json)


class CreditsResource(Resource[CoreT]):
    balance = endpoint(account.get_credits_balance)
    ledger = endpoint(account.get_credits_ledger)


class FlatMethods:
    """One method per samsar-js method (snake_case), plus reelforge's extra routes."""

    # video
    create_video_from_text = endpoint(video.create_video_from_text)
    create_text_to_video = endpoint(video.create_text_to_video)
    create_video_from_image_list = endpoint(video.create_video_from_image_list)
    update_video_outro_image = endpoint(video.update_video_outro_image)
    update_video_footer_image = endpoint(video.update_video_footer_image)
    add_video_outro_image = endpoint(video.add_video_outro_image)
    translate_video = endpoint(video.translate_video)
    clone_video = endpoint(video.clone_video)
    join_videos = endpoint(video.join_videos)
    remove_subtitles = endpoint(video.remove_subtitles)
    add_subtitles = endpoint(video.add_subtitles)
    cancel_render = endpoint(video.cancel_render)
    fetch_latest_video_version = endpoint(video.fetch_latest_video_version)
    list_completed_video_sessions = endpoint(video.list_completed_video_sessions)
    get_supported_text_to_video_models = endpoint(video.get_supported_text_to_video_models)
    get_supported_fonts = endpoint(video.get_supported_fonts)
    # image
    enhance_image = endpoint(image.enhance_image)
    remove_branding_from_image = endpoint(image.remove_branding_from_image)
    replace_branding_from_image = endpoint(image.replace_branding_from_image)
    extend_image_list = endpoint(image.extend_image_list)
    assign_image_title = endpoint(image.assign_image_title)
    assign_title_to_image = endpoint(image.assign_image_title)
    create_receipt_template = endpoint(image.create_receipt_template)
    query_receipt_template = endpoint(image.query_receipt_template)
    get_receipt_template_json = endpoint(image.get_receipt_template_json)
    create_rollup_banner = endpoint(image.create_rollup_banner)
    enhance_and_generate_rollup_banner = endpoint(image.enhance_and_generate_rollup_banner)
    get_image_status = endpoint(image.get_image_status)
    list_image_requests = endpoint(image.list_image_requests)
    # status and account
    get_status = endpoint(account.get_status)
    get_credits_balance = endpoint(account.get_credits_balance)
    get_credits_ledger = endpoint(account.get_credits_ledger)


# samsar-js camelCase name -> the flat snake_case method above (the compatibility docs use it).
SAMSAR_METHODS: dict[str, str] = {
    "createVideoFromText": "create_video_from_text",
    "createVideoFromImageList": "create_video_from_image_list",
    "updateVideoOutroImage": "update_video_outro_image",
    "updateVideoFooterImage": "update_video_footer_image",
    "addVideoOutroImage": "add_video_outro_image",
    "translateVideo": "translate_video",
    "cloneVideo": "clone_video",
    "joinVideos": "join_videos",
    "removeSubtitles": "remove_subtitles",
    "addSubtitles": "add_subtitles",
    "cancelRender": "cancel_render",
    "fetchLatestVideoVersion": "fetch_latest_video_version",
    "listCompletedVideoSessions": "list_completed_video_sessions",
    "getSupportedTextToVideoModels": "get_supported_text_to_video_models",
    "enhanceImage": "enhance_image",
    "removeBrandingFromImage": "remove_branding_from_image",
    "replaceBrandingFromImage": "replace_branding_from_image",
    "extendImageList": "extend_image_list",
    "assignImageTitle": "assign_image_title",
    "assignTitleToImage": "assign_title_to_image",
    "createReceiptTemplate": "create_receipt_template",
    "queryReceiptTemplate": "query_receipt_template",
    "getReceiptTemplateJson": "get_receipt_template_json",
    "createRollupBanner": "create_rollup_banner",
    "enhanceAndGenerateRollupBanner": "enhance_and_generate_rollup_banner",
    "getImageStatus": "get_image_status",
    "getStatus": "get_status",
    "getCreditsBalance": "get_credits_balance",
}
