"""Outreach campaigns: definitions, planner, rendering, dispatch, receipts and scheduling."""

from campaigns.chat_store import ChatStore
from campaigns.compose import CampaignComposer, SharedRenderer
from campaigns.definition import (
    CampaignDefinition,
    DefinitionError,
    MessageClass,
    Priority,
    Window,
    load_definition,
    parse_definition,
)
from campaigns.dispatcher import Dispatcher, DispatchSettings, Gateway
from campaigns.leader import LeaderLock
from campaigns.model import MessageStatus
from campaigns.personal import VARIABLES, personal_variables
from campaigns.planner import Exclusion, PlanSummary
from campaigns.questions import (
    QuestionCursor,
    StoredQuestion,
    close_question,
    get_question,
    list_questions,
    question_cursor,
)
from campaigns.ratelimit import Pause, TokenBucket
from campaigns.receipts import (
    CampaignCallbacks,
    apply_inbound,
    apply_receipts,
    inbound_key,
    is_stop,
)
from campaigns.render import Renderer
from campaigns.render_errors import MessageTooLong, TemplateError, TemplateNotApproved
from campaigns.replies import ReplyDesk
from campaigns.reply_campaigns import ANSWER_TEMPLATE, HANDOFF_TEMPLATE, ReplyRules
from campaigns.reply_decision import Decision, Knowledge, Triage, Verdict, decide
from campaigns.reply_settings import ReplySettings
from campaigns.reply_text import short_answer
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
from campaigns.staff_replies import ReplyOutcome, StaffReplyError, reply_to_question
from campaigns.stream import SendQueue
from campaigns.templates import TemplateRegistry, TemplateUse
from campaigns.timing import open_hours_per_day, utc_now
from campaigns.transactional import SmsCodeSender, TransactionalSms, transactional_approvals

__all__ = [
    "ANSWER_TEMPLATE",
    "HANDOFF_TEMPLATE",
    "VARIABLES",
    "CampaignCallbacks",
    "CampaignComposer",
    "CampaignDefinition",
    "CampaignError",
    "ChatStore",
    "Decision",
    "DefinitionError",
    "DispatchSettings",
    "Dispatcher",
    "Exclusion",
    "Gateway",
    "Knowledge",
    "LeaderLock",
    "LeaderScheduler",
    "MessageClass",
    "MessageStatus",
    "MessageTooLong",
    "Pause",
    "PlanSummary",
    "Priority",
    "QuestionCursor",
    "Renderer",
    "ReplyDesk",
    "ReplyOutcome",
    "ReplyRules",
    "ReplySettings",
    "SendQueue",
    "SharedRenderer",
    "SmsCodeSender",
    "StaffReplyError",
    "StoredCampaign",
    "StoredQuestion",
    "TemplateError",
    "TemplateNotApproved",
    "TemplateRegistry",
    "TemplateUse",
    "TokenBucket",
    "TransactionalSms",
    "Triage",
    "Upkeep",
    "Verdict",
    "Window",
    "apply_inbound",
    "apply_receipts",
    "campaign_status",
    "cancel_campaign",
    "close_question",
    "create_campaign",
    "decide",
    "get_question",
    "inbound_key",
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
    "question_cursor",
    "reply_to_question",
    "resume_campaign",
    "short_answer",
    "sms_parts",
    "transactional_approvals",
    "utc_now",
]
