"""Outreach campaigns: definitions, planner, rendering, dispatch, receipts and scheduling."""

from campaigns.compose import CampaignComposer, SharedRenderer
from campaigns.definition import (
    CampaignDefinition,
    DefinitionError,
    MessageClass,
    Priority,
    load_definition,
    parse_definition,
)
from campaigns.dispatcher import Dispatcher, DispatchSettings, Gateway
from campaigns.leader import LeaderLock
from campaigns.model import MessageStatus
from campaigns.personal import VARIABLES, personal_variables
from campaigns.planner import Exclusion, PlanSummary
from campaigns.questions import StoredQuestion, close_question, list_questions
from campaigns.ratelimit import Pause, TokenBucket
from campaigns.receipts import CampaignCallbacks, apply_inbound, apply_receipts, is_stop
from campaigns.render import Renderer
from campaigns.render_errors import MessageTooLong, TemplateError, TemplateNotApproved
from campaigns.scheduling import LeaderScheduler, Upkeep
from campaigns.service import (
    CampaignError,
    StoredCampaign,
    campaign_status,
    cancel_campaign,
    create_campaign,
    launch_campaign,
    list_campaigns,
    load_campaign,
    pause_campaign,
    plan_campaign,
    resume_campaign,
)
from campaigns.sms_length import is_gsm7, sms_parts
from campaigns.stream import SendQueue
from campaigns.templates import TemplateRegistry
from campaigns.timing import open_hours_per_day, utc_now

__all__ = [
    "VARIABLES",
    "CampaignCallbacks",
    "CampaignComposer",
    "CampaignDefinition",
    "CampaignError",
    "DefinitionError",
    "DispatchSettings",
    "Dispatcher",
    "Exclusion",
    "Gateway",
    "LeaderLock",
    "LeaderScheduler",
    "MessageClass",
    "MessageStatus",
    "MessageTooLong",
    "Pause",
    "PlanSummary",
    "Priority",
    "Renderer",
    "SendQueue",
    "SharedRenderer",
    "StoredCampaign",
    "StoredQuestion",
    "TemplateError",
    "TemplateNotApproved",
    "TemplateRegistry",
    "TokenBucket",
    "Upkeep",
    "apply_inbound",
    "apply_receipts",
    "campaign_status",
    "cancel_campaign",
    "close_question",
    "create_campaign",
    "is_gsm7",
    "is_stop",
    "launch_campaign",
    "list_campaigns",
    "list_questions",
    "load_campaign",
    "load_definition",
    "open_hours_per_day",
    "parse_definition",
    "pause_campaign",
    "personal_variables",
    "plan_campaign",
    "resume_campaign",
    "sms_parts",
    "utc_now",
]
